/**
 * The state behind a model package group's view: the group (its counts), every version
 * with its approval state and metric numbers, the group's history, and what the view
 * does with a version: Approve / Reject with a comment, Deploy (the deploy form), open
 * its details (its ModelMetrics documents, read), and Compare several versions.
 *
 * Live: `model_package.*` events of this group patch the version's status at once and
 * schedule one coalesced re-read of the group, its versions and its history (a burst of
 * approvals is at most two reads); a reconnection catches up the same way.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IActionSlot, IModelSources, ViewModel } from '../../panel/viewModel';
import {
  IActivityEntry,
  IModelMetricsDocuments,
  IModelPackageDescription,
  IModelPackageGroupDescription,
  IModelPackageSummary,
  IPackageEventPayload
} from '../../types';
import { DeployDraft } from '../common/deployDraft';
import { endpointNameForVersion, packageRef } from './registryData';

export interface IModelGroupModelOptions extends IModelSources {
  /** The group's name. */
  group: string;
  /** A version to open the details of at once (from a lineage node, a command). */
  version?: number | null;
  /** Delay that folds a burst of events into one re-read (ms). */
  reloadDelay?: number;
}

/** The Approve / Reject form of one version while it is open. */
export interface IDecisionDraft {
  version: number;
  decision: 'approve' | 'reject';
  comment: string;
}

/** The details of one version: its description and its ModelMetrics documents, read. */
export interface IVersionDetails {
  version: number;
  description: IModelPackageDescription | null;
  documents: IModelMetricsDocuments | null;
  error: LabstudioApiError | null;
}

export class ModelGroupModel extends ViewModel {
  constructor(options: IModelGroupModelOptions) {
    super();
    this.client = options.client;
    this._events = options.events ?? null;
    this.name = options.group;
    this._reloadDelay = options.reloadDelay ?? 250;
    this._initialVersion = options.version ?? null;
  }

  readonly client: LabstudioClient;
  /** The group's name. */
  readonly name: string;
  /** The endpoint name of the Deploy form while it is open (see `deployVersion`). */
  readonly deployDraft = new DeployDraft(() => this.emitChanged());

