/**
 * The state behind the run comparison: the runs and the chosen metric's series (from
 * `POST /runs/compare`, downsampled by the server), the time-based series when x = time,
 * the chart and table options, what is brushed, isolated or resized, and live updates of
 * in-progress runs over `run.metrics` / `run.status` events (one re-read per `liveDelay`).
 *
 * Any number of runs: the selection (runs by id, whole experiments less some runs) is
 * read a page of `PAGE_RUNS` runs at a time, each page's runs and curves shown as soon as
 * it lands (the chart draws them in batches). Runs given by id are read two pages at
 * once; whole experiments are paged by the server (`next_token`). Every run's curve comes,
 * each downsampled to its share of `CURVE_POINTS_BUDGET` points.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { IXYSeries } from '../../charts/series';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { ICompareSelection, selectionSize } from '../../panel/selection';
import { IModelSources, ViewModel } from '../../panel/viewModel';
import {
  ICompareResult,
  ICompareSeries,
  IRun,
  ITuningJobDescription,
  toNumber
} from '../../types';
import { ISort, Summary } from './table';

/** Runs per answer of `POST /runs/compare` (the server's page). */
export const PAGE_RUNS = 500;
/** Points of all the curves together: each run's curve gets its share (at most maxPoints). */
export const CURVE_POINTS_BUDGET = 200_000;
/** The fewest points a curve is downsampled to, however many runs. */
export const MIN_CURVE_POINTS = 20;
/** Curves drawn against time (each is a history of its own to read). */
export const MAX_TIME_CURVES = 100;
/** Metric histories fetched at once for x = time. */
const HISTORY_CONCURRENCY = 6;
/** Pages of runs given by id read at once. */
const PAGE_CONCURRENCY = 2;
/** The tag a tuning job puts on its trials' runs (their ranges say which axes are log). */
export const TUNING_TAG = 'labstudio:tuning-job';
/** Tuning jobs read for their ranges, at most. */
const MAX_TUNING_JOBS = 5;

export type XMode = 'step' | 'time';

/** A brushed interval of a parallel-coordinates axis, in its 0..1 positions. */
export type Brush = [number, number];

export interface ICompareData {
  runs: IRun[];
  metrics: string[];
  /** The chosen metric's series, by run id. */
  series: Map<string, ICompareSeries>;
}

export interface ICompareModelOptions extends IModelSources {
  /** What to compare: runs by id and/or whole experiments (a list of ids is taken too). */
  selection?: ICompareSelection | string[];
  /** Runs by id (when there is no `selection`). */
  runIds?: string[];
  keyMetric?: string;
  maxPoints?: number;
  /** At most one re-read per this period while runs are in progress (ms). */
  liveDelay?: number;
}

/** The points of each curve: the budget shared by the runs, within [MIN, maxPoints]. */
export function pointsPerCurve(maxPoints: number, runs: number): number {
  if (!Number.isFinite(runs) || runs <= 0) {
    return Math.min(maxPoints, 200);
  }
  return Math.max(
    MIN_CURVE_POINTS,
    Math.min(maxPoints, Math.floor(CURVE_POINTS_BUDGET / runs))
  );
}

export class CompareModel extends ViewModel {
  constructor(options: ICompareModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    const given = options.selection ?? options.runIds ?? [];
    this.selection = Array.isArray(given)
      ? { runIds: [...given], expected: given.length }
      : { ...given, runIds: [...given.runIds] };
    this.runIds = this.selection.runIds;
    this._metric = options.keyMetric ?? '';
    this.maxPoints = options.maxPoints ?? 1000;
    this._liveDelay = options.liveDelay ?? 2000;
  }

  readonly selection: ICompareSelection;
  /** The runs given by id (whole experiments come on top). */
  readonly runIds: readonly string[];
  readonly maxPoints: number;

