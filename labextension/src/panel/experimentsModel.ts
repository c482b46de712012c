/**
 * The state behind the Experiments section: experiments, the runs of the expanded ones
 * (or of a search across all of them), sort order, key metric and the run selection.
 *
 * The key metric (shown beside each run, sortable) belongs to an experiment: the one the
 * user chose for it (persisted by the host through `onKeyMetricsChanged`), else the
 * settings' default when the experiment logs it, else `pickKeyMetric` of its metrics.
 * The Metric picker edits the key metric of the experiment opened last.
 *
 * Kept current from the events socket: `run.created`, `run.status`, `run.metrics`,
 * `run.updated` / `run.deleted` schedule coalesced refreshes of only what is shown.
 *
 * Built for experiments of 100,000 runs: a list's first page is small (first rows at
 * once), the next pages are read ahead of the scroll position (`prefetch`), each list
 * keeps an index by id and the metric names it has seen (no pass over every loaded run
 * per render), and an experiment can be selected whole without loading its runs.
 */
import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import { IExperiment, IRun, IRunStatusPayload } from '../types';
import { asApiError, filterName, handle, searchToFilter } from './live';
import { IModelSources, ViewModel } from './viewModel';
import { ICompareSelection, RunSelection } from './selection';

export type RunSortKey = 'start_time' | 'name' | 'status' | 'metric';

export interface IRunSort {
  key: RunSortKey;
  descending: boolean;
}

/** The runs loaded for one experiment (or for the search, key `SEARCH`). */
export interface IRunList {
  runs: IRun[];
  nextToken: string | null;
  total: number | null;
  loading: boolean;
  error: LabstudioApiError | null;
  /** The loaded runs by id. */
  byId: Map<string, IRun>;
  /** The metric names the loaded runs log. */
  metricNames: Set<string>;
}

/** Rows of the first page of a list: enough to fill the section at once, quick to read. */
export const FIRST_PAGE = 100;
/** Rows read ahead: the next page is asked for once the view is this close to the end. */
export const PREFETCH_ROWS = 300;

export const SEARCH = '\u0000search';

export interface IExperimentsModelOptions extends IModelSources {
  /** Rows of the pages after the first (read ahead of the scroll position). */
  pageSize?: number;
  /** Rows of a list's first page. */
  firstPageSize?: number;
  fallbackInterval?: number;
  refreshDelay?: number;
  /** Throttle of refreshes caused by streaming metrics (ms). */
  metricsInterval?: number;
  /** Delay between typing in the search box and asking the server (ms). */
  searchDelay?: number;
  /** The default key metric (the `keyMetric` setting), for experiments that log it. */
  keyMetric?: string;
  /** The key metric chosen per experiment (what `onKeyMetricsChanged` saved). */
  keyMetrics?: Readonly<Record<string, string>>;
  /** Persist the choices of the Metric picker (all of them), so they survive a reload. */
  onKeyMetricsChanged?: (choices: Record<string, string>) => void;
  defaultExperiment?: string;
}

/** Names of validation-like metrics: the usual objective when there are several. */
const OBJECTIVE_LIKE = /^(val|valid|validation|eval|test)([_\-./:]|$)/i;

/**
 * The key metric of an experiment nobody chose one for: its only metric; else the
 * first validation-like one (`val_loss`, `eval/accuracy`); else the first by name.
 */
export function pickKeyMetric(names: readonly string[]): string {
  const sorted = [...names].sort();
  return sorted.find(n => OBJECTIVE_LIKE.test(n)) ?? sorted[0] ?? '';
}

export class ExperimentsModel extends ViewModel {
  constructor(options: IExperimentsModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this._pageSize = options.pageSize ?? 200;
    this._firstPageSize = options.firstPageSize ?? FIRST_PAGE;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
    this._metricsInterval = options.metricsInterval ?? 2000;
    this._searchDelay = options.searchDelay ?? 120;
    this._defaultKeyMetric = options.keyMetric ?? '';
    this._keyMetrics = new Map(Object.entries(options.keyMetrics ?? {}));
    this._onKeyMetricsChanged = options.onKeyMetricsChanged ?? null;
    this._defaultExperiment = options.defaultExperiment ?? '';
  }

