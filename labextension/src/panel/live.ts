/**
 * Shared plumbing for models that follow the events socket: coalesced refreshes (a burst
 * of events is one request), and a slow fallback refresh only while the socket is down.
 */
import { IDisposable } from '@lumino/disposable';

import { LabstudioApiError } from '../api';
import { EventStream } from '../events';
import { EventOf, EventPattern, ILabstudioEvent } from '../types';

/** Timers by key: `schedule(key, delay, fn)` runs `fn` once after the last call. */
export class Debouncer implements IDisposable {
  schedule(key: string, delay: number, fn: () => void): void {
    this.cancel(key);
    this._timers.set(
      key,
      setTimeout(() => {
        this._timers.delete(key);
        fn();
      }, delay)
    );
  }

  /**
   * Run `fn` at most once per `interval`: the first call waits `interval`, later calls
   * before it fires are folded in (for streams such as `run.metrics`).
   */
  throttle(key: string, interval: number, fn: () => void): void {
    if (this._timers.has(key)) {
      return;
    }
    this.schedule(key, interval, fn);
  }

  cancel(key: string): void {
    const timer = this._timers.get(key);
    if (timer !== undefined) {
      clearTimeout(timer);
      this._timers.delete(key);
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    this._disposed = true;
    this._timers.forEach(t => clearTimeout(t));
    this._timers.clear();
  }

  private _timers = new Map<string, ReturnType<typeof setTimeout>>();
  private _disposed = false;
}

/**
 * Runs an async read one at a time: a call while a read is under way runs one more read
 * after it (calls in between share it), so a burst of triggers is at most two requests,
 * an older answer never overwrites a newer one, and each caller's promise resolves once a
 * read that began after its call is done.
 */
export class Coalescer {
  constructor(private readonly _read: () => Promise<void>) {}

  run(): Promise<void> {
    if (this._next) {
      return this._next;
    }
    if (this._current) {
      const next = this._current.then(() => {
        this._next = null;
        return this._start();
      });
      this._next = next;
      return next;
    }
    return this._start();
  }

  private _start(): Promise<void> {
    const current = this._read()
      .catch(error => console.error('labstudio: a refresh failed', error))
      .finally(() => {
        if (this._current === current) {
          this._current = null;
        }
      });
    this._current = current;
    return current;
  }

  private _current: Promise<void> | null = null;
  private _next: Promise<void> | null = null;
}

/** One typed subscription: what to do with the events of one pattern. */
export interface IEventHandler {
  /** Subscribe to `events`; only the events `accept` takes, when given. */
  connect(
    events: EventStream,
    accept?: (event: ILabstudioEvent) => boolean
  ): IDisposable;
}

/**
 * What to do with the events of `pattern` (a kind such as `job.status`, a family such as
 * `tuning.*`, or `*`): the handler gets each event typed by its kind, payload included.
 */
export function handle<P extends EventPattern>(
  pattern: P,
  handler: (event: EventOf<P>) => void
): IEventHandler {
  return {
    connect: (events, accept) =>
      events.on(pattern, event => {
        if (!accept || accept(event)) {
          handler(event);
        }
      })
  };
}

export interface ILiveOptions {
  events: EventStream | null;
  /** The events to follow and what to do with them (see `handle`). */
  handlers: readonly IEventHandler[];
  /** Only the events this takes reach the handlers (default: all of them). */
  accept?: (event: ILabstudioEvent) => boolean;
  /** Called when the socket (re)opens (catch up) and periodically while it is down. */
  refresh: () => void;
  /** Fallback refresh period while the socket is down (ms; 0 disables it). */
  fallbackInterval: number;
  /** Called when the connection state changes. */
  onConnection?: (connected: boolean) => void;
}

/** Subscribes to the events socket; the fallback timer only runs while it is down. */
export class LiveSubscription implements IDisposable {
  constructor(private readonly _options: ILiveOptions) {
    const events = _options.events;
    if (!events) {
      return;
    }
    for (const handler of _options.handlers) {
      this._subscriptions.push(handler.connect(events, _options.accept));
    }
    events.connectionChanged.connect(this._onConnection, this);
    events.connect();
    if (!events.connected) {
      this._startFallback();
    }
  }

  get connected(): boolean {
    return this._options.events?.connected ?? false;
  }

  /** Change the fallback period (from the settings). */
  setFallbackInterval(ms: number): void {
    this._options.fallbackInterval = ms;
    if (this._fallback !== null) {
      this._stopFallback();
      this._startFallback();
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._subscriptions.forEach(s => s.dispose());
    this._options.events?.connectionChanged.disconnect(
      this._onConnection,
      this
    );
    this._stopFallback();
  }

  private _onConnection(_: EventStream, connected: boolean): void {
    if (connected) {
      this._stopFallback();
      this._options.refresh();
    } else {
      this._startFallback();
    }
    this._options.onConnection?.(connected);
  }

  private _startFallback(): void {
    const interval = this._options.fallbackInterval;
    if (this._fallback === null && !this._disposed && interval > 0) {
      this._fallback = setInterval(() => this._options.refresh(), interval);
    }
  }

  private _stopFallback(): void {
    if (this._fallback !== null) {
      clearInterval(this._fallback);
      this._fallback = null;
    }
  }

  private _subscriptions: IDisposable[] = [];
  private _fallback: ReturnType<typeof setInterval> | null = null;
  private _disposed = false;
}

export function asApiError(error: unknown): LabstudioApiError {
  return error instanceof LabstudioApiError
    ? error
    : new LabstudioApiError(String((error as Error)?.message ?? error), 0);
}

/** Quote a metric or parameter name for the filter language when it needs it. */
export function filterName(name: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(name)
    ? name
    : '`' + name.replace(/`/g, '') + '`';
}

/** Whether search text is a filter expression rather than a plain name fragment. */
export function isFilterExpression(text: string): boolean {
  return (
    /[<>=]|\b(like|ilike|in|is)\b/i.test(text) &&
    /\b(metrics|params|tags|status|name|duration|start_time|end_time|id|experiment|trial|source)\b/.test(
      text
    )
  );
}

/** The filter that the panel's search box text means. */
export function searchToFilter(text: string): string | undefined {
  const t = text.trim();
  if (!t) {
    return undefined;
  }
  if (isFilterExpression(t)) {
    return t;
  }
  const escaped = t.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `name like '%${escaped}%'`;
}
