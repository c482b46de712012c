/**
 * The state behind every list section of the panel (jobs, tuning jobs, endpoints): one
 * `ListModel<T>` holds the rows, the name filter, paging and the events subscription, so
 * each section only says how to read a page and what its events change.
 *
 * The list API is the source of truth; the events socket keeps it current without
 * polling: an event patches the row at once and schedules one coalesced re-read (a burst
 * of events is at most two requests). While the socket is down a slow fallback re-read
 * runs every `fallbackInterval` ms. Re-reading the first page keeps the older pages that
 * "Load more" brought in. A bare 404 (no server extension) opens no socket.
 */
import { LabstudioApiError, LabstudioClient } from '../api';
import { EventStream } from '../events';
import { asApiError, IEventHandler } from './live';
import { IModelSources, ViewModel } from './viewModel';

export interface IListModelOptions extends IModelSources {
  /** Rows per page. */
  pageSize?: number;
  /** Re-read period while the events socket is down (ms). */
  fallbackInterval?: number;
  /** Delay that folds a burst of events into one re-read (ms). */
  refreshDelay?: number;
  /** Delay between typing in the search box and asking the server (ms). */
  filterDelay?: number;
}

/** One page of a list: its rows and the token of the next page (null: the last). */
export interface IPage<T> {
  items: T[];
  nextToken: string | null;
}

export abstract class ListModel<T> extends ViewModel {
  constructor(options: IListModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this._pageSize = options.pageSize ?? 100;
    this._fallbackInterval = options.fallbackInterval ?? 30000;
    this._refreshDelay = options.refreshDelay ?? 300;
    this._filterDelay = options.filterDelay ?? 300;
  }

  readonly client: LabstudioClient;

  /** Rows per page. */
  get pageSize(): number {
    return this._pageSize;
  }

