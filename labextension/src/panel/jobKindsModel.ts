/**
 * The state behind the jobs section when it lists every job kind: the training jobs of
 * the `JobsModel` it wraps (their paging, name filter and events stay there), plus the
 * newest processing and batch transform jobs, merged newest first, with a kind filter.
 *
 * Live like the other lists: the jobs of every kind go through the same recorder, so
 * `job.created` (its payload names the `kind`) and `job.status` events reach this model
 * too; a status patches the row at once and schedules one coalesced re-read of the other
 * kinds' lists. Records done by a running transform have no event: while one runs the
 * transform list is read again every `progressInterval` ms. A server without the newer
 * routes (404) simply has no jobs of those kinds.
 */
import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import {
  IJobCreatedPayload,
  IJobStatusPayload,
  ILabstudioEvent,
  IProcessingJobSummary,
  isActiveStatus,
  ITransformJobSummary
} from '../types';
import {
  IJobListRow,
  JobKind,
  JobKindFilter,
  newestFirst,
  processingRow,
  rowMatches,
  trainingRow,
  transformRow
} from '../views/jobKinds';
import { asApiError } from './live';
import { JobsModel } from './model';
import { IModelSources, ViewModel } from './viewModel';

export interface IJobKindsModelOptions extends IModelSources {
  /** The training jobs (the panel's `JobsModel`; this model does not own it). */
  training: JobsModel;
  /** Rows read of each other kind. */
  pageSize?: number;
  /** Delay that coalesces bursts of events into one re-read (ms). */
  refreshDelay?: number;
  /** Re-read period of the transform list while a transform runs (ms; 0: never). */
  progressInterval?: number;
  /** Refresh period while the events socket is down (ms). */
  fallbackInterval?: number;
}

type OtherKind = Exclude<JobKind, 'training'>;

export class JobKindsModel extends ViewModel {
  constructor(options: IJobKindsModelOptions) {
    super();
    this.client = options.client;
    this.training = options.training;
    this._events = options.events ?? null;
    this._pageSize = options.pageSize ?? 100;
    this._refreshDelay = options.refreshDelay ?? 300;
    this._progressInterval = options.progressInterval ?? 2000;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this.training.changed.connect(this._onTrainingChanged, this);
  }

  readonly client: LabstudioClient;
  readonly training: JobsModel;

  /** The kind filter. */
  get kind(): JobKindFilter {
    return this._kind;
  }
  /** The name filter (shared with the training list). */
  get filter(): string {
    return this.training.filter;
  }
  get processing(): readonly IProcessingJobSummary[] {
    return this._processing;
  }
  get transforms(): readonly ITransformJobSummary[] {
    return this._transforms;
  }
  /** The training list's error (what the section shows), else the other kinds'. */
  get error(): LabstudioApiError | null {
    return this.training.error ?? this._error;
  }
  get loading(): boolean {
    return this.training.loading || this._loading;
  }
  get loaded(): boolean {
    return this.training.loaded && this._loaded;
  }
  get connected(): boolean {
    return this.training.connected;
  }
  /** Whether "Load more" brings training jobs (the only kind read page by page). */
  get hasMore(): boolean {
    return this._kind !== 'processing' && this._kind !== 'transform'
      ? this.training.hasMore
      : false;
  }

  /** Every loaded job, newest first. */
  allRows(): IJobListRow[] {
    return newestFirst([
      ...this.training.jobs.map(trainingRow),
      ...this._processing.map(processingRow),
      ...this._transforms.map(transformRow)
    ]);
  }

  /** The rows the section shows: of the chosen kind, containing the name filter. */
  visibleRows(): IJobListRow[] {
    return this.allRows().filter(r =>
      rowMatches(r, this._kind, this.training.filter)
    );
  }

  /** How many loaded rows match the name filter, by kind filter (for its buttons). */
  counts(): Record<JobKindFilter, number> {
    const out: Record<JobKindFilter, number> = {
      all: 0,
      training: 0,
      processing: 0,
      transform: 0
    };
    for (const row of this.allRows()) {
      if (rowMatches(row, 'all', this.training.filter)) {
        out.all++;
        out[row.kind]++;
      }
    }
    return out;
  }

