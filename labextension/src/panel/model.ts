/**
 * The state behind the Jobs section: one paged list of every kind of job (training with
 * its tuning trials, processing, batch transform), newest first, from `GET /jobs?kind=`.
 * The kind filter and the name filter are the server's (so "Load more" pages through the
 * jobs they keep, whatever their kind); the name filter also applies at once to the rows
 * already loaded.
 *
 * Live like every list (`ListModel`): `job.created` schedules one coalesced re-read and
 * `job.status` patches the row at once (whatever its kind). Records done by a running
 * transform have no event: while one is listed as running the list is read again every
 * `progressInterval` ms. A server from before the list of every kind answers training
 * jobs only (`TrainingJobSummaries`): they are shown as such.
 */
import {
  IJobStatusPayload,
  IJobSummary,
  IListJobsResponse,
  isActiveStatus
} from '../types';
import {
  IJobListRow,
  JOB_KINDS,
  JobKindFilter,
  jobName,
  jobRow
} from '../views/jobKinds';
import { IListModelOptions, IPage, ListModel } from './listModel';
import { handle, IEventHandler } from './live';

export interface IJobsModelOptions extends IListModelOptions {
  /** Re-read period of the list while a transform runs (ms; 0: never). */
  progressInterval?: number;
}

export class JobsModel extends ListModel<IJobSummary> {
  constructor(options: IJobsModelOptions) {
    super(options);
    this._progressInterval = options.progressInterval ?? 2000;
  }

  /** The kind filter. */
  get kind(): JobKindFilter {
    return this._kind;
  }

  /** The rows the section shows (loaded, of the chosen kind, containing the filter). */
  rows(): IJobListRow[] {
    return this.visible().map(jobRow);
  }

  /** Show one kind (or all): the list is read again for it. */
  setKind(kind: JobKindFilter): void {
    if (kind !== this._kind) {
      this._kind = kind;
      void this.reset();
    }
  }

  /** Patch a row from a `job.status` event before the re-read answers; false if not loaded. */
  applyStatus(payload: IJobStatusPayload): boolean {
    return this.patch(payload.name, job => withStatus(job, payload));
  }

  protected async readPage(token: string | null): Promise<IPage<IJobSummary>> {
    const page = await this.client.listJobs({
      kind: this._kind === 'all' ? [...JOB_KINDS] : [this._kind],
      name_contains: this.filter.trim() || undefined,
      limit: this.pageSize,
      next_token: token ?? undefined
    });
    return { items: summaries(page), nextToken: page.NextToken ?? null };
  }

  protected keyOf(job: IJobSummary): string {
    return jobName(job);
  }

  protected get serverFilter(): boolean {
    return true;
  }

  protected eventHandlers(): IEventHandler[] {
    return [
      handle('job.created', () => this.scheduleRefresh()),
      handle('job.status', event => {
        this.applyStatus(event.payload);
        // The list has the times and the failure reason: read it once.
        this.scheduleRefresh();
      })
    ];
  }

  /** While a transform runs, read the list again for its records done. */
  protected afterRead(): void {
    const running = this.items.some(
      j => j.Kind === 'transform' && isActiveStatus(j.TransformJobStatus)
    );
    if (running && this._progressInterval > 0) {
      this.debounce.schedule(
        'progress',
        this._progressInterval,
        () => void this.refresh()
      );
    } else {
      this.debounce.cancel('progress');
    }
  }

  private _kind: JobKindFilter = 'all';
  private _progressInterval: number;
}

/** The rows of an answer; a server without `kind` sends training jobs only. */
function summaries(page: IListJobsResponse): IJobSummary[] {
  return (
    page.JobSummaries ??
    (page.TrainingJobSummaries ?? []).map(job => ({
      ...job,
      Kind: 'training' as const
    }))
  );
}

/** A row with the status a `job.status` event says (in its kind's own keys). */
function withStatus(job: IJobSummary, payload: IJobStatusPayload): IJobSummary {
  switch (job.Kind) {
    case 'processing':
      return { ...job, ProcessingJobStatus: payload.status };
    case 'transform':
      return { ...job, TransformJobStatus: payload.status };
    default:
      return {
        ...job,
        TrainingJobStatus: payload.status,
        SecondaryStatus: payload.secondary_status,
        StatusMessage: payload.message
      };
  }
}
