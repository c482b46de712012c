/**
 * Run selection as in a file manager: a click toggles one run and sets the anchor, a
 * shift-click selects the range between the anchor and the clicked run (in the order
 * the runs are shown).
 *
 * An experiment can also be selected whole ("select all"): every run of it, loaded or
 * not, less the runs unticked since. Such a selection is not a list of ids (an
 * experiment may hold 100,000 runs the panel never loaded): it is handed to the
 * comparison as a selector (`ICompareSelection`), which the server pages through.
 */

/** What a comparison compares: runs by id, and whole experiments less some runs. */
export interface ICompareSelection {
  /** Runs by id, compared first, in this order. */
  runIds: string[];
  /** Every run of these experiments (newest first), after `runIds`. */
  experiments?: string[];
  /** Runs left out of the experiments' runs. */
  exclude?: string[];
  /** How many runs that makes, when the caller knows (sizes the curves' point budget). */
  expected?: number;
}

/** The number of runs a selection names, as far as it can be told without the server. */
export function selectionSize(selection: ICompareSelection): number {
  return (
    selection.expected ??
    selection.runIds.length + (selection.experiments?.length ? Infinity : 0)
  );
}

export class RunSelection {
  /** Runs selected one by one (not those of whole experiments), in selection order. */
  get ids(): string[] {
    return [...this._ids];
  }

  /** Experiments selected whole. */
  get experiments(): string[] {
    return [...this._whole.keys()];
  }

  /**
   * How many runs are selected: `runCount(experiment)` gives the run count of a whole
   * experiment (its runs unticked since are taken off).
   */
  size(runCount: (experiment: string) => number = () => 0): number {
    let n = this._ids.size;
    for (const [name, excluded] of this._whole) {
      n += Math.max(0, runCount(name) - excluded.size);
    }
    return n;
  }

  /** Nothing selected at all. */
  get empty(): boolean {
    return this._ids.size === 0 && this._whole.size === 0;
  }

  /** Whether a run is selected (`experiment`: the run's, for whole experiments). */
  has(id: string, experiment?: string): boolean {
    if (this._ids.has(id)) {
      return true;
    }
    const excluded =
      experiment === undefined ? null : this._whole.get(experiment);
    return !!excluded && !excluded.has(id);
  }

  /** Whether every run of the experiment is selected (none unticked since). */
  isWhole(experiment: string): boolean {
    return this._whole.get(experiment)?.size === 0;
  }

  /** Whether the experiment is selected whole, some of its runs unticked since. */
  isPartlyWhole(experiment: string): boolean {
    return (this._whole.get(experiment)?.size ?? 0) > 0;
  }

  /**
   * Select (or clear) every run of an experiment, loaded or not; runs picked one by one
   * for which `member` is true belong to it (they are now part of it, or cleared with it).
   */
  setExperiment(
    experiment: string,
    selected: boolean,
    member: (id: string) => boolean = () => false
  ): void {
    for (const id of [...this._ids]) {
      if (member(id)) {
        this._ids.delete(id);
      }
    }
    if (selected) {
      this._whole.set(experiment, new Set());
    } else {
      this._whole.delete(experiment);
    }
    this._anchor = null;
  }

  /**
   * Apply a click on `id`. `order` is the ids as shown, used for shift ranges;
   * `experimentOf` tells which experiment a shown run belongs to (whole experiments).
   */
  click(
    id: string,
    order: readonly string[],
    shift = false,
    experimentOf: (id: string) => string | undefined = () => undefined
  ): void {
    if (shift && this._anchor !== null && order.includes(this._anchor)) {
      const a = order.indexOf(this._anchor);
      const b = order.indexOf(id);
      if (b >= 0) {
        const [from, to] = a <= b ? [a, b] : [b, a];
        // The range takes the anchor's state (select, or deselect a selected range).
        const select = this.has(this._anchor, experimentOf(this._anchor));
        for (const rid of order.slice(from, to + 1)) {
          this._set(rid, experimentOf(rid), select);
        }
        return;
      }
    }
    const experiment = experimentOf(id);
    this._set(id, experiment, !this.has(id, experiment));
    this._anchor = id;
  }

  set(ids: Iterable<string>): void {
    this._ids = new Set(ids);
    this._whole.clear();
    this._anchor = null;
  }

  clear(): void {
    this._ids.clear();
    this._whole.clear();
    this._anchor = null;
  }

  /** Forget ids that no longer exist (deleted runs), and experiments that no longer do. */
  retain(known: (id: string) => boolean, experiments?: Set<string>): void {
    for (const id of [...this._ids]) {
      if (!known(id)) {
        this._ids.delete(id);
      }
    }
    if (experiments) {
      for (const name of [...this._whole.keys()]) {
        if (!experiments.has(name)) {
          this._whole.delete(name);
        }
      }
    }
  }

  /** The selection as the comparison takes it. */
  toCompare(expected?: number): ICompareSelection {
    const experiments = this.experiments;
    if (experiments.length === 0) {
      return { runIds: this.ids, expected: expected ?? this._ids.size };
    }
    const exclude = [...this._whole.values()].flatMap(s => [...s]);
    return {
      runIds: this.ids,
      experiments,
      exclude: exclude.length ? exclude : undefined,
      expected
    };
  }

  private _set(id: string, experiment: string | undefined, on: boolean): void {
    const excluded =
      experiment === undefined ? undefined : this._whole.get(experiment);
    if (excluded) {
      // A run of a whole experiment: (un)ticking it takes it out of (or back into) it.
      this._ids.delete(id);
      if (on) {
        excluded.delete(id);
      } else {
        excluded.add(id);
      }
      return;
    }
    if (on) {
      this._ids.add(id);
    } else {
      this._ids.delete(id);
    }
  }

  private _ids = new Set<string>();
  /** Experiments selected whole -> their runs unticked since. */
  private _whole = new Map<string, Set<string>>();
  private _anchor: string | null = null;
}
