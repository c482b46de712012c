/**
 * The state behind the tuning-job view: the sweep's description and all its trials,
 * kept current from the events socket while it runs (`tuning.*` events of this sweep and
 * `job.*` events of its trials each schedule one coalesced re-read; a reconnection
 * catches up), the table's sort and the chart's x, and the Stop / Deploy best actions.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IActionSlot, IModelSources, ViewModel } from '../../panel/viewModel';
import {
  ITuningJobDescription,
  ITuningStatusPayload,
  ITuningTrialSummary
} from '../../types';
import { DeployDraft } from '../common/deployDraft';
import { endpointNameFor } from '../job/jobData';
import { deployJob } from '../job/jobDetailModel';
import {
  ITrialSort,
  objectiveNameOf,
  objectiveTypeOf,
  sortTrials,
  TrialColumn,
  tunedNames,
  XMode
} from './tuningData';

export interface ITuningModelOptions extends IModelSources {
  name: string;
  /** Delay that folds a burst of events into one re-read (ms). */
  reloadDelay?: number;
}

/** Whether a tuning job in this status can still change. */
export function isActiveTuning(status: string | null | undefined): boolean {
  return status === 'InProgress' || status === 'Stopping';
}

export class TuningModel extends ViewModel {
  constructor(options: ITuningModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    this.name = options.name;
    this._reloadDelay = options.reloadDelay ?? 250;
  }

  readonly name: string;
  /** The endpoint name of the Deploy best form while it is open. */
  readonly deployDraft = new DeployDraft(() => this.emitChanged());

  get job(): ITuningJobDescription | null {
    return this._job;
  }
  /** Every trial, in creation order. */
  get trials(): readonly ITuningTrialSummary[] {
    return this._trials;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** Whether the sweep still runs. */
  get active(): boolean {
    return isActiveTuning(this._job?.HyperParameterTuningJobStatus);
  }
  get busy(): boolean {
    return this._busy;
  }
  get actionError(): string | null {
    return this._actionError;
  }
  /** The table's order: the user's choice, else the best objective first. */
  get sort(): ITrialSort {
    return (
      this._sort ?? {
        column: 'objective',
        descending: this.objectiveType === 'Maximize'
      }
    );
  }
  get xMode(): XMode {
    return this._xMode;
  }
  /** The tuned hyperparameters (the table's and the parallel axes' columns). */
  get parameterNames(): string[] {
    return tunedNames(this._job, this._trials);
  }
  get objectiveName(): string {
    return this._job ? objectiveNameOf(this._job) : 'objective';
  }
  get objectiveType(): 'Minimize' | 'Maximize' {
    return this._job ? objectiveTypeOf(this._job) : 'Minimize';
  }
  /** The trials in the table's order. */
  sortedTrials(): ITuningTrialSummary[] {
    return sortTrials(this._trials, this.sort);
  }
  /** The best trial so far (the server's choice), if any. */
  get best(): ITuningTrialSummary | null {
    return this._job?.BestTrainingJob ?? null;
  }

  /** Read the sweep and its trials, then follow the events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    const prefix = `${this.name}-`;
    const ours = (name: string) => name === this.name;
    const trial = (name: string) => name.startsWith(prefix);
    this.subscribe({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => void this.reload(),
      handlers: [
        handle('tuning.status', event => {
          if (ours(event.payload.name)) {
            this.applyStatus(event.payload);
            this._scheduleReload();
          }
        }),
        handle('tuning.progress', event => {
          if (ours(event.payload.name)) {
            this._scheduleReload();
          }
        }),
        handle('job.created', event => {
          if (trial(event.payload.name)) {
            this._scheduleReload();
          }
        }),
        handle('job.status', event => {
          if (trial(event.payload.name)) {
            this._scheduleReload();
          }
        })
      ]
    });
    await this.reload();
  }

  /** Read the description and every trial again. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  /** Patch the status from a `tuning.status` event before the re-read answers. */
  applyStatus(payload: ITuningStatusPayload): void {
    if (!this._job || !payload.status) {
      return;
    }
    this._job = { ...this._job, HyperParameterTuningJobStatus: payload.status };
    this.emitChanged();
  }

  /** Sort the table by a column; the same column again flips the direction. */
  sortBy(column: TrialColumn): void {
    const current = this.sort;
    this._sort =
      current.column === column
        ? { column, descending: !current.descending }
        : { column, descending: false };
    this.emitChanged();
  }

  setXMode(mode: XMode): void {
    this._xMode = mode;
    this.emitChanged();
  }

  /** `POST /tuning-jobs/{name}/stop`: every running trial is stopped. */
  async stop(): Promise<void> {
    await this.runAction(async () => {
      this._job = await this._client.stopTuningJob(this.name);
    }, this._action);
    void this.reload();
  }

  /** Open the Deploy best form, named after the best trial. */
  openDeploy(): void {
    const best = this.best;
    if (best) {
      this.deployDraft.open(endpointNameFor(best.TrainingJobName));
    }
  }

  /**
   * Deploy the best trial's model as an endpoint (as the job detail's Deploy does);
   * resolves with the endpoint's name, or null when it failed (see `actionError`).
   */
  async deployBest(endpoint: string): Promise<string | null> {
    const best = this.best;
    if (!best) {
      this._actionError = 'No trial has finished with an objective yet.';
      this.emitChanged();
      return null;
    }
    let created: string | null = null;
    await this.runAction(async () => {
      created = await deployJob(this._client, best.TrainingJobName, endpoint);
    }, this._action);
    if (created !== null) {
      this.deployDraft.close();
    }
    return created;
  }

  private _scheduleReload(): void {
    this.debounce.schedule(
      'reload',
      this._reloadDelay,
      () => void this.reload()
    );
  }

  private async _read(): Promise<void> {
    try {
      const [job, trials] = await Promise.all([
        this._client.getTuningJob(this.name),
        this._client.listTuningTrials(this.name)
      ]);
      if (this.isDisposed) {
        return;
      }
      this._job = job;
      this._trials = trials.TrainingJobSummaries;
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this.emitChanged();
  }

  private _client: LabstudioClient;
  private _events: EventStream | null;
  private _reloadDelay: number;
  private _job: ITuningJobDescription | null = null;
  private _trials: ITuningTrialSummary[] = [];
  private _error: LabstudioApiError | null = null;
  private _busy = false;
  private _actionError: string | null = null;
  private _sort: ITrialSort | null = null;
  private _xMode: XMode = 'time';
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