  get data(): ICompareData | null {
    return this._data;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** Runs selected in all (known once the first page answered). */
  get total(): number | null {
    return this._total;
  }
  /** Pages are still being read (some runs and curves are yet to come). */
  get loading(): boolean {
    return this._loading;
  }
  get metric(): string {
    return this._metric;
  }
  get xMode(): XMode {
    return this._xMode;
  }
  get logScale(): boolean {
    return this._logScale;
  }
  get smoothing(): number {
    return this._smoothing;
  }
  get summary(): Summary {
    return this._summary;
  }
  get onlyDiff(): boolean {
    return this._onlyDiff;
  }
  get sort(): ISort | null {
    return this._sort;
  }
  get scatterParam(): string {
    return this._scatterParam;
  }
  /** The curves against time (null unless x = time and they arrived). */
  get timeSeries(): IXYSeries[] | null {
    return this._timeSeries;
  }
  /** Some runs are in progress: their events re-read the comparison. */
  get live(): boolean {
    return !!this._data?.runs.some(r => r.status === 'InProgress');
  }
  /** The run whose curve alone is shown (a legend click), or null for all. */
  get isolated(): string | null {
    return this._isolated;
  }
  /** Brushed intervals of the parallel coordinates, by axis name. */
  get brushes(): Readonly<Record<string, Brush>> {
    return this._brushes;
  }
  /** Column widths the user dragged, by column id (px). */
  get columnWidths(): Readonly<Record<string, number>> {
    return this._columnWidths;
  }
  /** Parameters tuned on a log scale (their tuning jobs' ranges say so). */
  get logParams(): ReadonlySet<string> {
    return this._logParams;
  }

  /** Load, then follow the in-progress runs. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    const poke = (runId: string) => {
      if (this.live && this._loadedIds.has(runId)) {
        this.debounce.throttle(
          'live',
          this._liveDelay,
          () => void this.reload()
        );
      }
    };
    this.subscribe({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => {
        if (this.live) {
          void this.reload();
        }
      },
      handlers: [
        handle('run.metrics', e => poke(e.payload.run_id)),
        handle('run.status', e => poke(e.payload.run_id))
      ]
    });
    await this.reload();
  }

  /** Read every page of runs with the chosen metric's curves. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    const metric = this._metric;
    const selection = this.selection;
    const points = pointsPerCurve(this.maxPoints, selectionSize(selection));
    // No metric chosen yet: the first answer names them (no series are read for it).
    const metrics = metric ? [metric] : [];
    const pages: ICompareResult[][] = [];
    let shown: ICompareData | null = null;
    const show = () => {
      if (this.isDisposed) {
        return;
      }
      const answers = pages.flat();
      const runs: IRun[] = [];
      const seen = new Set<string>();
      const series = new Map<string, ICompareSeries>();
      for (const answer of answers) {
        for (const run of answer.runs) {
          if (!seen.has(run.id)) {
            seen.add(run.id);
            runs.push(run);
          }
        }
        for (const s of answer.series) {
          if (s.metric === metric) {
            series.set(s.run_id, s);
          }
        }
      }
      const names = new Set<string>();
      for (const run of runs) {
        for (const name in run.metrics) {
          names.add(name);
        }
      }
      shown = { runs, metrics: [...names].sort(), series };
      this._data = shown;
      this._loadedIds = seen;
      this._total = answers[0]?.total ?? runs.length;
      this._error = null;
      this.emitChanged();
    };
    this._loading = true;
    try {
      const paged = !!selection.experiments?.length || !!selection.exclude;
      if (paged) {
        let token: string | null = null;
        do {
          const answer: ICompareResult = await this._client.compareRuns({
            runs: selection.runIds.length ? selection.runIds : undefined,
            experiments: selection.experiments,
            exclude: selection.exclude,
            metrics,
            max_points: points,
            limit: PAGE_RUNS,
            next_token: token ?? undefined
          });
          pages.push([answer]);
          show();
          token = answer.next_token ?? null;
        } while (token && !this.isDisposed);
      } else {
        const chunks: string[][] = [];
        for (let i = 0; i < selection.runIds.length; i += PAGE_RUNS) {
          chunks.push(selection.runIds.slice(i, i + PAGE_RUNS));
        }
        await mapLimit(chunks, PAGE_CONCURRENCY, async (ids, i) => {
          const answer = await this._client.compareRuns({
            runs: ids,
            metrics,
            max_points: points,
            limit: PAGE_RUNS
          });
          pages[i] = [answer]; // in the selection's order, whatever order they land in
          show();
        });
      }
    } catch (error) {
      if (!this.isDisposed) {
        this._loading = false;
        this._error = asApiError(error);
        this.emitChanged();
      }
      return;
    }
    this._loading = false;
    if (this.isDisposed || !shown) {
      return;
    }
    const data: ICompareData = shown;
    if (!this.live) {
      this.debounce.cancel('live');
    }
    this.emitChanged();
    void this._readTuningRanges(data.runs);
    if (data.metrics.length && !data.metrics.includes(this._metric)) {
      // None chosen, or not logged by these runs: chart the first one.
      this.setMetric(data.metrics[0]);
      return;
    }
    void this._loadTimeSeries();
  }

  setMetric(metric: string): void {
    if (metric === this._metric) {
      return;
    }
    this._metric = metric;
    this.emitChanged();
    void this.reload();
  }

  setXMode(mode: XMode): void {
    if (mode === this._xMode) {
      return;
    }
    this._xMode = mode;
    this.emitChanged();
    void this._loadTimeSeries();
  }

  setLogScale(value: boolean): void {
    this._set(() => (this._logScale = value));
  }
  setSmoothing(value: number): void {
    this._set(() => (this._smoothing = value));
  }
  setSummary(value: Summary): void {
    this._set(() => (this._summary = value));
  }
  setOnlyDiff(value: boolean): void {
    this._set(() => (this._onlyDiff = value));
  }
  setSort(value: ISort | null): void {
    this._set(() => (this._sort = value));
  }
  setScatterParam(value: string): void {
    this._set(() => (this._scatterParam = value));
  }
  /** Show one run's curve alone; the same run again (or null) shows them all. */
  isolate(runId: string | null): void {
    this._set(() => (this._isolated = runId === this._isolated ? null : runId));
  }
  /** Brush an axis of the parallel coordinates (null clears it). */
  setBrush(axis: string, brush: Brush | null): void {
    this._set(() => {
      const next = { ...this._brushes };
      if (brush) {
        next[axis] = [Math.min(...brush), Math.max(...brush)];
      } else {
        delete next[axis];
      }
      this._brushes = next;
    });
  }
  clearBrushes(): void {
    this._set(() => (this._brushes = {}));
  }
  /** A column's width, dragged by its header's edge (px). */
  setColumnWidth(column: string, width: number): void {
    this._set(
      () =>
        (this._columnWidths = {
          ...this._columnWidths,
          [column]: Math.max(48, Math.round(width))
        })
    );
  }

  private _set(change: () => void): void {
    change();
    this.emitChanged();
  }

  /**
   * Trials of tuning jobs: their ranges say which parameters were searched on a log
   * scale (the parallel coordinates use log axes for them).
   */
  private async _readTuningRanges(runs: IRun[]): Promise<void> {
    const names = [
      ...new Set(runs.map(r => r.tags[TUNING_TAG]).filter(n => !!n))
    ].slice(0, MAX_TUNING_JOBS);
    const fresh = names.filter(n => !this._tuningRead.has(n));
    if (fresh.length === 0) {
      return;
    }
    fresh.forEach(n => this._tuningRead.add(n));
    const jobs = await Promise.all(
      fresh.map(n =>
        this._client
          .getTuningJob(n)
          .catch((): ITuningJobDescription | null => null)
      )
    );
    const log = new Set(this._logParams);
    for (const job of jobs) {
      const ranges = job?.HyperParameterTuningJobConfig?.ParameterRanges;
      for (const range of [
        ...(ranges?.IntegerParameterRanges ?? []),
        ...(ranges?.ContinuousParameterRanges ?? [])
      ]) {
        if (range.ScalingType === 'Logarithmic') {
          log.add(range.Name);
        }
      }
    }
    if (!this.isDisposed && log.size !== this._logParams.size) {
      this._logParams = log;
      this.emitChanged();
    }
  }

  /** x = time: the compare answer has steps only; read each run's history with times. */
  private async _loadTimeSeries(): Promise<void> {
    const data = this._data;
    const metric = this._metric;
    const seq = ++this._timeSeq;
    if (this._xMode !== 'time' || !metric || !data) {
      if (this._timeSeries !== null) {
        this._timeSeries = null;
        this.emitChanged();
      }
      return;
    }
    const runs = data.runs
      .filter(r => r.metrics[metric])
      .slice(0, MAX_TIME_CURVES);
    try {
      const histories = await mapLimit(runs, HISTORY_CONCURRENCY, run =>
        this._client.getRunMetric(run.id, metric, this.maxPoints)
      );
      if (this.isDisposed || seq !== this._timeSeq) {
        return;
      }
      this._timeSeries = histories.map((h, i) => {
        const t0 = h.timestamps?.[0] ?? runs[i].start_time ?? 0;
        return {
          label: runs[i].name,
          key: runs[i].id,
          x: (h.timestamps ?? h.steps).map(t => t - t0),
          y: h.values.map(v => toNumber(v)),
          colorIndex: data.runs.indexOf(runs[i])
        };
      });
    } catch (error) {
      if (this.isDisposed || seq !== this._timeSeq) {
        return;
      }
      this._error = asApiError(error);
    }
    this.emitChanged();
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _liveDelay: number;
  private _loadedIds = new Set<string>();
  private _data: ICompareData | null = null;
  private _total: number | null = null;
  private _loading = false;
  private _error: LabstudioApiError | null = null;
  private _metric: string;
  private _xMode: XMode = 'step';
  private _logScale = false;
  private _smoothing = 0;
  private _summary: Summary = 'last';
  private _onlyDiff = false;
  private _sort: ISort | null = null;
  private _scatterParam = '';
  private _isolated: string | null = null;
  private _brushes: Record<string, Brush> = {};
  private _columnWidths: Record<string, number> = {};
  private _logParams: ReadonlySet<string> = new Set();
  private _tuningRead = new Set<string>();
  private _timeSeries: IXYSeries[] | null = null;
  private _reads = this.coalesce(() => this._read());
  private _timeSeq = 0;
}

/** `fn` over `items` with at most `limit` calls at once, results in order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker)
  );
  return out;
}
