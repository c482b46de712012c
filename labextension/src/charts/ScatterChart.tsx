/** A parameter (x) against a metric (y): one point per run. */
import type uPlot from 'uplot';
import * as React from 'react';

import { seriesColor } from './series';
import { IThemeColors, UPlotChart } from './UPlotChart';

export interface IScatterPoint {
  x: number;
  y: number;
  label: string;
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
  const data = React.useMemo(() => {
    // uPlot wants ascending x: sort, and nudge equal x values apart by a hair.
    const sorted = [...points].sort((a, b) => a.x - b.x);
    const xs: number[] = [];
    const ys: number[] = [];
    let previous = -Infinity;
    for (const p of sorted) {
      const x = p.x <= previous ? previous + Math.max(1e-9, Math.abs(previous) * 1e-9) : p.x;
      xs.push(x);
      ys.push(p.y);
      previous = x;
    }
    return [xs, ys] as [number[], number[]];
  }, [points]);
  const options = (width: number, c: IThemeColors): uPlot.Options => {
    const axis = { stroke: c.text, font: c.font, labelFont: c.font, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } };
    return {
      width,
      height,
      scales: { x: { time: false, ...(categories ? { range: [-0.5, categories.length - 0.5] as uPlot.Range.MinMax } : {}) } },
      series: [
        { label: xLabel },
        { label: yLabel, stroke: seriesColor(0), fill: seriesColor(0, 0.5), paths: () => null, points: { show: true, size: 7, fill: seriesColor(0) } }
      ],
      axes: [
        { ...axis, label: xLabel, ...(categories ? { splits: () => categories.map((_, i) => i), values: (_: uPlot, ticks: number[]) => ticks.map(t => categories[Math.round(t)] ?? '') } : {}) },
        { ...axis, label: yLabel, size: 60 }
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } }
    };
  };
  return (
    <UPlotChart
      options={options}
      data={data}
      height={height}
      optionsKey={`${xLabel}|${yLabel}|${categories?.join(',') ?? ''}`}
      testId="labstudio-scatter-chart"
      ariaLabel={`${yLabel} against ${xLabel}`}
    />
  );
}
