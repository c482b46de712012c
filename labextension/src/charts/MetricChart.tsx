/**
 * Curves of one metric for many runs on one chart: x = step or time, linear or log y,
 * smoothing (the raw curve stays faint behind the smoothed one when there are few runs).
 */
import type uPlot from 'uplot';
import * as React from 'react';

import {
  align,
  INTEGER_INCRS,
  integerTickLabels,
  IXYSeries,
  positiveOnly,
  seriesColor,
  smooth
} from './series';
import { IThemeColors, UPlotChart } from './UPlotChart';

export interface IMetricChartProps {
  metric: string;
  series: IXYSeries[];
  xMode: 'step' | 'time';
  logScale: boolean;
  smoothing: number;
  height?: number;
}

const numberFormat = new Intl.NumberFormat();

/** x = step: steps are integers, so are the ticks (no 0.5 between step 0 and step 1). */
export const stepAxis: Pick<uPlot.Axis, 'incrs' | 'values'> = {
  incrs: [...INTEGER_INCRS],
  values: (_u: uPlot, splits: number[]) =>
    integerTickLabels(splits, n => numberFormat.format(n))
};

export function MetricChart(props: IMetricChartProps): JSX.Element {
  const { series, xMode, logScale, smoothing, metric } = props;
  const height = props.height ?? 280;
  const showRaw = smoothing > 0 && series.length <= 10;

  const data = React.useMemo(() => {
    const aligned = align(series);
    const [xs, ...ys] = aligned;
    const out: (number | null)[][] = [];
    for (const y of ys) {
      const s = smooth(y, smoothing);
      out.push(logScale ? positiveOnly(s) : s);
      if (showRaw) {
        out.push(logScale ? positiveOnly(y) : y);
      }
    }
    return [xs, ...out] as [number[], ...(number | null)[][]];
  }, [series, smoothing, logScale, showRaw]);

  const optionsKey = [
    metric,
    xMode,
    logScale,
    showRaw,
    series.map(s => `${s.label}\u0002${s.colorIndex ?? ''}`).join('\u0001')
  ].join('|');

  const options = (width: number, c: IThemeColors): uPlot.Options => {
    const uSeries: uPlot.Series[] = [
      { label: xMode === 'time' ? 'time (s)' : 'step' }
    ];
    series.forEach((s, i) => {
      const index = s.colorIndex ?? i;
      uSeries.push({
        label: s.label,
        stroke: seriesColor(index),
        width: 1.5,
        spanGaps: true,
        points: { show: false }
      });
      if (showRaw) {
        uSeries.push({
          label: `${s.label} (raw)`,
          stroke: seriesColor(index, 0.25),
          width: 1,
          spanGaps: true,
          points: { show: false }
        });
      }
    });
    const axis = {
      stroke: c.text,
      font: c.font,
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 }
    };
    return {
      width,
      height,
      series: uSeries,
      scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
      axes: [
        {
          ...axis,
          label: xMode === 'time' ? 'seconds since start' : 'step',
          labelFont: c.font,
          ...(xMode === 'step' ? stepAxis : {})
        },
        { ...axis, label: metric, labelFont: c.font, size: 60 }
      ],
      legend: { show: uSeries.length <= 21, live: true },
      cursor: { focus: { prox: 16 }, drag: { x: true, y: false } },
      focus: { alpha: 0.3 }
    };
  };

  return (
    <UPlotChart
      options={options}
      data={data}
      height={height}
      optionsKey={optionsKey}
      testId="labstudio-metric-chart"
      ariaLabel={`${metric} of ${series.length} runs`}
    />
  );
}
