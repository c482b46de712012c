/**
 * Curves of one metric for many runs on one chart: x = step or time, linear or log y,
 * smoothing (the raw curve stays faint behind the smoothed one when there are few runs).
 *
 * The run under the cursor is named (run, step, value) above the chart and its curve is
 * highlighted (the others fade); the legend lists every run and a click on one shows its
 * curve alone (`onIsolate`; again for all). A thousand curves and more are drawn: uPlot
 * draws canvas paths, and the legend is one scrollable line of names, not uPlot's table.
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
  /** The series shown alone (its `key`), or null for all. */
  isolated?: string | null;
  /** A legend click on a series (its `key`): show it alone, or all again. */
  onIsolate?: (key: string) => void;
  /** Show the legend under the chart (default true). */
  legend?: boolean;
}

const numberFormat = new Intl.NumberFormat();

/** x = step: steps are integers, so are the ticks (no 0.5 between step 0 and step 1). */
export const stepAxis: Pick<uPlot.Axis, 'incrs' | 'values'> = {
  incrs: [...INTEGER_INCRS],
  values: (_u: uPlot, splits: number[]) =>
    integerTickLabels(splits, n => numberFormat.format(n))
};

/** Cursor distance (CSS px) within which the closest curve is the one "under the cursor". */
const FOCUS_PROXIMITY = 24;

/** What the hover line says about the curve under the cursor. */
export function hoverText(
  label: string,
  xMode: 'step' | 'time',
  x: number,
  y: number
): string {
  const where =
    xMode === 'step'
      ? `step ${numberFormat.format(x)}`
      : `${Number(x.toPrecision(4))} s`;
  return `${label} · ${where} · ${Number(y.toPrecision(6))}`;
}

export function MetricChart(props: IMetricChartProps): JSX.Element {
  const { xMode, logScale, smoothing, metric, isolated } = props;
  const height = props.height ?? 280;
  const series = React.useMemo(
    () =>
      isolated ? props.series.filter(s => s.key === isolated) : props.series,
    [props.series, isolated]
  );
  const showRaw = smoothing > 0 && series.length <= 10;
  const hover = React.useRef<HTMLDivElement>(null);

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
    series
      .map(s => `${s.key ?? s.label}\u0002${s.colorIndex ?? ''}`)
      .join('\u0001')
  ].join('|');

  const options = (width: number, c: IThemeColors): uPlot.Options => {
    const uSeries: uPlot.Series[] = [
      { label: xMode === 'time' ? 'time (s)' : 'step' }
    ];
    // uPlot's series index -> ours (the raw curves follow their smoothed ones)
    const owner: number[] = [-1];
    series.forEach((s, i) => {
      const index = s.colorIndex ?? i;
      uSeries.push({
        label: s.label,
        stroke: seriesColor(index),
        width: series.length > 200 ? 1 : 1.5,
        spanGaps: true,
        points: { show: false }
      });
      owner.push(i);
      if (showRaw) {
        uSeries.push({
          label: `${s.label} (raw)`,
          stroke: seriesColor(index, 0.25),
          width: 1,
          spanGaps: true,
          points: { show: false }
        });
        owner.push(i);
      }
    });
    const axis = {
      stroke: c.text,
      font: c.font,
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 }
    };
    let focused: number | null = null;
    const readout = (u: uPlot) => {
      const node = hover.current;
      if (!node) {
        return;
      }
      const idx = u.cursor.idx;
      const s = focused === null ? null : series[owner[focused]];
      const y =
        focused === null || idx === null || idx === undefined
          ? null
          : u.data[focused][idx];
      if (
        !s ||
        y === null ||
        y === undefined ||
        idx === null ||
        idx === undefined
      ) {
        node.textContent = '';
        node.removeAttribute('data-run');
        node.removeAttribute('data-step');
        return;
      }
      const x = u.data[0][idx];
      node.textContent = hoverText(s.label, xMode, x, y);
      node.setAttribute('data-run', s.key ?? s.label);
      node.setAttribute('data-step', String(x));
      node.style.color = seriesColor(s.colorIndex ?? owner[focused ?? 0]);
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
      legend: { show: false },
      cursor: {
        focus: { prox: FOCUS_PROXIMITY },
        drag: { x: true, y: false },
        points: { show: series.length <= 20 }
      },
      focus: { alpha: series.length > 1 ? 0.15 : 1 },
      hooks: {
        setSeries: [
          (u: uPlot, index: number | null, opts: uPlot.Series) => {
            // uPlot passes {focus: true} when the series under the cursor changes
            if ((opts as { focus?: boolean }).focus !== undefined) {
              focused = index;
              readout(u);
            }
          }
        ],
        setCursor: [(u: uPlot) => readout(u)]
      }
    };
  };

  return (
    <div className="labstudio-metric-chart-box">
      <div
        ref={hover}
        className="labstudio-chart-hover"
        data-testid="labstudio-chart-hover"
        aria-live="polite"
      />
      <UPlotChart
        options={options}
        data={data}
        height={height}
        optionsKey={optionsKey}
        testId="labstudio-metric-chart"
        ariaLabel={`${metric} of ${series.length} runs`}
        curves={series.length}
      />
      {props.legend !== false && props.series.length > 0 && (
        <ChartLegend
          series={props.series}
          isolated={isolated ?? null}
          onIsolate={props.onIsolate}
        />
      )}
    </div>
  );
}

/**
 * One entry per curve (its colour and name); a click shows that curve alone. A long
 * legend scrolls within a few lines instead of pushing the chart away.
 */
export const ChartLegend = React.memo(function ChartLegend(props: {
  series: IXYSeries[];
  isolated: string | null;
  onIsolate?: (key: string) => void;
}): JSX.Element {
  const { series, isolated, onIsolate } = props;
  return (
    <ul
      className="labstudio-chart-legend"
      data-testid="labstudio-chart-legend"
      aria-label="Runs (click one to show it alone)"
    >
      {series.map((s, i) => {
        const key = s.key ?? s.label;
        const on = isolated === key;
        return (
          <li key={key}>
            <button
              className={`labstudio-legend-item ${on ? 'labstudio-legend-on' : ''} ${isolated && !on ? 'labstudio-legend-off' : ''}`}
              data-testid="labstudio-legend-item"
              data-run={key}
              aria-pressed={on}
              title={
                on
                  ? `Showing ${s.label} alone: click to show every run`
                  : `Show ${s.label} alone`
              }
              onClick={() => onIsolate?.(key)}
            >
              <span
                className="labstudio-swatch"
                style={{ background: seriesColor(s.colorIndex ?? i) }}
              />
              {s.label}
            </button>
          </li>
        );
      })}
    </ul>
  );
});
