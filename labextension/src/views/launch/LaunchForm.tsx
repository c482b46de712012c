/**
 * Launch training (main area): entry point and source dir (typed, or picked from the file
 * browser), hyperparameter / channel / metric-definition rows, a regex tester against
 * sample lines, max runtime and experiment. In tuning mode a hyperparameter row can be a
 * range (integer, continuous or categorical), and the objective, strategy and limits of
 * the sweep are set. The server validates; its error is shown beside the field it names.
 */
import * as React from 'react';

import { LabstudioClient } from '../../api';
import { ITrainingJobDescription } from '../../types';
import { BackendSelect } from './BackendSelect';
import { useOwnModel } from '../common/useModel';
import {
  FormField,
  ILaunchForm,
  IRangeSpec,
  IRow,
  MAX_INSTANCE_COUNT,
  objectiveOf,
  STRATEGIES,
  suggestRange,
  testRegex
} from './formModel';
import { FormErrors, LaunchFormModel } from './launchFormModel';

export interface ILaunchFormProps {
  /** The form's model; without one the form makes its own from `client` and `initial`. */
  model?: LaunchFormModel;
  client?: LabstudioClient;
  initial?: Partial<ILaunchForm>;
  /** Pick a path in the file browser (relative to the root), or null when cancelled. */
  pickPath?: (kind: 'file' | 'folder') => Promise<string | null>;
  onLaunched?: (job: ITrainingJobDescription) => void;
  /** A tuning job was started (tuning mode). */
  onTuningLaunched?: (name: string) => void;
}

