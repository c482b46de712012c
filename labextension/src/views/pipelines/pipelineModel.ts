/**
 * The state behind a pipeline's view: the pipeline (its parameters and DAG), its executions
 * newest first, one execution shown on the DAG (the newest unless the user picked another)
 * with its steps, where ELK puts each node, the step whose details are open, the start
 * form, and two executions compared step by step.
 *
 * Live: a `pipeline.step` event of the shown execution recolours its node at once and
 * schedules one coalesced read of the steps (times, jobs, a condition's values); a
 * `pipeline.execution` event of this pipeline patches its row and re-reads the list, and a
 * new execution is shown as it starts while the user follows the newest. The layout is
 * computed again only when the DAG itself changes.
 */
import { LabstudioApiError, LabstudioClient } from '../../api';
import { EventStream } from '../../events';
import { asApiError, handle } from '../../panel/live';
import { IModelSources, ViewModel } from '../../panel/viewModel';
import {
  IPipelineDescription,
  IPipelineExecutionDescription,
  IPipelineExecutionStep,
  IPipelineExecutionSummary,
  IPipelineGraph,
  IPipelineStepPayload
} from '../../types';
import {
  DIRECTIONS,
  ILayout,
  LayoutDirection,
  layoutDag
} from '../graph/layout';
import {
  compareSteps,
  defaultValues,
  formErrors,
  IStepComparison,
  startBody
} from './pipelineData';

export interface IPipelineModelOptions extends IModelSources {
  /** The pipeline's name. */
  name: string;
  /** Delay that folds a burst of events into one read (ms). */
  reloadDelay?: number;
  /** Lay out a DAG one way (ELK by default). */
  layout?: (
    graph: IPipelineGraph,
    direction: LayoutDirection
  ) => Promise<ILayout>;
}

/** The DAG of a pipeline, laid out by the shared graph layout. */
export function layoutPipeline(
  graph: IPipelineGraph,
  direction: LayoutDirection
): Promise<ILayout> {
  return layoutDag(
    {
      nodes: graph.Nodes.map(n => n.Name),
      edges: graph.Edges.map(e => ({ source: e.Source, target: e.Target }))
    },
    direction
  );
}

export class PipelineModel extends ViewModel {
  constructor(options: IPipelineModelOptions) {
    super();
    this.client = options.client;
    this.name = options.name;
    this._events = options.events ?? null;
    this._reloadDelay = options.reloadDelay ?? 300;
    this._layout = options.layout ?? layoutPipeline;
  }

  readonly client: LabstudioClient;
  readonly name: string;

  /** The pipeline as described (null before the first answer). */
  get pipeline(): IPipelineDescription | null {
    return this._pipeline;
  }
  /** Its executions, newest first. */
  get executions(): readonly IPipelineExecutionSummary[] {
    return this._executions;
  }
  /** The id of the execution the DAG shows (null: none yet). */
  get selectedId(): string | null {
    return this._selectedId;
  }
  /** Whether the DAG follows the newest execution (until the user picks one). */
  get following(): boolean {
    return this._follow;
  }
  /** The execution the DAG shows, as described. */
  get execution(): IPipelineExecutionDescription | null {
    return this._execution;
  }
  /** The shown execution's steps that started, in the order they started. */
  get steps(): readonly IPipelineExecutionStep[] {
    return this._steps;
  }
  /** The DAG drawn: the shown execution's definition, else the pipeline's. */
  get graph(): IPipelineGraph | null {
    return this._execution?.Graph ?? this._pipeline?.Graph ?? null;
  }
  /** Where each node goes, left to right and top to bottom (empty until laid out). */
  get layouts(): readonly ILayout[] {
    return this._layouts;
  }
  /** The step whose details are open. */
  get selectedStep(): string | null {
    return this._selectedStep;
  }
  get error(): LabstudioApiError | null {
    return this._error;
  }
  get loading(): boolean {
    return this._loading;
  }

  // -- the start form --------------------------------------------------------------------

  /** The form's values by parameter name (the defaults until edited). */
  get values(): Readonly<Record<string, string>> {
    return this._values;
  }
  get displayName(): string {
    return this._displayName;
  }
  /** What is wrong with each value, by parameter name. */
  get formErrors(): Record<string, string> {
    return formErrors(this._pipeline?.Parameters ?? [], this._values);
  }
  get starting(): boolean {
    return this._starting;
  }
  /** Why the last start failed (the server's message and field). */
  get startError(): LabstudioApiError | null {
    return this._startError;
  }

  // -- comparison ------------------------------------------------------------------------

  /** The executions ticked for comparison (at most two, in the order ticked). */
  get compareIds(): readonly string[] {
    return this._compareIds;
  }
  /** The two ticked executions step by step (null until compared). */
  get comparison(): IStepComparison[] | null {
    return this._comparison;
  }
  /** The ids of the executions in `comparison`. */
  get comparedIds(): readonly string[] {
    return this._comparedIds;
  }