  /** Change the fallback period (from the settings), also while it runs. */
  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this.subscription?.setFallbackInterval(ms);
  }

  setKind(kind: JobKindFilter): void {
    if (kind !== this._kind) {
      this._kind = kind;
      this.emitChanged();
    }
  }

  /** Filter by name: the training list asks its server, the other lists are re-read. */
  setFilter(text: string): void {
    if (text === this.training.filter) {
      return;
    }
    this.training.setFilter(text);
    this._schedule();
  }

  /** Read the lists, then follow the events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    await Promise.all([this.training.start(), this._reads.run()]);
    if (!this.isDisposed && !this.training.error?.extensionMissing) {
      this._listen();
    }
  }

  /** Read every list again. */
  async refresh(): Promise<void> {
    await Promise.all([this.training.refresh(), this._reads.run()]);
  }

  async loadMore(): Promise<void> {
    await this.training.loadMore();
  }

  /** Apply a `job.status` event to a processing or transform row; false when unknown. */
  applyStatus(payload: IJobStatusPayload): boolean {
    const status = payload.status;
    const p = this._processing.findIndex(
      j => j.ProcessingJobName === payload.name
    );
    if (p >= 0) {
      this._processing = [...this._processing];
      this._processing[p] = {
        ...this._processing[p],
        ProcessingJobStatus: status
      };
      this.emitChanged();
      return true;
    }
    const t = this._transforms.findIndex(
      j => j.TransformJobName === payload.name
    );
    if (t >= 0) {
      this._transforms = [...this._transforms];
      this._transforms[t] = {
        ...this._transforms[t],
        TransformJobStatus: status
      };
      this.emitChanged();
      return true;
    }
    return false;
  }

  protected onDispose(): void {
    this.training.changed.disconnect(this._onTrainingChanged, this);
  }

  private _onTrainingChanged(): void {
    this.emitChanged();
  }

  private async _read(): Promise<void> {
    this._loading = true;
    this.emitChanged();
    const query = {
      limit: this._pageSize,
      nameContains: this.training.filter.trim() || undefined
    };
    const [processing, transforms] = await Promise.all([
      this._list('processing', () =>
        this.client
          .listProcessingJobs(query)
          .then(page => page.ProcessingJobSummaries)
      ),
      this._list('transform', () =>
        this.client
          .listTransformJobs(query)
          .then(page => page.TransformJobSummaries)
      )
    ]);
    if (this.isDisposed) {
      return;
    }
    const errors = [processing, transforms].filter(
      (r): r is { error: LabstudioApiError } => 'error' in r
    );
    this._error = errors.length ? errors[0].error : null;
    if ('rows' in processing) {
      this._processing = processing.rows;
    }
    if ('rows' in transforms) {
      this._transforms = transforms.rows;
    }
    this._loading = false;
    this._loaded = true;
    this._followProgress();
    this.emitChanged();
  }

  /** One kind's list; a server without its route (a bare 404) has none of them. */
  private async _list<T>(
    kind: OtherKind,
    read: () => Promise<T[]>
  ): Promise<{ rows: T[] } | { error: LabstudioApiError }> {
    try {
      return { rows: await read() };
    } catch (error) {
      const apiError = asApiError(error);
      return apiError.extensionMissing
        ? { rows: [] }
        : {
            error: new LabstudioApiError(
              `${kind} jobs: ${apiError.message}`,
              apiError.status
            )
          };
    }
  }

  /** While a transform runs, re-read the lists for its records done. */
  private _followProgress(): void {
    const running = this._transforms.some(j =>
      isActiveStatus(j.TransformJobStatus)
    );
    if (running && this._progressInterval > 0) {
      this.debounce.schedule(
        'progress',
        this._progressInterval,
        () => void this._reads.run()
      );
    } else {
      this.debounce.cancel('progress');
    }
  }

  private _listen(): void {
    if (!this._events || this.subscription || this.isDisposed) {
      return;
    }
    this.subscribe({
      events: this._events,
      fallbackInterval: this._fallbackInterval,
      refresh: () =>
        this._events?.connected ? this._schedule() : void this._reads.run(),
      handlers: {
        'job.created': event => this._onCreated(event),
        'job.status': event => {
          if (this.applyStatus(event.payload as unknown as IJobStatusPayload)) {
            this._schedule();
          }
        }
      }
    });
  }

  private _onCreated(event: ILabstudioEvent): void {
    const kind = (event.payload as IJobCreatedPayload & { kind?: string }).kind;
    if (kind === 'processing' || kind === 'transform') {
      this._schedule();
    }
  }

  private _schedule(): void {
    this.debounce.schedule(
      'refresh',
      this._refreshDelay,
      () => void this._reads.run()
    );
  }

  private _events: EventStream | null;
  private _pageSize: number;
  private _refreshDelay: number;
  private _progressInterval: number;
  private _fallbackInterval: number;
  private _kind: JobKindFilter = 'all';
  private _processing: IProcessingJobSummary[] = [];
  private _transforms: ITransformJobSummary[] = [];
  private _error: LabstudioApiError | null = null;
  private _loading = false;
  private _loaded = false;
  private _reads = this.coalesce(() => this._read());
}
