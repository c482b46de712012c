/**
 * Pure helpers of the tuning views: the objective of a trial, the progress of a sweep,
 * the points of the objective chart with its best-so-far line, the trials table's sort
 * and the parallel-coordinates axes. Kept apart from the model and the view so they are
 * unit-tested on plain data.
 */
import { IParallelAxis } from '../../charts/ParallelCoordinates';
import { compareCells } from '../../charts/series';
import {
  ITuningJobDescription,
  ITuningJobSummary,
  ITuningStatusCounters,
  ITuningTrialSummary,
  JsonNumber,
  toNumber
} from '../../types';

export type ObjectiveType = 'Minimize' | 'Maximize';

/** A trial's final objective as a number (null while it has none). */
export function objectiveOf(trial: ITuningTrialSummary): number | null {
  const value = trial.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'number') {
    return value;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : toNumber(value as JsonNumber);
}

/** Whether objective `a` is better than `b` (a missing or NaN value is never better). */
export function isBetter(
  a: number | null,
  b: number | null,
  type: ObjectiveType
): boolean {
  if (a === null || Number.isNaN(a)) {
    return false;
  }
  if (b === null || Number.isNaN(b)) {
    return true;
  }
  return type === 'Minimize' ? a < b : a > b;
}

/** How many trials ended (whatever their outcome): the "n" of "n / max". */
export function finishedTrials(counters: ITuningStatusCounters): number {
  return (
    (counters.Completed ?? 0) +
    (counters.Stopped ?? 0) +
    (counters.NonRetryableError ?? 0) +
    (counters.RetryableError ?? 0)
  );
}

/** The progress of a sweep, from its description or its list row. */
export function progressOf(job: ITuningJobDescription | ITuningJobSummary): {
  done: number;
  running: number;
  max: number | null;
} {
  const counters = job.TrainingJobStatusCounters ?? {};
  const limits =
    'HyperParameterTuningJobConfig' in job
      ? job.HyperParameterTuningJobConfig?.ResourceLimits
      : job.ResourceLimits;
  return {
    done: finishedTrials(counters),
    running: counters.InProgress ?? 0,
    max: limits?.MaxNumberOfTrainingJobs ?? null
  };
}

/** The objective's direction of a described sweep. */
export function objectiveTypeOf(job: ITuningJobDescription): ObjectiveType {
  return job.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective
    ?.Type === 'Maximize'
    ? 'Maximize'
    : 'Minimize';
}

/** The objective's metric name of a described sweep. */
export function objectiveNameOf(job: ITuningJobDescription): string {
  return (
    job.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective
      ?.MetricName ?? 'objective'
  );
}

/**
 * The tuned hyperparameters, in the order of the sweep's ranges (integer, continuous,
 * categorical), then any other name the trials carry.
 */
export function tunedNames(
  job: ITuningJobDescription | null,
  trials: readonly ITuningTrialSummary[]
): string[] {
  const ranges = job?.HyperParameterTuningJobConfig?.ParameterRanges;
  const names = [
    ...(ranges?.IntegerParameterRanges ?? []),
    ...(ranges?.ContinuousParameterRanges ?? []),
    ...(ranges?.CategoricalParameterRanges ?? [])
  ].map(r => r.Name);
  for (const trial of trials) {
    for (const key of Object.keys(trial.TunedHyperParameters ?? {})) {
      if (!names.includes(key)) {
        names.push(key);
      }
    }
  }
  return names;
}

/** The number a trial's name ends with (`sweep-007-1a2b3c4d` → 7), else null. */
export function trialNumber(name: string): number | null {
  const match = /-(\d{3,})-[0-9a-f]{8}$/.exec(name);
  return match ? Number(match[1]) : null;
}

export type XMode = 'time' | 'index';

export interface IObjectivePoints {
  /** x: seconds from the sweep's start to the trial's end, or the trial's number. */
  x: number[];
  y: number[];
  /**
   * The best objective among the completed trials up to this one (null before the
   * first): a trial stopped early or by Stop cannot be the best, as on the server.
   */
  best: (number | null)[];
  earlyStopped: boolean[];
  names: string[];
}

/**
 * The points of the objective chart: one per trial that has an objective, ordered by x
 * (equal x nudged apart by a hair, as uPlot wants), and the best-so-far value at each.
 */