  /** Every loaded row, in the server's order. */
  get items(): readonly T[] {
    return this._items;
  }
  /** The name filter (the search box). */
  get filter(): string {
    return this._filter;
  }
  /** A read of the first page is under way. */
  get loading(): boolean {
    return this._loading;
  }
  /** True once the first answer (or error) of the list API arrived. */
  get loaded(): boolean {
    return this._loaded;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** Whether the server has another page ("Load more"). */
  get hasMore(): boolean {
    return this._nextToken !== null;
  }
  /** Whether live updates flow (the events socket is open). */
  get connected(): boolean {
    return this.subscription?.connected ?? false;
  }
  /** The re-read period while the events socket is down (ms). */
  get fallbackInterval(): number {
    return this._fallbackInterval;
  }

  /** The loaded rows whose name contains the filter (any case). */
  visible(): T[] {
    const needle = this._filter.trim().toLowerCase();
    return needle
      ? this._items.filter(i => this.nameOf(i).toLowerCase().includes(needle))
      : [...this._items];
  }

  /** Change the fallback period (from the settings), also while it runs. */
  setFallbackInterval(ms: number): void {
    this._fallbackInterval = ms;
    this.subscription?.setFallbackInterval(ms);
  }

  /** Change the page size (from the settings): the list is read again in pages of `size`. */
  setPageSize(size: number): void {
    if (size !== this._pageSize && size >= 1) {
      this._pageSize = size;
      if (this.started) {
        void this.reset();
      }
    }
  }

  /** Filter by name: at once on the loaded rows, then (when the server filters) there. */
  setFilter(text: string): void {
    if (text === this._filter) {
      return;
    }
    this._filter = text;
    this.emitChanged();
    if (this.serverFilter) {
      this._generation++; // the pages loaded so far belong to another filter
      this.debounce.schedule(
        'filter',
        this._filterDelay,
        () => void this.refresh()
      );
    }
  }

  /** Read the first page, then follow the events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    await this.refresh();
    // No API, no socket (the view says why); otherwise follow the events.
    if (this._error?.extensionMissing || this.isDisposed) {
      return;
    }
    this.subscribe({
      events: this._events,
      fallbackInterval: this._fallbackInterval,
      // On (re)connection: catch up, folded with the events that follow; while the
      // socket is down: the fallback re-read itself.
      refresh: () =>
        this._events?.connected ? this.scheduleRefresh() : void this.refresh(),
      onConnection: () => this.emitChanged(),
      handlers: this.eventHandlers()
    });
    this.emitChanged();
  }

  /** Read the first page again (keeping older pages already loaded). */
  refresh(): Promise<void> {
    return this._reads.run();
  }

  /** Append the next page. */
  async loadMore(): Promise<void> {
    const token = this._nextToken;
    if (token === null || this.isDisposed) {
      return;
    }
    const generation = this._generation;
    try {
      const page = await this.readPage(token);
      if (generation !== this._generation || this.isDisposed) {
        return; // what the list holds changed meanwhile: this page is another list's
      }
      const known = new Set(this._items.map(i => this.keyOf(i)));
      this._items = this._items.concat(
        page.items.filter(i => !known.has(this.keyOf(i)))
      );
      this._nextToken = page.nextToken;
      this._error = null;
    } catch (error) {
      this._error = asApiError(error);
    }
    this.afterRead();
    this.emitChanged();
  }

  /** One page, from the start (`token` null) or from the previous page's token. */
  protected abstract readPage(token: string | null): Promise<IPage<T>>;
  /** The row's unique key (its name). */
  protected abstract keyOf(item: T): string;
  /** What the name filter matches (the key, unless a subclass says otherwise). */
  protected nameOf(item: T): string {
    return this.keyOf(item);
  }
  /** What this list does with each kind of event (none by default). */
  protected eventHandlers(): IEventHandler[] {
    return [];
  }
  /** Whether the filter is sent to the server (a paged list) or only applied here. */
  protected get serverFilter(): boolean {
    return false;
  }
  /** Called after every read (a subclass may schedule the next one). */
  protected afterRead(): void {
    // Nothing by default: the events say when to read again.
  }

  /** Replace the loaded row with key `key` by `change(row)`; false when it is not loaded. */
  protected patch(key: string, change: (item: T) => T): boolean {
    const index = this._items.findIndex(i => this.keyOf(i) === key);
    if (index < 0) {
      return false;
    }
    this._items = [...this._items];
    this._items[index] = change(this._items[index]);
    this.emitChanged();
    return true;
  }

  /** Drop the loaded row with key `key`. */
  protected remove(key: string): void {
    this._items = this._items.filter(i => this.keyOf(i) !== key);
    this.emitChanged();
  }

  /** One re-read after `delay` ms, folded with any other scheduled in the meantime. */
  protected scheduleRefresh(delay = this._refreshDelay): void {
    this.debounce.schedule('refresh', delay, () => void this.refresh());
  }

  /** Forget the loaded pages and read the first one (what it lists changed). */
  protected reset(): Promise<void> {
    this._generation++;
    this._items = [];
    this._nextToken = null;
    this._loaded = false;
    this.emitChanged();
    return this.refresh();
  }

  private async _read(): Promise<void> {
    const generation = this._generation;
    const current = () => generation === this._generation && !this.isDisposed;
    this._loading = true;
    this.emitChanged();
    try {
      const page = await this.readPage(null);
      if (!current()) {
        return; // the read that `reset` asked for follows this one
      }
      this._merge(page);
      this._error = null;
    } catch (error) {
      if (!current()) {
        return;
      }
      this._error = asApiError(error);
    } finally {
      if (current()) {
        this._loading = false;
        this._loaded = true;
        this.afterRead();
        this.emitChanged();
      }
    }
  }

  /** The new first page, then the older rows "Load more" brought in after its last row. */
  private _merge(page: IPage<T>): void {
    const last = page.items[page.items.length - 1];
    const at = last
      ? this._items.findIndex(i => this.keyOf(i) === this.keyOf(last))
      : -1;
    if (
      this._items.length <= this.pageSize ||
      page.nextToken === null ||
      at < 0
    ) {
      this._items = page.items;
      this._nextToken = page.nextToken;
      return;
    }
    const inPage = new Set(page.items.map(i => this.keyOf(i)));
    const tail = this._items
      .slice(at + 1)
      .filter(i => !inPage.has(this.keyOf(i)));
    this._items = page.items.concat(tail);
    // The token of the deepest page loaded stays: "Load more" goes on from there.
  }

  private _events: EventStream | null;
  private _pageSize: number;
  private _fallbackInterval: number;
  private _refreshDelay: number;
  private _filterDelay: number;
  private _items: T[] = [];
  private _nextToken: string | null = null;
  private _filter = '';
  private _loading = false;
  private _loaded = false;
  private _error: LabstudioApiError | null = null;
  /** Bumped when what the list holds changes (kind, server filter): older answers are dropped. */
  private _generation = 0;
  private _reads = this.coalesce(() => this._read());
}
