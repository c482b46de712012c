/**
 * The state behind the launch form: the fields, the experiment names and the backends
 * offered (`GET /backends`: the server's default is preselected), the submission (`POST /jobs`, or `POST /tuning-jobs` in tuning mode) and its errors, each
 * put beside the field the server names (the translation itself is the pure
 * `formModel.ts`).
 */
import { LabstudioClient } from '../../api';
import { IActionSlot, ViewModel } from '../../panel/viewModel';
import {
  IBackendChoices,
  ITrainingJobDescription,
  ITuningJobDescription
} from '../../types';
import {
  emptyForm,
  fieldOf,
  FormField,
  inFormWords,
  ILaunchForm,
  instanceCountProblem,
  ITuningSettings,
  objectiveOf,
  toRequest,
  toTuningRequest
} from './formModel';

/** The problems of each field, in the form's own words (`form`: not about one field). */
export type FormErrors = Partial<Record<FormField, string[]>>;

export interface ILaunchFormModelOptions {
  client: LabstudioClient;
  initial?: Partial<ILaunchForm>;
}

export class LaunchFormModel extends ViewModel {
  constructor(options: ILaunchFormModelOptions) {
    super();
    this._client = options.client;
    this._form = emptyForm(options.initial);
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
  /**
   * Where jobs can run (`GET /backends`), or null when the server does not say (an
   * older server: the form then sends no backend and the server's default applies).
   */
  get backends(): IBackendChoices | null {
    return this._backends;
  }
  /** The name of the job launched last. */
  get launched(): string | null {
    return this._launched;
  }

  /** Read the experiment names and the backends offered in the form. */
  async start(): Promise<void> {
    if (!this.startOnce()) {
      return;
    }
    await Promise.all([this._readExperiments(), this._readBackends()]);
  }

  /** The backends; the server's default becomes the form's choice unless one is set. */
  private async _readBackends(): Promise<void> {
    try {
      const answer = await this._client.getBackends();
      if (this.isDisposed) {
        return;
      }
      this._backends = answer.jobs;
      if (!this._form.backend) {
        this._form = { ...this._form, backend: answer.jobs.default };
      }
      this.emitChanged();
    } catch {
      // No choice offered: the server's default applies.
    }
  }

  private async _readExperiments(): Promise<void> {
    try {
      const experiments = await this._client.listExperiments();
      if (!this.isDisposed) {
        this._experiments = experiments.map(e => e.name);
        this.emitChanged();
      }
    } catch {
      // Suggestions only: the field still takes any name.
    }
  }

  /** Fill the form again (a later launch or clone reuses the launch tab). */
  reset(initial: Partial<ILaunchForm>): void {
    this._form = emptyForm({
      ...initial,
      backend: initial.backend || this._form.backend
    });
    this._errors = {};
    this._launched = null;
    this.emitChanged();
  }

  set<K extends keyof ILaunchForm>(key: K, value: ILaunchForm[K]): void {
    this._form = { ...this._form, [key]: value };
    this.emitChanged();
  }

  /** Change one of the tuning settings. */
  setTuning<K extends keyof ITuningSettings>(
    key: K,
    value: ITuningSettings[K]
  ): void {
    this.set('tuning', { ...this._form.tuning, [key]: value });
  }

  /**
   * Start the tuning job; resolves with it, or with null when the form is incomplete
   * (no script, no range, no objective: checked before calling the server) or the
   * server refused it (see `errors`, beside the field it names).
   */
  async submitTuning(): Promise<ITuningJobDescription | null> {
    const form = this._form;
    const missing: FormErrors = this._checkCommon();
    if (!form.hyperparameters.some(r => r.range && r.key.trim())) {
      missing.hyperparameter_ranges = [
        'Make at least one hyperparameter a range to search.'
      ];
    }
    if (!objectiveOf(form)) {
      missing.objective_metric_name = [
        'Add a metric definition: the objective is one of them.'
      ];
    }
    if (Object.keys(missing).length) {
      this._errors = missing;
      this.emitChanged();
      return null;
    }
    let job: ITuningJobDescription | null = null;
    await this.runAction(async () => {
      job = await this._client.createTuningJob(toTuningRequest(form));
      this._launched = job.HyperParameterTuningJobName;
    }, this._submission);
    return job;
  }

  /**
   * Launch the job; resolves with it, or with null when the form is incomplete (checked
   * before calling the server) or the server refused it (see `errors`).
   */
  async submit(): Promise<ITrainingJobDescription | null> {
    const missing = this._checkCommon();
    if (Object.keys(missing).length) {
      this._errors = missing;
      this.emitChanged();
      return null;
    }
    let job: ITrainingJobDescription | null = null;
    await this.runAction(async () => {
      job = await this._client.createJob(toRequest(this._form));
      this._launched = job.TrainingJobName;
    }, this._submission);
    return job;
  }

  /** What a training job and a tuning job both need before the server is asked. */
  private _checkCommon(): FormErrors {
    const form = this._form;
    const missing: FormErrors = {};
    if (!form.entryPoint.trim()) {
      missing.entry_point = [
        'Choose the script to run (a .py file under the Jupyter root).'
      ];
    }
    const count = instanceCountProblem(form.instanceCount);
    if (count) {
      missing.instance_count = [inFormWords(count)];
    }
    return missing;
  }

  private _client: LabstudioClient;
  private _form: ILaunchForm;
  private _backends: IBackendChoices | null = null;
  private _errors: FormErrors = {};
  private _busy = false;
  private _experiments: string[] = [];
  private _launched: string | null = null;
  /** A refusal goes beside the field the server names. */
  private _submission: IActionSlot = {
    setBusy: busy => {
      this._busy = busy;
    },
    setError: error => {
      const errors: FormErrors = {};
      for (const problem of error?.problems ?? []) {
        const field = fieldOf(problem.field);
        errors[field] = [
          ...(errors[field] ?? []),
          inFormWords(problem.message, this._form)
        ];
      }
      this._errors = errors;
    }
  };
}
