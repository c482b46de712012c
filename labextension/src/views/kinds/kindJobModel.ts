/**
 * The state behind the detail of a processing or batch transform job, as the training
 * job detail does it: the description kept current from the events socket (`job.status`
 * events of every kind carry the job's name: the status is patched at once and one
 * re-read is scheduled; a reconnection catches up), the live log tail read from the
 * kind's own logs route, and Stop. A subclass says how to read, stop and log its kind.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError } from '../../panel/live';
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
      read: offset => this.readLog(offset)
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
  /** Stop is under way. */
  get busy(): boolean {
    return this._busy;
  }
  /** Why the last Stop failed. */
  get actionError(): string | null {
    return this._actionError;
  }

  /** Read the job, then follow its events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    this.followResource(this._events, this.name, () => void this.reload(), {
      'job.status': payload => {
        const status = (payload as IJobStatusPayload).status;
        if (this._job && status) {
          this.setJob(this.withStatus(this._job, status));
          this.emitChanged();
        }
        this.debounce.schedule(
          'reload',
          this._reloadDelay,
          () => void this.reload()
        );
      }
    });
    await this.reload();
  }

  /** Read the description again. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  /** `POST /<kind>-jobs/{name}/stop`. */
  async stop(): Promise<void> {
    await this.runAction(async () => {
      this.setJob(await this.stopJob());
    }, this._action);
  }

  protected abstract describe(): Promise<T>;
  protected abstract stopJob(): Promise<T>;
  protected abstract readLog(offset: number): Promise<ILogChunk>;
  protected abstract statusOf(job: T): string;
  protected abstract withStatus(job: T, status: string): T;

  /** Keep a description (the log follows its status). */
  protected setJob(job: T): void {
    this._job = job;
    this.log.setActive(isActiveStatus(this.statusOf(job)));
  }

  protected onDispose(): void {
    this.log.dispose();
  }

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

  /** Called after each read (a subclass may schedule the next one). */
  protected afterRead(): void {
    // Nothing by default: the events say when to read again.
  }

  private _events: EventStream | null;
  private _reloadDelay: number;
  private _job: T | null = null;
  private _error: LabstudioApiError | null = null;
  private _busy = false;
  private _actionError: string | null = null;
  private _reads = this.coalesce(() => this._read());
  private _action: IActionSlot = {
    setBusy: busy => {
      this._busy = busy;
    },
    setError: error => {
      this._actionError = error?.message ?? null;
    }
  };
}
