/**
 * The state behind a batch transform job's detail: DescribeTransformJob kept live, with
 * its records done of the total and throughput. Records have no event, so while the job
 * runs the description is read again every `progressInterval` ms (status events still
 * patch the status at once); plus its log (`/transform-jobs/{name}/logs`) and Stop.
 */
import {
  IJobStatusPayload,
  ILogChunk,
  ITransformJobDescription
} from '../../types';
import { IKindJobModelOptions, KindJobModel } from './kindJobModel';

export interface ITransformJobModelOptions extends IKindJobModelOptions {
  /** Re-read period while the job runs (ms; 0: only on events). */
  progressInterval?: number;
}

/** Records done, their total (null until counted) and the share done (0..1 or null). */
export interface ITransformProgress {
  done: number;
  total: number | null;
  fraction: number | null;
  /** Records per second (null before the first record). */
  rate: number | null;
}

export class TransformJobModel extends KindJobModel<ITransformJobDescription> {
  constructor(options: ITransformJobModelOptions) {
    super(options);
    this._progressInterval = options.progressInterval ?? 1000;
  }

  get progress(): ITransformProgress | null {
    return this.job ? transformProgress(this.job) : null;
  }

  protected describe(): Promise<ITransformJobDescription> {
    return this.client.getTransformJob(this.name);
  }
  protected stopJob(): Promise<ITransformJobDescription> {
    return this.client.stopTransformJob(this.name);
  }
  protected readLog(offset: number): Promise<ILogChunk> {
    return this.client.getTransformLogs(this.name, offset);
  }
  protected statusOf(job: ITransformJobDescription): string {
    return job.TransformJobStatus;
  }
  protected withStatus(
    job: ITransformJobDescription,
    payload: IJobStatusPayload
  ): ITransformJobDescription {
    return { ...job, TransformJobStatus: payload.status };
  }

  protected afterRead(): void {
    if (this.active && this._progressInterval > 0 && !this.error) {
      this.debounce.schedule(
        'progress',
        this._progressInterval,
        () => void this.reload()
      );
    }
  }

  private _progressInterval: number;
}

export function transformProgress(
  job: ITransformJobDescription
): ITransformProgress {
  const done = job.RecordsProcessed ?? 0;
  const total = job.RecordsTotal ?? null;
  const fraction =
    total === null ? null : total === 0 ? 1 : Math.min(1, done / total);
  return { done, total, fraction, rate: job.RecordsPerSecond ?? null };
}

/** `1,234 records/s`, `12.5 records/s`, `0.42 records/s`. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) {
    return '–';
  }
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return `${rate.toLocaleString('en-US', { maximumFractionDigits: digits })} records/s`;
}
