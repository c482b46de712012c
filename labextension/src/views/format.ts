/** Small formatting helpers shared by the views. */
import { ITrainingJobSummary, isActiveStatus } from '../types';

/**
 * `3.4s`, `3m 05s`, `2h 07m`, `3d 04h`: the same format as the CLI and the SDK
 * (labstudio/humanize.py), so a duration reads alike everywhere.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '–';
  }
  const tenths = Math.floor(ms / 100) / 10;
  if (tenths < 60) {
    return `${tenths.toFixed(1)}s`;
  }
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${pad(s % 60)}s`;
  }
  const h = Math.floor(m / 60);
  if (h < 24) {
    return `${h}h ${pad(m % 60)}m`;
  }
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

/**
 * How long the job has run: from training start (or creation) to its end, or to `now`
 * while it is still active.
 */
export function jobDuration(job: ITrainingJobSummary, now: number): number {
  const start = Date.parse(job.TrainingStartTime ?? job.CreationTime);
  let end: number;
  if (job.TrainingEndTime) {
    end = Date.parse(job.TrainingEndTime);
  } else if (isActiveStatus(job.TrainingJobStatus)) {
    end = now;
  } else {
    end = Date.parse(job.LastModifiedTime);
  }
  return Math.max(0, end - start);
}

/** A short local date-time for tooltips. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
