/**
 * Launch training (main area): entry point and source dir (typed, or picked from the file
 * browser), hyperparameter / channel / metric-definition rows, a regex tester against
 * sample lines, max runtime and experiment. The server validates; its error is shown
 * beside the field it names.
 */
import * as React from 'react';

import { LabstudioClient } from '../../api';
import { ITrainingJobDescription } from '../../types';
import { useOwnModel } from '../common/useModel';
import { FormField, ILaunchForm, IRow, testRegex } from './formModel';
import { LaunchFormModel } from './launchFormModel';

export interface ILaunchFormProps {
  /** The form's model; without one the form makes its own from `client` and `initial`. */
  model?: LaunchFormModel;
  client?: LabstudioClient;
  initial?: Partial<ILaunchForm>;
  /** Pick a path in the file browser (relative to the root), or null when cancelled. */
  pickPath?: (kind: 'file' | 'folder') => Promise<string | null>;
  onLaunched?: (job: ITrainingJobDescription) => void;
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

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
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
      <h2 className="labstudio-detail-title">Launch a training job</h2>
      <p className="labstudio-hint">
        The script runs as a supervised local job with SageMaker&apos;s
        environment (<code>SM_MODEL_DIR</code>, <code>SM_CHANNEL_*</code>,
        hyperparameters as <code>--name value</code>). Paths are relative to the
        Jupyter root.
      </p>
      {errors.form && (
        <div
          className="labstudio-error-message"
          role="alert"
          data-testid="labstudio-field-error-form"
        >
          {errors.form}
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
        errors={errors}
        hint="Numbers and true/false are sent as such"
      >
        <Rows
          rows={form.hyperparameters}
          onChange={r => set('hyperparameters', r)}
          keyLabel="name"
          valueLabel="value"
          testId="labstudio-launch-hp"
          addLabel="Add hyperparameter"
        />
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
      <div className="labstudio-detail-grid">
        <Field
          label="Max runtime (seconds)"
          field="max_runtime_seconds"
          errors={errors}
          hint="Stopped when it runs longer"
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
          hint="The job's run goes there"
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
          label="Job name"
          field="name"
          errors={errors}
          hint="Optional: letters, digits and dashes"
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
          {busy ? 'Launching…' : 'Launch'}
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
  errors: Partial<Record<FormField, string>>;
  hint?: string;
  children: React.ReactNode;
}): JSX.Element {
  const error = props.errors[props.field];
  return (
    <div
      className={`labstudio-field ${error ? 'labstudio-field-invalid' : ''}`}
      data-field={props.field}
    >
      <div className="labstudio-field-label">{props.label}</div>
      {props.children}
      {error ? (
        <div
          className="labstudio-field-error"
          role="alert"
          data-testid={`labstudio-field-error-${props.field}`}
        >
          {error}
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
  errors: Partial<Record<FormField, string>>;
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
              const { error, results } = testRegex(d.value, form.sampleLines);
              const hits = results.filter(r => r.value !== null);
              return (
                <tr key={i} data-testid="labstudio-regex-result">
                  <th>{d.key || `metric ${i + 1}`}</th>
                  <td>
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
