/**
 * The state behind the jobs view: the list of training jobs, kept current from the
 * events socket, with the list API as the source of truth.
 *
 * No polling while the socket is up: `job.created` / `job.status` events patch the list
 * and schedule one coalesced refresh. While the socket is down a slow fallback refresh
 * runs (every `fallbackInterval` ms). The socket, the fallback and the coalescing are the
 * shared `LiveSubscription` / `Debouncer` of `live.ts`, as for experiments and endpoints,
 * so the refresh-interval setting reaches this list too (`setFallbackInterval`).
 */
import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import {
  IJobStatusPayload,
  ILabstudioEvent,
  ITrainingJobSummary
} from '../types';
import { asApiError } from './live';
import { IModelSources, ViewModel } from './viewModel';

export interface IJobsModelOptions extends IModelSources {
  pageSize?: number;
  /** Refresh period while the events socket is down (ms). */
  fallbackInterval?: number;
  /** Delay that coalesces bursts of events into one refresh (ms). */
  refreshDelay?: number;
  /** Delay between typing in the search box and asking the server (ms). */
  filterDelay?: number;
}

export class JobsModel extends ViewModel {
  constructor(options: IJobsModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this._pageSize = options.pageSize ?? 100;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
    this._filterDelay = options.filterDelay ?? 300;
  }

  readonly client: LabstudioClient;

  get jobs(): readonly ITrainingJobSummary[] {
    return this._jobs;
  }

  get filter(): string {
    return this._filter;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** True once the first answer (or error) of the list API arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  get error(): LabstudioApiError | null {
    return this._error;
  }

  get hasMore(): boolean {
    return this._nextToken !== null;
  }

  get connected(): boolean {
    return this._events?.connected ?? false;
  }

  /** The refresh period while the events socket is down (ms). */
  get fallbackInterval(): number {
    return this._fallbackInterval;
  }

  /** Change the fallback period (from the settings), also while it runs. */
  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this.subscription?.setFallbackInterval(ms);
  }

  /** Load the first page, then follow the events socket. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    await this.refresh();
  }

  /** Reload the newest page (keeping older pages already loaded). */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (this._inFlight) {
      this._refreshAgain = true;
      return this._inFlight;
    }
    this._inFlight = this._doRefresh();
    try {
      await this._inFlight;
    } finally {
      this._inFlight = null;
    }
    if (this._refreshAgain) {
      this._refreshAgain = false;
      await this.refresh();
    }
    // No API, no socket (the view explains why); otherwise follow the events.
    if (this.started && !this._error?.extensionMissing) {
      this._listen();
    }
  }

  /** Append the next page. */
  async loadMore(): Promise<void> {
    const token = this._nextToken;
    if (token === null || this.isDisposed) {
      return;
    }
    const seq = this._seq;
    try {
      const page = await this.client.listJobs({
        limit: this._pageSize,
        nextToken: token,
        nameContains: this._filter || undefined
      });
      if (seq !== this._seq || this.isDisposed) {
        return;
      }
      const known = new Set(this._jobs.map(j => j.TrainingJobName));
      this._jobs = this._jobs.concat(
        page.TrainingJobSummaries.filter(j => !known.has(j.TrainingJobName))
      );
      this._nextToken = page.NextToken ?? null;
      this._error = null;
    } catch (error) {
      this._error = asApiError(error);
    }
    this.emitChanged();
  }

  /** Filter by name: instantly on the loaded rows, then on the server. */
  setFilter(text: string): void {
    if (text === this._filter) {
      return;
    }
    this._filter = text;
    this.emitChanged();
    this._schedule('filter', this._filterDelay);
  }

  /** The loaded jobs whose name contains the filter (case-insensitive). */
  visibleJobs(): ITrainingJobSummary[] {
    const needle = this._filter.trim().toLowerCase();
    return needle
      ? this._jobs.filter(j => j.TrainingJobName.toLowerCase().includes(needle))
      : [...this._jobs];
  }

  /** Apply a `job.status` event to the loaded row, if any. */
  applyStatus(payload: IJobStatusPayload): boolean {
    const index = this._jobs.findIndex(j => j.TrainingJobName === payload.name);
    if (index < 0) {
      return false;
    }
    const job = this._jobs[index];
    this._jobs = [...this._jobs];
    this._jobs[index] = {
      ...job,
      TrainingJobStatus: payload.status ?? job.TrainingJobStatus,
      SecondaryStatus: payload.secondary_status ?? job.SecondaryStatus,
      StatusMessage: payload.message ?? job.StatusMessage
    };
    this.emitChanged();
    return true;
  }

  private async _doRefresh(): Promise<void> {
    const seq = ++this._seq;
    this._loading = true;
    this.emitChanged();
    try {
      const page = await this.client.listJobs({
        limit: this._pageSize,
        nameContains: this._filter || undefined
      });
      if (seq !== this._seq || this.isDisposed) {
        return;
      }
      this._merge(page.TrainingJobSummaries, page.NextToken ?? null);
      this._error = null;
    } catch (error) {
      if (seq !== this._seq || this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    } finally {
      if (seq === this._seq && !this.isDisposed) {
        this._loading = false;
        this._loaded = true;
        this.emitChanged();
      }
    }
  }

  /** Replace the newest page, keep the older rows that "load more" brought in. */
  private _merge(page: ITrainingJobSummary[], nextToken: string | null): void {
    const hadMore = this._jobs.length > this._pageSize;
    if (!hadMore || page.length === 0 || nextToken === null) {
      this._jobs = page;
      this._nextToken = nextToken;
      return;
    }
    const inPage = new Set(page.map(j => j.TrainingJobName));
    const oldest = page[page.length - 1].CreationTime;
    const tail = this._jobs.filter(
      j => !inPage.has(j.TrainingJobName) && j.CreationTime < oldest
    );
    this._jobs = page.concat(tail);
    // keep the token of the deepest page loaded
  }

  private _listen(): void {
    if (!this._events || this.subscription || this.isDisposed) {
      return;
    }
    this.subscribe({
      events: this._events,
      fallbackInterval: this._fallbackInterval,
      // On (re)connection: catch up on what happened offline, coalesced with the events
      // that follow; while the socket is down: the fallback refresh itself.
      refresh: () =>
        this._events?.connected
          ? this._schedule('refresh')
          : void this.refresh(),
      onConnection: () => this.emitChanged(),
      handlers: {
        'job.created': () => this._schedule('refresh'),
        'job.status': event => this._onStatus(event)
      }
    });
    this.emitChanged();
  }

  private _onStatus(event: ILabstudioEvent): void {
    this.applyStatus(event.payload as unknown as IJobStatusPayload);
    // The list API has the times and the failure reason: fetch them once.
    this._schedule('refresh');
  }

  private _schedule(key: 'refresh' | 'filter', delay = this._refreshDelay) {
    this.debounce.schedule(key, delay, () => void this.refresh());
  }

  private _events: EventStream | null;
  private _pageSize: number;
  private _fallbackInterval: number;
  private _refreshDelay: number;
  private _filterDelay: number;
  private _jobs: ITrainingJobSummary[] = [];
  private _nextToken: string | null = null;
  private _filter = '';
  private _loading = false;
  private _loaded = false;
  private _error: LabstudioApiError | null = null;
  private _seq = 0;
  private _inFlight: Promise<void> | null = null;
  private _refreshAgain = false;
}
