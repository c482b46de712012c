/**
 * The `/labstudio/api/events` WebSocket: a change feed of `{id, time, kind, payload}`
 * messages, dispatched by kind, that reconnects with exponential back-off.
 */
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { EventOf, EventPattern, ILabstudioEvent } from './types';

export interface IEventStreamOptions {
  /** The socket URL; called on every (re)connection. */
  url: string | (() => string);
  /** The WebSocket constructor (e.g. `serverSettings.WebSocket`). */
  WebSocket?: typeof WebSocket;
  /** First reconnection delay in ms (doubles up to `maxDelay`). */
  minDelay?: number;
  maxDelay?: number;
}

/** One long-lived event connection shared by every view. */
export class EventStream implements IDisposable {
  constructor(options: IEventStreamOptions) {
    this._url = options.url;
    this._WebSocket = options.WebSocket ?? WebSocket;
    this._minDelay = options.minDelay ?? 1000;
    this._maxDelay = options.maxDelay ?? 30000;
    this._delay = this._minDelay;
  }

  /** Every message, whatever its kind. */
  get received(): ISignal<this, ILabstudioEvent> {
    return this._received;
  }

  /** Emits `true` when the socket opens and `false` when it drops. */
  get connectionChanged(): ISignal<this, boolean> {
    return this._connectionChanged;
  }

  get connected(): boolean {
    return this._connected;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Call `handler` for events of `pattern`: an exact kind (`job.status`), a family
   * (`job.*`) or `*` for all. The handler gets the event typed by its kind.
   */
  on<P extends EventPattern>(
    pattern: P,
    handler: (event: EventOf<P>) => void
  ): IDisposable {
    const entry: IEntry = {
      pattern,
      handler: event => {
        if (isEventOf(pattern, event)) {
          handler(event);
        }
      }
    };
    this._handlers.add(entry);
    return new DisposableDelegate(() => {
      this._handlers.delete(entry);
    });
  }

  /** Open the socket (idempotent). */
  connect(): void {
    if (this._disposed || this._socket) {
      return;
    }
    this._clearTimer();
    const url = typeof this._url === 'function' ? this._url() : this._url;
    let socket: WebSocket;
    try {
      socket = new this._WebSocket(url);
    } catch (error) {
      console.warn('labstudio: cannot open the events socket', error);
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.onopen = () => {
      this._delay = this._minDelay;
      this._setConnected(true);
    };
    socket.onmessage = (message: MessageEvent) => {
      this._dispatch(message.data);
    };
    socket.onclose = () => {
      if (this._socket !== socket) {
        return;
      }
      this._socket = null;
      this._setConnected(false);
      this._scheduleReconnect();
    };
    socket.onerror = () => {
      // `onclose` follows and schedules the reconnection.
    };
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._clearTimer();
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    this._handlers.clear();
    Signal.clearData(this);
  }

  private _dispatch(data: unknown): void {
    if (typeof data !== 'string') {
      return;
    }
    let event: ILabstudioEvent;
    try {
      event = JSON.parse(data);
    } catch {
      console.warn('labstudio: ignoring a malformed event', data);
      return;
    }
    // The document's Event: an object with its kind and the kind's payload object.
    if (
      !event ||
      typeof event.kind !== 'string' ||
      !event.payload ||
      typeof event.payload !== 'object'
    ) {
      return;
    }
    this._received.emit(event);
    for (const { pattern, handler } of [...this._handlers]) {
      if (matches(pattern, event.kind)) {
        try {
          handler(event);
        } catch (error) {
          console.error(`labstudio: ${event.kind} handler failed`, error);
        }
      }
    }
  }

  private _scheduleReconnect(): void {
    if (this._disposed || this._timer !== null) {
      return;
    }
    const delay = this._delay;
    this._delay = Math.min(this._delay * 2, this._maxDelay);
    this._timer = setTimeout(() => {
      this._timer = null;
      this.connect();
    }, delay);
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _setConnected(value: boolean): void {
    if (this._connected !== value) {
      this._connected = value;
      this._connectionChanged.emit(value);
    }
  }

  private _url: string | (() => string);
  private _WebSocket: typeof WebSocket;
  private _minDelay: number;
  private _maxDelay: number;
  private _delay: number;
  private _socket: WebSocket | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _connected = false;
  private _disposed = false;
  private _handlers = new Set<IEntry>();
  private _received = new Signal<this, ILabstudioEvent>(this);
  private _connectionChanged = new Signal<this, boolean>(this);
}

/** One `on()` subscription. */
interface IEntry {
  pattern: string;
  handler: (event: ILabstudioEvent) => void;
}

/** Whether an event is one that `pattern` names (and so has that kind's payload). */
export function isEventOf<P extends EventPattern>(
  pattern: P,
  event: ILabstudioEvent
): event is EventOf<P> {
  return matches(pattern, event.kind);
}

/** Whether an `on()` pattern matches an event kind. */
export function matches(pattern: string, kind: string): boolean {
  if (pattern === '*' || pattern === kind) {
    return true;
  }
  return pattern.endsWith('.*') && kind.startsWith(pattern.slice(0, -1));
}
