/**
 * The launch form's state, its translation to `POST /jobs` (training) or
 * `POST /tuning-jobs` (tuning: some hyperparameters are ranges), cloning from a job, and
 * the metric-definition regex tester (pure, unit-tested).
 */
import { LIMITS } from '../../generated/limits';
import {
  ICreateTrainingJobRequest,
  ICreateTuningJobRequest,
  IParameterRange,
  ITrainingJobDescription,
  ParameterType,
  ScalingType,
  TuningStrategy
} from '../../types';
import {
  channelsOf,
  metricDefinitionsOf,
  userHyperparameters
} from '../job/jobData';

export interface IRow {
  key: string;
  value: string;
  /** Tuning mode: the hyperparameter is searched over this range instead of `value`. */
  range?: IRangeSpec | null;
}

/** A hyperparameter's range as typed in the form (numbers stay text until sent). */
export interface IRangeSpec {
  type: ParameterType;
  min: string;
  max: string;
  scaling: ScalingType;
  /** Categorical: the choices, comma-separated. */
  values: string;
}

/** The tuning job's settings (tuning mode). */
export interface ITuningSettings {
  /** One of the metric definitions' names (default: the first). */
  objective: string;
  objectiveType: 'Minimize' | 'Maximize';
  strategy: TuningStrategy;
  maxJobs: string;
  maxParallel: string;
  earlyStopping: boolean;
}

export type LaunchMode = 'training' | 'tuning';

export const STRATEGIES: readonly TuningStrategy[] = [
  'Bayesian',
  'Random',
  'Grid',
  'Hyperband'
];

export interface ILaunchForm {
  /** Launch one training job, or a tuning job whose trials are training jobs. */
  mode: LaunchMode;
  entryPoint: string;
  sourceDir: string;
  hyperparameters: IRow[];
  channels: IRow[];
  /** key: metric name, value: regex with one capture group. */
  metricDefinitions: IRow[];
  maxRuntime: string;
  experiment: string;
  name: string;
  sampleLines: string;
  tuning: ITuningSettings;
  /** Where the job runs (`local`, `ray`); empty: the server's default. */
  backend: string;
  /** Hosts algo-1..algo-N the job trains on (text until sent). */
  instanceCount: string;
  /** Launch the script with torchrun on every host (only sent for several hosts). */
  torchDistributed: boolean;
}

/** The most hosts a job may have: the server's own bound, read from its OpenAPI document. */
export const MAX_INSTANCE_COUNT =
  LIMITS.CreateTrainingJobRequest.instance_count.maximum;

/** The form fields that the server's `field` names map to. */
export type FormField =
  | 'entry_point'
  | 'source_dir'
  | 'hyperparameters'
  | 'channels'
  | 'metric_definitions'
  | 'max_runtime_seconds'
  | 'experiment_name'
  | 'name'
  | 'objective_metric_name'
  | 'objective_type'
  | 'hyperparameter_ranges'
  | 'strategy'
  | 'max_jobs'
  | 'max_parallel_jobs'
  | 'early_stopping_type'
  | 'backend'
  | 'instance_count'
  | 'distribution'
  | 'form';

export function emptyForm(partial: Partial<ILaunchForm> = {}): ILaunchForm {
  return {
    mode: 'training',
    entryPoint: '',
    sourceDir: '',
    hyperparameters: [],
    channels: [],
    metricDefinitions: [],
    maxRuntime: '',
    experiment: '',
    name: '',
    sampleLines: 'epoch=1 loss=0.693 acc=0.51\nepoch=2 loss=0.412 acc=0.78',
    tuning: {
      objective: '',
      objectiveType: 'Minimize',
      strategy: 'Bayesian',
      maxJobs: '10',
      maxParallel: '2',
      earlyStopping: false
    },
    backend: '',
    instanceCount: '1',
    torchDistributed: false,
    ...partial
  };
}