export function objectivePoints(
  trials: readonly ITuningTrialSummary[],
  type: ObjectiveType,
  mode: XMode,
  start: string | null | undefined
): IObjectivePoints {
  const origin = start ? Date.parse(start) : NaN;
  const rows: {
    x: number;
    y: number;
    early: boolean;
    completed: boolean;
    name: string;
  }[] = [];
  trials.forEach((trial, i) => {
    const y = objectiveOf(trial);
    if (y === null || !Number.isFinite(y)) {
      return;
    }
    let x: number;
    if (mode === 'index') {
      x = trialNumber(trial.TrainingJobName) ?? i + 1;
    } else {
      const end = Date.parse(
        trial.TrainingEndTime ?? trial.TrainingStartTime ?? trial.CreationTime
      );
      const zero = Number.isFinite(origin) ? origin : end;
      x = Number.isFinite(end) ? Math.max(0, (end - zero) / 1000) : i;
    }
    rows.push({
      x,
      y,
      early: !!trial.EarlyStopped,
      completed: trial.TrainingJobStatus === 'Completed',
      name: trial.TrainingJobName
    });
  });
  rows.sort((a, b) => a.x - b.x);
  const out: IObjectivePoints = {
    x: [],
    y: [],
    best: [],
    earlyStopped: [],
    names: []
  };
  let best: number | null = null;
  let previous = -Infinity;
  for (const row of rows) {
    const x =
      row.x <= previous
        ? previous + Math.max(1e-6, Math.abs(previous) * 1e-9)
        : row.x;
    previous = x;
    if (row.completed && isBetter(row.y, best, type)) {
      best = row.y;
    }
    out.x.push(x);
    out.y.push(row.y);
    out.best.push(best);
    out.earlyStopped.push(row.early);
    out.names.push(row.name);
  }
  return out;
}

/** A column of the trials table: `name`, `status`, `objective` or `hp:<name>`. */
export type TrialColumn = 'name' | 'status' | 'objective' | `hp:${string}`;

export interface ITrialSort {
  column: TrialColumn;
  descending: boolean;
}

/** The cell of a column, for sorting. */
export function trialCell(
  trial: ITuningTrialSummary,
  column: TrialColumn
): string | number | null {
  if (column === 'name') {
    return trial.TrainingJobName;
  }
  if (column === 'status') {
    return trial.TrainingJobStatus;
  }
  if (column === 'objective') {
    return objectiveOf(trial);
  }
  const value = trial.TunedHyperParameters?.[column.slice(3)];
  if (value === undefined) {
    return null;
  }
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

/** The trials in the table's order (missing cells last, whatever the direction). */
export function sortTrials(
  trials: readonly ITuningTrialSummary[],
  sort: ITrialSort
): ITuningTrialSummary[] {
  return [...trials].sort((a, b) => {
    const x = trialCell(a, sort.column);
    const y = trialCell(b, sort.column);
    const missingX = x === null || (typeof x === 'number' && Number.isNaN(x));
    const missingY = y === null || (typeof y === 'number' && Number.isNaN(y));
    if (missingX || missingY) {
      return missingX === missingY ? 0 : missingX ? 1 : -1;
    }
    const order = compareCells(x, y);
    return sort.descending ? -order : order;
  });
}

/** The hyperparameters the sweep searches on a log scale (their ranges' ScalingType). */
export function logScaled(job: ITuningJobDescription | null): Set<string> {
  const ranges = job?.HyperParameterTuningJobConfig?.ParameterRanges;
  return new Set(
    [
      ...(ranges?.IntegerParameterRanges ?? []),
      ...(ranges?.ContinuousParameterRanges ?? [])
    ]
      .filter(r => r.ScalingType === 'Logarithmic')
      .map(r => r.Name)
  );
}

/**
 * The parallel-coordinates axes: one per tuned hyperparameter, the objective last (it
 * colours the lines), over the trials that have an objective. Hyperparameters in `log`
 * get a log axis (the others: decided from their values).
 */
export function parallelAxes(
  trials: readonly ITuningTrialSummary[],
  names: readonly string[],
  objective: string,
  log: ReadonlySet<string> = new Set()
): IParallelAxis[] {
  const scored = trials.filter(t => {
    const v = objectiveOf(t);
    return v !== null && Number.isFinite(v);
  });
  return [
    ...names.map(name => ({
      name,
      values: scored.map(t => t.TunedHyperParameters?.[name] ?? null),
      log: log.has(name) ? true : undefined
    })),
    { name: objective, values: scored.map(t => objectiveOf(t)) }
  ];
}