export function LaunchForm(props: ILaunchFormProps): JSX.Element {
  const model = useOwnModel(props.model, () => {
    if (!props.client) {
      throw new Error('LaunchForm needs a model or a client');
    }
    const own = new LaunchFormModel({
      client: props.client,
      initial: props.initial
    });
    void own.start();
    return own;
  });
  const { form, errors, busy, experiments, launched } = model;

  const set = <K extends keyof ILaunchForm>(key: K, value: ILaunchForm[K]) =>
    model.set(key, value);

  const tuningMode = form.mode === 'tuning';
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (tuningMode) {
      const sweep = await model.submitTuning();
      if (sweep) {
        props.onTuningLaunched?.(sweep.HyperParameterTuningJobName);
      }
      return;
    }
    const job = await model.submit();
    if (job) {
      props.onLaunched?.(job);
    }
  };

  const pick = async (
    key: 'entryPoint' | 'sourceDir',
    kind: 'file' | 'folder'
  ) => {
    const path = await props.pickPath?.(kind);
    if (path !== null && path !== undefined) {
      set(key, path);
    }
  };

  return (
    <form
      className="labstudio-main labstudio-launch"
      data-testid="labstudio-launch-form"
      onSubmit={e => void submit(e)}
      noValidate
    >
      <div className="labstudio-detail-header">
        <h2 className="labstudio-detail-title">
          {tuningMode ? 'Launch a tuning job' : 'Launch a training job'}
        </h2>
        <span className="labstudio-spacer" />
        <div
          className="labstudio-segmented"
          role="radiogroup"
          aria-label="What to launch"
        >
          {(['training', 'tuning'] as const).map(mode => (
            <label
              key={mode}
              className={`labstudio-segment ${form.mode === mode ? 'labstudio-segment-on' : ''}`}
            >
              <input
                type="radio"
                name="labstudio-launch-mode"
                value={mode}
                data-testid={`labstudio-launch-mode-${mode}`}
                checked={form.mode === mode}
                onChange={() => set('mode', mode)}
              />
              {mode === 'training' ? 'Training job' : 'Tuning job'}
            </label>
          ))}
        </div>
      </div>
      <p className="labstudio-hint">
        The script runs as a supervised local job with SageMaker&apos;s
        environment (<code>SM_MODEL_DIR</code>, <code>SM_CHANNEL_*</code>,
        hyperparameters as <code>--name value</code>). Paths are relative to the
        Jupyter root.
        {tuningMode &&
          ' A tuning job runs it once per trial, each trial an ordinary training job with its own values of the ranges below.'}
      </p>
      {errors.form && (
        <div
          className="labstudio-error-message"
          role="alert"
          data-testid="labstudio-field-error-form"
        >
          {errors.form.map((message, i) => (
            <div key={i}>{message}</div>
          ))}
        </div>
      )}

      <PathField
        label="Entry point"
        field="entry_point"
        errors={errors}
        hint="The script to run, e.g. src/train.py"
        testId="labstudio-launch-entry-point"
        value={form.entryPoint}
        onChange={v => set('entryPoint', v)}
        placeholder="train.py"
        onBrowse={props.pickPath && (() => void pick('entryPoint', 'file'))}
      />
      <PathField
        label="Source dir"
        field="source_dir"
        errors={errors}
        hint="Optional: the folder snapshotted as the job's code (default: the script's folder)"
        testId="labstudio-launch-source-dir"
        value={form.sourceDir}
        onChange={v => set('sourceDir', v)}
        placeholder="(the script's folder)"
        onBrowse={props.pickPath && (() => void pick('sourceDir', 'folder'))}
      />
      <Field
        label="Hyperparameters"
        field="hyperparameters"
        also={tuningMode ? ['hyperparameter_ranges'] : []}
        errors={errors}
        hint={
          tuningMode
            ? 'Make a hyperparameter a range to tune it; the others stay fixed'
            : 'Numbers and true/false are sent as such'
        }
      >
        {tuningMode ? (
          <HyperparameterRows
            rows={form.hyperparameters}
            onChange={r => set('hyperparameters', r)}
          />
        ) : (
          <Rows
            rows={form.hyperparameters}
            onChange={r => set('hyperparameters', r)}
            keyLabel="name"
            valueLabel="value"
            testId="labstudio-launch-hp"
            addLabel="Add hyperparameter"
          />
        )}
      </Field>
      <Field
        label="Channels"
        field="channels"
        errors={errors}
        hint="Input data: channel name → a folder or file (SM_CHANNEL_NAME in the job)"
      >
        <Rows
          rows={form.channels}
          onChange={r => set('channels', r)}
          keyLabel="channel"
          valueLabel="path"
          testId="labstudio-launch-channel"
          addLabel="Add channel"
        />
      </Field>
      <Field
        label="Metric definitions"
        field="metric_definitions"
        errors={errors}
        hint="A regex per metric; its first group is the value, matched against every log line"
      >
        <Rows
          rows={form.metricDefinitions}
          onChange={r => set('metricDefinitions', r)}
          keyLabel="metric"
          valueLabel="regex, e.g. loss=([0-9.]+)"
          testId="labstudio-launch-metric"
          addLabel="Add metric"
        />
        {form.metricDefinitions.length > 0 && (
          <RegexTester form={form} onSample={t => set('sampleLines', t)} />
        )}
      </Field>
      {tuningMode && <TuningSettings model={model} />}
      <div
        className="labstudio-detail-grid"
        data-testid="labstudio-launch-placement"
      >
        {model.backends && (
          <Field
            label="Backend"
            field="backend"
            errors={errors}
            hint={
              tuningMode
                ? 'Where each trial runs'
                : 'Where the job runs (the server default is preselected)'
            }
          >
            <BackendSelect
              choices={model.backends}
              value={form.backend}
              onChange={v => set('backend', v)}
              testId="labstudio-launch-backend"
            />
          </Field>
        )}
        <Field
          label="Instance count"
          field="instance_count"
          also={['distribution']}
          errors={errors}
          hint={
            'Hosts algo-1…algo-N, each running the script with its own SM_CURRENT_HOST' +
            (tuningMode ? ' (per trial)' : '')
          }
        >
          <input
            className="jp-mod-styled"
            type="number"
            min={1}
            max={MAX_INSTANCE_COUNT}
            step={1}
            data-testid="labstudio-launch-instance-count"
            value={form.instanceCount}
            onChange={e => set('instanceCount', e.target.value)}
            aria-label="Instance count"
          />
          <label
            className="labstudio-inline-label"
            title="Start the entry point with torchrun on every host (MASTER_ADDR/MASTER_PORT set for you)"
          >
            <input
              type="checkbox"
              data-testid="labstudio-launch-torchrun"
              checked={form.torchDistributed}
              disabled={!(Number(form.instanceCount) > 1)}
              onChange={e => set('torchDistributed', e.target.checked)}
            />
            PyTorch distributed (torchrun)
          </label>
        </Field>
      </div>
      <div className="labstudio-detail-grid">
        <Field
          label="Max runtime (seconds)"
          field="max_runtime_seconds"
          errors={errors}
          hint={
            tuningMode
              ? 'Per trial: a trial is stopped when it runs longer'
              : 'Stopped when it runs longer'
          }
        >
          <input
            className="jp-mod-styled"
            type="number"
            min={1}
            data-testid="labstudio-launch-max-runtime"
            value={form.maxRuntime}
            onChange={e => set('maxRuntime', e.target.value)}
            aria-label="Max runtime in seconds"
          />
        </Field>
        <Field
          label="Experiment"
          field="experiment_name"
          errors={errors}
          hint={
            tuningMode
              ? "Each trial's run goes there (default: the tuning job's name)"
              : "The job's run goes there"
          }
        >
          <input
            className="jp-mod-styled"
            list="labstudio-experiment-names"
            data-testid="labstudio-launch-experiment"
            value={form.experiment}
            onChange={e => set('experiment', e.target.value)}
            aria-label="Experiment"
          />
          <datalist id="labstudio-experiment-names">
            {experiments.map(e => (
              <option key={e} value={e} />
            ))}
          </datalist>
        </Field>
        <Field
          label={tuningMode ? 'Tuning job name' : 'Job name'}
          field="name"
          errors={errors}
          hint={
            tuningMode
              ? 'Optional: at most 32 letters, digits and dashes'
              : 'Optional: letters, digits and dashes'
          }
        >
          <input
            className="jp-mod-styled"
            data-testid="labstudio-launch-name"
            value={form.name}
            onChange={e => set('name', e.target.value)}
            placeholder="(generated)"
            aria-label="Job name"
          />
        </Field>
      </div>
      <div className="labstudio-toolbar">
        <button
          type="submit"
          className="labstudio-button labstudio-primary"
          data-testid="labstudio-launch-submit"
          disabled={busy}
        >
          {busy ? 'Launching…' : tuningMode ? 'Launch tuning job' : 'Launch'}
        </button>
        {launched && (
          <span className="labstudio-hint" data-testid="labstudio-launched">
            Launched {launched}
          </span>
        )}
      </div>
    </form>
  );
}