/** `3` → 3, `0.1` → 0.1, `true` → true, `[1,2]` → [1,2]; anything else stays text. */
export function parseValue(text: string): unknown {
  const t = text.trim();
  if (t === '') {
    return '';
  }
  if (
    /^(true|false|null)$/.test(t) ||
    /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t) ||
    /^[[{"]/.test(t)
  ) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** A number typed in the form; text that is not one goes as is, for the server to name. */
function numberOrText(text: string): number {
  const n = Number(text.trim());
  return (text.trim() !== '' && Number.isFinite(n) ? n : text) as number;
}

function rowsToObject<T>(
  rows: IRow[],
  map: (v: string) => T
): Record<string, T> | undefined {
  const out: Record<string, T> = {};
  let any = false;
  for (const r of rows) {
    if (r.key.trim()) {
      out[r.key.trim()] = map(r.value);
      any = true;
    }
  }
  return any ? out : undefined;
}

/** The request body; paths stay relative to the Jupyter root, as the file browser gives them. */
export function toRequest(form: ILaunchForm): ICreateTrainingJobRequest {
  const sourceDir = form.sourceDir.trim().replace(/\/+$/, '');
  let entry = form.entryPoint.trim();
  if (sourceDir && entry.startsWith(`${sourceDir}/`)) {
    entry = entry.slice(sourceDir.length + 1); // the server wants it relative to source_dir
  }
  const request: ICreateTrainingJobRequest = { entry_point: entry };
  if (sourceDir) {
    request.source_dir = sourceDir;
  }
  const fixed = form.hyperparameters.filter(
    r => form.mode !== 'tuning' || !r.range
  );
  const hyper = rowsToObject(fixed, parseValue);
  if (hyper) {
    request.hyperparameters = hyper;
  }
  const channels = rowsToObject(form.channels, v => v.trim());
  if (channels) {
    request.channels = channels;
  }
  const defs = form.metricDefinitions
    .filter(r => r.key.trim() || r.value.trim())
    .map(r => ({ Name: r.key.trim(), Regex: r.value }));
  if (defs.length) {
    request.metric_definitions = defs;
  }
  if (form.maxRuntime.trim()) {
    const n = Number(form.maxRuntime);
    request.max_runtime_seconds = (
      Number.isFinite(n) ? n : form.maxRuntime
    ) as number;
  }
  if (form.experiment.trim()) {
    request.experiment_name = form.experiment.trim();
  }
  if (form.name.trim()) {
    request.name = form.name.trim();
  }
  if (form.backend) {
    request.backend = form.backend as ICreateTrainingJobRequest['backend'];
  }
  const count = form.instanceCount.trim();
  if (count !== '' && count !== '1') {
    request.instance_count = numberOrText(count);
    if (form.torchDistributed) {
      request.distribution = { torch_distributed: { enabled: true } };
    }
  }
  return request;
}

/**
 * Why the instance count cannot be sent (not a whole number from 1 to the server's
 * MAX_INSTANCE_COUNT), or null; checked before the server is called.
 */
export function instanceCountProblem(text: string): string | null {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || (Number.isInteger(n) && n >= 1 && n <= MAX_INSTANCE_COUNT)) {
    return null;
  }
  return `'instance_count' must be a whole number between 1 and ${MAX_INSTANCE_COUNT}, got ${t}.`;
}

/** A row's range as the request wants it. */
export function toRange(spec: IRangeSpec): IParameterRange {
  if (spec.type === 'Categorical') {
    return {
      type: 'Categorical',
      values: spec.values
        .split(',')
        .map(v => v.trim())
        .filter(v => v !== '')
    };
  }
  return {
    type: spec.type,
    min_value: numberOrText(spec.min),
    max_value: numberOrText(spec.max),
    scaling_type: spec.scaling
  };
}

/** The objective the form means: the chosen one, else the first metric definition. */
export function objectiveOf(form: ILaunchForm): string {
  return (
    form.tuning.objective.trim() ||
    form.metricDefinitions.find(d => d.key.trim())?.key.trim() ||
    ''
  );
}

/**
 * The body of `POST /tuning-jobs`: the training request is the trial template (its
 * fixed hyperparameters are the static ones), the range rows are the tuned ones, and
 * the name and experiment belong to the tuning job.
 */
export function toTuningRequest(form: ILaunchForm): ICreateTuningJobRequest {
  const training = toRequest({
    ...form,
    mode: 'tuning',
    name: '',
    experiment: ''
  });
  const ranges: Record<string, IParameterRange> = {};
  for (const row of form.hyperparameters) {
    if (row.range && row.key.trim()) {
      ranges[row.key.trim()] = toRange(row.range);
    }
  }
  const t = form.tuning;
  const request: ICreateTuningJobRequest = {
    training,
    objective_metric_name: objectiveOf(form),
    objective_type: t.objectiveType,
    hyperparameter_ranges: ranges,
    strategy: t.strategy,
    early_stopping_type: t.earlyStopping ? 'Auto' : 'Off'
  };
  if (t.maxJobs.trim()) {
    request.max_jobs = numberOrText(t.maxJobs);
  }
  if (t.maxParallel.trim()) {
    request.max_parallel_jobs = numberOrText(t.maxParallel);
  }
  if (form.name.trim()) {
    request.name = form.name.trim();
  }
  if (form.experiment.trim()) {
    request.experiment_name = form.experiment.trim();
  }
  return request;
}

/**
 * A range to start from when a row becomes one: around an integer value, a decade
 * either side of a positive float (log scale), else the value as the one choice.
 */
export function suggestRange(value: string): IRangeSpec {
  const text = value.trim();
  const n = Number(text);
  const base = { min: '', max: '', scaling: 'Auto' as ScalingType, values: '' };
  if (text !== '' && Number.isInteger(n)) {
    return {
      ...base,
      type: 'Integer',
      min: String(n > 0 ? Math.max(1, Math.floor(n / 2)) : n),
      max: String(n > 0 ? n * 2 : n + 10)
    };
  }
  if (text !== '' && Number.isFinite(n)) {
    return n > 0
      ? {
          ...base,
          type: 'Continuous',
          min: String(Number((n / 10).toPrecision(3))),
          max: String(Number((n * 10).toPrecision(3))),
          scaling: 'Logarithmic'
        }
      : { ...base, type: 'Continuous', min: String(n - 1), max: String(n + 1) };
  }
  return { ...base, type: 'Categorical', values: text };
}

/** A form that launches the same job again (to edit before launching). */
export function fromJob(
  job: ITrainingJobDescription,
  base: ILaunchForm = emptyForm()
): ILaunchForm {
  const toRows = (o: Record<string, string>) =>
    Object.entries(o).map(([key, value]) => ({ key, value }));
  return {
    ...base,
    entryPoint: job.EntryPoint,
    sourceDir: job.SourceDir ?? '',
    hyperparameters: toRows(userHyperparameters(job)),
    channels: toRows(channelsOf(job)),
    metricDefinitions: metricDefinitionsOf(job).map(d => ({
      key: d.Name,
      value: d.Regex
    })),
    maxRuntime: job.StoppingCondition?.MaxRuntimeInSeconds
      ? String(job.StoppingCondition.MaxRuntimeInSeconds)
      : '',
    experiment: job.ExperimentName ?? '',
    name: '',
    mode: 'training',
    backend: job.Backend ?? base.backend,
    instanceCount: String(job.ResourceConfig?.InstanceCount ?? 1)
  };
}

/**
 * Which form field a server error belongs to (`metric_definitions[0].Regex` →
 * metric_definitions; a tuning job's `training.entry_point` → entry_point,
 * `hyperparameter_ranges.eta` → hyperparameter_ranges).
 */
export function fieldOf(serverField: string | null | undefined): FormField {
  const head = (serverField ?? '').replace(/^training[.]/, '').split(/[.[]/)[0];
  const known: FormField[] = [
    'objective_metric_name',
    'objective_type',
    'hyperparameter_ranges',
    'strategy',
    'max_jobs',
    'max_parallel_jobs',
    'early_stopping_type',
    'backend',
    'instance_count',
    'distribution',
    'entry_point',
    'source_dir',
    'hyperparameters',
    'channels',
    'metric_definitions',
    'max_runtime_seconds',
    'experiment_name',
    'name'
  ];
  return (known as string[]).includes(head) ? (head as FormField) : 'form';
}

/** The form's names of the server's fields (the labels the form shows). */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  entry_point: 'the entry point',
  source_dir: 'the source dir',
  hyperparameters: 'the hyperparameters',
  hyperparameter_ranges: 'the ranges',
  channels: 'the channels',
  metric_definitions: 'the metric definitions',
  max_runtime_seconds: 'the max runtime',
  experiment_name: 'the experiment',
  name: 'the name',
  objective_metric_name: 'the objective metric',
  objective_type: 'minimize or maximize',
  strategy: 'the strategy',
  max_jobs: 'max jobs',
  max_parallel_jobs: 'max parallel',
  early_stopping_type: 'early stopping',
  backend: 'the backend',
  instance_count: 'the instance count',
  distribution: 'PyTorch distributed',
  environment: 'the environment',
  tags: 'the tags'
};

/**
 * A server message in the form's own words: the request's field names
 * (`'metric_definitions[0].Regex'`, `'hyperparameter_ranges.eta0'`,
 * `'training.entry_point'`) become the labels the form shows ("the regex of metric 1
 * (loss)", "the range of eta0", "the entry point").
 */
export function inFormWords(message: string, form?: ILaunchForm): string {
  const metricName = (i: number) => {
    const name = form?.metricDefinitions[i]?.key.trim();
    return name ? ` (${name})` : '';
  };
  let text = message.replace(
    /'?(?:training\.)?metric_definitions\[(\d+)\]\.(Regex|Name)'?/g,
    (_, i: string, part: string) =>
      `the ${part === 'Regex' ? 'regex' : 'name'} of metric ${Number(i) + 1}${metricName(Number(i))}`
  );
  text = text.replace(
    /'(?:training\.)?hyperparameter_ranges\.([^']+)'/g,
    (_, name: string) => `the range of ${name}`
  );
  text = text.replace(
    /'(?:training\.)?([a-z_]+)'/g,
    (whole, field: string) => FIELD_WORDS[field] ?? whole
  );
  text = text.replace(
    /\btraining\.metric_definitions\b/g,
    'the metric definitions'
  );
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface IRegexResult {
  line: string;
  /** The captured value (group 1, or the whole match). */
  value: string | null;
  number: number | null;
}

/**
 * Try a metric regex on sample lines, as the supervisor does (the first capture group
 * is the value). JavaScript and Python regexes agree on the usual patterns; the server
 * has the last word when the job is launched.
 */
export function testRegex(
  regex: string,
  lines: string
): { error: string | null; warning: string | null; results: IRegexResult[] } {
  let re: RegExp;
  try {
    re = new RegExp(regex);
  } catch (e) {
    return { error: (e as Error).message, warning: null, results: [] };
  }
  const warning =
    captureGroups(re) === 0
      ? 'No capture group: put ( ) around the value, e.g. loss=([0-9.]+) (the job would be refused without one).'
      : null;
  const results = lines
    .split('\n')
    .filter(l => l.trim())
    .map(line => {
      const m = re.exec(line);
      const value = m ? (m.length > 1 ? (m[1] ?? null) : m[0]) : null;
      const n = value === null ? null : Number(value);
      return {
        line,
        value,
        number: n !== null && Number.isFinite(n) ? n : null
      };
    });
  return { error: null, warning, results };
}

/** How many capture groups a pattern has (an alternative that matches "" reveals them). */
export function captureGroups(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
}
