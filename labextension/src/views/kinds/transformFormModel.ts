/**
 * The state behind *Batch transform…* on a completed training job: a few fields of
 * `POST /transform-jobs` (the job is the model), sent as typed; a refusal of the server
 * (400 with `field`) goes beside that field, any other error above the form.
 */
import { IActionSlot, ViewModel } from '../../panel/viewModel';
import { LabstudioClient } from '../../api';
import { ICreateTransformJobRequest } from '../../types';

export type SplitType = NonNullable<ICreateTransformJobRequest['split_type']>;
export type BatchStrategy = NonNullable<ICreateTransformJobRequest['strategy']>;

export interface ITransformForm {
  input: string;
  output_path: string;
  content_type: string;
  split_type: SplitType;
  strategy: BatchStrategy;
  accept: string;
}

/** The fields the form shows; other server fields' errors go above the form. */
export type TransformFormField = keyof ITransformForm | 'form';

const FORM_FIELDS: readonly string[] = [
  'input',
  'output_path',
  'content_type',
  'split_type',
  'strategy',
  'accept'
];

/** The form field a server's `field` names (`form` when it is none of them). */
export function transformFieldOf(field: string | null): TransformFormField {
  const key = (field ?? '').split('.')[0];
  return FORM_FIELDS.includes(key) ? (key as TransformFormField) : 'form';
}

/** The form's names of the request's fields. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  input: 'the input folder',
  output_path: 'the output folder',
  content_type: 'the content type',
  split_type: 'the split type',
  strategy: 'the strategy',
  accept: 'accept',
  model: 'the model',
  max_payload: 'the payload limit',
  max_concurrent_transforms: 'the concurrent transforms'
};

/** A server message in the form's words (`'output_path'` → "the output folder"). */
export function transformWords(message: string): string {
  const text = message.replace(
    /'([a-z_]+)'/g,
    (whole, field: string) => FIELD_WORDS[field] ?? whole
  );
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The request: blank optional fields left out (the server's defaults apply). */
export function transformRequest(
  job: string,
  form: ITransformForm
): ICreateTransformJobRequest {
  const request: ICreateTransformJobRequest = {
    model: job,
    input: form.input.trim(),
    output_path: form.output_path.trim(),
    split_type: form.split_type,
    strategy: form.strategy
  };
  if (form.content_type.trim()) {
    request.content_type = form.content_type.trim();
  }
  if (form.accept.trim()) {
    request.accept = form.accept.trim();
  }
  return request;
}

export interface ITransformFormModelOptions {
  client: LabstudioClient;
  /** The completed training job whose model scores the input. */
  job: string;
  initial?: Partial<ITransformForm>;
}

export class TransformFormModel extends ViewModel {
  constructor(options: ITransformFormModelOptions) {
    super();
    this._client = options.client;
    this.job = options.job;
    this._form = {
      input: '',
      output_path: `transform/${options.job}`,
      content_type: 'text/csv',
      split_type: 'Line',
      strategy: 'MultiRecord',
      accept: '',
      ...(options.initial ?? {})
    };
  }

  readonly job: string;

  get form(): Readonly<ITransformForm> {
    return this._form;
  }
  /** Every problem of each field, in the form's words (`form`: not about one field). */
  get errors(): Partial<Record<TransformFormField, string[]>> {
    return this._errors;
  }
  get busy(): boolean {
    return this._busy;
  }

  set<K extends keyof ITransformForm>(key: K, value: ITransformForm[K]): void {
    this._form = { ...this._form, [key]: value };
    if (this._errors[key]) {
      const { [key]: _, ...rest } = this._errors;
      this._errors = rest;
    }
    this.emitChanged();
  }

  /** POST the job; resolves with the new transform's name (null when refused). */
  async submit(): Promise<string | null> {
    let name: string | null = null;
    await this.runAction(async () => {
      const created = await this._client.createTransformJob(
        transformRequest(this.job, this._form)
      );
      name = created.TransformJobName;
    }, this._slot);
    return name;
  }

  private _client: LabstudioClient;
  private _form: ITransformForm;
  private _errors: Partial<Record<TransformFormField, string[]>> = {};
  private _busy = false;
  private _slot: IActionSlot = {
    setBusy: busy => {
      this._busy = busy;
    },
    setError: error => {
      const errors: Partial<Record<TransformFormField, string[]>> = {};
      for (const problem of error?.problems ?? []) {
        const field = transformFieldOf(problem.field);
        errors[field] = [
          ...(errors[field] ?? []),
          transformWords(problem.message)
        ];
      }
      this._errors = errors;
    }
  };
}
