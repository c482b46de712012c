/**
 * The state behind the job detail: the description and metrics of one training job,
 * kept current from the events socket (`job.status` patches the status at once and
 * schedules one re-read, `job.metrics` appends points, a reconnection catches up), the
 * log tail, and the Stop / Deploy actions.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError } from '../../panel/live';
import { IActionSlot, IModelSources, ViewModel } from '../../panel/viewModel';
import {
  IJobMetricsPayload,
  IJobStatusPayload,
  IMetricSeries,
  isActiveStatus,
  ITrainingJobDescription
} from '../../types';
import { TransformFormModel } from '../kinds/transformFormModel';
import { logHostsOf, mergePoints } from './jobData';
import { LogTailModel } from './logTailModel';

/** The route that serves a job's archives (older servers lack it). */
export const ARTIFACTS_ROUTE = '/jobs/{name}/artifacts/{kind}';

export interface IJobDetailModelOptions extends IModelSources {
  name: string;
  /** Delay that folds a burst of status events into one re-read (ms). */
  reloadDelay?: number;
  /** Log poll period while the job runs (ms). */
  logInterval?: number;
}

export class JobDetailModel extends ViewModel {
  constructor(options: IJobDetailModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    this.name = options.name;
    this._reloadDelay = options.reloadDelay ?? 250;
    this.log = new LogTailModel({
      client: options.client,
      name: options.name,
      interval: options.logInterval
    });
  }

  readonly name: string;
  /** The log tail of this job (it follows the job's status). */
  readonly log: LogTailModel;

  get job(): ITrainingJobDescription | null {
    return this._job;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  get metrics(): readonly IMetricSeries[] {
    return this._metrics;
  }
  /** Whether the job still runs. */
  get active(): boolean {
    return !!this._job && isActiveStatus(this._job.TrainingJobStatus);
  }
  /** An action (stop, deploy) is under way. */
  get busy(): boolean {
    return this._busy;
  }
  /** Why the last action failed. */
  get actionError(): string | null {
    return this._actionError;
  }
  /** Whether the server offers archive downloads. */
  get downloads(): boolean {
    return this._downloads;
  }

  /** Read the job, then follow its events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    this.followResource(this._events, this.name, () => void this.reload(), {
      'job.status': payload => {
        this.applyStatus(payload as IJobStatusPayload);
        this.debounce.schedule(
          'reload',
          this._reloadDelay,
          () => void this.reload()
        );
      },
      'job.metrics': payload => {
        const points = (payload as IJobMetricsPayload).points;
        if (points?.length) {
          this._metrics = mergePoints(this._metrics, points);
          this.emitChanged();
        }
      }
    });
    void this._client.hasRoute(ARTIFACTS_ROUTE).then(has => {
      if (!this.isDisposed && has !== this._downloads) {
        this._downloads = has;
        this.emitChanged();
      }
    });
    await this.reload();
  }

  /** Read the description and the metrics (every page) again. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    try {
      const [job, metrics] = await Promise.all([
        this._client.getJob(this.name),
        this._client.getMetrics(this.name).catch(() => ({ metrics: [] }))
      ]);
      if (this.isDisposed) {
        return;
      }
      this._setJob(job);
      this._metrics = metrics.metrics;
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this.emitChanged();
  }

  /** Patch the status from a `job.status` event before the re-read answers. */
  applyStatus(payload: IJobStatusPayload): void {
    if (!this._job) {
      return;
    }
    this._setJob({
      ...this._job,
      TrainingJobStatus: payload.status,
      SecondaryStatus: payload.secondary_status
    });
    this.emitChanged();
  }

  /** `POST /jobs/{name}/stop`. */
  async stop(): Promise<void> {
    await this.runAction(async () => {
      this._setJob(await this._client.stopJob(this.name));
    }, this._action);
  }

  /** Deploy the job's model as an endpoint; resolves with its name (null on failure). */
  async deploy(endpoint: string): Promise<string | null> {
    let created: string | null = null;
    await this.runAction(async () => {
      created = await deployJob(this._client, this.name, endpoint);
    }, this._action);
    return created;
  }

  /** The *Batch transform…* form, while it is open. */
  get transformForm(): TransformFormModel | null {
    return this._transformForm;
  }

  /** Open *Batch transform…*: a form that scores files with this job's model. */
  openTransformForm(): void {
    if (!this._transformForm && !this.isDisposed) {
      this._transformForm = new TransformFormModel({
        client: this._client,
        job: this.name
      });
      this.emitChanged();
    }
  }

  closeTransformForm(): void {
    if (this._transformForm) {
      this._transformForm.dispose();
      this._transformForm = null;
      this.emitChanged();
    }
  }

  /** The download link of one of the job's archives. */
  artifactUrl(kind: 'model' | 'output' | 'log'): string {
    return this._client.artifactUrl(this.name, kind);
  }

  protected onDispose(): void {
    this.log.dispose();
    this._transformForm?.dispose();
  }

  private _setJob(job: ITrainingJobDescription): void {
    this._job = job;
    this.log.setHosts(logHostsOf(job));
    this.log.setActive(isActiveStatus(job.TrainingJobStatus));
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _reloadDelay: number;
  private _job: ITrainingJobDescription | null = null;
  private _error: LabstudioApiError | null = null;
  private _metrics: IMetricSeries[] = [];
  private _busy = false;
  private _actionError: string | null = null;
  private _downloads = false;
  private _transformForm: TransformFormModel | null = null;
  private _reads = this.coalesce(() => this._read());
  private _action: IActionSlot = {
    setBusy: busy => {
      this._busy = busy;
    },
    setError: error => {
      this._actionError = error?.message ?? null;
    }
  };
}

/**
 * Deploy a training job's model as an endpoint with one variant taking all traffic
 * (the job detail's Deploy and the tuning view's Deploy best); resolves with its name.
 */
export async function deployJob(
  client: LabstudioClient,
  job: string,
  endpoint: string
): Promise<string> {
  const answer = await client.createEndpoint({
    EndpointName: endpoint,
    ProductionVariants: [{ VariantName: 'AllTraffic', Source: job }]
  });
  return answer.EndpointName;
}
