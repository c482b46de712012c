/**
 * The objective of each trial of a tuning job (one dot per trial; hollow when the trial
 * was stopped early) and the best objective so far as a step line, on uPlot. x is the
 * trial's end time (seconds since the sweep started) or its number.
 */
import type uPlot from 'uplot';
import * as React from 'react';

import { INTEGER_INCRS, integerTickLabels, seriesColor } from './series';
import { IThemeColors, UPlotChart } from './UPlotChart';

export interface IObjectiveChartProps {
  objective: string;
  /** Ascending x, one per trial with an objective. */
  x: number[];
  y: number[];
  /** The best so far at each x (null before the first completed trial). */
  best: (number | null)[];
  earlyStopped: boolean[];
  names: string[];
  xMode: 'time' | 'index';
  height?: number;
}

const DOT = seriesColor(0);
const BEST = seriesColor(1);

export function ObjectiveChart(props: IObjectiveChartProps): JSX.Element {
  const { objective, xMode } = props;
  const height = props.height ?? 260;
  const data = React.useMemo(
    () =>
      [props.x, props.y, props.best] as [number[], number[], (number | null)[]],
    [props.x, props.y, props.best]
  );
  // The draw hook reads the current points: new data keeps the chart (setData).
  const current = React.useRef(props);
  current.current = props;

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
          // room around the first and last dots (uPlot fits x to the data exactly)
          range: (_u, min, max) => {
            const pad =
              xMode === 'index' ? 0.5 : Math.max((max - min) * 0.04, 0.5);
            return [min - pad, max + pad];
          }
        }
      },
      series: [
        { label: xMode === 'time' ? 'seconds' : 'trial' },
        {
          label: objective,
          stroke: DOT,
          paths: () => null,
          points: { show: false },
          value: (_u, v, _s, idx) =>
            v === null || idx === null
              ? '--'
              : `${fmt(v)} (${current.current.names[idx] ?? ''})`
        },
        {
          label: 'best so far',
          stroke: BEST,
          paths: () => null,
          points: { show: false },
          value: (_u, v) => (v === null ? '--' : fmt(v))
        }
      ],
      axes: [
        {
          ...axis,
          label: xMode === 'time' ? 'trial end (seconds since start)' : 'trial',
          ...(xMode === 'index'
            ? {
                incrs: [...INTEGER_INCRS],
                values: (_u: uPlot, splits: number[]) =>
                  integerTickLabels(splits, String)
              }
            : {})
        },
        { ...axis, label: objective, size: 60 }
      ],
      legend: { show: true },
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      hooks: { draw: [drawTrials(current)] }
    };
  };
  return (
    <UPlotChart
      options={options}
      data={data}
      height={height}
      optionsKey={`${objective}|${xMode}`}
      testId="labstudio-objective-chart"
      ariaLabel={`${objective} of each trial, and the best so far`}
    />
  );
}

/** The best-so-far steps, then a dot per trial (uPlot draws neither itself here). */
function drawTrials(
  current: React.MutableRefObject<IObjectiveChartProps>
): (u: uPlot) => void {
  return (u: uPlot) => {
    const xs = u.data[0];
    const ys = u.data[1];
    const best = u.data[2];
    const dpr = window.devicePixelRatio || 1;
    const ctx = u.ctx;
    const px = (i: number) => u.valToPos(xs[i], 'x', true);
    const py = (v: number) => u.valToPos(v, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.strokeStyle = BEST;
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    let level: number | null = null;
    for (let i = 0; i < xs.length; i++) {
      const b = best[i];
      if (b === null || b === undefined) {
        continue;
      }
      if (level === null) {
        ctx.moveTo(px(i), py(b));
      } else {
        ctx.lineTo(px(i), py(level)); // keep the level until it improves
        ctx.lineTo(px(i), py(b));
      }
      level = b;
    }
    if (level !== null) {
      ctx.lineTo(u.bbox.left + u.bbox.width, py(level));
    }
    ctx.stroke();
    const radius = 3.5 * dpr;
    ctx.lineWidth = 1.5 * dpr;
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      if (y === null || y === undefined) {
        continue;
      }
      ctx.beginPath();
      ctx.arc(px(i), py(y), radius, 0, 2 * Math.PI);
      if (current.current.earlyStopped[i]) {
        ctx.strokeStyle = DOT;
        ctx.stroke();
      } else {
        ctx.fillStyle = DOT;
        ctx.fill();
      }
    }
    ctx.restore();
  };
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}
