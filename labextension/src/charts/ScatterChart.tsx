/**
 * A parameter (x) against a metric (y): one point per run, in the run's colour (the
 * colour of its curve and of its swatch in the table).
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
          ...(categories
            ? { range: [-0.5, categories.length - 0.5] as uPlot.Range.MinMax }
            : {})
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
      legend: { show: true },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: { draw: [drawPoints(current)] }
    };
  };
  return (
    <UPlotChart
      options={options}
      data={scatter.data}
      height={height}
      optionsKey={`${xLabel}|${yLabel}|${categories?.join(',') ?? ''}`}
      testId="labstudio-scatter-chart"
      ariaLabel={`${yLabel} against ${xLabel}`}
    />
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
