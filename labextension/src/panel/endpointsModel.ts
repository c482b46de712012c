/**
 * The state behind the Endpoints section: the endpoint list, refreshed on `endpoint.*`
 * events (coalesced), filtered by name in the browser.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import { IEndpointStatusPayload, IEndpointSummary } from '../types';
import { asApiError, Debouncer, LiveSubscription } from './live';

export interface IEndpointsModelOptions {
  client: LabstudioClient;
  events?: EventStream | null;
  fallbackInterval?: number;
  refreshDelay?: number;
}

export class EndpointsModel {
  constructor(options: IEndpointsModelOptions) {
    this.client = options.client;
    this._events = options.events ?? null;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
  }

  readonly client: LabstudioClient;

  get changed(): ISignal<this, void> {
    return this._changed;
  }
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
    return this._live?.connected ?? false;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  async start(): Promise<void> {
    if (this._started) {
      return;
    }
    this._started = true;
    await this.refresh();
    if (!this._error?.extensionMissing && !this._disposed) {
      this._live = new LiveSubscription({
        events: this._events,
        fallbackInterval: this._fallbackInterval,
        refresh: () => void this.refresh(),
        onConnection: () => this._changed.emit(),
        handlers: {
          'endpoint.*': event => {
            this.applyStatus(
              event.payload as unknown as IEndpointStatusPayload,
              event.kind
            );
            this._debounce.schedule(
              'refresh',
              this._refreshDelay,
              () => void this.refresh()
            );
          }
        }
      });
      this._changed.emit();
    }
  }

  async refresh(): Promise<void> {
    if (this._disposed) {
      return;
    }
    const seq = ++this._seq;
    this._loading = true;
    this._changed.emit();
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
    if (!this._disposed) {
      this._changed.emit();
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
    this._changed.emit();
  }

  setFilter(text: string): void {
    this._filter = text;
    this._changed.emit();
  }

  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this._live?.setFallbackInterval(ms);
  }

  visibleEndpoints(): IEndpointSummary[] {
    const needle = this._filter.trim().toLowerCase();
    return needle
      ? this._endpoints.filter(e =>
          e.EndpointName.toLowerCase().includes(needle)
        )
      : [...this._endpoints];
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._live?.dispose();
    this._debounce.dispose();
    Signal.clearData(this);
  }

  private _events: EventStream | null;
  private _live: LiveSubscription | null = null;
  private _debounce = new Debouncer();
  private _fallbackInterval: number;
  private _refreshDelay: number;
  private _endpoints: IEndpointSummary[] = [];
  private _filter = '';
  private _loaded = false;
  private _loading = false;
  private _error: LabstudioApiError | null = null;
  private _started = false;
  private _disposed = false;
  private _seq = 0;
  private _changed = new Signal<this, void>(this);
}
