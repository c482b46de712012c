/**
 * The state behind a lineage graph: the trail around one starting point (a job, an
 * endpoint, a model package, a data set) in the chosen direction, and where ELK puts each
 * node. The trail grows as work happens (a job ends and produces its model, a version is
 * registered or approved, an endpoint is created), so those events re-read it, folded
 * into one read per burst; the previous drawing stays until the new one is laid out.
 *
 * The graph is compact by default (code snapshots, model archives and deployment actions
 * left out, their neighbours joined); `setShowAll(true)` draws every entity.
 */
import {
  LabstudioApiError,
  LabstudioClient,
  LineageDirection
} from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IModelSources, ViewModel } from '../../panel/viewModel';
import { ILineageGraph, ILineageNode } from '../../types';
import { ILayout, LayoutDirection, layoutGraph } from './layout';
import { compactGraph } from './lineageData';

const DIRECTIONS: LayoutDirection[] = ['RIGHT', 'DOWN'];

export interface ILineageModelOptions extends IModelSources {
  /** Where the trail starts: a name, `GROUP/VERSION`, a path or an ARN. */
  start: string;
  direction?: LineageDirection;
  /** Delay that folds a burst of events into one re-read (ms). */
  reloadDelay?: number;
  /** Lay out a graph one way (ELK by default). */
  layout?: (
    graph: ILineageGraph,
    direction: LayoutDirection
  ) => Promise<ILayout>;
}

export class LineageModel extends ViewModel {
  constructor(options: ILineageModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this.origin = options.start;
    this._direction = options.direction ?? 'both';
    this._reloadDelay = options.reloadDelay ?? 1000;
    this._layout = options.layout ?? layoutGraph;
  }

  readonly client: LabstudioClient;
  /** Where the trail starts, as it was asked for. */
  readonly origin: string;

  get direction(): LineageDirection {
    return this._direction;
  }
  /** The graph drawn: the last one read, compact unless `showAll` (null before the first answer). */
  get graph(): ILineageGraph | null {
    return this._shown;
  }
  /** The last graph read, every entity in it. */
  get fullGraph(): ILineageGraph | null {
    return this._graph;
  }
  /** Whether every entity is drawn (code, model archives, deployment actions). */
  get showAll(): boolean {
    return this._showAll;
  }
  /**
   * Where each node of `graph` is drawn, left to right and top to bottom (empty until
   * laid out); the view draws the one that suits its size (`chooseLayout`).
   */
  get layouts(): readonly ILayout[] {
    return this._layouts;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** A read is under way. */
  get loading(): boolean {
    return this._loading;
  }
  /** The node the walk started from. */
  get startNode(): ILineageNode | null {
    const graph = this._shown;
    return graph
      ? (graph.nodes.find(n => n.arn === graph.start) ?? null)
      : null;
  }

  /** Read the trail, then follow what changes it. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    const later = () => this._scheduleReload();
    this.subscribe({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => void this.reload(),
      handlers: [
        handle('job.status', later),
        handle('model_package.*', later),
        handle('endpoint.*', later)
      ]
    });
    await this.reload();
  }

  /** Show the trail the other way (`up`: what it came from, `down`, `both`). */
  setDirection(direction: LineageDirection): void {
    if (direction !== this._direction) {
      this._direction = direction;
      this.emitChanged();
      void this.reload();
    }
  }

  /** Draw every entity, or the compact graph; laid out again without a new read. */
  async setShowAll(all: boolean): Promise<void> {
    if (all === this._showAll) {
      return;
    }
    this._showAll = all;
    this.emitChanged();
    const graph = this._graph;
    if (graph) {
      await this._draw(graph);
      this.emitChanged();
    }
  }

  /** Read the graph again and lay it out (coalesced). */
  reload(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    const direction = this._direction;
    this._loading = true;
    this.emitChanged();
    try {
      const graph = await this.client.getLineage(this.origin, direction);
      await this._draw(graph);
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this._loading = false;
    this.emitChanged();
  }

  /** Lay out what `graph` shows (compact or all), then show it. */
  private async _draw(graph: ILineageGraph): Promise<void> {
    this._graph = graph;
    const showAll = this._showAll;
    const shown = showAll ? graph : compactGraph(graph);
    const layouts = await Promise.all(
      DIRECTIONS.map(direction => this._layout(shown, direction))
    );
    if (this.isDisposed || showAll !== this._showAll) {
      return; // a newer choice draws its own
    }
    this._shown = shown;
    this._layouts = layouts;
  }

  private _scheduleReload(): void {
    this.debounce.schedule(
      'reload',
      this._reloadDelay,
      () => void this.reload()
    );
  }

  private _events: EventStream | null;
  private _direction: LineageDirection;
  private _reloadDelay: number;
  private _layout: (
    graph: ILineageGraph,
    direction: LayoutDirection
  ) => Promise<ILayout>;
  private _graph: ILineageGraph | null = null;
  private _shown: ILineageGraph | null = null;
  private _showAll = false;
  private _layouts: ILayout[] = [];
  private _error: LabstudioApiError | null = null;
  private _loading = false;
  private _reads = this.coalesce(() => this._read());
}
