/**
 * The state behind the detail of a job of any kind (training, processing, batch
 * transform): the description kept current from the events socket (`job.status` events of
 * every kind carry the job's name: the status is patched at once and one re-read is
 * scheduled; a reconnection catches up), the live log tail read from the kind's own logs
 * route, and Stop. Each kind's model (`JobDetailModel`, `ProcessingJobModel`,
 * `TransformJobModel`) says how to read, stop and log its kind, and adds what only it has.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle, IEventHandler } from '../../panel/live';
import { IActionSlot, IModelSources, ViewModel } from '../../panel/viewModel';
import { IJobStatusPayload, ILogChunk, isActiveStatus } from '../../types';
import { LogTailModel } from '../job/logTailModel';

export interface IKindJobModelOptions extends IModelSources {
  name: string;
  /** Delay that folds a burst of status events into one re-read (ms). */
  reloadDelay?: number;
  /** Log poll period while the job runs (ms). */
  logInterval?: number;
}

export abstract class KindJobModel<T> extends ViewModel {
  constructor(options: IKindJobModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this.name = options.name;
    this._reloadDelay = options.reloadDelay ?? 250;
    this.log = new LogTailModel({
      client: options.client,
      name: options.name,
      interval: options.logInterval,
      read: (offset, host) => this.readLog(offset, host)
    });
  }

  readonly name: string;
  readonly client: LabstudioClient;
  /** The log tail of this job (it follows the job's status). */
  readonly log: LogTailModel;

  get job(): T | null {
    return this._job;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** The job's status ('' before the first read). */
  get status(): string {
    return this._job ? this.statusOf(this._job) : '';
  }
  /** Whether the job still runs. */
  get active(): boolean {
    return isActiveStatus(this.status);
  }
  /** An action (Stop, or a kind's own such as Deploy) is under way. */
  get busy(): boolean {
    return this._busy;
  }
  /** Why the last action failed. */
  get actionError(): string | null {
    return this._actionError;
  }

  /** Read the job, then follow its events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    this.followResource(this._events, this.name, () => void this.reload(), [
      handle('job.status', event => {
        this.applyStatus(event.payload);
        this.debounce.schedule(
          'reload',
          this._reloadDelay,
          () => void this.reload()
        );
      }),
      ...this.eventHandlers()
    ]);
    this.onStart();
    await this.reload();
  }

  /** Read the description again. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  /** Patch the status from a `job.status` event before the re-read answers. */
  applyStatus(payload: IJobStatusPayload): void {
    if (this._job) {
      this.setJob(this.withStatus(this._job, payload));
      this.emitChanged();
    }
  }

  /** `POST /<kind>/{name}/stop`. */
  async stop(): Promise<void> {
    await this.runAction(async () => {
      this.setJob(await this.stopJob());
    }, this.action);
  }

  /** The description (a kind may read more alongside it). */
  protected abstract describe(): Promise<T>;
  protected abstract stopJob(): Promise<T>;
  /** The log from `offset`; `host` narrows a multi-host job's to one host's lines. */
  protected abstract readLog(
    offset: number,
    host: string | null
  ): Promise<ILogChunk>;
  protected abstract statusOf(job: T): string;
  /** The description with the status (in the kind's own keys) a `job.status` event says. */
  protected abstract withStatus(job: T, payload: IJobStatusPayload): T;

  /** More events this kind follows (its own name's only, like `job.status`). */
  protected eventHandlers(): IEventHandler[] {
    return [];
  }
  /** Called once when the model starts, before the first read. */
  protected onStart(): void {
    // Nothing by default.
  }
  /** Called after each read (a subclass may schedule the next one). */
  protected afterRead(): void {
    // Nothing by default: the events say when to read again.
  }

  /** Keep a description (the log follows its status). */
  protected setJob(job: T): void {
    this._job = job;
    this.log.setActive(isActiveStatus(this.statusOf(job)));
  }

  protected onDispose(): void {
    this.log.dispose();
  }

  /** Where actions keep their busy state and error (for `runAction`). */
  protected readonly action: IActionSlot = {
    setBusy: busy => {
      this._busy = busy;
    },
    setError: error => {
      this._actionError = error?.message ?? null;
    }
  };

  private async _read(): Promise<void> {
    try {
      const job = await this.describe();
      if (this.isDisposed) {
        return;
      }
      this.setJob(job);
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this.afterRead();
    this.emitChanged();
  }

  private _events: EventStream | null;
  private _reloadDelay: number;
  private _job: T | null = null;
  private _error: LabstudioApiError | null = null;
  private _busy = false;
  private _actionError: string | null = null;
  private _reads = this.coalesce(() => this._read());
}
