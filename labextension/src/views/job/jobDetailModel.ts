/**
 * The state behind a training job's detail: the job family's model (`KindJobModel`:
 * the description kept live from `job.status` events, the log tail, Stop) with what only
 * a training job has: its metrics (every page; `job.metrics` events append points), the
 * hosts of a multi-host job (the log can be narrowed to one), Deploy (and its form),
 * *Batch transform…* (its form) and archive downloads where the server serves them.
 */
import { handle, IEventHandler } from '../../panel/live';
import {
  IJobStatusPayload,
  ILogChunk,
  IMetricSeries,
  ITrainingJobDescription
} from '../../types';
import { LabstudioClient } from '../../api';
import { DeployDraft } from '../common/deployDraft';
import { IKindJobModelOptions, KindJobModel } from '../kinds/kindJobModel';
import { TransformFormModel } from '../kinds/transformFormModel';
import { endpointNameFor, logHostsOf, mergePoints } from './jobData';

/** The route that serves a job's archives (older servers lack it). */
export const ARTIFACTS_ROUTE = '/jobs/{name}/artifacts/{kind}';

export type IJobDetailModelOptions = IKindJobModelOptions;

export class JobDetailModel extends KindJobModel<ITrainingJobDescription> {
  /** The endpoint name of the Deploy form while it is open. */
  readonly deployDraft = new DeployDraft(() => this.emitChanged());

  get metrics(): readonly IMetricSeries[] {
    return this._metrics;
  }
  /** Whether the server offers archive downloads. */
  get downloads(): boolean {
    return this._downloads;
  }
  /** The *Batch transform…* form, while it is open. */
  get transformForm(): TransformFormModel | null {
    return this._transformForm;
  }

  /** Open the Deploy form, named after the job. */
  openDeploy(): void {
    this.deployDraft.open(endpointNameFor(this.name));
  }

  /** Deploy the job's model as an endpoint; resolves with its name (null on failure). */
  async deploy(endpoint: string): Promise<string | null> {
    let created: string | null = null;
    await this.runAction(async () => {
      created = await deployJob(this.client, this.name, endpoint);
    }, this.action);
    if (created !== null) {
      this.deployDraft.close();
    }
    return created;
  }

  /** Open *Batch transform…*: a form that scores files with this job's model. */
  openTransformForm(): void {
    if (!this._transformForm && !this.isDisposed) {
      this._transformForm = new TransformFormModel({
        client: this.client,
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
    return this.client.artifactUrl(this.name, kind);
  }

  /** The description and the metrics (every page), read together. */
  protected async describe(): Promise<ITrainingJobDescription> {
    const [job, metrics] = await Promise.all([
      this.client.getJob(this.name),
      this.client.getMetrics(this.name).catch(() => ({ metrics: [] }))
    ]);
    this._metrics = metrics.metrics;
    return job;
  }
  protected stopJob(): Promise<ITrainingJobDescription> {
    return this.client.stopJob(this.name);
  }
  protected readLog(offset: number, host: string | null): Promise<ILogChunk> {
    return this.client.getLogs(this.name, offset, host);
  }
  protected statusOf(job: ITrainingJobDescription): string {
    return job.TrainingJobStatus;
  }
  protected withStatus(
    job: ITrainingJobDescription,
    payload: IJobStatusPayload
  ): ITrainingJobDescription {
    return {
      ...job,
      TrainingJobStatus: payload.status,
      SecondaryStatus: payload.secondary_status
    };
  }

  protected eventHandlers(): IEventHandler[] {
    return [
      handle('job.metrics', event => {
        const points = event.payload.points;
        if (points.length) {
          this._metrics = mergePoints(this._metrics, points);
          this.emitChanged();
        }
      })
    ];
  }

  protected onStart(): void {
    void this.client.hasRoute(ARTIFACTS_ROUTE).then(has => {
      if (!this.isDisposed && has !== this._downloads) {
        this._downloads = has;
        this.emitChanged();
      }
    });
  }

  /** A multi-host job's log can be narrowed to one host. */
  protected setJob(job: ITrainingJobDescription): void {
    this.log.setHosts(logHostsOf(job));
    super.setJob(job);
  }

  protected onDispose(): void {
    super.onDispose();
    this._transformForm?.dispose();
  }

  private _metrics: IMetricSeries[] = [];
  private _downloads = false;
  private _transformForm: TransformFormModel | null = null;
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
