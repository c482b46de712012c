/**
 * *Batch transform…* of a completed training job: input and output folders, content
 * type, split type, strategy and accept; the server's refusal goes beside the field it
 * names, as in the launch form.
 */
import * as React from 'react';

import { useModel } from '../common/useModel';
import {
  BatchStrategy,
  ITransformForm,
  SplitType,
  TransformFormField,
  TransformFormModel
} from './transformFormModel';

export interface ITransformFormProps {
  model: TransformFormModel;
  /** The transform job was created: open it. */
  onCreated: (name: string) => void;
  onCancel: () => void;
}

const SPLIT_TYPES: SplitType[] = ['Line', 'None', 'RecordIO'];
const STRATEGIES: BatchStrategy[] = ['MultiRecord', 'SingleRecord'];

export function TransformForm(props: ITransformFormProps): JSX.Element {
  const model = useModel(props.model);
  const { form, errors, busy } = model;
  const text = (
    key: Exclude<keyof ITransformForm, 'split_type' | 'strategy'>,
    placeholder: string,
    autoFocus = false
  ) => (
    <input
      className="jp-mod-styled"
      data-testid={`labstudio-transform-${key}`}
      value={form[key]}
      placeholder={placeholder}
      autoFocus={autoFocus}
      onChange={e => model.set(key, e.target.value)}
    />
  );
  return (
    <form
      className="labstudio-transform-form"
      data-testid="labstudio-transform-form"
      onSubmit={e => {
        e.preventDefault();
        void model.submit().then(name => {
          if (name !== null) {
            props.onCreated(name);
          }
        });
      }}
    >
      <h3 className="labstudio-subtitle">Batch transform with this model</h3>
      <p className="labstudio-hint">
        Scores every file of the input folder with the job&apos;s model and
        writes <code>&lt;file&gt;.out</code> for each into the output folder.
        Paths are relative to the Jupyter root.
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
      <div className="labstudio-transform-fields">
        <Field label="Input folder" field="input" errors={errors}>
          {text('input', 'data/test', true)}
        </Field>
        <Field label="Output folder" field="output_path" errors={errors}>
          {text('output_path', 'scored')}
        </Field>
        <Field label="Content type" field="content_type" errors={errors}>
          {text('content_type', 'text/csv')}
        </Field>
        <Field label="Split type" field="split_type" errors={errors}>
          <select
            className="jp-mod-styled labstudio-fit-select"
            data-testid="labstudio-transform-split_type"
            value={form.split_type}
            onChange={e => model.set('split_type', e.target.value as SplitType)}
          >
            {SPLIT_TYPES.map(s => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Strategy" field="strategy" errors={errors}>
          <select
            className="jp-mod-styled labstudio-fit-select"
            data-testid="labstudio-transform-strategy"
            value={form.strategy}
            onChange={e =>
              model.set('strategy', e.target.value as BatchStrategy)
            }
          >
            {STRATEGIES.map(s => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Accept" field="accept" errors={errors}>
          {text('accept', 'default: the content type')}
        </Field>
      </div>
      <div className="labstudio-toolbar">
        <button
          type="submit"
          className="labstudio-button labstudio-primary"
          data-testid="labstudio-transform-submit"
          disabled={busy}
        >
          {busy ? 'Starting…' : 'Start batch transform'}
        </button>
        <button
          type="button"
          className="labstudio-button"
          onClick={props.onCancel}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

function Field(props: {
  label: string;
  field: TransformFormField;
  errors: Partial<Record<TransformFormField, string[]>>;
  children: React.ReactNode;
}): JSX.Element {
  const errors = props.errors[props.field] ?? [];
  return (
    <label
      className={`labstudio-field ${errors.length ? 'labstudio-field-invalid' : ''}`}
      data-field={props.field}
    >
      <div className="labstudio-field-label">{props.label}</div>
      {props.children}
      {errors.length > 0 && (
        <div
          className="labstudio-field-error"
          role="alert"
          data-testid={`labstudio-field-error-${props.field}`}
        >
          {errors.map((message, i) => (
            <div key={i} data-testid="labstudio-field-error-item">
              {message}
            </div>
          ))}
        </div>
      )}
    </label>
  );
}
