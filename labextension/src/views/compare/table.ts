/** The comparison table's columns and rows, computed from the runs (pure). */
import { compareCells, differs } from '../../charts/series';
import { IRun, toNumber } from '../../types';

export type Summary = 'last' | 'min' | 'max' | 'avg';

export interface IColumn {
  id: string;
  label: string;
  group: 'run' | 'param' | 'metric';
  /** The value shown in this column for a run. */
  value: (run: IRun) => string | number | null;
  /** More than one distinct value among the runs. */
  differs: boolean;
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
    { id: 'name', label: 'Run', group: 'run', value: r => r.name, differs: false },
    { id: 'status', label: 'Status', group: 'run', value: r => r.status, differs: false },
    { id: 'duration', label: 'Duration (s)', group: 'run', value: r => (r.duration === null ? null : Math.round(r.duration * 10) / 10), differs: false },
    { id: 'experiment', label: 'Experiment', group: 'run', value: r => r.experiment, differs: false }
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
    column.differs = column.id !== 'name' && differs(runs.map(column.value));
  }
  if (!onlyDifferences) {
    return all;
  }
  return all.filter(c => c.id === 'name' || c.group === 'metric' || c.differs);
}

export interface ISort {
  column: string;
  descending: boolean;
}

export function sortRuns(runs: readonly IRun[], columns: readonly IColumn[], sort: ISort | null): IRun[] {
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