  get group(): IModelPackageGroupDescription | null {
    return this._group;
  }
  /** Every version, newest first. */
  get versions(): readonly IModelPackageSummary[] {
    return this._versions;
  }
  /** The group's history, newest first. */
  get activity(): readonly IActivityEntry[] {
    return this._activity;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  /** True once the first read answered (or failed). */
  get loaded(): boolean {
    return this._loaded;
  }
  /** An action (approve, reject, deploy) is under way. */
  get busy(): boolean {
    return this._busy;
  }
  /** Why the last action failed. */
  get actionError(): string | null {
    return this._actionError;
  }
  /** The open Approve / Reject form, if any. */
  get decision(): Readonly<IDecisionDraft> | null {
    return this._decision;
  }
  /** The version the Deploy form deploys (null while it is closed). */
  get deployVersion(): number | null {
    return this.deployDraft.name === null ? null : this._deployVersion;
  }
  /** The versions ticked for comparison, in version order. */
  get selected(): number[] {
    return [...this._selected].sort((a, b) => a - b);
  }
  /** The versions being compared (null: no comparison open). */
  get comparison(): readonly IModelPackageDescription[] | null {
    return this._comparison;
  }
  /** Why the comparison could not be read. */
  get comparisonError(): LabstudioApiError | null {
    return this._comparisonError;
  }
  /** The version whose details are open. */
  get details(): IVersionDetails | null {
    return this._details;
  }

  /** Read the group, its versions and history, then follow its events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    this.subscribe({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => void this.reload(),
      accept: event =>
        'group' in event.payload && event.payload.group === this.name,
      handlers: [
        handle('model_package.*', event => {
          this.applyPackageEvent(event.kind, event.payload);
          this._scheduleReload();
        }),
        handle('model_package_group.*', () => this._scheduleReload())
      ]
    });
    await this.reload();
    if (this._initialVersion !== null) {
      await this.openDetails(this._initialVersion);
    }
  }

  /** Read the group, every version and the history again (coalesced). */
  reload(): Promise<void> {
    return this._reads.run();
  }

  /**
   * A version's row from an event, before the re-read answers: its new approval state, or
   * gone when it was deleted.
   */
  applyPackageEvent(kind: string, payload: IPackageEventPayload): void {
    if (kind === 'model_package.deleted') {
      this._versions = this._versions.filter(
        v => v.ModelPackageVersion !== payload.version
      );
      this._selected.delete(payload.version);
      this.emitChanged();
    } else if (kind === 'model_package.status' && payload.approval_status) {
      const status = payload.approval_status;
      this._versions = this._versions.map(v =>
        v.ModelPackageVersion === payload.version
          ? { ...v, ModelApprovalStatus: status }
          : v
      );
      this.emitChanged();
    }
  }

  // -- approve / reject -----------------------------------------------------------------

  /** Open the Approve or Reject form of a version (its comment box). */
  openDecision(version: number, decision: 'approve' | 'reject'): void {
    this._decision = { version, decision, comment: '' };
    this._actionError = null;
    this.emitChanged();
  }

  /** The comment typed in the form. */
  setDecisionComment(comment: string): void {
    if (this._decision) {
      this._decision = { ...this._decision, comment };
      this.emitChanged();
    }
  }

  closeDecision(): void {
    if (this._decision) {
      this._decision = null;
      this.emitChanged();
    }
  }

  /** Send the open form's decision; the form closes once the server took it. */
  async submitDecision(): Promise<void> {
    const draft = this._decision;
    if (!draft) {
      return;
    }
    await this.decide(draft.version, draft.decision, draft.comment);
  }

  /** Approve or reject a version with a comment; true when the server took it. */
  async decide(
    version: number,
    decision: 'approve' | 'reject',
    comment: string
  ): Promise<boolean> {
    let done = false;
    await this.runAction(async () => {
      const call =
        decision === 'approve'
          ? this.client.approveModelPackage
          : this.client.rejectModelPackage;
      const answer = await call.call(
        this.client,
        this.name,
        version,
        comment.trim() || undefined
      );
      this._replaceVersion(answer);
      done = true;
    }, this._action);
    if (done) {
      this._decision = null;
      // The event follows; read the history now rather than wait for it.
      await this.reload();
    }
    return done;
  }

  // -- deploy ---------------------------------------------------------------------------

  /** Open the Deploy form for a version, with a name suggested from the group's. */
  openDeploy(version: number): void {
    this._deployVersion = version;
    this._actionError = null;
    this.deployDraft.open(endpointNameForVersion(this.name, version));
  }

  /**
   * Deploy the Deploy form's version as an endpoint named `endpoint` (the version's own
   * archive, code and entry point); resolves with the endpoint's name, null on failure.
   */
  async deploy(endpoint: string): Promise<string | null> {
    const version = this.deployVersion;
    if (version === null) {
      return null;
    }
    let created: string | null = null;
    await this.runAction(async () => {
      const answer = await this.client.createEndpoint({
        EndpointName: endpoint.trim(),
        ProductionVariants: [
          { VariantName: 'AllTraffic', Source: packageRef(this.name, version) }
        ]
      });
      created = answer.EndpointName;
    }, this._action);
    if (created !== null) {
      this.deployDraft.close();
    }
    return created;
  }

  // -- compare --------------------------------------------------------------------------

  /** Tick or untick a version for comparison. */
  toggleSelected(version: number): void {
    if (this._selected.has(version)) {
      this._selected.delete(version);
    } else {
      this._selected.add(version);
    }
    this.emitChanged();
  }

  /** Compare the ticked versions (at least two) field by field. */
  async compare(versions: readonly number[] = this.selected): Promise<void> {
    const chosen = [...new Set(versions)].sort((a, b) => a - b);
    if (chosen.length < 2) {
      return;
    }
    this._comparing = chosen;
    this._comparison = null;
    this._comparisonError = null;
    this.emitChanged();
    await this._readComparison();
  }

  closeComparison(): void {
    this._comparing = null;
    this._comparison = null;
    this._comparisonError = null;
    this.emitChanged();
  }

  // -- one version's details ------------------------------------------------------------

  /** Open a version's details: its description and its ModelMetrics documents. */
  async openDetails(version: number): Promise<void> {
    this._details = {
      version,
      description: null,
      documents: null,
      error: null
    };
    this.emitChanged();
    await this._readDetails(version);
  }

  closeDetails(): void {
    this._details = null;
    this.emitChanged();
  }

  // -- reads ----------------------------------------------------------------------------

  private async _read(): Promise<void> {
    try {
      const [group, versions, activity] = await Promise.all([
        this.client.getModelPackageGroup(this.name),
        this.client.listGroupVersions(this.name),
        this.client.getModelPackageGroupActivity(this.name)
      ]);
      if (this.isDisposed) {
        return;
      }
      this._group = group;
      this._versions = versions.ModelPackageSummaryList;
      this._activity = activity.Activity;
      this._error = null;
      const known = new Set(this._versions.map(v => v.ModelPackageVersion));
      [...this._selected]
        .filter(v => !known.has(v))
        .forEach(v => this._selected.delete(v));
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this._loaded = true;
    this.emitChanged();
    // What is open shows the same versions' state.
    if (this._comparing) {
      await this._readComparison();
    }
    if (this._details) {
      await this._readDetails(this._details.version);
    }
  }

  private async _readComparison(): Promise<void> {
    const versions = this._comparing;
    if (!versions) {
      return;
    }
    try {
      const described = await Promise.all(
        versions.map(v => this.client.getModelPackage(this.name, v))
      );
      if (this.isDisposed || this._comparing !== versions) {
        return;
      }
      this._comparison = described;
      this._comparisonError = null;
    } catch (error) {
      if (this.isDisposed || this._comparing !== versions) {
        return;
      }
      this._comparisonError = asApiError(error);
    }
    this.emitChanged();
  }

  private async _readDetails(version: number): Promise<void> {
    let details: IVersionDetails;
    try {
      const [description, documents] = await Promise.all([
        this.client.getModelPackage(this.name, version),
        this.client.getModelPackageMetrics(this.name, version)
      ]);
      details = { version, description, documents, error: null };
    } catch (error) {
      details = {
        version,
        description: null,
        documents: null,
        error: asApiError(error)
      };
    }
    if (this.isDisposed || this._details?.version !== version) {
      return;
    }
    this._details = details;
    this.emitChanged();
  }

  /** A version's row from a describe answer (an approval's), before the re-read. */
  private _replaceVersion(answer: IModelPackageDescription): void {
    this._versions = this._versions.map(v =>
      v.ModelPackageVersion === answer.ModelPackageVersion
        ? { ...v, ModelApprovalStatus: answer.ModelApprovalStatus }
        : v
    );
  }

  private _scheduleReload(): void {
    this.debounce.schedule(
      'reload',
      this._reloadDelay,
      () => void this.reload()
    );
  }

  private _events: EventStream | null;
  private _reloadDelay: number;
  private _initialVersion: number | null;
  private _group: IModelPackageGroupDescription | null = null;
  private _versions: IModelPackageSummary[] = [];
  private _activity: IActivityEntry[] = [];
  private _error: LabstudioApiError | null = null;
  private _loaded = false;
  private _busy = false;
  private _actionError: string | null = null;
  private _decision: IDecisionDraft | null = null;
  private _deployVersion: number | null = null;
  private _selected = new Set<number>();
  private _comparing: number[] | null = null;
  private _comparison: IModelPackageDescription[] | null = null;
  private _comparisonError: LabstudioApiError | null = null;
  private _details: IVersionDetails | null = null;
  private _action: IActionSlot = {
    setBusy: busy => {
      this._busy = busy;
    },
    setError: error => {
      this._actionError = error?.message ?? null;
    }
  };
  private _reads = this.coalesce(() => this._read());
}
