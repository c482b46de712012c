/**
 * What the pipeline views show, computed from the API's answers (pure): each step's state
 * (its status, or not started), what clicking it opens, how long it took, the start form's
 * values and their checks, the body that starts an execution, and two executions compared
 * step by step.
 */
import { ICreateExecutionBody } from '../../api';
import {
  IPipelineExecutionStep,
  IPipelineExecutionSummary,
  IPipelineGraph,
  IPipelineParameter,
  PipelineStepStatus
} from '../../types';
import { LineageTarget } from '../lineage/lineageData';

/** A step's state on the DAG: its status once it started, `NotStarted` before (or never). */
export type StepState = PipelineStepStatus | 'NotStarted';

/** The node's CSS class suffix (`labstudio-step-succeeded`...). */
export function stateClass(state: StepState): string {
  return state.toLowerCase();
}

/** Whether a step in this state can still change. */
export function isActiveStep(state: StepState): boolean {
  return state === 'Starting' || state === 'Executing' || state === 'Stopping';
}

/** Words for the step types, as a node's caption shows them. */
const TYPE_LABELS: Record<string, string> = {
  Training: 'Training',
  Processing: 'Processing',
  Transform: 'Batch transform',
  Tuning: 'Tuning',
  Model: 'Model',
  CreateModel: 'Model',
  RegisterModel: 'Register model',
  Condition: 'Condition',
  Fail: 'Fail'
};

export function stepTypeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

/** Each started step by name (the latest attempt the server lists). */
export function stepsByName(
  steps: readonly IPipelineExecutionStep[]
): Map<string, IPipelineExecutionStep> {
  return new Map(steps.map(s => [s.StepName, s]));
}

export function stateOf(step: IPipelineExecutionStep | undefined): StepState {
  return step?.StepStatus ?? 'NotStarted';
}

/**
 * What clicking a step opens: its job's view (of its kind), or the model package version
 * a RegisterModel step created; null for a condition, a fail step or a step not started
 * (the view shows those in its details instead).
 */
export function stepTarget(
  step: IPipelineExecutionStep | undefined
): LineageTarget | null {
  if (!step) {
    return null;
  }
  if (step.JobKind && step.JobName) {
    return { kind: `${step.JobKind}-job`, name: step.JobName };
  }
  const registered = step.Metadata.RegisterModel?.Arn;
  const match = registered
    ? /model-package\/(.+)\/(\d+)$/.exec(registered)
    : null;
  return match
    ? { kind: 'model-package', group: match[1], version: Number(match[2]) }
    : null;
}

/** How long something ran: from `start` to `end`, or to `now` while it runs (ms). */
export function elapsed(
  start: string | null | undefined,
  end: string | null | undefined,
  now: number
): number | null {
  const from = start ? Date.parse(start) : NaN;
  if (Number.isNaN(from)) {
    return null;
  }
  const to = end ? Date.parse(end) : now;
  return Math.max(0, to - from);
}

export function stepDuration(
  step: IPipelineExecutionStep | undefined,
  now: number
): number | null {
  return step ? elapsed(step.StartTime, step.EndTime, now) : null;
}

export function executionDuration(
  execution: IPipelineExecutionSummary,
  now: number
): number | null {
  if (execution.ElapsedSeconds !== null && execution.EndTime) {
    return execution.ElapsedSeconds * 1000;
  }
  return elapsed(execution.StartTime, execution.EndTime, now);
}

/** An execution's parameters as `Name=Value`, in the pipeline's order when it is known. */
export function parameterText(
  execution: IPipelineExecutionSummary,
  order: readonly IPipelineParameter[] = []
): string {
  const rank = new Map(order.map((p, i) => [p.Name, i]));
  return [...execution.PipelineParameters]
    .sort(
      (a, b) =>
        (rank.get(a.Name) ?? order.length) - (rank.get(b.Name) ?? order.length)
    )
    .map(p => `${p.Name}=${p.Value}`)
    .join(', ');
}

