/**
 * The state behind the endpoint detail: the description with its figures (re-read every
 * `interval` ms, requests per second measured between two reads), the log, the result of
 * a test invocation, and the weight and delete actions. `endpoint.*` events of this
 * endpoint re-read it at once.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import {
  asApiError,
  Coalescer,
  Debouncer,
  LiveSubscription
} from '../../panel/live';
import {
  IEndpointDescription,
  IEndpointStatusPayload,
  IInvokeRequest,
  IInvokeResult
} from '../../types';

/** Log lines shown. */
const LOG_TAIL = 200;

export interface IEndpointModelOptions {
  client: LabstudioClient;
  events?: EventStream | null;
  name: string;
  /** Figures refresh period (ms). */
  interval?: number;
  /** The clock for requests per second (ms); `performance.now` by default. */
  now?: () => number;
}

export class EndpointModel implements IDisposable {
  constructor(options: IEndpointModelOptions) {
    this._client = options.client;
    this._events = options.events ?? null;
    this.name = options.name;
    this._interval = options.interval ?? 5000;
    this._now = options.now ?? (() => performance.now());
  }

  readonly name: string;

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** Emits once the endpoint was deleted from this view. */
  get deleted(): ISignal<this, void> {
    return this._deleted;
  }
  get endpoint(): IEndpointDescription | null {
    return this._endpoint;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** Requests per second between the last two reads (null before two reads). */
  get rps(): number | null {
    return this._rps;
  }
  get log(): string {
    return this._log;
  }
  /** Why delete failed. */
  get actionError(): string | null {
    return this._actionError;
  }
  /** Why applying weights failed. */
  get weightsError(): string | null {
    return this._weightsError;
  }
  get invoking(): boolean {
    return this._invoking;
  }
  get invokeResult(): IInvokeResult | null {
    return this._invokeResult;
  }
  /** Why the invocation did not reach the server (a model error is a result). */
  get invokeError(): string | null {
    return this._invokeError;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Read the endpoint, then re-read it periodically and on its events. */
  async start(): Promise<void> {
    if (this._started || this._disposed) {
      return;
    }
    this._started = true;
    this._live = new LiveSubscription({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => void this.refresh(),
      handlers: {
        'endpoint.*': event => {
          const p = event.payload as unknown as IEndpointStatusPayload;
          if (p.name === this.name) {
            void this.refresh();
          }
        }
      }
    });
    await this.refresh();
  }

  /** Re-read the description (figures) and the log. */
  refresh(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    if (this._disposed) {
      return;
    }
    this._schedule();
    const log = this._client
      .getEndpointLogs(this.name, LOG_TAIL)
      .then(l => {
        if (!this._disposed) {
          this._log = l.Log;
        }
      })
      .catch(() => undefined);
    try {
      const endpoint = await this._client.getEndpoint(this.name);
      if (this._disposed) {
        return;
      }
      const count = endpoint.Metrics?.Invocations ?? 0;
      const now = this._now();
      if (this._last && now > this._last.at) {
        this._rps = Math.max(
          0,
          ((count - this._last.count) * 1000) / (now - this._last.at)
        );
      }
      this._last = { at: now, count };
      this._endpoint = endpoint;
      this._error = null;
    } catch (error) {
      if (this._disposed) {
        return;
      }
      this._error = asApiError(error);
    }
    await log;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  /** Change the variants' weights (`PATCH /endpoints/{name}`); true when applied. */
  async setWeights(weights: Record<string, number>): Promise<boolean> {
    const variants = this._endpoint?.ProductionVariants ?? [];
    try {
      await this._client.updateEndpoint(
        this.name,
        variants.map(v => ({
          VariantName: v.VariantName,
          InitialVariantWeight: weights[v.VariantName] ?? v.CurrentWeight
        }))
      );
      this._weightsError = null;
    } catch (error) {
      this._weightsError = asApiError(error).message;
      this._changed.emit();
      return false;
    }
    await this.refresh();
    return true;
  }

  /** Send a test request through the server's proxy and keep its answer. */
  async invoke(request: IInvokeRequest): Promise<void> {
    this._invoking = true;
    this._invokeError = null;
    this._changed.emit();
    try {
      this._invokeResult = await this._client.invokeEndpoint(
        this.name,
        request
      );
      void this.refresh();
    } catch (error) {
      this._invokeError = asApiError(error).message;
    }
    this._invoking = false;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  /** `DELETE /endpoints/{name}`; `deleted` emits when it is gone. */
  async remove(): Promise<void> {
    try {
      await this._client.deleteEndpoint(this.name);
    } catch (error) {
      this._actionError = asApiError(error).message;
      this._changed.emit();
      return;
    }
    this._deleted.emit();
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

  /** The next periodic read, `interval` after the last one began. */
  private _schedule(): void {
    if (this._interval > 0) {
      this._debounce.schedule(
        'refresh',
        this._interval,
        () => void this.refresh()
      );
    }
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _interval: number;
  private _now: () => number;
  private _endpoint: IEndpointDescription | null = null;
  private _error: LabstudioApiError | null = null;
  private _rps: number | null = null;
  private _last: { at: number; count: number } | null = null;
  private _log = '';
  private _actionError: string | null = null;
  private _weightsError: string | null = null;
  private _invoking = false;
  private _invokeResult: IInvokeResult | null = null;
  private _invokeError: string | null = null;
  private _started = false;
  private _disposed = false;
  private _reads = new Coalescer(() => this._read());
  private _live: LiveSubscription | null = null;
  private _debounce = new Debouncer();
  private _changed = new Signal<this, void>(this);
  private _deleted = new Signal<this, void>(this);
}
