/**
 * The state behind the endpoint detail: the description with its figures (re-read every
 * `interval` ms, requests per second measured between two reads), the log, the result of
 * a test invocation, and the weight and delete actions. `endpoint.*` events of this
 * endpoint re-read it at once.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IActionSlot, IModelSources, ViewModel } from '../../panel/viewModel';
import {
  IEndpointDescription,
  IInvokeRequest,
  IInvokeResult,
  IMonitoringExecutionReport,
  IMonitoringExecutionSummary,
  IMonitoringScheduleSummary
} from '../../types';

/** Log lines shown. */
const LOG_TAIL = 200;

export interface IEndpointModelOptions extends IModelSources {
  name: string;
  /** Figures refresh period (ms). */
  interval?: number;
  /** The clock for requests per second (ms); `performance.now` by default. */
  now?: () => number;
}

/** Model Monitor of this endpoint: its schedules, their runs (newest first), the latest finished run's reports. */
export interface IEndpointMonitoring {
  schedules: IMonitoringScheduleSummary[];
  executions: IMonitoringExecutionSummary[];
  report: IMonitoringExecutionReport | null;
}

const FINISHED = ['Completed', 'CompletedWithViolations'];

/** The test invocation as typed in the endpoint view. */
export interface IInvokeDraft {
  contentType: string;
  accept: string;
  /** A variant to send it to ('' : by weight). */
  variant: string;
  body: string;
}

export class EndpointModel extends ViewModel {
  constructor(options: IEndpointModelOptions) {
    super();
    this._client = options.client;
    this._events = options.events ?? null;
    this.name = options.name;
    this._interval = options.interval ?? 5000;
    this._now = options.now ?? (() => performance.now());
  }

  readonly name: string;

