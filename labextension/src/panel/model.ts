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
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import {
  IJobStatusPayload,
  ILabstudioEvent,
  ITrainingJobSummary
} from '../types';
import { asApiError, Debouncer, LiveSubscription } from './live';

export interface IJobsModelOptions {
  client: LabstudioClient;
  /** The shared event connection; the model listens but does not own it. */
  events?: EventStream | null;
  pageSize?: number;
  /** Refresh period while the events socket is down (ms). */
  fallbackInterval?: number;
  /** Delay that coalesces bursts of events into one refresh (ms). */
  refreshDelay?: number;
  /** Delay between typing in the search box and asking the server (ms). */
  filterDelay?: number;
}

export class JobsModel implements IDisposable {
  constructor(options: IJobsModelOptions) {
    this.client = options.client;
    this._events = options.events ?? null;
    this._pageSize = options.pageSize ?? 100;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
    this._filterDelay = options.filterDelay ?? 300;
  }

  readonly client: LabstudioClient;

  /** Emits whenever anything shown by the view changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

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
    this._live?.setFallbackInterval(ms);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Load the first page, then follow the events socket. */
  async start(): Promise<void> {
    if (this._started || this._disposed) {
      return;
    }
    this._started = true;
    await this.refresh();
  }

  /** Reload the newest page (keeping older pages already loaded). */
  async refresh(): Promise<void> {
    if (this._disposed) {
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
    if (this._started && !this._error?.extensionMissing) {
      this._listen();
    }
  }

  /** Append the next page. */
  async loadMore(): Promise<void> {
    const token = this._nextToken;
    if (token === null || this._disposed) {
      return;
    }
    const seq = this._seq;
    try {
      const page = await this.client.listJobs({
        limit: this._pageSize,
        nextToken: token,
        nameContains: this._filter || undefined
      });
      if (seq !== this._seq || this._disposed) {
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
    this._changed.emit();
  }

  /** Filter by name: instantly on the loaded rows, then on the server. */
  setFilter(text: string): void {
    if (text === this._filter) {
      return;
    }
    this._filter = text;
    this._changed.emit();
    this._schedule('filter', this._filterDelay);
  }

  /** The loaded jobs whose name contains the filter (case-insensitive). */
  visibleJobs(): ITrainingJobSummary[] {
    const needle = this._filter.trim().toLowerCase();
    return needle
      ? this._jobs.filter(j => j.TrainingJobName.toLowerCase().includes(needle))
      : [...this._jobs];
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._live?.dispose();
    this._live = null;
    this._debounce.dispose();
    Signal.clearData(this);
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
    this._changed.emit();
    return true;
  }

  private async _doRefresh(): Promise<void> {
    const seq = ++this._seq;
    this._loading = true;
    this._changed.emit();
    try {
      const page = await this.client.listJobs({
        limit: this._pageSize,
        nameContains: this._filter || undefined
      });
      if (seq !== this._seq || this._disposed) {
        return;
      }
      this._merge(page.TrainingJobSummaries, page.NextToken ?? null);
      this._error = null;
    } catch (error) {
      if (seq !== this._seq || this._disposed) {
        return;
      }
      this._error = asApiError(error);
    } finally {
      if (seq === this._seq && !this._disposed) {
        this._loading = false;
        this._loaded = true;
        this._changed.emit();
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
    if (!this._events || this._live || this._disposed) {
      return;
    }
    this._live = new LiveSubscription({
      events: this._events,
      fallbackInterval: this._fallbackInterval,
      // On (re)connection: catch up on what happened offline, coalesced with the events
      // that follow; while the socket is down: the fallback refresh itself.
      refresh: () =>
        this._events?.connected
          ? this._schedule('refresh')
          : void this.refresh(),
      onConnection: () => this._changed.emit(),
      handlers: {
        'job.created': () => this._schedule('refresh'),
        'job.status': event => this._onStatus(event)
      }
    });
    this._changed.emit();
  }

  private _onStatus(event: ILabstudioEvent): void {
    this.applyStatus(event.payload as unknown as IJobStatusPayload);
    // The list API has the times and the failure reason: fetch them once.
    this._schedule('refresh');
  }

  private _schedule(key: 'refresh' | 'filter', delay = this._refreshDelay) {
    this._debounce.schedule(key, delay, () => void this.refresh());
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
  private _started = false;
  private _disposed = false;
  private _seq = 0;
  private _inFlight: Promise<void> | null = null;
  private _refreshAgain = false;
  private _live: LiveSubscription | null = null;
  private _debounce = new Debouncer();
  private _changed = new Signal<this, void>(this);
}
