/**
 * The endpoint name typed in a Deploy form while the form is open (null: closed). The job
 * detail and the tuning view hold one, so the form survives a re-render and the view only
 * renders it.
 */
export class DeployDraft {
  constructor(private readonly _changed: () => void) {}

  /** The name in the form, or null while no form is open. */
  get name(): string | null {
    return this._name;
  }

  /** Open the form with a suggested name. */
  open(name: string): void {
    this._name = name;
    this._changed();
  }

  /** The user typed in the form. */
  set(name: string): void {
    if (this._name !== null && name !== this._name) {
      this._name = name;
      this._changed();
    }
  }

  close(): void {
    if (this._name !== null) {
      this._name = null;
      this._changed();
    }
  }

  private _name: string | null = null;
}
