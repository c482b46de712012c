/**
 * Run selection as in a file manager: a click toggles one run and sets the anchor, a
 * shift-click selects the range between the anchor and the clicked run (in the order
 * the runs are shown).
 */
export class RunSelection {
  /** Selected ids, in the order they were selected. */
  get ids(): string[] {
    return [...this._ids];
  }

  get size(): number {
    return this._ids.size;
  }

  has(id: string): boolean {
    return this._ids.has(id);
  }

  /**
   * Apply a click on `id`. `order` is the ids as shown, used for shift ranges.
   */
  click(id: string, order: readonly string[], shift = false): void {
    if (shift && this._anchor !== null && order.includes(this._anchor)) {
      const a = order.indexOf(this._anchor);
      const b = order.indexOf(id);
      if (b >= 0) {
        const [from, to] = a <= b ? [a, b] : [b, a];
        // The range takes the anchor's state (select, or deselect a selected range).
        const select = this._ids.has(this._anchor);
        for (const rid of order.slice(from, to + 1)) {
          if (select) {
            this._ids.add(rid);
          } else {
            this._ids.delete(rid);
          }
        }
        return;
      }
    }
    if (this._ids.has(id)) {
      this._ids.delete(id);
    } else {
      this._ids.add(id);
    }
    this._anchor = id;
  }

  set(ids: Iterable<string>): void {
    this._ids = new Set(ids);
    this._anchor = null;
  }

  clear(): void {
    this._ids.clear();
    this._anchor = null;
  }

  /** Forget ids that no longer exist (deleted runs). */
  retain(known: (id: string) => boolean): void {
    for (const id of [...this._ids]) {
      if (!known(id)) {
        this._ids.delete(id);
      }
    }
  }

  private _ids = new Set<string>();
  private _anchor: string | null = null;
}
