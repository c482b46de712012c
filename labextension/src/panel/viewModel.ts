/**
 * The base of the panel's and the views' models. Each of them needs the same plumbing: a
 * `changed` signal the React views re-render on, idempotent disposal that silences it,
 * a `start()` that runs once, timers that die with the model, an events subscription
 * that dies with it, and actions (stop, deploy, invoke, submit) that show a busy state
 * and keep why they failed. Written once here so every model behaves the same.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import {
  asApiError,
  Coalescer,
  Debouncer,
  IEventHandler,
  ILiveOptions,
  LiveSubscription
} from './live';

/** Where a model reads from (the options of every model that follows the events). */
export interface IModelSources {
  client: LabstudioClient;
  /** The shared event connection; the model listens but does not own it. */
  events?: EventStream | null;
}

/** Where an action keeps its state: whether it runs, and why it failed. */
export interface IActionSlot {
  setBusy(busy: boolean): void;
  setError(error: LabstudioApiError | null): void;
}

export abstract class ViewModel implements IDisposable {
  /** Emits whenever anything shown by the view changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._subscription?.dispose();
    this._subscription = null;
    this.debounce.dispose();
    this.onDispose();
    Signal.clearData(this);
  }

  /** Release what the subclass owns (called once, before the signals are cleared). */
  protected onDispose(): void {
    // Nothing by default.
  }

  protected emitChanged(): void {
    this._changed.emit();
  }

  /** Whether `startOnce` let a start through. */
  protected get started(): boolean {
    return this._started;
  }

  /** True the first time it is called on a live model: `start()` runs its body once. */
  protected startOnce(): boolean {
    if (this._started || this._disposed) {
      return false;
    }
    this._started = true;
    return true;
  }

  /** The events subscription (null before `subscribe`). */
  protected get subscription(): LiveSubscription | null {
    return this._subscription;
  }

  /** Follow the events socket until the model is disposed. */
  protected subscribe(options: ILiveOptions): LiveSubscription {
    this._subscription?.dispose();
    this._subscription = new LiveSubscription(options);
    return this._subscription;
  }

  /**
   * Follow the events of the one resource called `name` (their payload's `name`; other
   * resources' events are ignored); `refresh` catches up when the socket (re)opens. No
   * fallback polling: a detail view re-reads on its own schedule, if it needs one.
   */
  protected followResource(
    events: EventStream | null,
    name: string,
    refresh: () => void,
    handlers: readonly IEventHandler[]
  ): void {
    this.subscribe({
      events,
      fallbackInterval: 0,
      refresh,
      handlers,
      accept: event => 'name' in event.payload && event.payload.name === name
    });
  }

  /**
   * Run an action: busy and no error while it runs (the view disables its buttons), the
   * error kept when it fails, and a change emitted before and after.
   */
  protected async runAction(
    what: () => Promise<void>,
    slot: IActionSlot
  ): Promise<void> {
    slot.setBusy(true);
    slot.setError(null);
    this.emitChanged();
    try {
      await what();
    } catch (error) {
      slot.setError(asApiError(error));
    }
    slot.setBusy(false);
    if (!this._disposed) {
      this.emitChanged();
    }
  }

  /**
   * `read` behind a `Coalescer` (a burst of reloads is at most two reads, one at a
   * time), skipped once the model is disposed: what `reload()` / `refresh()` run.
   */
  protected coalesce(read: () => Promise<void>): Coalescer {
    return new Coalescer(() => (this._disposed ? Promise.resolve() : read()));
  }

  /** Timers of the model; they are cancelled when it is disposed. */
  protected readonly debounce = new Debouncer();

  private _started = false;
  private _disposed = false;
  private _subscription: LiveSubscription | null = null;
  private _changed = new Signal<this, void>(this);
}
