/** The comparison table's columns and rows, computed from the runs (pure). */
import { compareCells, differs } from '../../charts/series';
import { IRun, toNumber } from '../../types';
import { distinctDigits, formatMetric } from '../common/common';
import { formatDuration } from '../format';

export type Summary = 'last' | 'min' | 'max' | 'avg';

export interface IColumn {
  id: string;
  label: string;
  group: 'run' | 'param' | 'metric';
  /** The value shown in this column for a run. */
  value: (run: IRun) => string | number | null;
  /** More than one distinct value among the runs. */
  differs: boolean;
  /** Significant digits for its numbers: enough to tell the runs' values apart (at most 6). */
  digits?: number;
}

/** Significant digits a table cell prints at most (the full value is on hover). */
export const TABLE_DIGITS = 6;
/** Characters of a header that size its column; a longer name wraps onto more lines. */
const LABEL_CHARS = 18;

/** A parameter's text as a number when it is one (params travel as strings), else null. */
function numeric(v: string | number | null): number | null {
  if (typeof v === 'number') {
    return v;
  }
  if (v === null || v.trim() === '') {
    return null;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * What a cell prints: numbers (a parameter's too) to the column's significant digits,
 * text as it is; the full value is the cell's tooltip.
 */
export function cellText(column: IColumn, v: string | number | null): string {
  if (v === null) {
    return '–';
  }
  if (column.group === 'run') {
    return String(v);
  }
  const n = numeric(v);
  return n === null ? String(v) : formatMetric(n, column.digits);
}

export function buildColumns(
  runs: readonly IRun[],
  summary: Summary,
  onlyDifferences: boolean
): IColumn[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const run of runs) {
    Object.keys(run.params).forEach(p => params.add(p));
    Object.keys(run.metrics).forEach(m => metrics.add(m));
  }
  const base: IColumn[] = [
    {
      id: 'name',
      label: 'Run',
      group: 'run',
      value: r => r.name,
      differs: false
    },
    {
      id: 'status',
      label: 'Status',
      group: 'run',
      value: r => r.status,
      differs: false
    },
    {
      id: 'duration',
      label: 'Duration',
      group: 'run',
      value: r =>
        r.duration === null ? null : formatDuration(r.duration * 1000),
      differs: false
    },
    {
      id: 'experiment',
      label: 'Experiment',
      group: 'run',
      value: r => r.experiment,
      differs: false
    }
  ];
  const paramColumns: IColumn[] = [...params].sort().map(p => ({
    id: `param:${p}`,
    label: p,
    group: 'param',
    value: r => r.params[p] ?? null,
    differs: false
  }));
  const metricColumns: IColumn[] = [...metrics].sort().map(m => ({
    id: `metric:${m}`,
    label: `${m} (${summary})`,
    group: 'metric',
    value: r => {
      const s = r.metrics[m];
      return s ? toNumber(s[summary]) : null;
    },
    differs: false
  }));
  const all = [...base, ...paramColumns, ...metricColumns];
  for (const column of all) {
    const values = runs.map(column.value);
    column.differs = column.id !== 'name' && differs(values);
    column.digits = Math.min(
      TABLE_DIGITS,
      distinctDigits(column.group === 'param' ? values.map(numeric) : values)
    );
  }
  if (!onlyDifferences) {
    return all;
  }
  return all.filter(c => c.id === 'name' || c.group === 'metric' || c.differs);
}

/** Bounds of a column's width (px); the run name has its own. */
const MIN_WIDTH = 64;
const MAX_WIDTH = 220;
const NAME_WIDTH: [number, number] = [110, 260];
/** Average glyph width and what a cell adds around its text (padding, sort arrow, ≠). */
const CHAR = 7;
const CELL_EXTRA = 26;
/** Rows looked at to size the columns (enough for the typical lengths, cheap for 10,000). */
const SAMPLE = 200;

/**
 * Each column's width from the text it shows (its values as printed, and its label up to
 * `LABEL_CHARS`: a longer header wraps), without measuring the DOM: a table of a few
 * columns fits its view instead of scrolling, and wide values (the last column's too)
 * are not cut. Names are cut in the middle when their column is at its widest.
 */
export function columnWidths(
  columns: readonly IColumn[],
  runs: readonly IRun[]
): number[] {
  const step = Math.max(1, Math.floor(runs.length / SAMPLE));
  const sample = runs.filter((_, i) => i % step === 0);
  return columns.map(column => {
    let chars = Math.min(LABEL_CHARS, Array.from(column.label).length);
    for (const run of sample) {
      const text = cellText(column, column.value(run));
      chars = Math.max(
        chars,
        Array.from(text).length +
          (column.id === 'status' || column.id === 'name' ? 2 : 0)
      );
    }
    const [lo, hi] = column.id === 'name' ? NAME_WIDTH : [MIN_WIDTH, MAX_WIDTH];
    return Math.round(Math.max(lo, Math.min(hi, chars * CHAR + CELL_EXTRA)));
  });
}

export interface ISort {
  column: string;
  descending: boolean;
}

export function sortRuns(
  runs: readonly IRun[],
  columns: readonly IColumn[],
  sort: ISort | null
): IRun[] {
  const column = sort && columns.find(c => c.id === sort.column);
  if (!sort || !column) {
    return [...runs];
  }
  const sign = sort.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    const missing = (v: unknown) => v === null || v === undefined || v === '';
    // missing values last in both directions
    if (missing(va) || missing(vb)) {
      return compareCells(va, vb);
    }
    return sign * compareCells(va, vb);
  });
}
