/**
 * A parameter (x) against a metric (y): one point per run, in the run's colour (the
 * colour of its curve and of its swatch in the table). The scales leave a margin so no
 * point is cut at the edges, and the point under the cursor is named (run, x, y).
 */
import type uPlot from 'uplot';
import * as React from 'react';

import { seriesColor } from './series';
import { IThemeColors, UPlotChart } from './UPlotChart';

export interface IScatterPoint {
  x: number;
  y: number;
  label: string;
  /** The run's colour (default: the first series colour). */
  color?: string;
}

/** Points sorted by x for uPlot (equal x values nudged apart by a hair), with colours. */
export function scatterData(points: readonly IScatterPoint[]): {
  data: [number[], number[]];
  colors: string[];
  labels: string[];
} {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const xs: number[] = [];
  const ys: number[] = [];
  let previous = -Infinity;
  for (const p of sorted) {
    const x =
      p.x <= previous
        ? previous + Math.max(1e-9, Math.abs(previous) * 1e-9)
        : p.x;
    xs.push(x);
    ys.push(p.y);
    previous = x;
  }
  return {
    data: [xs, ys],
    colors: sorted.map(p => p.color ?? seriesColor(0)),
    labels: sorted.map(p => p.label)
  };
}

/** A scale's range with a margin of `pad` of its span each side (points are not cut). */
export function paddedRange(
  min: number | null,
  max: number | null,
  pad = 0.06
): [number, number] {
  if (
    min === null ||
    max === null ||
    !Number.isFinite(min) ||
    !Number.isFinite(max)
  ) {
    return [0, 1];
  }
  const span = max - min || Math.abs(max) || 1;
  return [min - span * pad, max + span * pad];
}

/** The index of the point nearest (x, y) in CSS px within `radius`, or -1. */
export function nearestPoint(
  xs: readonly number[],
  ys: readonly (number | null)[],
  toX: (v: number) => number,
  toY: (v: number) => number,
  x: number,
  y: number,
  radius = 12
): number {
  let best = -1;
  let bestDist = radius * radius;
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (v === null || v === undefined) {
      continue;
    }
    const dx = toX(xs[i]) - x;
    const dy = toY(v) - y;
    const d = dx * dx + dy * dy;
    if (d <= bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}

export function ScatterChart(props: {
  xLabel: string;
  yLabel: string;
  points: IScatterPoint[];
  /** Tick labels when x is categorical (x is then the category index). */
  categories?: string[] | null;
  height?: number;
}): JSX.Element {
  const { points, xLabel, yLabel, categories } = props;
  const height = props.height ?? 260;
  const scatter = React.useMemo(() => scatterData(points), [points]);
  // The draw hook reads the current colours: new data keeps the chart (setData).
  const current = React.useRef(scatter);
  current.current = scatter;
  const tip = React.useRef<HTMLDivElement>(null);
  const categoriesRef = React.useRef(categories);
  categoriesRef.current = categories;

  const options = (width: number, c: IThemeColors): uPlot.Options => {
    const axis = {
      stroke: c.text,
      font: c.font,
      labelFont: c.font,
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 }
    };
    return {
      width,
      height,
      scales: {
        x: {
          time: false,
          range: categories
            ? ([-0.5, categories.length - 0.5] as uPlot.Range.MinMax)
            : (_u: uPlot, min: number, max: number) => paddedRange(min, max)
        },
        y: {
          range: (_u: uPlot, min: number, max: number) => paddedRange(min, max)
        }
      },
      series: [
        { label: xLabel },
        {
          label: yLabel,
          stroke: c.text,
          paths: () => null,
          points: { show: false },
          // the hovered run's name beside its value
          value: (
            u: uPlot,
            v: number | null,
            _s: number,
            idx: number | null
          ) =>
            v === null || idx === null
              ? '--'
              : `${fmt(v)} (${current.current.labels[idx] ?? ''})`
        }
      ],
      axes: [
        {
          ...axis,
          label: xLabel,
          ...(categories
            ? {
                splits: () => categories.map((_, i) => i),
                values: (_: uPlot, ticks: number[]) =>
                  ticks.map(t => categories[Math.round(t)] ?? '')
              }
            : {})
        },
        { ...axis, label: yLabel, size: 60 }
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: {
        draw: [drawPoints(current)],
        setCursor: [
          (u: uPlot) => {
            const node = tip.current;
            if (!node) {
              return;
            }
            const { left, top } = u.cursor;
            const i =
              left === undefined || top === undefined || left < 0
                ? -1
                : nearestPoint(
                    u.data[0] as number[],
                    u.data[1] as (number | null)[],
                    v => u.valToPos(v, 'x'),
                    v => u.valToPos(v, 'y'),
                    left,
                    top
                  );
            if (i < 0) {
              node.style.display = 'none';
              node.removeAttribute('data-run');
              return;
            }
            const data = current.current;
            const cats = categoriesRef.current;
            const xValue = u.data[0][i] as number;
            const xText = cats ? (cats[Math.round(xValue)] ?? '') : fmt(xValue);
            node.textContent = `${data.labels[i]} · ${xLabel} ${xText} · ${yLabel} ${fmt(u.data[1][i] as number)}`;
            node.setAttribute('data-run', data.labels[i]);
            node.style.display = 'block';
            node.style.left = `${u.bbox.left / (window.devicePixelRatio || 1) + u.valToPos(xValue, 'x') + 10}px`;
            node.style.top = `${u.bbox.top / (window.devicePixelRatio || 1) + u.valToPos(u.data[1][i] as number, 'y') - 24}px`;
          }
        ]
      }
    };
  };
  return (
    <div className="labstudio-scatter-box">
      <UPlotChart
        options={options}
        data={scatter.data}
        height={height}
        optionsKey={`${xLabel}|${yLabel}|${categories?.join(',') ?? ''}`}
        testId="labstudio-scatter-chart"
        ariaLabel={`${yLabel} against ${xLabel}`}
      />
      <div
        ref={tip}
        className="labstudio-chart-tip"
        data-testid="labstudio-scatter-tip"
        style={{ display: 'none' }}
      />
    </div>
  );
}

/** Draw each point in its own colour (uPlot's points share one colour per series). */
function drawPoints(current: React.MutableRefObject<{ colors: string[] }>) {
  return (u: uPlot) => {
    const xs = u.data[0];
    const ys = u.data[1];
    const ctx = u.ctx;
    const radius = 3.5 * (window.devicePixelRatio || 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      if (y === null || y === undefined) {
        continue;
      }
      ctx.fillStyle = current.current.colors[i] ?? seriesColor(0);
      ctx.beginPath();
      ctx.arc(
        u.valToPos(xs[i], 'x', true),
        u.valToPos(y, 'y', true),
        radius,
        0,
        2 * Math.PI
      );
      ctx.fill();
    }
    ctx.restore();
  };
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}
