/**
 * Parallel coordinates drawn on one canvas (thousands of runs stay cheap): one vertical
 * axis per parameter and the metric last, one polyline per run in the run's colour (the
 * colour of its curve and table swatch), or coloured by the metric when none is given.
 *
 * - A parameter searched on a log scale (its tuning range says so, or its values span
 *   decades and would crowd at the bottom of a linear axis) gets a log axis.
 * - Categorical values are spread evenly; their labels never overlap (the ones that
 *   would are left out, and long ones are shortened to the room between axes).
 * - Dragging along an axis brushes an interval (`onBrush`); a click on the axis clears it.
 *   Runs outside a brush are drawn faint; the view filters its table and curves with
 *   `passesBrushes`.
 */
import * as React from 'react';

import { numericValues } from './series';
import { themeColors, useThemeVersion } from './UPlotChart';

export interface IParallelAxis {
  name: string;
  /** One value per run (strings for parameters, numbers for metrics). */
  values: (string | number | null | undefined)[];
  /** Log scale: true, false, or undefined to decide from the values (`wantsLog`). */
  log?: boolean;
}

export interface IScaledAxis {
  name: string;
  /** 0..1 per run, null when missing. */
  pos: (number | null)[];
  labels: { pos: number; text: string }[];
  /** Categorical axis (its labels are its values). */
  categorical: boolean;
  log: boolean;
}

/** A brushed interval of an axis, in 0..1 positions. */
export type AxisBrush = [number, number];

/**
 * Whether numbers are better on a log axis: all positive, spanning at least two decades,
 * and a linear axis would put most of them in its bottom tenth (a log-sampled learning
 * rate between 1e-5 and 1e-1 collapses onto one value otherwise).
 */
export function wantsLog(values: readonly number[]): boolean {
  if (values.length < 3 || values.some(v => !(v > 0))) {
    return false;
  }
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi / lo < 100) {
    return false;
  }
  const crowded = values.filter(v => (v - lo) / (hi - lo) < 0.1).length;
  return crowded / values.length >= 0.5;
}

/** Map each axis to 0..1 (numeric: min..max, linear or log; categorical: evenly spaced). */
export function scaleAxes(axes: IParallelAxis[]): IScaledAxis[] {
  return axes.map(axis => {
    const raw = axis.values.map(v =>
      v === null || v === undefined ? undefined : String(v)
    );
    const numbers = numericValues(raw);
    if (numbers) {
      const finite = numbers.filter(
        (n): n is number => n !== null && Number.isFinite(n)
      );
      const log =
        axis.log === undefined
          ? wantsLog(finite)
          : axis.log && finite.every(v => v > 0);
      const f = log ? Math.log10 : (v: number) => v;
      const lo = finite.length ? f(Math.min(...finite)) : 0;
      const hi = finite.length ? f(Math.max(...finite)) : 1;
      const span = hi - lo || 1;
      const at = (v: number) => (hi === lo ? 0.5 : (f(v) - lo) / span);
      return {
        name: axis.name,
        pos: numbers.map(n =>
          n === null || !Number.isFinite(n) ? null : at(n)
        ),
        labels: finite.length ? numericLabels(lo, hi, log, at) : [],
        categorical: false,
        log
      };
    }
    const cats = [
      ...new Set(raw.filter((v): v is string => v !== undefined))
    ].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const index = new Map(cats.map((c, i) => [c, i]));
    const at = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1));
    return {
      name: axis.name,
      pos: raw.map(v => (v === undefined ? null : at(index.get(v)!))),
      labels: cats.map((text, i) => ({ pos: at(i), text })),
      categorical: true,
      log: false
    };
  });
}

/** The ends of a numeric axis, and the decades between them on a log axis. */
function numericLabels(
  lo: number,
  hi: number,
  log: boolean,
  at: (v: number) => number
): { pos: number; text: string }[] {
  const ends = log ? [10 ** lo, 10 ** hi] : [lo, hi];
  if (hi === lo) {
    return [{ pos: 0.5, text: fmt(ends[0]) }]; // one value: one label
  }
  const labels = ends.map(v => ({ pos: at(v), text: fmt(v) }));
  if (log) {
    for (let k = Math.ceil(lo + 1e-9); k < hi - 1e-9; k++) {
      labels.push({ pos: at(10 ** k), text: `1e${k}` });
    }
  }
  return labels;
}

/** Labels that do not overlap: from the ends inwards, each at least `gap` from those kept. */
export function spacedLabels<T extends { pos: number }>(
  labels: readonly T[],
  pixels: number,
  gap: number
): T[] {
  const sorted = [...labels].sort((a, b) => a.pos - b.pos);
  if (sorted.length <= 2 || pixels <= 0) {
    return sorted;
  }
  const kept: T[] = [sorted[0], sorted[sorted.length - 1]];
  const step = Math.max(
    1,
    Math.ceil(gap / (pixels / (sorted.length - 1 || 1)))
  );
  for (let i = step; i < sorted.length - 1; i += step) {
    const y = sorted[i].pos * pixels;
    if (kept.every(k => Math.abs(k.pos * pixels - y) >= gap)) {
      kept.push(sorted[i]);
    }
  }
  return kept.sort((a, b) => a.pos - b.pos);
}