  readonly client: LabstudioClient;
  readonly selection = new RunSelection();

  get experiments(): readonly IExperiment[] {
    return this._experiments;
  }
  get loaded(): boolean {
    return this._loaded;
  }
  get loading(): boolean {
    return this._loading;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  get search(): string {
    return this._search;
  }
  get sort(): IRunSort {
    return this._sort;
  }
  /** The key metric of the current experiment (what the Metric picker shows). */
  get keyMetric(): string {
    return this.keyMetricFor(this.currentExperiment);
  }
  /** The experiment whose key metric the Metric picker edits: the one opened last. */
  get currentExperiment(): string {
    if (
      this._current &&
      this._experiments.some(e => e.name === this._current)
    ) {
      return this._current;
    }
    return (
      this._experiments.find(e => this._expanded.has(e.name))?.name ??
      this._current
    );
  }
  get connected(): boolean {
    return this.subscription?.connected ?? false;
  }
  isExpanded(name: string): boolean {
    return this._expanded.has(name);
  }

  /** The loaded runs of an experiment (or `SEARCH`). */
  runList(name: string): IRunList | undefined {
    return this._runs.get(name);
  }

  /** A loaded run by id (from any list), for names in the comparison. */
  findRun(id: string): IRun | undefined {
    for (const list of this._runs.values()) {
      const run = list.byId.get(id);
      if (run) {
        return run;
      }
    }
    return this._selectedRuns.get(id);
  }

  /**
   * The metric names seen in the loaded runs (of one experiment, when given), sorted,
   * with the experiment's chosen key metric even when no loaded run logs it.
   */
  metricNames(experiment?: string): string[] {
    const names = new Set<string>();
    for (const [key, list] of this._runs) {
      if (experiment === undefined || key === experiment) {
        list.metricNames.forEach(n => names.add(n));
      } else if (key === SEARCH) {
        for (const run of list.runs) {
          if (run.experiment === experiment) {
            Object.keys(run.metrics).forEach(n => names.add(n));
          }
        }
      }
    }
    const chosen =
      experiment === undefined ? '' : this._keyMetrics.get(experiment);
    if (chosen) {
      names.add(chosen);
    }
    return [...names].sort();
  }

  /** The key metric of an experiment: chosen, else the default if logged, else picked. */
  keyMetricFor(experiment: string): string {
    const chosen = this._keyMetrics.get(experiment);
    if (chosen !== undefined) {
      return chosen;
    }
    const names = this.metricNames(experiment);
    if (
      this._defaultKeyMetric &&
      (names.length === 0 || names.includes(this._defaultKeyMetric))
    ) {
      return this._defaultKeyMetric;
    }
    return pickKeyMetric(names);
  }

  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    await this.refresh();
    if (!this._error?.extensionMissing && !this.isDisposed) {
      this.subscribe({
        events: this._events,
        fallbackInterval: this._fallbackInterval,
        refresh: () => void this.refresh(),
        onConnection: () => this.emitChanged(),
        handlers: [
          handle('run.created', e =>
            this._onRunEvent(e.payload.experiment, this._refreshDelay)
          ),
          handle('run.status', e => this._onStatus(e.payload)),
          handle('run.metrics', e =>
            this._onRunEvent(
              e.payload.experiment ?? undefined,
              this._metricsInterval,
              true
            )
          ),
          handle('run.updated', () =>
            this._onRunEvent(undefined, this._refreshDelay)
          ),
          handle('run.deleted', () =>
            this.debounce.schedule(
              'all',
              this._refreshDelay,
              () => void this.refresh()
            )
          ),
          handle('experiment.*', () =>
            this.debounce.schedule(
              'exps',
              this._refreshDelay,
              () => void this._loadExperiments()
            )
          )
        ]
      });
      this.emitChanged();
    }
  }