function Field(props: {
  label: string;
  field: FormField;
  /** Other server fields whose errors belong here. */
  also?: FormField[];
  errors: FormErrors;
  hint?: string;
  children: React.ReactNode;
}): JSX.Element {
  const fields = [props.field, ...(props.also ?? [])];
  const errorField = fields.find(f => props.errors[f]?.length);
  // every problem of this field (and of the fields it stands for), each on its line
  const errors = fields.flatMap(f => props.errors[f] ?? []);
  return (
    <div
      className={`labstudio-field ${errors.length ? 'labstudio-field-invalid' : ''}`}
      data-field={props.field}
    >
      <div className="labstudio-field-label">{props.label}</div>
      {props.children}
      {errors.length ? (
        <div
          className="labstudio-field-error"
          role="alert"
          data-testid={`labstudio-field-error-${errorField}`}
        >
          {errors.map((message, i) => (
            <div key={i} data-testid="labstudio-field-error-item">
              {message}
            </div>
          ))}
        </div>
      ) : (
        props.hint && <div className="labstudio-hint">{props.hint}</div>
      )}
    </div>
  );
}

/** A path typed in, or picked from the file browser when `onBrowse` is given. */
function PathField(props: {
  label: string;
  field: FormField;
  errors: FormErrors;
  hint: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  onBrowse?: () => void;
}): JSX.Element {
  return (
    <Field
      label={props.label}
      field={props.field}
      errors={props.errors}
      hint={props.hint}
    >
      <div className="labstudio-row">
        <input
          className="jp-mod-styled"
          data-testid={props.testId}
          value={props.value}
          onChange={e => props.onChange(e.target.value)}
          placeholder={props.placeholder}
          aria-label={props.label}
        />
        {props.onBrowse && (
          <button
            type="button"
            className="labstudio-button"
            onClick={props.onBrowse}
          >
            Browse…
          </button>
        )}
      </div>
    </Field>
  );
}

