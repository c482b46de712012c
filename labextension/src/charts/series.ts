/**
 * Pure helpers behind the charts: smoothing, aligning many series on one x axis for
 * uPlot, colours, and what differs between runs. No DOM here, so they are unit-tested.
 */

export interface IXYSeries {
  label: string;
  /** What the series stands for (a run's id): stable across renders, unlike the label. */
  key?: string;
  x: number[];
  y: (number | null)[];
  /** The run's colour index (`seriesColor`): the same colour in every chart and table. */
  colorIndex?: number;
}

/** uPlot's aligned data: one x array, then one y array per series. */
export type AlignedData = [number[], ...(number | null)[][]];

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points
 * are not pulled towards zero. `weight` in [0, 1): 0 is no smoothing. Gaps (null, NaN,
 * infinities) stay gaps and do not disturb the average.
 */
export function smooth(
  values: readonly (number | null)[],
  weight: number
): (number | null)[] {
  if (!(weight > 0)) {
    return [...values];
  }
  const w = Math.min(weight, 0.999);
  let last = 0;
  let debias = 0;
  return values.map(v => {
    if (v === null || !Number.isFinite(v)) {
      return v;
    }
    last = last * w + (1 - w) * v;
    debias = debias * w + (1 - w);
    return last / debias;
  });
}

/**
 * Put series with different x values on one x axis. When the union of x values is small
 * enough (`maxCells` values in all) it is exact; otherwise the x range is cut into
 * `columns` buckets and each series keeps its last point per bucket (the server already
 * downsampled with min/max, so the shape survives). Either way uPlot gets
 * `series × columns` cells at most, whatever the number of points sent.
 */
export function align(
  series: readonly IXYSeries[],
  options: { maxCells?: number; columns?: number } = {}
): AlignedData {
  const maxCells = options.maxCells ?? 2_000_000;
  const columns = options.columns ?? 2000;
  const union = new Set<number>();
  let total = 0;
  for (const s of series) {
    total += s.x.length;
    for (const x of s.x) {
      union.add(x);
    }
  }
  if (series.length === 0 || total === 0) {
    return [[], ...series.map(() => [])];
  }
  if (union.size * series.length <= maxCells) {
    const xs = [...union].sort((a, b) => a - b);
    const index = new Map<number, number>();
    xs.forEach((x, i) => index.set(x, i));
    const ys = series.map(s => {
      const y: (number | null)[] = new Array(xs.length).fill(null);
      s.x.forEach((x, i) => (y[index.get(x)!] = finiteOrNull(s.y[i])));
      return y;
    });
    return [xs, ...ys];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of union) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const n = Math.max(2, columns);
  const width = (hi - lo) / (n - 1) || 1;
  const xs = Array.from({ length: n }, (_, i) => lo + i * width);
  const ys = series.map(s => {
    const y: (number | null)[] = new Array(n).fill(null);
    s.x.forEach((x, i) => {
      const v = finiteOrNull(s.y[i]);
      if (v !== null) {
        y[Math.round((x - lo) / width)] = v;
      }
    });
    return y;
  });
  return [xs, ...ys];
}

function finiteOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** For a log scale: values <= 0 cannot be drawn. */
export function positiveOnly(
  values: readonly (number | null)[]
): (number | null)[] {
  return values.map(v => (v !== null && v > 0 ? v : null));
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf'
];

/** A distinct colour per series: a categorical palette, then golden-angle hues. */
export function seriesColor(index: number, alpha = 1): string {
  if (index < PALETTE.length) {
    const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255);
    return alpha >= 1
      ? PALETTE[index]
      : PALETTE[index] + a.toString(16).padStart(2, '0');
  }
  const hue = (index * 137.508) % 360;
  return `hsla(${hue.toFixed(0)}, 65%, 50%, ${alpha})`;
}

/**
 * Tick increments of an integer axis (steps): 1, 2, 5, 10, 20, 25, 50, ... uPlot picks
 * the smallest that leaves room between labels; none is fractional, so neither are ticks.
 */
export const INTEGER_INCRS: readonly number[] = (() => {
  const out: number[] = [];
  for (let exp = 0; exp <= 15; exp++) {
    const scale = 10 ** exp;
    out.push(scale, 2 * scale);
    if (exp > 0) {
      out.push(2.5 * scale);
    }
    out.push(5 * scale);
  }
  return out;
})();

/** Labels of an integer axis: integers formatted for the locale, nothing between them. */
export function integerTickLabels(
  splits: readonly (number | null)[],
  format: (n: number) => string = String
): string[] {
  return splits.map(v => (v !== null && Number.isInteger(v) ? format(v) : ''));
}

/** Whether a column has more than one distinct value among the rows. */
export function differs(
  values: readonly (string | number | null | undefined)[]
): boolean {
  let first: string | undefined;
  let seen = false;
  for (const v of values) {
    const key = v === null || v === undefined ? '\u0000' : String(v);
    if (!seen) {
      first = key;
      seen = true;
    } else if (key !== first) {
      return true;
    }
  }
  return false;
}

/** Parameter values as numbers when they all are, else null. */
export function numericValues(
  values: readonly (string | undefined)[]
): (number | null)[] | null {
  const out: (number | null)[] = [];
  for (const v of values) {
    if (v === undefined || v === '') {
      out.push(null);
      continue;
    }
    const n = Number(v);
    if (!Number.isFinite(n)) {
      return null;
    }
    out.push(n);
  }
  return out;
}

/** Compare two cells for sorting: numbers numerically, missing values last. */
export function compareCells(
  a: string | number | null | undefined,
  b: string | number | null | undefined
): number {
  const missingA = a === null || a === undefined || a === '';
  const missingB = b === null || b === undefined || b === '';
  if (missingA || missingB) {
    return missingA === missingB ? 0 : missingA ? 1 : -1;
  }
  const na = typeof a === 'number' ? a : Number(a);
  const nb = typeof b === 'number' ? b : Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) {
    return na - nb;
  }
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