  /** Emits each run of this endpoint's schedules that found violations, once, after the first read. */
  get violationsFound(): ISignal<this, IMonitoringExecutionSummary> {
    return this._violationsFound;
  }
  /** Model Monitor of this endpoint (null until read, or when the server has none). */
  get monitoring(): IEndpointMonitoring | null {
    return this._monitoring;
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

  /** Whether Delete asks for confirmation now. */
  get confirmingDelete(): boolean {
    return this._confirmingDelete;
  }
  /** Weights typed in the variants table and not applied yet, by variant. */
  get weightDrafts(): Readonly<Record<string, string>> {
    return this._weightDrafts;
  }
  /** The test invocation as typed (content type, accept, variant, body). */
  get invokeDraft(): Readonly<IInvokeDraft> {
    return this._invokeDraft;
  }

  /** Ask before deleting (or take the question back). */
  setConfirmingDelete(confirming: boolean): void {
    this._confirmingDelete = confirming;
    this.emitChanged();
  }

  /** A weight typed for a variant (applied by `applyWeights`). */
  setWeightDraft(variant: string, weight: string): void {
    this._weightDrafts = { ...this._weightDrafts, [variant]: weight };
    this.emitChanged();
  }

  /** Forget the typed weights. */
  resetWeights(): void {
    this._weightDrafts = {};
    this.emitChanged();
  }

  /** Apply the typed weights; they are forgotten once applied. */
  async applyWeights(): Promise<boolean> {
    const numbers: Record<string, number> = {};
    for (const [variant, weight] of Object.entries(this._weightDrafts)) {
      numbers[variant] = Number(weight);
    }
    const applied = await this.setWeights(numbers);
    if (applied) {
      this.resetWeights();
    }
    return applied;
  }

  /** Change fields of the test invocation. */
  setInvokeDraft(change: Partial<IInvokeDraft>): void {
    this._invokeDraft = { ...this._invokeDraft, ...change };
    this.emitChanged();
  }

  /** Send the test invocation as typed. */
  invokeDraftRequest(): Promise<void> {
    const d = this._invokeDraft;
    return this.invoke({
      body: d.body,
      contentType: d.contentType,
      accept: d.accept,
      targetVariant: d.variant || undefined
    });
  }

  /** Read the endpoint, then re-read it periodically and on its events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    this.followResource(this._events, this.name, () => void this.refresh(), [
      handle('endpoint.*', () => void this.refresh())
    ]);
    await this.refresh();
  }

  /** Re-read the description (figures) and the log. */
  refresh(): Promise<void> {
    return this._reads.run();
  }

  private async _read(): Promise<void> {
    this._schedule();
    const log = this._client
      .getEndpointLogs(this.name, LOG_TAIL)
      .then(l => {
        if (!this.isDisposed) {
          this._log = l.Log;
        }
      })
      .catch(() => undefined);
    const monitoring = this._readMonitoring().catch(() => undefined);
    try {
      const endpoint = await this._client.getEndpoint(this.name);
      if (this.isDisposed) {
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
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    await log;
    await monitoring;
    if (!this.isDisposed) {
      this.emitChanged();
    }
  }

  /** The schedules and runs; the latest finished run's reports when it is a new one. */
  private async _readMonitoring(): Promise<void> {
    const [schedules, executions] = await Promise.all([
      this._client.listMonitoringSchedules(this.name),
      this._client.listMonitoringExecutions(this.name)
    ]);
    const runs = executions.MonitoringExecutionSummaries;
    const latest = runs.find(r =>
      FINISHED.includes(r.MonitoringExecutionStatus)
    );
    let report = this._monitoring?.report ?? null;
    if (
      latest?.ProcessingJobName &&
      report?.Summary.ProcessingJobName !== latest.ProcessingJobName
    ) {
      report = await this._client.getMonitoringExecution(
        latest.ProcessingJobName
      );
    }
    if (this.isDisposed) {
      return;
    }
    const seen = this._seenRuns;
    this._seenRuns = new Set(
      runs
        .filter(r => FINISHED.includes(r.MonitoringExecutionStatus))
        .map(r => r.ProcessingJobName ?? '')
    );
    if (seen !== null) {
      for (const run of runs) {
        if (
          run.MonitoringExecutionStatus === 'CompletedWithViolations' &&
          !seen.has(run.ProcessingJobName ?? '')
        ) {
          this._violationsFound.emit(run);
        }
      }
    }
    this._monitoring = {
      schedules: schedules.MonitoringScheduleSummaries,
      executions: runs,
      report
    };
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
      this.emitChanged();
      return false;
    }
    await this.refresh();
    return true;
  }

  /** Send a test request through the server's proxy and keep its answer. */
  async invoke(request: IInvokeRequest): Promise<void> {
    await this.runAction(async () => {
      this._invokeResult = await this._client.invokeEndpoint(
        this.name,
        request
      );
      void this.refresh();
    }, this._invocation);
  }

  /** `DELETE /endpoints/{name}`; `deleted` emits when it is gone. */
  async remove(): Promise<void> {
    try {
      await this._client.deleteEndpoint(this.name);
    } catch (error) {
      this._actionError = asApiError(error).message;
      this.emitChanged();
      return;
    }
    this._deleted.emit();
  }

  /** The next periodic read, `interval` after the last one began. */
  private _schedule(): void {
    if (this._interval > 0) {
      this.debounce.schedule(
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
  private _confirmingDelete = false;
  private _weightDrafts: Record<string, string> = {};
  private _invokeDraft: IInvokeDraft = {
    contentType: 'application/json',
    accept: 'application/json',
    variant: '',
    body: '[1, 2, 3]'
  };
  private _invocation: IActionSlot = {
    setBusy: busy => {
      this._invoking = busy;
    },
    setError: error => {
      this._invokeError = error?.message ?? null;
    }
  };
  private _reads = this.coalesce(() => this._read());
  private _deleted = new Signal<this, void>(this);
  private _violationsFound = new Signal<this, IMonitoringExecutionSummary>(
    this
  );
  private _monitoring: IEndpointMonitoring | null = null;
  /** Finished runs seen by the last read (null before the first: nothing is announced then). */
  private _seenRuns: Set<string> | null = null;
}
