/**
 * The state behind a lineage graph: the trail around one starting point (a job, an
 * endpoint, a model package, a data set) in the chosen direction, and where ELK puts each
 * node. The trail grows as work happens (a job ends and produces its model, a version is
 * registered or approved, an endpoint is created), so those events re-read it, folded
 * into one read per burst; the previous drawing stays until the new one is laid out.
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
import { ILayout, layoutGraph } from './layout';

export interface ILineageModelOptions extends IModelSources {
  /** Where the trail starts: a name, `GROUP/VERSION`, a path or an ARN. */
  start: string;
  direction?: LineageDirection;
  /** Delay that folds a burst of events into one re-read (ms). */
  reloadDelay?: number;
  /** Lay out a graph (ELK by default). */
  layout?: (graph: ILineageGraph) => Promise<ILayout>;
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
  /** The last graph read (null before the first answer). */
  get graph(): ILineageGraph | null {
    return this._graph;
  }
  /** Where each node of `graph` is drawn (null until laid out). */
  get layout(): ILayout | null {
    return this._layoutResult;
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
    const graph = this._graph;
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
      const layout = await this._layout(graph);
      if (this.isDisposed) {
        return;
      }
      this._graph = graph;
      this._layoutResult = layout;
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
  private _layout: (graph: ILineageGraph) => Promise<ILayout>;
  private _graph: ILineageGraph | null = null;
  private _layoutResult: ILayout | null = null;
  private _error: LabstudioApiError | null = null;
  private _loading = false;
  private _reads = this.coalesce(() => this._read());
}