  /** Read everything, then follow the events. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    this.subscribe({
      events: this._events,
      fallbackInterval: 0,
      refresh: () => void this.reload(),
      handlers: [
        handle('pipeline.step', event => this._onStep(event.payload)),
        handle('pipeline.execution', event => {
          if (event.payload.pipeline !== this.name) {
            return;
          }
          this._patchExecution(
            event.payload.execution_id,
            event.payload.status
          );
          if (event.payload.execution_id === this._selectedId) {
            // Its end time and failure reason: read with its steps.
            this.debounce.schedule(
              'steps',
              this._reloadDelay,
              () => void this._stepReads.run()
            );
          }
          this.debounce.schedule(
            'executions',
            this._reloadDelay,
            () => void this._executionReads.run()
          );
        }),
        handle('pipeline.*', event => {
          if (
            event.kind === 'pipeline.updated' &&
            event.payload.pipeline === this.name
          ) {
            void this.reload();
          }
        })
      ]
    });
    await this.reload();
  }

  /** Read the pipeline, its executions and the shown execution again. */
  reload(): Promise<void> {
    return this._reads.run();
  }

  /** Show an execution on the DAG (the user's choice: the newest is no longer followed). */
  async selectExecution(id: string): Promise<void> {
    this._follow = id === this._executions[0]?.PipelineExecutionId;
    if (id === this._selectedId) {
      return;
    }
    this._selectedId = id;
    this._execution = null;
    this._steps = [];
    this.emitChanged();
    await this._stepReads.run();
  }

  /** Open a step's details (a condition's values, a failure); null closes them. */
  selectStep(name: string | null): void {
    this._selectedStep = name;
    this.emitChanged();
  }

  setValue(name: string, value: string): void {
    this._values = { ...this._values, [name]: value };
    this._startError = null;
    this.emitChanged();
  }

  setDisplayName(value: string): void {
    this._displayName = value;
    this.emitChanged();
  }

  /** Put the form back to the parameters' defaults. */
  resetForm(): void {
    this._values = defaultValues(this._pipeline?.Parameters ?? []);
    this._displayName = '';
    this._startError = null;
    this.emitChanged();
  }

  /**
   * Start an execution with the form's values (checked here first, then by the server);
   * the DAG then shows it. Resolves with its id, or null when it did not start.
   */
  async startExecution(): Promise<string | null> {
    const pipeline = this._pipeline;
    if (!pipeline || Object.keys(this.formErrors).length || this._starting) {
      return null;
    }
    let started: string | null = null;
    await this.runAction(
      async () => {
        const described = await this.client.startPipelineExecution(
          this.name,
          startBody(pipeline.Parameters, this._values, this._displayName)
        );
        started = described.PipelineExecutionId;
        this._follow = true;
        this._selectedId = started;
        this._execution = described;
        this._steps = [];
        this._displayName = '';
        await this._executionReads.run();
        await this._stepReads.run();
      },
      {
        setBusy: busy => (this._starting = busy),
        setError: error => (this._startError = error)
      }
    );
    return started;
  }

  /** Stop the shown execution (its running steps' jobs are stopped). */
  async stopExecution(): Promise<void> {
    const id = this._selectedId;
    if (!id) {
      return;
    }
    await this.runAction(
      async () => {
        await this.client.stopPipelineExecution(id);
        await this._stepReads.run();
      },
      {
        setBusy: busy => (this._stopping = busy),
        setError: error => (this._error = error)
      }
    );
  }

  get stopping(): boolean {
    return this._stopping;
  }

  /** Tick or untick an execution for comparison (ticking a third drops the oldest tick). */
  toggleCompare(id: string): void {
    const ids = this._compareIds.filter(x => x !== id);
    this._compareIds =
      ids.length === this._compareIds.length ? [...ids, id].slice(-2) : ids;
    this.emitChanged();
  }

  /** Read the two ticked executions' steps and compare them in the DAG's order. */
  async compare(): Promise<void> {
    if (this._compareIds.length !== 2) {
      return;
    }
    const ids = [...this._compareIds];
    await this.runAction(
      async () => {
        const [a, b] = await Promise.all(
          ids.map(id => this.client.listPipelineExecutionSteps(id))
        );
        this._comparedIds = ids;
        this._comparison = compareSteps(
          this.graph,
          a.PipelineExecutionSteps,
          b.PipelineExecutionSteps,
          Date.now()
        );
      },
      {
        setBusy: () => undefined,
        setError: error => (this._error = error)
      }
    );
  }

  closeComparison(): void {
    this._comparison = null;
    this._comparedIds = [];
    this.emitChanged();
  }

  // -- reads -------------------------------------------------------------------------------

  private async _readAll(): Promise<void> {
    this._loading = true;
    this.emitChanged();
    try {
      const pipeline = await this.client.getPipeline(this.name);
      const first = this._pipeline === null;
      this._pipeline = pipeline;
      if (first) {
        this._values = defaultValues(pipeline.Parameters);
      }
      await this._readExecutions();
      await this._readSteps();
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = asApiError(error);
    }
    this._loading = false;
    this.emitChanged();
  }

