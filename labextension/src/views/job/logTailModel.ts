/**
 * The state behind the log tail: the log text of a job, read from where it stopped
 * (`GET /jobs/{name}/logs?offset=`), every `interval` ms while the job runs (the log has
 * no events) and once more when it is over; polling stops once the server says the log
 * is complete. A multi-host job's log can be narrowed to one host's lines (`&host=algo-2`):
 * choosing a host reads that host's log from the start.
 */
import { LabstudioClient } from '../../api';
import { asApiError } from '../../panel/live';
import { ViewModel } from '../../panel/viewModel';
import { ILogChunk } from '../../types';

/** Keep at most this many characters (the head is dropped first). */
export const MAX_LOG_CHARS = 2_000_000;
/** Chunks read in one go (big logs come in several). */
const MAX_CHUNKS_PER_READ = 50;

export interface ILogTailModelOptions {
  client: LabstudioClient;
  name: string;
  /** Poll period while the job runs (ms). */
  interval?: number;
  /** How long "Copied" shows after a copy (ms). */
  copiedDelay?: number;
  /**
   * Reads the log from an offset, only `host`'s lines when one is given (default: the
   * training job's logs route).
   */
  read?: (offset: number, host: string | null) => Promise<ILogChunk>;
}

export class LogTailModel extends ViewModel {
  constructor(options: ILogTailModelOptions) {
    super();
    this.name = options.name;
    this._interval = options.interval ?? 1000;
    this._copiedDelay = options.copiedDelay ?? 1500;
    this._read =
      options.read ??
      ((offset, host) => options.client.getLogs(options.name, offset, host));
  }

  readonly name: string;

  get text(): string {
    return this._text;
  }
  get error(): string | null {
    return this._error;
  }
  /** Whether the job still runs (the log may grow). */
  get active(): boolean {
    return this._active;
  }
  /** The server said the log is complete: nothing more will come. */
  get complete(): boolean {
    return this._complete;
  }
  /** Whether a poll is scheduled. */
  get polling(): boolean {
    return this._polling;
  }
  get copied(): boolean {
    return this._copied;
  }
  /** The hosts the log can be narrowed to (a multi-host job's; else none). */
  get hosts(): readonly string[] {
    return this._hosts;
  }
  /** The host whose lines are shown, or null for every host's. */
  get host(): string | null {
    return this._host;
  }

  /** Whether the view stays at the bottom as lines arrive. */
  get follow(): boolean {
    return this._follow;
  }
  /** The search text (lines containing it, any case, are shown and highlighted). */
  get search(): string {
    return this._search;
  }
  /** The search text as matched (trimmed, lower case; '' shows every line). */
  get needle(): string {
    return this._search.trim().toLowerCase();
  }
  /** The lines shown: every line, or those containing the search text. */
  get lines(): string[] {
    const needle = this.needle;
    if (this._linesOf !== this._text) {
      this._linesOf = this._text;
      this._lines = this._text.split('\n');
    }
    return needle
      ? this._lines.filter(l => l.toLowerCase().includes(needle))
      : this._lines;
  }

  setFollow(follow: boolean): void {
    if (follow !== this._follow) {
      this._follow = follow;
      this.emitChanged();
    }
  }

  setSearch(text: string): void {
    if (text !== this._search) {
      this._search = text;
      this.emitChanged();
    }
  }

  /** Say which hosts the job has; a chosen host that is not one of them is dropped. */
  setHosts(hosts: readonly string[]): void {
    if (
      hosts.length === this._hosts.length &&
      hosts.every((h, i) => h === this._hosts[i])
    ) {
      return;
    }
    this._hosts = [...hosts];
    if (this._host !== null && !hosts.includes(this._host)) {
      this.setHost(null);
      return;
    }
    this.emitChanged();
  }

  /** Show one host's lines (null: every host's), read again from the start. */
  setHost(host: string | null): void {
    if (this.isDisposed || host === this._host) {
      return;
    }
    this._host = host;
    this._text = '';
    this._offset = 0;
    this._complete = false;
    this._error = null;
    this.emitChanged();
    if (this.started) {
      this.debounce.cancel('poll');
      this._polling = false;
      void this._tick();
    }
  }

  /**
   * Say whether the job runs: the first call reads the log; while active it keeps reading
   * every `interval`; when the job ends it reads once more (the last lines) and stops.
   */
  setActive(active: boolean): void {
    if (this.isDisposed || (this.started && active === this._active)) {
      return;
    }
    this.startOnce();
    this._active = active;
    this.emitChanged();
    this.debounce.cancel('poll');
    this._polling = false;
    void this._tick();
  }

  /** Copy the whole text; `copied` is true for a moment. */
  async copy(copy: (text: string) => Promise<void>): Promise<void> {
    await copy(this._text);
    if (this.isDisposed) {
      return;
    }
    this._copied = true;
    this.emitChanged();
    this.debounce.schedule('copied', this._copiedDelay, () => {
      this._copied = false;
      this.emitChanged();
    });
  }

  private async _tick(): Promise<void> {
    const seq = ++this._seq;
    try {
      for (let i = 0; i < MAX_CHUNKS_PER_READ; i++) {
        const chunk = await this._read(this._offset, this._host);
        if (this.isDisposed || seq !== this._seq) {
          return;
        }
        if (chunk.text) {
          this._text = (this._text + chunk.text).slice(-MAX_LOG_CHARS);
          this.emitChanged();
        }
        const moved = chunk.next_offset !== this._offset;
        this._offset = chunk.next_offset;
        this._complete = chunk.complete;
        if (!moved || chunk.complete || !chunk.text) {
          break;
        }
      }
      this._error = null;
    } catch (error) {
      if (this.isDisposed || seq !== this._seq) {
        return;
      }
      this._error = asApiError(error).message;
    }
    this._polling = this._active && !this._complete;
    if (this._polling) {
      this.debounce.schedule('poll', this._interval, () => void this._tick());
    }
    this.emitChanged();
  }

  private _read: (offset: number, host: string | null) => Promise<ILogChunk>;
  private _follow = true;
  private _search = '';
  private _linesOf = '';
  private _lines: string[] = [''];
  private _hosts: string[] = [];
  private _host: string | null = null;
  private _interval: number;
  private _copiedDelay: number;
  private _text = '';
  private _offset = 0;
  private _error: string | null = null;
  private _active = false;
  private _complete = false;
  private _polling = false;
  private _copied = false;
  private _seq = 0;
}
