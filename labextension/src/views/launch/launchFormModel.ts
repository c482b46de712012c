/**
 * The state behind the launch form: the fields, the experiment names offered, the
 * submission (`POST /jobs`) and its errors, each put beside the field the server names
 * (the translation itself is the pure `formModel.ts`).
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { LabstudioClient } from '../../api';
import { asApiError } from '../../panel/live';
import { ITrainingJobDescription } from '../../types';
import {
  emptyForm,
  fieldOf,
  FormField,
  ILaunchForm,
  toRequest
} from './formModel';

export type FormErrors = Partial<Record<FormField, string>>;

export interface ILaunchFormModelOptions {
  client: LabstudioClient;
  initial?: Partial<ILaunchForm>;
}

export class LaunchFormModel implements IDisposable {
  constructor(options: ILaunchFormModelOptions) {
    this._client = options.client;
    this._form = emptyForm(options.initial);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get form(): ILaunchForm {
    return this._form;
  }
  get errors(): FormErrors {
    return this._errors;
  }
  get busy(): boolean {
    return this._busy;
  }
  /** Names of the existing experiments (suggestions). */
  get experiments(): readonly string[] {
    return this._experiments;
  }
  /** The name of the job launched last. */
  get launched(): string | null {
    return this._launched;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Read the experiment names offered in the form (none when that fails). */
  async start(): Promise<void> {
    if (this._started || this._disposed) {
      return;
    }
    this._started = true;
    try {
      const experiments = await this._client.listExperiments();
      if (!this._disposed) {
        this._experiments = experiments.map(e => e.name);
        this._changed.emit();
      }
    } catch {
      // Suggestions only: the field still takes any name.
    }
  }

  set<K extends keyof ILaunchForm>(key: K, value: ILaunchForm[K]): void {
    this._form = { ...this._form, [key]: value };
    this._changed.emit();
  }

  /**
   * Launch the job; resolves with it, or with null when the form is incomplete (checked
   * before calling the server) or the server refused it (see `errors`).
   */
  async submit(): Promise<ITrainingJobDescription | null> {
    if (!this._form.entryPoint.trim()) {
      this._errors = {
        entry_point:
          'Choose the script to run (a .py file under the Jupyter root).'
      };
      this._changed.emit();
      return null;
    }
    this._busy = true;
    this._errors = {};
    this._changed.emit();
    let job: ITrainingJobDescription | null = null;
    try {
      job = await this._client.createJob(toRequest(this._form));
      this._launched = job.TrainingJobName;
    } catch (error) {
      const err = asApiError(error);
      this._errors = { [fieldOf(err.field)]: err.message };
    }
    this._busy = false;
    if (!this._disposed) {
      this._changed.emit();
    }
    return job;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    Signal.clearData(this);
  }

  private _client: LabstudioClient;
  private _form: ILaunchForm;
  private _errors: FormErrors = {};
  private _busy = false;
  private _experiments: string[] = [];
  private _launched: string | null = null;
  private _started = false;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