  /** Reload the experiments and every run list shown. */
  async refresh(): Promise<void> {
    await this._loadExperiments();
    if (this._firstLoad && !this._error) {
      this._firstLoad = false;
      const preferred =
        this._experiments.find(e => e.name === this._defaultExperiment) ??
        this._experiments[0];
      if (preferred) {
        this._expanded.add(preferred.name);
        this._current = this._current || preferred.name;
      }
    }
    await Promise.all(this._shownLists().map(key => this._loadRuns(key)));
  }

  toggleExpanded(name: string, expanded = !this._expanded.has(name)): void {
    if (expanded) {
      this._expanded.add(name);
      this._current = name;
      if (!this._runs.has(name)) {
        void this._loadRuns(name);
      }
    } else {
      this._expanded.delete(name);
    }
    this.emitChanged();
  }

  setSearch(text: string): void {
    if (text === this._search) {
      return;
    }
    this._search = text;
    this._runs.delete(SEARCH);
    this.emitChanged();
    this.debounce.schedule('search', this._searchDelay, () => {
      if (this._search.trim()) {
        void this._loadRuns(SEARCH);
      }
    });
  }

  setSort(sort: IRunSort): void {
    this._sort = sort;
    this._runs.forEach(list => (list.runs = [])); // the order changes: reload
    this.emitChanged();
    void Promise.all(this._shownLists().map(key => this._loadRuns(key)));
  }

  /**
   * Choose the key metric of an experiment (the current one by default; '' for none)
   * and hand the choice to the host to persist.
   */
  setKeyMetric(name: string, experiment = this.currentExperiment): void {
    if (!experiment || this._keyMetrics.get(experiment) === name) {
      return;
    }
    this._keyMetrics.set(experiment, name);
    this._onKeyMetricsChanged?.(Object.fromEntries(this._keyMetrics));
    this._keyMetricsChanged();
  }

  /** The choices per experiment changed elsewhere (the settings were edited). */
  setKeyMetricChoices(choices: Readonly<Record<string, string>>): void {
    const next = new Map(Object.entries(choices));
    const same =
      next.size === this._keyMetrics.size &&
      [...next].every(([k, v]) => this._keyMetrics.get(k) === v);
    if (!same) {
      this._keyMetrics = next;
      this._keyMetricsChanged();
    }
  }

  /** The default key metric changed (the `keyMetric` setting). */
  setDefaultKeyMetric(name: string): void {
    if (name !== this._defaultKeyMetric) {
      this._defaultKeyMetric = name;
      this._keyMetricsChanged();
    }
  }

