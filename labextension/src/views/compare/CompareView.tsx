/**
 * Run comparison (main area): metric curves of every selected run on one chart (x = step
 * or time, log scale, smoothing; the run under the cursor named, a legend click shows
 * one run alone), the table of parameters and metric summaries, a parameter-vs-metric
 * scatter and parallel coordinates whose brushes filter the table and the curves.
 *
 * Series come downsampled from the server (`POST /runs/compare`, one metric at a time,
 * a page of runs at a time: the curves appear in batches); in-progress runs are followed
 * over `run.metrics` / `run.status` events (throttled).
 */
import * as React from 'react';

import { MetricChart } from '../../charts/MetricChart';
import {
  IParallelAxis,
  ParallelCoordinates,
  passesBrushes,
  scaleAxes
} from '../../charts/ParallelCoordinates';
import { ScatterChart } from '../../charts/ScatterChart';
import { IXYSeries, numericValues, seriesColor } from '../../charts/series';
import { IRun, toNumber } from '../../types';
import { ErrorBox, plural } from '../common/common';
import { useModel } from '../common/useModel';
import { CompareTable } from './CompareTable';
import {
  CompareModel,
  ICompareData,
  MAX_TIME_CURVES,
  XMode
} from './compareModel';
import { buildColumns, sortRuns, Summary } from './table';

export interface ICompareViewProps {
  model: CompareModel;
}

/** Parameters on the parallel coordinates, at most (the metric comes last). */
const MAX_PARALLEL_PARAMS = 8;