/** Whether each run lies inside every brushed interval (runs missing a brushed value do not). */
export function passesBrushes(
  scaled: readonly IScaledAxis[],
  brushes: Readonly<Record<string, AxisBrush>>
): boolean[] {
  const runs = scaled[0]?.pos.length ?? 0;
  const active = scaled.filter(a => brushes[a.name]);
  const out = new Array<boolean>(runs).fill(true);
  for (const axis of active) {
    const [lo, hi] = brushes[axis.name];
    for (let r = 0; r < runs; r++) {
      const p = axis.pos[r];
      if (p === null || p < lo - 1e-9 || p > hi + 1e-9) {
        out[r] = false;
      }
    }
  }
  return out;
}

function fmt(n: number): string {
  return Math.abs(n) >= 1e4 || (Math.abs(n) < 1e-3 && n !== 0)
    ? n.toExponential(2)
    : String(Number(n.toPrecision(4)));
}

/** A run's line colour: its own colour, else a blue (low) to red (high) metric scale. */
export function lineColor(
  runColor: string | null | undefined,
  metricPos: number | null,
  missing: string
): string {
  if (runColor) {
    return runColor;
  }
  return metricPos === null
    ? missing
    : `hsl(${(240 - 240 * metricPos).toFixed(0)}, 70%, 50%)`;
}

/** Shorten `text` to `width` px (with an ellipsis) as the canvas measures it. */
function fitText(
  ctx: CanvasRenderingContext2D,
  text: string,
  width: number
): string {
  const measured = ctx.measureText?.(text)?.width;
  if (typeof measured !== 'number' || measured <= width) {
    return text; // fits (or no canvas to measure with)
  }
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) {
    cut = cut.slice(0, -1);
  }
  return `${cut}…`;
}

const TOP = 28;
const BOTTOM_PAD = 20;
const SIDE = 56;
/** How close to an axis (px) a drag brushes it. */
const GRAB = 14;
/** Category labels at least this far apart (px). */
const LABEL_GAP = 13;