/** The start form's values: each parameter's default, as the text the form edits. */
export function defaultValues(
  parameters: readonly IPipelineParameter[]
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of parameters) {
    values[p.Name] =
      p.DefaultValue === null || p.DefaultValue === undefined
        ? ''
        : String(p.DefaultValue);
  }
  return values;
}

/** Why `value` cannot be `parameter`'s value (null when it can), in the words the form shows. */
export function parameterError(
  parameter: IPipelineParameter,
  value: string
): string | null {
  const text = value.trim();
  if (parameter.EnumValues && !parameter.EnumValues.includes(value)) {
    return `One of ${parameter.EnumValues.join(', ')}.`;
  }
  switch (parameter.Type) {
    case 'Integer':
      return /^[+-]?\d+$/.test(text) ? null : 'A whole number, such as 3.';
    case 'Float':
      return text !== '' && Number.isFinite(Number(text))
        ? null
        : 'A number, such as 0.5.';
    case 'Boolean':
      return text === 'true' || text === 'false' ? null : 'true or false.';
    default:
      return null;
  }
}

/** Every parameter's error, by name (empty when the form can be sent). */
export function formErrors(
  parameters: readonly IPipelineParameter[],
  values: Record<string, string>
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of parameters) {
    const error = parameterError(p, values[p.Name] ?? '');
    if (error) {
      errors[p.Name] = error;
    }
  }
  return errors;
}

/**
 * The body of `POST /pipelines/{name}/executions`: every parameter's value as text
 * (numbers trimmed), and the display name when one was given.
 */
export function startBody(
  parameters: readonly IPipelineParameter[],
  values: Record<string, string>,
  displayName: string
): ICreateExecutionBody {
  return {
    PipelineParameters: parameters.map(p => ({
      Name: p.Name,
      Value:
        p.Type === 'String'
          ? (values[p.Name] ?? '')
          : (values[p.Name] ?? '').trim()
    })),
    PipelineExecutionDisplayName: displayName.trim() || null
  };
}

/** One step of two executions side by side. */
export interface IStepComparison {
  step: string;
  type: string;
  states: [StepState, StepState];
  durations: [number | null, number | null];
  /** Whether each was served from the cache. */
  cached: [boolean, boolean];
  /** The job each ran (null: none). */
  jobs: [string | null, string | null];
  /** The state or the cache use differs. */
  differs: boolean;
}

/**
 * Two executions compared step by step, in the DAG's order (then any step only the
 * executions know, such as a step of an older definition).
 */
export function compareSteps(
  graph: IPipelineGraph | null,
  first: readonly IPipelineExecutionStep[],
  second: readonly IPipelineExecutionStep[],
  now: number
): IStepComparison[] {
  const a = stepsByName(first);
  const b = stepsByName(second);
  const names = (graph?.Nodes ?? []).map(n => n.Name);
  for (const step of [...first, ...second]) {
    if (!names.includes(step.StepName)) {
      names.push(step.StepName);
    }
  }
  const types = new Map((graph?.Nodes ?? []).map(n => [n.Name, n.Type]));
  return names.map(name => {
    const x = a.get(name);
    const y = b.get(name);
    const states: [StepState, StepState] = [stateOf(x), stateOf(y)];
    const cached: [boolean, boolean] = [
      !!x?.CacheHitResult,
      !!y?.CacheHitResult
    ];
    return {
      step: name,
      type: types.get(name) ?? x?.StepType ?? y?.StepType ?? '',
      states,
      durations: [stepDuration(x, now), stepDuration(y, now)],
      cached,
      jobs: [x?.JobName ?? null, y?.JobName ?? null],
      differs: states[0] !== states[1] || cached[0] !== cached[1]
    };
  });
}

/** A condition's operand as the details show it (JSON for anything but a string). */
export function operandText(value: unknown): string {
  if (value === undefined || value === null) {
    return '–';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
