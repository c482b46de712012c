/**
 * The state behind a run's page: the run (`GET /runs/{id}`: parameters, metric summaries,
 * artifacts, its job) and each metric's history for its chart (downsampled by the
 * server), kept current while the run is in progress (`run.metrics` / `run.status`).
 *
 * A run's lineage (what it read, what it made) is a section of the page only when the
 * server has the lineage route (`hasRoute('/lineage')`): a server without it shows none.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { IXYSeries } from '../../charts/series';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IModelSources, ViewModel } from '../../panel/viewModel';
import { ILineageGraph, IRunDetail, toNumber } from '../../types';

/** Metric charts drawn at most (the table lists every metric). */
export const MAX_RUN_CHARTS = 12;
/** Points per metric chart. */
const CHART_POINTS = 600;

export interface IRunModelOptions extends IModelSources {
  runId: string;
  /** At most one re-read per this period while the run is in progress (ms). */
  liveDelay?: number;
}

export class RunModel extends ViewModel {
  constructor(options: IRunModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    this.runId = options.runId;
    this._liveDelay = options.liveDelay ?? 2000;
  }

  readonly runId: string;

  get run(): IRunDetail | null {
    return this._run;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** Each charted metric's history (step on x), by metric name. */
  get histories(): ReadonlyMap<string, IXYSeries> {
    return this._histories;
  }
  /** Whether the server can answer the run's lineage (the section shows only then). */
  get lineageAvailable(): boolean {
    return this._lineage;
  }
  /** What the run's job came from (`up`) and what came of it (`down`), once read. */
  get lineage(): { up: ILineageGraph; down: ILineageGraph } | null {
    return this._graphs;
  }

  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    const poke = (runId: string) => {
      if (runId === this.runId) {
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
      refresh: () => void this.reload(),
      handlers: [
        handle('run.metrics', e => poke(e.payload.run_id)),
        handle('run.status', e => poke(e.payload.run_id)),
        handle('run.updated', e => poke(e.payload.run_id))
      ]
    });
    this._lineage = await this._client.hasRoute('/lineage');
    await this.reload();
  }

  reload(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    try {
      const run = await this._client.getRun(this.runId);
      const names = [...run.metric_names].sort().slice(0, MAX_RUN_CHARTS);
      const histories = await Promise.all(
        names.map(name => this._client.getRunMetric(run.id, name, CHART_POINTS))
      );
      if (this.isDisposed) {
        return;
      }
      this._run = run;
      if (this._lineage && run.job) {
        // the trail of the run's job: what it read, what it made (a failure leaves it out)
        const [up, down] = await Promise.all([
          this._client.getLineage(run.job.name, 'Ascendants'),
          this._client.getLineage(run.job.name, 'Descendants')
        ]).catch(() => [null, null]);
        this._graphs = up && down ? { up, down } : null;
      }
      this._histories = new Map(
        histories.map((h, i) => [
          names[i],
          {
            label: run.name,
            key: run.id,
            x: h.steps,
            y: h.values.map(v => toNumber(v)),
            colorIndex: 0
          }
        ])
      );
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this.emitChanged();
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _liveDelay: number;
  private _run: IRunDetail | null = null;
  private _error: LabstudioApiError | null = null;
  private _histories = new Map<string, IXYSeries>();
  private _lineage = false;
  private _graphs: { up: ILineageGraph; down: ILineageGraph } | null = null;
  private _reads = this.coalesce(() => this._read());
}
