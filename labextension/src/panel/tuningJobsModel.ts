/**
 * The state behind the Tuning section: the tuning jobs (status, progress, best objective
 * so far), a `ListModel` re-read on `tuning.*` events (coalesced; `tuning.status` and
 * `tuning.progress` patch the row at once), filtered by name in the browser.
 */
import {
  ITuningJobSummary,
  ITuningProgressPayload,
  ITuningStatusPayload
} from '../types';
import { IListModelOptions, IPage, ListModel } from './listModel';
import { handle, IEventHandler } from './live';

export type ITuningJobsModelOptions = IListModelOptions;

/** What a row shows of a sweep's progress. */
export interface ITuningRowProgress {
  /** Trials that ended, whatever their outcome. */
  done: number;
  max: number | null;
  /** The best objective so far (null before the first finished trial). */
  best: number | null;
}

export class TuningJobsModel extends ListModel<ITuningJobSummary> {
  /** The tuning jobs loaded, newest first. */
  get jobs(): readonly ITuningJobSummary[] {
    return this.items;
  }

  visibleJobs(): ITuningJobSummary[] {
    return this.visible();
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

  /** Patch a row from a `tuning.status` event before the re-read answers. */
  applyStatus(payload: ITuningStatusPayload): void {
    this.patch(payload.name, j => ({
      ...j,
      HyperParameterTuningJobStatus: payload.status
    }));
  }

  /** Keep a `tuning.progress` event's figures until the list catches up. */
  applyProgress(payload: ITuningProgressPayload): void {
    this._progress.set(payload.name, payload);
    this.emitChanged();
  }

  protected async readPage(
    token: string | null
  ): Promise<IPage<ITuningJobSummary>> {
    const page = await this.client.listTuningJobs({
      max_results: this.pageSize,
      next_token: token ?? undefined
    });
    return {
      items: page.HyperParameterTuningJobSummaries,
      nextToken: page.NextToken ?? null
    };
  }

  protected keyOf(job: ITuningJobSummary): string {
    return job.HyperParameterTuningJobName;
  }

  protected eventHandlers(): IEventHandler[] {
    return [
      handle('tuning.status', event => this.applyStatus(event.payload)),
      handle('tuning.progress', event => this.applyProgress(event.payload)),
      handle('tuning.*', () => this.scheduleRefresh())
    ];
  }

  /** The list now has what the events said (or more). */
  protected afterRead(): void {
    if (!this.error) {
      this._progress.clear();
    }
  }

  private _progress = new Map<string, ITuningProgressPayload>();
}

function toFinite(
  value: number | 'NaN' | 'Infinity' | '-Infinity' | null | undefined
): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