export function CompareView(props: ICompareViewProps): JSX.Element {
  const model = useModel(props.model);
  const {
    data,
    error,
    metric,
    xMode,
    logScale,
    smoothing,
    summary,
    onlyDiff,
    sort,
    scatterParam,
    timeSeries,
    live,
    brushes,
    isolated,
    total,
    loading
  } = model;

  const paramNames = React.useMemo(
    () =>
      data
        ? [...new Set(data.runs.flatMap(r => Object.keys(r.params)))].sort()
        : [],
    [data]
  );
  const varying = React.useMemo(
    () =>
      data
        ? paramNames.filter(p => {
            const first = data.runs[0]?.params[p];
            return data.runs.some(r => r.params[p] !== first);
          })
        : [],
    [data, paramNames]
  );
  const metricValue = React.useCallback(
    (r: IRun) =>
      r.metrics[metric] ? toNumber(r.metrics[metric][summary]) : null,
    [metric, summary]
  );
  const axes: IParallelAxis[] = React.useMemo(
    () =>
      data
        ? [
            ...(varying.length ? varying : paramNames)
              .slice(0, MAX_PARALLEL_PARAMS)
              .map(p => ({
                name: p,
                values: data.runs.map(r => r.params[p]),
                log: model.logParams.has(p) ? true : undefined
              })),
            { name: metric, values: data.runs.map(metricValue) }
          ]
        : [],
    [data, varying, paramNames, metric, metricValue, model.logParams]
  );
  // The runs inside every brush (all of them when nothing is brushed).
  const kept = React.useMemo(() => {
    if (!data) {
      return [] as IRun[];
    }
    if (Object.keys(brushes).length === 0) {
      return data.runs;
    }
    const passing = passesBrushes(scaleAxes(axes), brushes);
    return data.runs.filter((_, i) => passing[i]);
  }, [data, axes, brushes]);

  const columns = React.useMemo(
    () => (data ? buildColumns(kept, summary, onlyDiff) : []),
    [data, kept, summary, onlyDiff]
  );
  const sortedRuns = React.useMemo(
    () => (data ? sortRuns(kept, columns, sort) : []),
    [data, kept, columns, sort]
  );
  // One colour per run, the same in the curves, the table, the scatter and the
  // parallel coordinates.
  const colorIndex = React.useMemo(() => {
    const map = new Map<string, number>();
    data?.runs.forEach((r, i) => map.set(r.id, i));
    return map;
  }, [data]);
  const colors = React.useMemo(() => {
    const map = new Map<string, string>();
    colorIndex.forEach((i, id) => map.set(id, seriesColor(i)));
    return map;
  }, [colorIndex]);
  const stepSeries = React.useMemo(
    () => (data ? curves(data, kept, metric, colorIndex) : []),
    [data, kept, metric, colorIndex]
  );

  if (error) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.reload()} />
      </div>
    );
  }
  if (!data) {
    return (
      <div
        className="labstudio-main labstudio-empty"
        data-testid="labstudio-compare-loading"
      >
        Loading{' '}
        {model.selection.expected !== undefined
          ? plural(model.selection.expected, 'run')
          : 'the runs'}
        …
      </div>
    );
  }

  const keptIds = new Set(kept.map(r => r.id));
  const timeCurves = (timeSeries ?? []).filter(s => keptIds.has(s.key ?? ''));
  const shownCurves = xMode === 'time' ? timeCurves : stepSeries;
  const xParam = scatterParam || varying[0] || paramNames[0] || '';
  const scatter = scatterPoints(kept, xParam, metricValue, colors);
  const brushed = Object.keys(brushes).length > 0;
  const count = total ?? data.runs.length;

  return (
    <div
      className="labstudio-main labstudio-compare"
      data-testid="labstudio-compare-view"
      data-runs={data.runs.length}
      data-total={count}
      data-loading={loading ? 'true' : 'false'}
    >
      <div className="labstudio-toolbar labstudio-compare-toolbar">
        <strong data-testid="labstudio-compare-count">
          {plural(count, 'run')}
        </strong>
        {loading && data.runs.length < count && (
          <span
            className="labstudio-hint"
            data-testid="labstudio-compare-progress"
          >
            {data.runs.length.toLocaleString()} loaded…
          </span>
        )}
        <label className="labstudio-inline-label">
          Metric
          <select
            className="jp-mod-styled"
            data-testid="labstudio-compare-metric"
            value={metric}
            onChange={e => model.setMetric(e.target.value)}
          >
            {data.metrics.length === 0 && (
              <option value="">(no metrics)</option>
            )}
            {data.metrics.map(m => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="labstudio-inline-label">
          x
          <select
            className="jp-mod-styled"
            data-testid="labstudio-compare-x"
            value={xMode}
            onChange={e => model.setXMode(e.target.value as XMode)}
          >
            <option value="step">step</option>
            <option value="time">time</option>
          </select>
        </label>
        <label className="labstudio-inline-label">
          <input
            type="checkbox"
            data-testid="labstudio-compare-log"
            checked={logScale}
            onChange={e => model.setLogScale(e.target.checked)}
          />
          log scale
        </label>
        <label className="labstudio-inline-label">
          smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            data-testid="labstudio-compare-smoothing"
            aria-label="Smoothing"
            onChange={e => model.setSmoothing(Number(e.target.value))}
          />
          <span className="labstudio-num">{smoothing.toFixed(2)}</span>
        </label>
        {xMode === 'time' && kept.length > MAX_TIME_CURVES && (
          <span className="labstudio-hint">
            against time: the first {MAX_TIME_CURVES} runs
          </span>
        )}
        {brushed && (
          <span
            className="labstudio-hint"
            data-testid="labstudio-compare-brushed"
          >
            {kept.length.toLocaleString()} of {plural(data.runs.length, 'run')}{' '}
            in the brushes{' '}
            <button
              className="labstudio-link"
              data-testid="labstudio-compare-clear-brushes"
              onClick={() => model.clearBrushes()}
            >
              clear
            </button>
          </span>
        )}
        {live && (
          <span
            className="labstudio-connection labstudio-connection-live"
            title="In-progress runs update live"
          >
            live
          </span>
        )}
      </div>
      {data.metrics.length === 0 ? (
        <div className="labstudio-empty">
          These runs have logged no metrics yet. Log some with{' '}
          <code>run.log_metric(&quot;loss&quot;, value, step)</code>, or give a
          training job metric definitions.
        </div>
      ) : (
        <MetricChart
          metric={metric}
          series={shownCurves}
          xMode={xMode}
          logScale={logScale}
          smoothing={smoothing}
          isolated={isolated}
          onIsolate={key => model.isolate(key)}
        />
      )}
      <div className="labstudio-toolbar">
        <h3 className="labstudio-subtitle">Parameters and metrics</h3>
        <label className="labstudio-inline-label">
          summary
          <select
            className="jp-mod-styled"
            value={summary}
            onChange={e => model.setSummary(e.target.value as Summary)}
          >
            <option value="last">last</option>
            <option value="min">min</option>
            <option value="max">max</option>
            <option value="avg">avg</option>
          </select>
        </label>
        <label className="labstudio-inline-label">
          <input
            type="checkbox"
            checked={onlyDiff}
            onChange={e => model.setOnlyDiff(e.target.checked)}
            data-testid="labstudio-only-diff"
          />
          only differences
        </label>
      </div>
      <CompareTable
        runs={sortedRuns}
        columns={columns}
        sort={sort}
        onSort={s => model.setSort(s)}
        colors={colors}
        widths={model.columnWidths}
        onResize={(column, width) => model.setColumnWidth(column, width)}
        highlighted={isolated}
      />
      {metric && paramNames.length > 0 && (
        <div className="labstudio-compare-grid">
          <div>
            <div className="labstudio-toolbar">
              <h3 className="labstudio-subtitle">
                {metric} ({summary}) against
              </h3>
              <select
                className="jp-mod-styled labstudio-fit-select"
                data-testid="labstudio-scatter-param"
                value={xParam}
                onChange={e => model.setScatterParam(e.target.value)}
              >
                {paramNames.map(p => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </div>
            <ScatterChart
              xLabel={xParam}
              yLabel={`${metric} (${summary})`}
              points={scatter.points}
              categories={scatter.categories}
            />
          </div>
          <div>
            <h3 className="labstudio-subtitle">
              Parallel coordinates{' '}
              <span className="labstudio-hint">
                (drag along an axis to filter the runs)
              </span>
            </h3>
            <ParallelCoordinates
              axes={axes}
              colors={data.runs.map(r => colors.get(r.id))}
              brushes={brushes}
              onBrush={(axis, brush) => model.setBrush(axis, brush)}
            />
          </div>
        </div>
      )}
    </div>
  );
}

/** The chosen metric's curve of each run kept, in the runs' order (colours match the table). */
function curves(
  data: ICompareData,
  kept: readonly IRun[],
  metric: string,
  colorIndex: Map<string, number>
): IXYSeries[] {
  const out: IXYSeries[] = [];
  for (const run of kept) {
    const s = data.series.get(run.id);
    if (s && s.metric === metric) {
      out.push({
        label: s.run_name,
        key: s.run_id,
        x: s.steps,
        y: s.values.map(v => toNumber(v)),
        colorIndex: colorIndex.get(s.run_id)
      });
    }
  }
  return out;
}

/** One point per run with the parameter and the metric (and the run's colour). */
export function scatterPoints(
  runs: readonly IRun[],
  param: string,
  value: (r: IRun) => number | null,
  colors?: Map<string, string>
) {
  const raw = runs.map(r => r.params[param]);
  const numbers = numericValues(raw);
  const categories = numbers
    ? null
    : [...new Set(raw.filter((v): v is string => v !== undefined))].sort();
  const points = runs.flatMap((r, i) => {
    const y = value(r);
    const x = numbers
      ? numbers[i]
      : raw[i] === undefined
        ? null
        : categories!.indexOf(raw[i]!);
    return x === null || y === null || !Number.isFinite(y)
      ? []
      : [{ x, y, label: r.name, color: colors?.get(r.id) }];
  });
  return { points, categories };
}