  private async _readExecutions(): Promise<void> {
    const page = await this.client.listPipelineExecutions(this.name);
    this._executions = page.PipelineExecutionSummaries;
    const newest = this._executions[0]?.PipelineExecutionId ?? null;
    if (this._follow && newest && newest !== this._selectedId) {
      this._selectedId = newest;
      this._execution = null;
      this._steps = [];
      this.debounce.schedule('steps', 0, () => void this._stepReads.run());
    }
  }

  private async _readSteps(): Promise<void> {
    const id = this._selectedId;
    if (!id) {
      await this._draw();
      return;
    }
    const [execution, steps] = await Promise.all([
      this.client.getPipelineExecution(id),
      this.client.listPipelineExecutionSteps(id)
    ]);
    if (id !== this._selectedId || this.isDisposed) {
      return; // another execution was chosen meanwhile: its read follows
    }
    this._execution = execution;
    this._steps = steps.PipelineExecutionSteps;
    await this._draw();
  }

  /** Lay out the DAG when it changed (a new definition), in both directions. */
  private async _draw(): Promise<void> {
    const graph = this.graph;
    const key = graph
      ? JSON.stringify([graph.Nodes.map(n => n.Name), graph.Edges])
      : '';
    if (!graph || key === this._drawn) {
      return;
    }
    const layouts = await Promise.all(
      DIRECTIONS.map(direction => this._layout(graph, direction))
    );
    if (this.isDisposed) {
      return;
    }
    this._drawn = key;
    this._layouts = layouts;
  }

  /** A step of the shown execution changed: recolour it now, read the details soon. */
  private _onStep(payload: IPipelineStepPayload): void {
    if (payload.pipeline !== this.name) {
      return;
    }
    if (payload.execution_id !== this._selectedId) {
      if (
        this._follow &&
        !this._executions.some(
          e => e.PipelineExecutionId === payload.execution_id
        )
      ) {
        // A new execution's first step: the list's read shows it.
        this.debounce.schedule(
          'executions',
          this._reloadDelay,
          () => void this._executionReads.run()
        );
      }
      return;
    }
    const at = this._steps.findIndex(s => s.StepName === payload.step);
    if (at >= 0) {
      this._steps = [...this._steps];
      this._steps[at] = { ...this._steps[at], StepStatus: payload.status };
    } else {
      this._steps = [
        ...this._steps,
        {
          StepName: payload.step,
          StepType:
            this.graph?.Nodes.find(n => n.Name === payload.step)?.Type ?? '',
          StartTime: new Date().toISOString(),
          EndTime: null,
          StepStatus: payload.status,
          FailureReason: null,
          Metadata: {},
          AttemptCount: 1
        }
      ];
    }
    this.emitChanged();
    this.debounce.schedule(
      'steps',
      this._reloadDelay,
      () => void this._stepReads.run()
    );
  }

  private _patchExecution(
    id: string,
    status: IPipelineExecutionSummary['PipelineExecutionStatus']
  ): void {
    const at = this._executions.findIndex(e => e.PipelineExecutionId === id);
    if (at >= 0) {
      this._executions = [...this._executions];
      this._executions[at] = {
        ...this._executions[at],
        PipelineExecutionStatus: status
      };
    }
    if (id === this._selectedId && this._execution) {
      this._execution = { ...this._execution, PipelineExecutionStatus: status };
    }
    this.emitChanged();
  }

  private _events: EventStream | null;
  private _reloadDelay: number;
  private _layout: (
    graph: IPipelineGraph,
    direction: LayoutDirection
  ) => Promise<ILayout>;
  private _pipeline: IPipelineDescription | null = null;
  private _executions: IPipelineExecutionSummary[] = [];
  private _selectedId: string | null = null;
  private _follow = true;
  private _execution: IPipelineExecutionDescription | null = null;
  private _steps: IPipelineExecutionStep[] = [];
  private _layouts: ILayout[] = [];
  private _drawn = '';
  private _selectedStep: string | null = null;
  private _error: LabstudioApiError | null = null;
  private _loading = false;
  private _values: Record<string, string> = {};
  private _displayName = '';
  private _starting = false;
  private _stopping = false;
  private _startError: LabstudioApiError | null = null;
  private _compareIds: string[] = [];
  private _comparison: IStepComparison[] | null = null;
  private _comparedIds: string[] = [];
  private _reads = this.coalesce(() => this._readAll());
  private _executionReads = this.coalesce(async () => {
    try {
      await this._readExecutions();
    } catch (error) {
      this._error = asApiError(error);
    }
    this.emitChanged();
  });
  private _stepReads = this.coalesce(async () => {
    try {
      await this._readSteps();
    } catch (error) {
      this._error = asApiError(error);
    }
    this.emitChanged();
  });
}