  setDefaultExperiment(name: string): void {
    this._defaultExperiment = name;
  }

  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this.subscription?.setFallbackInterval(ms);
  }

  async loadMore(key: string): Promise<void> {
    const list = this._runs.get(key);
    if (list?.nextToken && !list.loading) {
      await this._loadRuns(key, list.nextToken);
    }
  }

  /**
   * The view shows row `index` of a list's loaded runs: read its next page now if that
   * is within `PREFETCH_ROWS` of the end, so the rows are there before they are scrolled to.
   */
  prefetch(key: string, index: number): void {
    const list = this._runs.get(key);
    if (
      list?.nextToken &&
      !list.loading &&
      !list.error &&
      list.runs.length - index <= PREFETCH_ROWS
    ) {
      void this._loadRuns(key, list.nextToken);
    }
  }

  /** The run ids in display order (for shift-click ranges). */
  visibleRunIds(): string[] {
    if (this._search.trim()) {
      return (this._runs.get(SEARCH)?.runs ?? []).map(r => r.id);
    }
    const ids: string[] = [];
    for (const exp of this._experiments) {
      if (this._expanded.has(exp.name)) {
        (this._runs.get(exp.name)?.runs ?? []).forEach(r => ids.push(r.id));
      }
    }
    return ids;
  }

  clickRun(id: string, shift = false): void {
    const run = this.findRun(id);
    this.selection.click(
      id,
      shift ? this.visibleRunIds() : [],
      shift,
      rid => this.findRun(rid)?.experiment
    );
    if (run) {
      this._selectedRuns.set(id, run);
    }
    this.emitChanged();
  }

  /** Select (or clear) every run of an experiment, loaded or not ("select all"). */
  selectExperiment(name: string, selected: boolean): void {
    // its runs picked one by one become part of it (or are cleared with it)
    this.selection.setExperiment(
      name,
      selected,
      id => this.findRun(id)?.experiment === name
    );
    this.emitChanged();
  }

  /** Whether a run is selected (one by one, or as part of its whole experiment). */
  isSelected(run: IRun): boolean {
    return this.selection.has(run.id, run.experiment);
  }

  /** How many runs are selected, whole experiments counted by their run counts. */
  selectedCount(): number {
    return this.selection.size(name => this.runCount(name));
  }

  /** An experiment's run count (the list's total once read, else the experiment's). */
  runCount(name: string): number {
    return (
      this._runs.get(name)?.total ??
      this._experiments.find(e => e.name === name)?.run_count ??
      0
    );
  }

  /** The selection as the comparison takes it (whole experiments as selectors). */
  compareSelection(): ICompareSelection {
    return this.selection.toCompare(this.selectedCount());
  }

  clearSelection(): void {
    this.selection.clear();
    this.emitChanged();
  }

  /** The runs selected one by one (with the last known row of each). */
  selectedRuns(): IRun[] {
    return this.selection.ids
      .map(id => this.findRun(id))
      .filter((r): r is IRun => !!r);
  }

  /**
   * The server's `order_by` for the current sort of a run list (an experiment's: by its
   * key metric; the search's: by the current experiment's).
   */
  orderBy(list: string = SEARCH): string {
    const dir = this._sort.descending ? 'desc' : 'asc';
    switch (this._sort.key) {
      case 'metric': {
        const metric = this.keyMetricFor(
          list === SEARCH ? this.currentExperiment : list
        );
        return metric
          ? `metrics.${filterName(metric)} ${dir}, start_time desc`
          : `start_time ${dir}`;
      }
      case 'name':
        return `name ${dir}`;
      case 'status':
        return `status ${dir}, start_time desc`;
      default:
        // Newest / oldest first: the order runs were created in, which the store keeps
        // indexed (a run starts as it is created; 100,000 runs sort in milliseconds).
        return `created_time ${dir}`;
    }
  }

  private _keyMetricsChanged(): void {
    if (this._sort.key === 'metric') {
      this.setSort(this._sort);
    } else {
      this.emitChanged();
    }
  }

  private _shownLists(): string[] {
    if (this._search.trim()) {
      return [SEARCH];
    }
    return this._experiments
      .filter(e => this._expanded.has(e.name))
      .map(e => e.name);
  }

  private async _loadExperiments(): Promise<void> {
    this._loading = true;
    this.emitChanged();
    try {
      this._experiments = await this.client.listExperiments();
      this._error = null;
      this.selection.retain(
        () => true,
        new Set(this._experiments.map(e => e.name))
      );
    } catch (error) {
      this._error = asApiError(error);
    }
    this._loading = false;
    this._loaded = true;
    if (!this.isDisposed) {
      this.emitChanged();
    }
  }

  /** Load the first page (as many rows as shown, to keep "load more" pages) or the next. */
  private async _loadRuns(key: string, nextToken?: string): Promise<void> {
    const previous = this._runs.get(key);
    const list: IRunList = previous ?? {
      runs: [],
      nextToken: null,
      total: null,
      loading: false,
      error: null,
      byId: new Map(),
      metricNames: new Set()
    };
    list.loading = true;
    this._runs.set(key, list);
    if (!previous || list.runs.length === 0) {
      this.emitChanged(); // "Loading runs…" (a page read ahead shows nothing until it lands)
    }
    const seq = (this._seq[key] = (this._seq[key] ?? 0) + 1);
    const isSearch = key === SEARCH;
    try {
      const page = await this.client.listRuns({
        experiment: isSearch ? undefined : [key],
        filter: isSearch ? searchToFilter(this._search) : undefined,
        order_by: this.orderBy(key),
        limit: nextToken
          ? this._pageSize
          : Math.min(10000, Math.max(this._firstPageSize, list.runs.length)),
        next_token: nextToken ?? undefined
      });
      if (this.isDisposed || seq !== this._seq[key]) {
        return;
      }
      if (nextToken) {
        list.runs = list.runs.concat(page.runs);
      } else {
        list.runs = page.runs;
        list.byId = new Map();
        list.metricNames = new Set();
      }
      for (const run of page.runs) {
        list.byId.set(run.id, run);
        for (const name in run.metrics) {
          list.metricNames.add(name);
        }
      }
      list.nextToken = page.next_token ?? null;
      list.total = page.total ?? null;
      list.error = null;
      if (!nextToken) {
        // runs picked one by one that were deleted (a page read ahead adds runs only)
        this.selection.retain(id => this.findRun(id) !== undefined);
      }
    } catch (error) {
      if (this.isDisposed || seq !== this._seq[key]) {
        return;
      }
      list.error = asApiError(error);
    }
    list.loading = false;
    this.emitChanged();
  }

  /** Re-read the shown runs of `experiment` (of every shown list when not known). */
  private _onRunEvent(
    experiment: string | undefined,
    delay: number,
    throttle = false
  ): void {
    const shown = this._shownLists();
    const keys =
      experiment && !this._search.trim()
        ? shown.filter(k => k === experiment)
        : shown;
    for (const key of keys) {
      const run = () => void this._loadRuns(key);
      if (throttle) {
        // Streaming metrics: big lists refresh less often (1 ms per loaded run, 2 s at least).
        const rows = this._runs.get(key)?.runs.length ?? 0;
        this.debounce.throttle(`runs:${key}`, Math.max(delay, rows), run);
      } else {
        this.debounce.schedule(`runs:${key}`, delay, run);
      }
    }
    if (!throttle) {
      // counts and last run times of the experiments
      this.debounce.schedule('exps', delay, () => void this._loadExperiments());
    }
  }

  private _onStatus(payload: IRunStatusPayload): void {
    for (const list of this._runs.values()) {
      const known = list.byId.get(payload.run_id);
      if (known) {
        const index = list.runs.indexOf(known);
        const changed = { ...known, status: payload.status };
        list.runs = [...list.runs];
        list.runs[index] = changed;
        list.byId.set(changed.id, changed);
      }
    }
    this.emitChanged();
    // end time, duration and final metrics come with the list
    const owner = [...this._runs.entries()].find(([, l]) =>
      l.byId.has(payload.run_id)
    );
    this._onRunEvent(
      owner && owner[0] !== SEARCH ? owner[0] : undefined,
      this._refreshDelay
    );
  }

  private _events: EventStream | null;
  private _pageSize: number;
  private _firstPageSize: number;
  private _fallbackInterval: number;
  private _refreshDelay: number;
  private _metricsInterval: number;
  private _searchDelay: number;
  private _defaultKeyMetric: string;
  private _keyMetrics: Map<string, string>;
  private _onKeyMetricsChanged:
    ((choices: Record<string, string>) => void) | null;
  private _current = '';
  private _defaultExperiment: string;
  private _experiments: IExperiment[] = [];
  private _expanded = new Set<string>();
  private _runs = new Map<string, IRunList>();
  private _selectedRuns = new Map<string, IRun>();
  private _search = '';
  private _sort: IRunSort = { key: 'start_time', descending: true };
  private _loaded = false;
  private _loading = false;
  private _firstLoad = true;
  private _error: LabstudioApiError | null = null;
  private _seq: Record<string, number> = {};
}
