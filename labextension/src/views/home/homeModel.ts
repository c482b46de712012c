/**
 * The state behind the Studio home (main area): running and recent jobs of every kind,
 * the endpoints and their health (calls, errors and latency of those in service), the
 * most recently active experiments, and the sections other resources add.
 *
 * Sections of resources the server may not have (pipelines, models awaiting approval)
 * are `IHomeSource`s: the home asks the OpenAPI document whether their route exists and
 * reads and shows only those that do; nothing is shown for a route the server lacks.
 *
 * Kept current by the events socket: any job, endpoint, tuning, run or experiment event
 * schedules one coalesced re-read.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IModelSources, ViewModel } from '../../panel/viewModel';
import {
  EventPattern,
  IEndpointSummary,
  IExperiment,
  isActiveStatus
} from '../../types';
import { IJobListRow, JOB_KINDS, jobRow } from '../jobKinds';

/** Rows of each section. */
export const HOME_ROWS = 8;
/** Endpoints whose figures are read (one describe each). */
const ENDPOINT_FIGURES = 6;

/** What an endpoint's figures say about its health. */
export interface IEndpointHealth {
  endpoint: IEndpointSummary;
  /** healthy, failing (5xx or errors), down (Failed), or pending (Creating, Updating...). */
  health: 'healthy' | 'failing' | 'down' | 'pending';
  invocations: number | null;
  errors: number | null;
  p90Ms: number | null;
}

/** One row of an added section (a pipeline run, a model package...). */
export interface IHomeItem {
  name: string;
  status: string;
  detail?: string;
  /** What a click on the row opens (a command and its arguments). */
  open?: { command: string; args: Record<string, string> };
}

/**
 * A section for a resource that comes with its own route: shown only when the server's
 * OpenAPI document has `route` (e.g. `/pipelines`, `/model-packages`).
 */
export interface IHomeSource {
  id: string;
  title: string;
  route: string;
  /** What the section says when the route answers no rows. */
  empty: string;
  /** The events that change what the section shows (each schedules a re-read). */
  events?: readonly EventPattern[];
  read(client: LabstudioClient): Promise<IHomeItem[]>;
}

/** A section an `IHomeSource` fills. */
export interface IHomeSection {
  source: IHomeSource;
  items: IHomeItem[];
  error: LabstudioApiError | null;
}

export interface IHomeModelOptions extends IModelSources {
  /** Sections of resources the server may or may not have (see `IHomeSource`). */
  sources?: readonly IHomeSource[];
  /** Delay folding a burst of events into one re-read (ms). */
  refreshDelay?: number;
  /** Re-read period while the events socket is down (ms). */
  fallbackInterval?: number;
}

export class HomeModel extends ViewModel {
  constructor(options: IHomeModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    this._sources = options.sources ?? [];
    this._refreshDelay = options.refreshDelay ?? 500;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
  }

  get loaded(): boolean {
    return this._loaded;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** Running jobs first, then the most recent others (of every kind). */
  get jobs(): readonly IJobListRow[] {
    return this._jobs;
  }
  get runningJobs(): number {
    return this._jobs.filter(j => isActiveStatus(j.status)).length;
  }
  get endpoints(): readonly IEndpointHealth[] {
    return this._endpoints;
  }
  get experiments(): readonly IExperiment[] {
    return this._experiments;
  }
  /** The added sections whose route the server has. */
  get sections(): readonly IHomeSection[] {
    return this._sections;
  }

  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    const later = () =>
      this.debounce.schedule(
        'refresh',
        this._refreshDelay,
        () => void this.refresh()
      );
    this.subscribe({
      events: this._events,
      fallbackInterval: this._fallbackInterval,
      refresh: () => void this.refresh(),
      handlers: [
        handle('job.*', later),
        handle('endpoint.*', later),
        handle('tuning.*', later),
        handle('run.created', later),
        handle('run.status', later),
        handle('experiment.*', later),
        ...this._sources.flatMap(source =>
          (source.events ?? []).map(pattern => handle(pattern, later))
        )
      ]
    });
    const available = await Promise.all(
      this._sources.map(s => this._client.hasRoute(s.route))
    );
    this._active = this._sources.filter((_, i) => available[i]);
    await this.refresh();
  }

  refresh(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    try {
      const [jobs, endpoints, experiments, sections] = await Promise.all([
        this._client.listJobs({ kind: [...JOB_KINDS], limit: 50 }),
        this._client.listEndpoints(),
        this._client.listExperiments(),
        Promise.all(this._active.map(source => this._readSection(source)))
      ]);
      const rows = (jobs.JobSummaries ?? []).map(jobRow);
      const running = rows.filter(r => isActiveStatus(r.status));
      const others = rows.filter(r => !isActiveStatus(r.status));
      this._jobs = [
        ...running,
        ...others.slice(0, Math.max(0, HOME_ROWS - running.length))
      ];
      this._endpoints = await this._health(endpoints.Endpoints);
      this._experiments = experiments.slice(0, HOME_ROWS);
      this._sections = sections;
      this._error = null;
    } catch (error) {
      this._error = asApiError(error);
    }
    this._loaded = true;
    if (!this.isDisposed) {
      this.emitChanged();
    }
  }

  private async _readSection(source: IHomeSource): Promise<IHomeSection> {
    try {
      return {
        source,
        items: (await source.read(this._client)).slice(0, HOME_ROWS),
        error: null
      };
    } catch (error) {
      return { source, items: [], error: asApiError(error) };
    }
  }

  /** The endpoints with the figures of those in service (summed over their variants). */
  private async _health(
    endpoints: IEndpointSummary[]
  ): Promise<IEndpointHealth[]> {
    const shown = endpoints.slice(0, HOME_ROWS);
    const described = await Promise.all(
      shown.map((e, i) =>
        e.EndpointStatus === 'InService' && i < ENDPOINT_FIGURES
          ? this._client.getEndpoint(e.EndpointName).catch(() => null)
          : Promise.resolve(null)
      )
    );
    return shown.map((endpoint, i) => {
      const variants = described[i]?.ProductionVariants ?? [];
      const figures = variants.map(v => v.Metrics);
      const sum = (pick: (f: (typeof figures)[number]) => number) =>
        figures.length ? figures.reduce((a, f) => a + pick(f), 0) : null;
      const invocations = sum(f => f.Invocations);
      const errors = sum(f => f.Invocation5XXErrors);
      const p90 = figures
        .map(f => f.LatencyP90Ms)
        .filter((v): v is number => typeof v === 'number');
      const health: IEndpointHealth['health'] =
        endpoint.EndpointStatus === 'Failed'
          ? 'down'
          : endpoint.EndpointStatus !== 'InService'
            ? 'pending'
            : errors
              ? 'failing'
              : 'healthy';
      return {
        endpoint,
        health,
        invocations,
        errors,
        p90Ms: p90.length ? Math.max(...p90) : null
      };
    });
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _sources: readonly IHomeSource[];
  private _active: IHomeSource[] = [];
  private _refreshDelay: number;
  private _fallbackInterval: number;
  private _loaded = false;
  private _error: LabstudioApiError | null = null;
  private _jobs: IJobListRow[] = [];
  private _endpoints: IEndpointHealth[] = [];
  private _experiments: IExperiment[] = [];
  private _sections: IHomeSection[] = [];
  private _reads = this.coalesce(() => this._read());
}
