/**
 * The state behind the run comparison: the runs and the chosen metric's series (from
 * `POST /runs/compare`, downsampled by the server, in chunks), the time-based series when
 * x = time, the chart and table options, and live updates of in-progress runs over
 * `run.metrics` / `run.status` events (one re-read per `liveDelay` at most).
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { IXYSeries } from '../../charts/series';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IModelSources, ViewModel } from '../../panel/viewModel';
import { ICompareSeries, IRun, toNumber } from '../../types';
import { ISort, Summary } from './table';

/** The server compares at most this many runs per request. */
export const COMPARE_CHUNK = 500;
/** Curves drawn at most (the table lists every run). */
export const MAX_CURVES = 100;
/** Metric histories fetched at once for x = time. */
const HISTORY_CONCURRENCY = 6;

export type XMode = 'step' | 'time';

export interface ICompareData {
  runs: IRun[];
  metrics: string[];
  series: ICompareSeries[];
}

export interface ICompareModelOptions extends IModelSources {
  runIds: string[];
  keyMetric?: string;
  maxPoints?: number;
  /** At most one re-read per this period while runs are in progress (ms). */
  liveDelay?: number;
}

export class CompareModel extends ViewModel {
  constructor(options: ICompareModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    this.runIds = [...options.runIds];
    this._metric = options.keyMetric ?? '';
    this.maxPoints = options.maxPoints ?? 1000;
    this._liveDelay = options.liveDelay ?? 2000;
  }

  readonly runIds: readonly string[];
  readonly maxPoints: number;

  get data(): ICompareData | null {
    return this._data;
  }
  get error(): LabstudioApiError | null {
    return this._error;
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

  /** Load, then follow the in-progress runs. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    const poke = (runId: string) => {
      if (this.live && this._ids.has(runId)) {
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

  /**
   * Read the runs (all) and the chosen metric's series (the first MAX_CURVES runs with
   * full series; the others only for their table rows).
   */
  reload(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    const metric = this._metric;
    const ids = this.runIds;
    const chunks: { ids: string[]; points: number }[] = [
      { ids: ids.slice(0, MAX_CURVES), points: this.maxPoints }
    ];
    for (let i = MAX_CURVES; i < ids.length; i += COMPARE_CHUNK) {
      chunks.push({ ids: ids.slice(i, i + COMPARE_CHUNK), points: 2 });
    }
    let loaded: ICompareData;
    try {
      const answers = await Promise.all(
        chunks
          .filter(c => c.ids.length)
          .map(c =>
            this._client.compareRuns({
              runs: c.ids,
              metrics: metric ? [metric] : undefined,
              max_points: c.points
            })
          )
      );
      const runs = answers.flatMap(a => a.runs);
      const metrics = [
        ...new Set(runs.flatMap(r => Object.keys(r.metrics)))
      ].sort();
      loaded = { runs, metrics, series: answers[0]?.series ?? [] };
    } catch (error) {
      if (!this.isDisposed) {
        this._error = asApiError(error);
        this.emitChanged();
      }
      return;
    }
    if (this.isDisposed) {
      return;
    }
    this._data = loaded;
    this._error = null;
    if (!this.live) {
      this.debounce.cancel('live');
    }
    this.emitChanged();
    if (loaded.metrics.length && !loaded.metrics.includes(this._metric)) {
      // None chosen, or not logged by these runs: chart the first one.
      this.setMetric(loaded.metrics[0]);
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

  private _set(change: () => void): void {
    change();
    this.emitChanged();
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
    const runs = data.runs.slice(0, MAX_CURVES).filter(r => r.metrics[metric]);
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

  private get _ids(): Set<string> {
    this._idSet = this._idSet ?? new Set(this.runIds);
    return this._idSet;
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _liveDelay: number;
  private _idSet: Set<string> | null = null;
  private _data: ICompareData | null = null;
  private _error: LabstudioApiError | null = null;
  private _metric: string;
  private _xMode: XMode = 'step';
  private _logScale = false;
  private _smoothing = 0;
  private _summary: Summary = 'last';
  private _onlyDiff = false;
  private _sort: ISort | null = null;
  private _scatterParam = '';
  private _timeSeries: IXYSeries[] | null = null;
  private _reads = this.coalesce(() => this._read());
  private _timeSeq = 0;
}

/** `fn` over `items` with at most `limit` calls at once, results in order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker)
  );
  return out;
}