export function ParallelCoordinates(props: {
  axes: IParallelAxis[];
  /** One colour per run (the runs' colours elsewhere in the view). */
  colors?: readonly (string | null | undefined)[];
  height?: number;
  brushes?: Readonly<Record<string, AxisBrush>>;
  /** An axis was brushed (null: cleared). */
  onBrush?: (axis: string, brush: AxisBrush | null) => void;
}): JSX.Element {
  const { colors, onBrush } = props;
  const brushes = React.useMemo(() => props.brushes ?? {}, [props.brushes]);
  const ref = React.useRef<HTMLCanvasElement>(null);
  const box = React.useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();
  const [width, setWidth] = React.useState(600);
  const [dragging, setDragging] = React.useState<{
    axis: number;
    from: number;
    to: number;
  } | null>(null);
  const height = props.height ?? 280;
  const scaled = React.useMemo(() => scaleAxes(props.axes), [props.axes]);
  const bottom = height - BOTTOM_PAD;
  const left = SIDE;
  const right = width - SIDE;
  const xAt = React.useCallback(
    (i: number) =>
      scaled.length === 1
        ? (left + right) / 2
        : left + (i * (right - left)) / (scaled.length - 1),
    [scaled.length, left, right]
  );
  const yAt = (p: number) => bottom - p * (bottom - TOP);
  const posAt = (y: number) =>
    Math.max(0, Math.min(1, (bottom - y) / (bottom - TOP)));
  const shownBrushes = React.useMemo(() => {
    if (!dragging) {
      return brushes;
    }
    const name = scaled[dragging.axis]?.name;
    return name
      ? {
          ...brushes,
          [name]: [dragging.from, dragging.to].sort(
            (a, b) => a - b
          ) as AxisBrush
        }
      : brushes;
  }, [brushes, dragging, scaled]);
  const passing = React.useMemo(
    () => passesBrushes(scaled, shownBrushes),
    [scaled, shownBrushes]
  );

  React.useEffect(() => {
    const node = box.current;
    if (!node || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(
      () => node.clientWidth && setWidth(node.clientWidth)
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  React.useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext?.('2d');
    if (!canvas || !ctx || scaled.length === 0) {
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const c = themeColors();
    ctx.clearRect(0, 0, width, height);
    const colorAxis = scaled[scaled.length - 1];
    const runs = colorAxis.pos.length;
    const brushed = Object.keys(shownBrushes).length > 0;
    const line = (r: number) => {
      ctx.beginPath();
      let drawing = false;
      scaled.forEach((axis, i) => {
        const v = axis.pos[r];
        if (v === null) {
          drawing = false;
          return;
        }
        if (drawing) {
          ctx.lineTo(xAt(i), yAt(v));
        } else {
          ctx.moveTo(xAt(i), yAt(v));
          drawing = true;
        }
      });
      ctx.stroke();
    };
    // runs outside the brushes first, faint, then the others in their colours
    if (brushed) {
      ctx.lineWidth = 0.5;
      ctx.globalAlpha = 0.12;
      ctx.strokeStyle = c.grid;
      for (let r = 0; r < runs; r++) {
        if (!passing[r]) {
          line(r);
        }
      }
    }
    ctx.lineWidth = runs > 500 ? 0.5 : runs > 20 ? 1 : 1.5;
    ctx.globalAlpha = runs > 500 ? 0.35 : 0.9;
    for (let r = 0; r < runs; r++) {
      if (!passing[r]) {
        continue;
      }
      ctx.strokeStyle = lineColor(colors?.[r], colorAxis.pos[r], c.grid);
      line(r);
    }
    ctx.globalAlpha = 1;
    ctx.font = c.font;
    ctx.fillStyle = c.text;
    ctx.strokeStyle = c.text;
    ctx.lineWidth = 1;
    const room =
      scaled.length > 1 ? (right - left) / (scaled.length - 1) - 12 : SIDE * 2;
    let closest = Infinity; // the least vertical distance between two labels drawn on one axis
    scaled.forEach((axis, i) => {
      const x = xAt(i);
      ctx.beginPath();
      ctx.moveTo(x, TOP);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.textAlign = 'center';
      ctx.fillText(
        fitText(ctx, axis.log ? `${axis.name} (log)` : axis.name, room + 12),
        x,
        TOP - 12
      );
      const last = i === scaled.length - 1;
      ctx.textAlign = last ? 'right' : 'left';
      const labels = spacedLabels(axis.labels, bottom - TOP, LABEL_GAP);
      for (let k = 1; k < labels.length; k++) {
        closest = Math.min(
          closest,
          (labels[k].pos - labels[k - 1].pos) * (bottom - TOP)
        );
      }
      const labelRoom = last ? SIDE - 6 : room / 2;
      for (const label of labels) {
        ctx.fillText(
          fitText(ctx, label.text, labelRoom),
          x + (last ? -4 : 4),
          yAt(label.pos) + 4
        );
      }
      const brush = shownBrushes[axis.name];
      if (brush) {
        ctx.globalAlpha = 0.25;
        ctx.fillStyle = c.text;
        ctx.fillRect(x - 6, yAt(brush[1]), 12, yAt(brush[0]) - yAt(brush[1]));
        ctx.globalAlpha = 1;
        ctx.strokeRect(x - 6, yAt(brush[1]), 12, yAt(brush[0]) - yAt(brush[1]));
        ctx.fillStyle = c.text;
      }
    });
    canvas.dataset.minLabelGap = Number.isFinite(closest)
      ? closest.toFixed(1)
      : '';
    canvas.dataset.labels = String(
      scaled.reduce(
        (n, axis) =>
          n + spacedLabels(axis.labels, bottom - TOP, LABEL_GAP).length,
        0
      )
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- yAt follows bottom
  }, [scaled, colors, width, height, theme, passing, shownBrushes, xAt]);

  const point = (e: React.PointerEvent) => {
    const rect = ref.current!.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  const axisNear = (x: number, y: number) => {
    if (y < TOP - 6 || y > bottom + 6) {
      return -1;
    }
    let best = -1;
    let distance = GRAB;
    scaled.forEach((_, i) => {
      const d = Math.abs(xAt(i) - x);
      if (d <= distance) {
        distance = d;
        best = i;
      }
    });
    return best;
  };

  const passed = passing.filter(Boolean).length;
  return (
    <div
      ref={box}
      className="labstudio-chart"
      data-testid="labstudio-parallel-chart"
      data-axes={scaled.length}
      data-log-axes={scaled
        .filter(a => a.log)
        .map(a => a.name)
        .join(',')}
      data-brushed={passed}
    >
      <canvas
        ref={ref}
        data-testid="labstudio-parallel-canvas"
        style={{ width: '100%', height, touchAction: 'none' }}
        role="img"
        aria-label={`Parallel coordinates of ${scaled.map(a => a.name).join(', ')}; drag along an axis to brush it`}
        onPointerDown={e => {
          const { x, y } = point(e);
          const axis = axisNear(x, y);
          if (axis >= 0 && onBrush) {
            (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
            const p = posAt(y);
            setDragging({ axis, from: p, to: p });
          }
        }}
        onPointerMove={e => {
          if (dragging) {
            const { y } = point(e);
            setDragging({ ...dragging, to: posAt(y) });
          } else {
            const { x, y } = point(e);
            (e.target as HTMLElement).style.cursor =
              axisNear(x, y) >= 0 && onBrush ? 'ns-resize' : '';
          }
        }}
        onPointerUp={() => {
          if (!dragging) {
            return;
          }
          const name = scaled[dragging.axis].name;
          const span = Math.abs(dragging.to - dragging.from) * (bottom - TOP);
          setDragging(null);
          // a click (no drag) clears the axis' brush
          onBrush?.(name, span < 3 ? null : [dragging.from, dragging.to]);
        }}
      />
    </div>
  );
}
