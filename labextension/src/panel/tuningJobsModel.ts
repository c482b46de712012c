/**
 * The state behind the Tuning section: the tuning jobs (status, progress, best objective
 * so far), refreshed on `tuning.*` events (coalesced; `tuning.status` and
 * `tuning.progress` patch the row at once), with a slow fallback refresh while the
 * socket is down, filtered by name in the browser.
 */
import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import {
  ILabstudioEvent,
  ITuningJobSummary,
  ITuningProgressPayload,
  ITuningStatusPayload
} from '../types';
import { asApiError } from './live';
import { IModelSources, ViewModel } from './viewModel';

export interface ITuningJobsModelOptions extends IModelSources {
  fallbackInterval?: number;
  refreshDelay?: number;
}

/** What a row shows of a sweep's progress. */
export interface ITuningRowProgress {
  /** Trials that ended, whatever their outcome. */
  done: number;
  max: number | null;
  /** The best objective so far (null before the first finished trial). */
  best: number | null;
}

export class TuningJobsModel extends ViewModel {
  constructor(options: ITuningJobsModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
  }

  readonly client: LabstudioClient;

  get jobs(): readonly ITuningJobSummary[] {
    return this._jobs;
  }
  get filter(): string {
    return this._filter;
  }
  get loaded(): boolean {
    return this._loaded;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }

  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    await this.refresh();
    if (this._error?.extensionMissing || this.isDisposed) {
      return;
    }
    this.subscribe({
      events: this._events,
      fallbackInterval: this._fallbackInterval,
      refresh: () => void this.refresh(),
      onConnection: () => this.emitChanged(),
      handlers: { 'tuning.*': event => this._onEvent(event) }
    });
  }

  /** Read the list again (a burst of calls is at most two reads). */
  refresh(): Promise<void> {
    return this._reads.run();
  }

  setFilter(text: string): void {
    this._filter = text;
    this.emitChanged();
  }

  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this.subscription?.setFallbackInterval(ms);
  }

  visibleJobs(): ITuningJobSummary[] {
    const needle = this._filter.trim().toLowerCase();
    return needle
      ? this._jobs.filter(j =>
          j.HyperParameterTuningJobName.toLowerCase().includes(needle)
        )
      : [...this._jobs];
  }

  /** The row's progress: the list's counters, or a newer `tuning.progress` event. */
  progress(job: ITuningJobSummary): ITuningRowProgress {
    const c = job.TrainingJobStatusCounters;
    const done =
      c.Completed + c.Stopped + c.NonRetryableError + c.RetryableError;
    const event = this._progress.get(job.HyperParameterTuningJobName);
    const best = toFinite(job.BestObjectiveValue);
    return {
      done: Math.max(done, event?.completed ?? 0),
      max: job.ResourceLimits?.MaxNumberOfTrainingJobs ?? event?.total ?? null,
      best: event && event.completed > done ? toFinite(event.best) : best
    };
  }

  /** Patch a row from a `tuning.status` event before the refresh answers. */
  applyStatus(payload: ITuningStatusPayload): void {
    this._jobs = this._jobs.map(j =>
      j.HyperParameterTuningJobName === payload.name
        ? { ...j, HyperParameterTuningJobStatus: payload.status }
        : j
    );
    this.emitChanged();
  }

  /** Keep a `tuning.progress` event's figures until the list catches up. */
  applyProgress(payload: ITuningProgressPayload): void {
    this._progress.set(payload.name, payload);
    this.emitChanged();
  }

  private _onEvent(event: ILabstudioEvent): void {
    if (event.kind === 'tuning.status') {
      this.applyStatus(event.payload as unknown as ITuningStatusPayload);
    } else if (event.kind === 'tuning.progress') {
      this.applyProgress(event.payload as unknown as ITuningProgressPayload);
    }
    this.debounce.schedule(
      'refresh',
      this._refreshDelay,
      () => void this.refresh()
    );
  }

  private async _read(): Promise<void> {
    try {
      const answer = await this.client.listTuningJobs();
      if (this.isDisposed) {
        return;
      }
      this._jobs = answer.HyperParameterTuningJobSummaries;
      // The list now has what the events said (or more).
      this._progress.clear();
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this._loaded = true;
    this.emitChanged();
  }

  private _events: EventStream | null;
  private _fallbackInterval: number;
  private _refreshDelay: number;
  private _jobs: ITuningJobSummary[] = [];
  private _progress = new Map<string, ITuningProgressPayload>();
  private _filter = '';
  private _loaded = false;
  private _error: LabstudioApiError | null = null;
  private _reads = this.coalesce(() => this._read());
}

function toFinite(
  value: number | 'NaN' | 'Infinity' | '-Infinity' | null | undefined
): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
