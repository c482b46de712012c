/**
 * Run comparison (main area): metric curves of the selected runs on one chart (x = step
 * or time, log scale, smoothing), the table of parameters and metric summaries, a
 * parameter-vs-metric scatter and parallel coordinates.
 *
 * Series come downsampled from the server (`POST /runs/compare`, one metric at a time);
 * in-progress runs are followed over `run.metrics` / `run.status` events (throttled).
 */
import * as React from 'react';

import { MetricChart } from '../../charts/MetricChart';
import { ParallelCoordinates } from '../../charts/ParallelCoordinates';
import { ScatterChart } from '../../charts/ScatterChart';
import { IXYSeries, numericValues, seriesColor } from '../../charts/series';
import { ICompareSeries, IRun, toNumber } from '../../types';
import { ErrorBox } from '../common/common';
import { useModel } from '../common/useModel';
import { CompareTable } from './CompareTable';
import { CompareModel, ICompareData, MAX_CURVES, XMode } from './compareModel';
import { buildColumns, sortRuns, Summary } from './table';

export { MAX_CURVES };

export interface ICompareViewProps {
  model: CompareModel;
}

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
    live
  } = model;
  const runIds = model.runIds;

  const columns = React.useMemo(
    () => (data ? buildColumns(data.runs, summary, onlyDiff) : []),
    [data, summary, onlyDiff]
  );
  const sortedRuns = React.useMemo(
    () => (data ? sortRuns(data.runs, columns, sort) : []),
    [data, columns, sort]
  );
  // One colour per run, the same in the curves, the table, the scatter and the
  // parallel coordinates (runs beyond the curves' MAX_CURVES too: they are in the others).
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
        Loading {runIds.length} runs…
      </div>
    );
  }

  const stepSeries: IXYSeries[] = orderSeries(data, metric).map(s => ({
    label: s.run_name,
    x: s.steps,
    y: s.values.map(v => toNumber(v)),
    colorIndex: colorIndex.get(s.run_id)
  }));
  const curves = xMode === 'time' ? (timeSeries ?? []) : stepSeries;
  const paramNames = [
    ...new Set(data.runs.flatMap(r => Object.keys(r.params)))
  ].sort();
  const varying = paramNames.filter(
    p => new Set(data.runs.map(r => r.params[p])).size > 1
  );
  const xParam = scatterParam || varying[0] || paramNames[0] || '';
  const metricValue = (r: IRun) =>
    r.metrics[metric] ? toNumber(r.metrics[metric][summary]) : null;
  const scatter = scatterPoints(data.runs, xParam, metricValue, colors);

  return (
    <div
      className="labstudio-main labstudio-compare"
      data-testid="labstudio-compare-view"
    >
      <div className="labstudio-toolbar labstudio-compare-toolbar">
        <strong>{data.runs.length} runs</strong>
        {data.runs.length > MAX_CURVES && (
          <span className="labstudio-hint">
            curves of the first {MAX_CURVES}
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
          series={curves}
          xMode={xMode}
          logScale={logScale}
          smoothing={smoothing}
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
      />
      {metric && paramNames.length > 0 && (
        <div className="labstudio-compare-grid">
          <div>
            <div className="labstudio-toolbar">
              <h3 className="labstudio-subtitle">
                {metric} ({summary}) against
              </h3>
              <select
                className="jp-mod-styled"
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
            <h3 className="labstudio-subtitle">Parallel coordinates</h3>
            <ParallelCoordinates
              axes={[
                ...(varying.length ? varying : paramNames)
                  .slice(0, 8)
                  .map(p => ({
                    name: p,
                    values: data.runs.map(r => r.params[p])
                  })),
                { name: metric, values: data.runs.map(metricValue) }
              ]}
              colors={data.runs.map(r => colors.get(r.id))}
            />
          </div>
        </div>
      )}
    </div>
  );
}

/** The chosen metric's series, in the order of the runs (so colours match the table). */
function orderSeries(data: ICompareData, metric: string): ICompareSeries[] {
  const byRun = new Map(
    data.series.filter(s => s.metric === metric).map(s => [s.run_id, s])
  );
  return data.runs
    .slice(0, MAX_CURVES)
    .map(r => byRun.get(r.id))
    .filter((s): s is ICompareSeries => !!s);
}

/** One point per run with the parameter and the metric (and the run's colour). */
export function scatterPoints(
  runs: IRun[],
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
