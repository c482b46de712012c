/**
 * The launch form's state, its translation to `POST /jobs`, cloning from a job, and the
 * metric-definition regex tester (pure, unit-tested).
 */
import {
  ICreateTrainingJobRequest,
  ITrainingJobDescription
} from '../../types';
import {
  channelsOf,
  metricDefinitionsOf,
  userHyperparameters
} from '../job/jobData';

export interface IRow {
  key: string;
  value: string;
}

export interface ILaunchForm {
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
}

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
  | 'form';

export function emptyForm(partial: Partial<ILaunchForm> = {}): ILaunchForm {
  return {
    entryPoint: '',
    sourceDir: '',
    hyperparameters: [],
    channels: [],
    metricDefinitions: [],
    maxRuntime: '',
    experiment: '',
    name: '',
    sampleLines: 'epoch=1 loss=0.693 acc=0.51\nepoch=2 loss=0.412 acc=0.78',
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
  const hyper = rowsToObject(form.hyperparameters, parseValue);
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
  return request;
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
    name: ''
  };
}

/** Which form field a server error belongs to (`metric_definitions[0].Regex` → metric_definitions). */
export function fieldOf(serverField: string | null | undefined): FormField {
  const head = (serverField ?? '').split(/[.[]/)[0];
  const known: FormField[] = [
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
): { error: string | null; results: IRegexResult[] } {
  let re: RegExp;
  try {
    re = new RegExp(regex);
  } catch (e) {
    return { error: (e as Error).message, results: [] };
  }
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
  return { error: null, results };
}
