/**
 * The state behind the job detail: the description and metrics of one training job,
 * kept current from the events socket (`job.status` patches the status at once and
 * schedules one re-read, `job.metrics` appends points, a reconnection catches up), the
 * log tail, and the Stop / Deploy actions.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import {
  asApiError,
  Coalescer,
  Debouncer,
  LiveSubscription
} from '../../panel/live';
import {
  IJobMetricsPayload,
  IJobStatusPayload,
  IMetricSeries,
  isActiveStatus,
  ITrainingJobDescription
} from '../../types';
import { mergePoints } from './jobData';
import { LogTailModel } from './logTailModel';

/** The route that serves a job's archives (older servers lack it). */
export const ARTIFACTS_ROUTE = '/jobs/{name}/artifacts/{kind}';

export interface IJobDetailModelOptions {
  client: LabstudioClient;
  events?: EventStream | null;
  name: string;
  /** Delay that folds a burst of status events into one re-read (ms). */
  reloadDelay?: number;
  /** Log poll period while the job runs (ms). */
  logInterval?: number;
}

export class JobDetailModel implements IDisposable {
  constructor(options: IJobDetailModelOptions) {
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

  get changed(): ISignal<this, void> {
    return this._changed;
  }
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
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Read the job, then follow its events. */
  async start(): Promise<void> {
    if (this._started || this._disposed) {
      return;
    }
    this._started = true;
    this._live = new LiveSubscription({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => void this.reload(),
      handlers: {
        'job.status': event => {
          const p = event.payload as unknown as IJobStatusPayload;
          if (p.name === this.name) {
            this.applyStatus(p);
            this._debounce.schedule(
              'reload',
              this._reloadDelay,
              () => void this.reload()
            );
          }
        },
        'job.metrics': event => {
          const p = event.payload as unknown as IJobMetricsPayload;
          if (p.name === this.name && p.points?.length) {
            this._metrics = mergePoints(this._metrics, p.points);
            this._changed.emit();
          }
        }
      }
    });
    void this._client.hasRoute(ARTIFACTS_ROUTE).then(has => {
      if (!this._disposed && has !== this._downloads) {
        this._downloads = has;
        this._changed.emit();
      }
    });
    await this.reload();
  }

  /** Read the description and the metrics (every page) again. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    if (this._disposed) {
      return;
    }
    try {
      const [job, metrics] = await Promise.all([
        this._client.getJob(this.name),
        this._client.getMetrics(this.name).catch(() => ({ metrics: [] }))
      ]);
      if (this._disposed) {
        return;
      }
      this._setJob(job);
      this._metrics = metrics.metrics;
      this._error = null;
    } catch (error) {
      if (this._disposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this._changed.emit();
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
    this._changed.emit();
  }

  /** `POST /jobs/{name}/stop`. */
  async stop(): Promise<void> {
    await this._act(async () => {
      this._setJob(await this._client.stopJob(this.name));
    });
  }

  /** Deploy the job's model as an endpoint; resolves with its name (null on failure). */
  async deploy(endpoint: string): Promise<string | null> {
    let created: string | null = null;
    await this._act(async () => {
      const answer = await this._client.createEndpoint({
        EndpointName: endpoint,
        ProductionVariants: [{ VariantName: 'AllTraffic', Source: this.name }]
      });
      created = answer.EndpointName;
    });
    return created;
  }

  /** The download link of one of the job's archives. */
  artifactUrl(kind: 'model' | 'output' | 'log'): string {
    return this._client.artifactUrl(this.name, kind);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._live?.dispose();
    this._debounce.dispose();
    this.log.dispose();
    Signal.clearData(this);
  }

  private _setJob(job: ITrainingJobDescription): void {
    this._job = job;
    this.log.setActive(isActiveStatus(job.TrainingJobStatus));
  }

  private async _act(what: () => Promise<void>): Promise<void> {
    this._busy = true;
    this._actionError = null;
    this._changed.emit();
    try {
      await what();
    } catch (error) {
      this._actionError = asApiError(error).message;
    }
    this._busy = false;
    if (!this._disposed) {
      this._changed.emit();
    }
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
  private _started = false;
  private _disposed = false;
  private _reads = new Coalescer(() => this._read());
  private _live: LiveSubscription | null = null;
  private _debounce = new Debouncer();
  private _changed = new Signal<this, void>(this);
}
