/**
 * The state behind the Endpoints section: the endpoint list, refreshed on `endpoint.*`
 * events (coalesced), filtered by name in the browser.
 */
import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import { IEndpointStatusPayload, IEndpointSummary } from '../types';
import { asApiError } from './live';
import { IModelSources, ViewModel } from './viewModel';

export interface IEndpointsModelOptions extends IModelSources {
  fallbackInterval?: number;
  refreshDelay?: number;
}

export class EndpointsModel extends ViewModel {
  constructor(options: IEndpointsModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
  }

  readonly client: LabstudioClient;

  get endpoints(): readonly IEndpointSummary[] {
    return this._endpoints;
  }
  get filter(): string {
    return this._filter;
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
  get connected(): boolean {
    return this.subscription?.connected ?? false;
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
        handlers: {
          'endpoint.*': event => {
            this.applyStatus(
              event.payload as unknown as IEndpointStatusPayload,
              event.kind
            );
            this.debounce.schedule(
              'refresh',
              this._refreshDelay,
              () => void this.refresh()
            );
          }
        }
      });
      this.emitChanged();
    }
  }

  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    const seq = ++this._seq;
    this._loading = true;
    this.emitChanged();
    try {
      const answer = await this.client.listEndpoints();
      if (seq !== this._seq) {
        return;
      }
      this._endpoints = answer.Endpoints;
      this._error = null;
    } catch (error) {
      if (seq !== this._seq) {
        return;
      }
      this._error = asApiError(error);
    }
    this._loading = false;
    this._loaded = true;
    if (!this.isDisposed) {
      this.emitChanged();
    }
  }

  /** Patch a row from an event before the coalesced refresh arrives. */
  applyStatus(payload: IEndpointStatusPayload, kind = 'endpoint.status'): void {
    if (kind === 'endpoint.deleted') {
      this._endpoints = this._endpoints.filter(
        e => e.EndpointName !== payload.name
      );
    } else if (payload.status) {
      this._endpoints = this._endpoints.map(e =>
        e.EndpointName === payload.name
          ? { ...e, EndpointStatus: payload.status! }
          : e
      );
    }
    this.emitChanged();
  }

  setFilter(text: string): void {
    this._filter = text;
    this.emitChanged();
  }

  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this.subscription?.setFallbackInterval(ms);
  }

  visibleEndpoints(): IEndpointSummary[] {
    const needle = this._filter.trim().toLowerCase();
    return needle
      ? this._endpoints.filter(e =>
          e.EndpointName.toLowerCase().includes(needle)
        )
      : [...this._endpoints];
  }

  private _events: EventStream | null;
  private _fallbackInterval: number;
  private _refreshDelay: number;
  private _endpoints: IEndpointSummary[] = [];
  private _filter = '';
  private _loaded = false;
  private _loading = false;
  private _error: LabstudioApiError | null = null;
  private _seq = 0;
}
