/**
 * Parallel coordinates drawn on one canvas (thousands of runs stay cheap): one vertical
 * axis per parameter and the metric last, one polyline per run in the run's colour (the
 * colour of its curve and table swatch), or coloured by the metric when none is given.
 * Categorical parameters are spread evenly on their axis with their values as labels.
 */
import * as React from 'react';

import { numericValues } from './series';
import { themeColors, useThemeVersion } from './UPlotChart';

export interface IParallelAxis {
  name: string;
  /** One value per run (strings for parameters, numbers for metrics). */
  values: (string | number | null | undefined)[];
}

interface IScaledAxis {
  name: string;
  /** 0..1 per run, null when missing. */
  pos: (number | null)[];
  labels: { pos: number; text: string }[];
}

/** Map each axis to 0..1 (numeric: min..max; categorical: evenly spaced, sorted). */
export function scaleAxes(axes: IParallelAxis[]): IScaledAxis[] {
  return axes.map(axis => {
    const raw = axis.values.map(v =>
      v === null || v === undefined ? undefined : String(v)
    );
    const numbers = numericValues(raw);
    if (numbers) {
      const finite = numbers.filter((n): n is number => n !== null);
      const lo = Math.min(...finite);
      const hi = Math.max(...finite);
      const span = hi - lo || 1;
      return {
        name: axis.name,
        pos: numbers.map(n =>
          n === null ? null : hi === lo ? 0.5 : (n - lo) / span
        ),
        labels: finite.length
          ? [
              { pos: 0, text: fmt(lo) },
              { pos: 1, text: fmt(hi) }
            ]
          : []
      };
    }
    const cats = [
      ...new Set(raw.filter((v): v is string => v !== undefined))
    ].sort();
    const at = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1));
    return {
      name: axis.name,
      pos: raw.map(v => (v === undefined ? null : at(cats.indexOf(v)))),
      labels: cats.slice(0, 12).map((text, i) => ({ pos: at(i), text }))
    };
  });
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

export function ParallelCoordinates(props: {
  axes: IParallelAxis[];
  /** One colour per run (the runs' colours elsewhere in the view). */
  colors?: readonly (string | null | undefined)[];
  height?: number;
}): JSX.Element {
  const { colors } = props;
  const ref = React.useRef<HTMLCanvasElement>(null);
  const box = React.useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();
  const [width, setWidth] = React.useState(600);
  const height = props.height ?? 280;
  const scaled = React.useMemo(() => scaleAxes(props.axes), [props.axes]);

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
    const top = 24;
    const bottom = height - 20;
    const left = 50;
    const right = width - 50;
    const xAt = (i: number) =>
      scaled.length === 1
        ? (left + right) / 2
        : left + (i * (right - left)) / (scaled.length - 1);
    const yAt = (p: number) => bottom - p * (bottom - top);
    const colorAxis = scaled[scaled.length - 1];
    const runs = colorAxis.pos.length;
    ctx.lineWidth = runs > 500 ? 0.5 : runs > 20 ? 1 : 1.5;
    ctx.globalAlpha = runs > 500 ? 0.35 : 0.9;
    for (let r = 0; r < runs; r++) {
      ctx.strokeStyle = lineColor(colors?.[r], colorAxis.pos[r], c.grid);
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
    }
    ctx.globalAlpha = 1;
    ctx.font = c.font;
    ctx.fillStyle = c.text;
    ctx.strokeStyle = c.text;
    ctx.lineWidth = 1;
    scaled.forEach((axis, i) => {
      const x = xAt(i);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.textAlign = 'center';
      ctx.fillText(axis.name, x, top - 10);
      ctx.textAlign = i === scaled.length - 1 ? 'right' : 'left';
      for (const label of axis.labels) {
        ctx.fillText(
          label.text,
          x + (i === scaled.length - 1 ? -4 : 4),
          yAt(label.pos) + 4
        );
      }
    });
  }, [scaled, colors, width, height, theme]);

  return (
    <div
      ref={box}
      className="labstudio-chart"
      data-testid="labstudio-parallel-chart"
      data-axes={scaled.length}
    >
      <canvas
        ref={ref}
        style={{ width: '100%', height }}
        role="img"
        aria-label={`Parallel coordinates of ${scaled.map(a => a.name).join(', ')}`}
      />
    </div>
  );
}