function Rows(props: {
  rows: IRow[];
  onChange: (rows: IRow[]) => void;
  keyLabel: string;
  valueLabel: string;
  testId: string;
  addLabel: string;
}): JSX.Element {
  const { rows, onChange } = props;
  const update = (i: number, patch: Partial<IRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="labstudio-rows">
      {rows.map((r, i) => (
        <div
          key={i}
          className="labstudio-row"
          data-testid={`${props.testId}-row`}
        >
          <input
            className="jp-mod-styled"
            placeholder={props.keyLabel}
            aria-label={`${props.keyLabel} ${i + 1}`}
            data-testid={`${props.testId}-key`}
            value={r.key}
            onChange={e => update(i, { key: e.target.value })}
          />
          <input
            className="jp-mod-styled labstudio-grow"
            placeholder={props.valueLabel}
            aria-label={`${props.valueLabel} ${i + 1}`}
            data-testid={`${props.testId}-value`}
            value={r.value}
            onChange={e => update(i, { value: e.target.value })}
          />
          <button
            type="button"
            className="labstudio-button"
            aria-label={`Remove ${props.keyLabel} ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="labstudio-button"
        data-testid={`${props.testId}-add`}
        onClick={() => onChange([...rows, { key: '', value: '' }])}
      >
        + {props.addLabel}
      </button>
    </div>
  );
}

function RegexTester(props: {
  form: ILaunchForm;
  onSample: (text: string) => void;
}): JSX.Element {
  const { form } = props;
  return (
    <div
      className="labstudio-regex-tester"
      data-testid="labstudio-regex-tester"
    >
      <div className="labstudio-field-label">Test against sample log lines</div>
      <textarea
        className="jp-mod-styled"
        rows={3}
        value={form.sampleLines}
        onChange={e => props.onSample(e.target.value)}
        aria-label="Sample log lines"
        data-testid="labstudio-regex-sample"
      />
      <table className="labstudio-kv">
        <tbody>
          {form.metricDefinitions
            .filter(d => d.value)
            .map((d, i) => {
              const { error, warning, results } = testRegex(
                d.value,
                form.sampleLines
              );
              const hits = results.filter(r => r.value !== null);
              return (
                <tr key={i} data-testid="labstudio-regex-result">
                  <th>{d.key || `metric ${i + 1}`}</th>
                  <td>
                    {warning && (
                      <div
                        className="labstudio-warning"
                        data-testid="labstudio-regex-warning"
                        role="alert"
                      >
                        {warning}
                      </div>
                    )}
                    {error ? (
                      <span className="labstudio-error-message">{error}</span>
                    ) : hits.length === 0 ? (
                      <span className="labstudio-hint">
                        no match in the sample
                      </span>
                    ) : (
                      hits.map((h, j) => (
                        <span
                          key={j}
                          className={`labstudio-regex-hit ${h.number === null ? 'labstudio-error-message' : ''}`}
                          title={h.line}
                        >
                          {h.value}
                          {h.number === null ? ' (not a number)' : ''}
                        </span>
                      ))
                    )}
                  </td>
                </tr>
              );
            })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The hyperparameter rows of tuning mode: each is a fixed value or, once made a range,
 * a type with min / max / scaling (Integer, Continuous) or its choices (Categorical).
 */
function HyperparameterRows(props: {
  rows: IRow[];
  onChange: (rows: IRow[]) => void;
}): JSX.Element {
  const { rows, onChange } = props;
  const update = (i: number, patch: Partial<IRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const updateRange = (i: number, patch: Partial<IRangeSpec>) =>
    update(i, { range: { ...rows[i].range!, ...patch } });
  return (
    <div className="labstudio-rows">
      {rows.map((r, i) => (
        <div
          key={i}
          className="labstudio-row labstudio-hp-row"
          data-testid="labstudio-launch-hp-row"
          data-range={r.range ? r.range.type : ''}
        >
          <input
            className="jp-mod-styled"
            placeholder="name"
            aria-label={`name ${i + 1}`}
            data-testid="labstudio-launch-hp-key"
            value={r.key}
            onChange={e => update(i, { key: e.target.value })}
          />
          {r.range ? (
            <RangeInputs
              index={i}
              range={r.range}
              onChange={patch => updateRange(i, patch)}
            />
          ) : (
            <input
              className="jp-mod-styled labstudio-grow"
              placeholder="value"
              aria-label={`value ${i + 1}`}
              data-testid="labstudio-launch-hp-value"
              value={r.value}
              onChange={e => update(i, { value: e.target.value })}
            />
          )}
          <label
            className="labstudio-inline-label"
            title="Tune this hyperparameter over a range"
          >
            <input
              type="checkbox"
              data-testid="labstudio-launch-hp-range-toggle"
              checked={!!r.range}
              onChange={e =>
                update(i, {
                  range: e.target.checked ? suggestRange(r.value) : null
                })
              }
            />
            range
          </label>
          <button
            type="button"
            className="labstudio-button"
            aria-label={`Remove name ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="labstudio-button"
        data-testid="labstudio-launch-hp-add"
        onClick={() => onChange([...rows, { key: '', value: '' }])}
      >
        + Add hyperparameter
      </button>
    </div>
  );
}

function RangeInputs(props: {
  index: number;
  range: IRangeSpec;
  onChange: (patch: Partial<IRangeSpec>) => void;
}): JSX.Element {
  const { range, onChange, index } = props;
  return (
    <span
      className="labstudio-range labstudio-grow"
      data-range-type={range.type}
    >
      <select
        className="jp-mod-styled"
        aria-label={`range type ${index + 1}`}
        data-testid="labstudio-launch-hp-range-type"
        value={range.type}
        onChange={e => onChange({ type: e.target.value as IRangeSpec['type'] })}
      >
        <option value="Integer">Integer</option>
        <option value="Continuous">Continuous</option>
        <option value="Categorical">Categorical</option>
      </select>
      {range.type === 'Categorical' ? (
        <input
          className="jp-mod-styled labstudio-grow"
          placeholder="choices, comma-separated: gbtree, dart"
          aria-label={`choices ${index + 1}`}
          data-testid="labstudio-launch-hp-range-values"
          value={range.values}
          onChange={e => onChange({ values: e.target.value })}
        />
      ) : (
        <>
          <input
            className="jp-mod-styled labstudio-range-number"
            type="number"
            step="any"
            placeholder="min"
            aria-label={`min ${index + 1}`}
            data-testid="labstudio-launch-hp-range-min"
            value={range.min}
            onChange={e => onChange({ min: e.target.value })}
          />
          <input
            className="jp-mod-styled labstudio-range-number"
            type="number"
            step="any"
            placeholder="max"
            aria-label={`max ${index + 1}`}
            data-testid="labstudio-launch-hp-range-max"
            value={range.max}
            onChange={e => onChange({ max: e.target.value })}
          />
          <select
            className="jp-mod-styled"
            aria-label={`scaling ${index + 1}`}
            data-testid="labstudio-launch-hp-range-scaling"
            value={range.scaling}
            onChange={e =>
              onChange({ scaling: e.target.value as IRangeSpec['scaling'] })
            }
          >
            <option value="Auto">auto scale</option>
            <option value="Linear">linear</option>
            <option value="Logarithmic">log</option>
            <option value="ReverseLogarithmic">reverse log</option>
          </select>
        </>
      )}
    </span>
  );
}

/** The sweep's objective, strategy and limits (tuning mode). */
function TuningSettings(props: { model: LaunchFormModel }): JSX.Element {
  const { model } = props;
  const { form, errors } = model;
  const t = form.tuning;
  const metrics = form.metricDefinitions.map(d => d.key.trim()).filter(Boolean);
  const objective = objectiveOf(form);
  return (
    <div
      className="labstudio-detail-grid labstudio-tuning-settings"
      data-testid="labstudio-launch-tuning"
    >
      <Field
        label="Objective metric"
        field="objective_metric_name"
        also={['objective_type']}
        errors={errors}
        hint="One of the metric definitions; its last value is the trial's objective"
      >
        <div className="labstudio-row">
          <select
            className="jp-mod-styled"
            data-testid="labstudio-launch-objective"
            aria-label="Objective metric"
            value={objective}
            onChange={e => model.setTuning('objective', e.target.value)}
          >
            {metrics.length === 0 && (
              <option value="">(no metric defined)</option>
            )}
            {metrics.map(m => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <select
            className="jp-mod-styled"
            data-testid="labstudio-launch-objective-type"
            aria-label="Minimize or maximize"
            value={t.objectiveType}
            onChange={e =>
              model.setTuning(
                'objectiveType',
                e.target.value as 'Minimize' | 'Maximize'
              )
            }
          >
            <option value="Minimize">Minimize</option>
            <option value="Maximize">Maximize</option>
          </select>
        </div>
      </Field>
      <Field
        label="Strategy"
        field="strategy"
        errors={errors}
        hint="How the next trial's values are chosen"
      >
        <select
          className="jp-mod-styled"
          data-testid="labstudio-launch-strategy"
          aria-label="Strategy"
          value={t.strategy}
          onChange={e =>
            model.setTuning(
              'strategy',
              e.target.value as (typeof STRATEGIES)[number]
            )
          }
        >
          {STRATEGIES.map(s => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="Max jobs"
        field="max_jobs"
        errors={errors}
        hint="Trials in all (Grid: empty for the whole grid)"
      >
        <input
          className="jp-mod-styled"
          type="number"
          min={1}
          data-testid="labstudio-launch-max-jobs"
          aria-label="Max jobs"
          value={t.maxJobs}
          onChange={e => model.setTuning('maxJobs', e.target.value)}
        />
      </Field>
      <Field
        label="Max parallel"
        field="max_parallel_jobs"
        errors={errors}
        hint="Trials running at once"
      >
        <input
          className="jp-mod-styled"
          type="number"
          min={1}
          data-testid="labstudio-launch-max-parallel"
          aria-label="Max parallel jobs"
          value={t.maxParallel}
          onChange={e => model.setTuning('maxParallel', e.target.value)}
        />
      </Field>
      <Field
        label="Early stopping"
        field="early_stopping_type"
        errors={errors}
        hint="Stop a trial whose objective is worse than the median of earlier trials at the same step"
      >
        <label className="labstudio-inline-label">
          <input
            type="checkbox"
            data-testid="labstudio-launch-early-stopping"
            checked={t.earlyStopping}
            onChange={e => model.setTuning('earlyStopping', e.target.checked)}
          />
          Auto
        </label>
      </Field>
    </div>
  );
}
