/**
 * Run comparison (main area): metric curves of the selected runs on one chart (x = step
 * or time, log scale, smoothing), the table of parameters and metric summaries, a
 * parameter-vs-metric scatter and parallel coordinates.
 *
 * Series come downsampled from the server (`POST /runs/compare`, one metric at a time);
 * in-progress runs are followed over `run.metrics` / `run.status` events (throttled).
 */
import * as React from 'react';

import { LabstudioClient } from '../../api';
import { MetricChart } from '../../charts/MetricChart';
import { ParallelCoordinates } from '../../charts/ParallelCoordinates';
import { ScatterChart } from '../../charts/ScatterChart';
import { IXYSeries, numericValues, seriesColor } from '../../charts/series';
import { EventStream } from '../../events';
import { ICompareSeries, IRun, toNumber } from '../../types';
import { ErrorBox } from '../common/common';
import { CompareTable } from './CompareTable';
import { buildColumns, ISort, sortRuns, Summary } from './table';

/** The server compares at most this many runs per request. */
const COMPARE_CHUNK = 500;
/** Curves drawn at most (the table lists every run). */
export const MAX_CURVES = 100;

export interface ICompareViewProps {
  client: LabstudioClient;
  runIds: string[];
  events?: EventStream | null;
  keyMetric?: string;
  maxPoints?: number;
}

interface ILoaded {
  runs: IRun[];
  metrics: string[];
  series: ICompareSeries[];
}

export function CompareView(props: ICompareViewProps): JSX.Element {
  const { client, runIds, events } = props;
  const maxPoints = props.maxPoints ?? 1000;
  const [data, setData] = React.useState<ILoaded | null>(null);
  const [error, setError] = React.useState<Error | null>(null);
  const [metric, setMetric] = React.useState(props.keyMetric ?? '');
  const [xMode, setXMode] = React.useState<'step' | 'time'>('step');
  const [logScale, setLogScale] = React.useState(false);
  const [smoothing, setSmoothing] = React.useState(0);
  const [summary, setSummary] = React.useState<Summary>('last');
  const [onlyDiff, setOnlyDiff] = React.useState(false);
  const [sort, setSort] = React.useState<ISort | null>(null);
  const [scatterParam, setScatterParam] = React.useState('');
  const [timeSeries, setTimeSeries] = React.useState<IXYSeries[] | null>(null);
  const [version, setVersion] = React.useState(0);

  // Runs (all) and the chosen metric's series (the first MAX_CURVES runs).
  React.useEffect(() => {
    let cancelled = false;
    const load = async () => {
      // The curves' runs first with full series; the rest only for their table rows.
      const chunks: { ids: string[]; points: number }[] = [
        { ids: runIds.slice(0, MAX_CURVES), points: maxPoints }
      ];
      for (let i = MAX_CURVES; i < runIds.length; i += COMPARE_CHUNK) {
        chunks.push({ ids: runIds.slice(i, i + COMPARE_CHUNK), points: 2 });
      }
      const answers = await Promise.all(
        chunks
          .filter(c => c.ids.length)
          .map(c =>
            client.compareRuns({
              runs: c.ids,
              metrics: metric ? [metric] : undefined,
              max_points: c.points
            })
          )
      );
      const runs = answers.flatMap(a => a.runs);
      const metrics = [...new Set(runs.flatMap(r => Object.keys(r.metrics)))].sort();
      const series = answers[0]?.series ?? [];
      return { runs, metrics, series };
    };
    load()
      .then(loaded => {
        if (cancelled) {
          return;
        }
        setData(loaded);
        setError(null);
        if (loaded.metrics.length && !loaded.metrics.includes(metric)) {
          setMetric(loaded.metrics[0]); // none chosen, or not logged by these runs
        }
      })
      .catch(e => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [client, runIds.join(','), metric, maxPoints, version]);

  // x = time: the compare answer has steps only; fetch each run's history with times.
  React.useEffect(() => {
    if (xMode !== 'time' || !metric || !data) {
      setTimeSeries(null);
      return;
    }
    let cancelled = false;
    const runs = data.runs.slice(0, MAX_CURVES).filter(r => r.metrics[metric]);
    void mapLimit(runs, 6, run => client.getRunMetric(run.id, metric, maxPoints))
      .then(histories => {
        if (cancelled) {
          return;
        }
        setTimeSeries(
          histories.map((h, i) => {
            const t0 = h.timestamps?.[0] ?? runs[i].start_time ?? 0;
            return {
              label: runs[i].name,
              x: (h.timestamps ?? h.steps).map(t => t - t0),
              y: h.values.map(v => toNumber(v)),
              colorIndex: data.runs.indexOf(runs[i])
            };
          })
        );
      })
      .catch(e => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [xMode, metric, data]);

  // Live: follow in-progress runs (one refetch per 2 s at most).
  const live = !!data?.runs.some(r => r.status === 'InProgress');
  React.useEffect(() => {
    if (!events || !live) {
      return;
    }
    const ids = new Set(runIds);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poke = (payload: { run_id?: string }) => {
      if (payload.run_id && ids.has(payload.run_id) && timer === null) {
        timer = setTimeout(() => {
          timer = null;
          setVersion(v => v + 1);
        }, 2000);
      }
    };
    const subs = [
      events.on('run.metrics', e => poke(e.payload as { run_id?: string })),
      events.on('run.status', e => poke(e.payload as { run_id?: string }))
    ];
    return () => {
      subs.forEach(s => s.dispose());
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [events, live, runIds.join(',')]);

  const columns = React.useMemo(() => (data ? buildColumns(data.runs, summary, onlyDiff) : []), [data, summary, onlyDiff]);
  const sortedRuns = React.useMemo(() => (data ? sortRuns(data.runs, columns, sort) : []), [data, columns, sort]);
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
    return <div className="labstudio-main"><ErrorBox error={error} onRetry={() => setVersion(v => v + 1)} /></div>;
  }
  if (!data) {
    return <div className="labstudio-main labstudio-empty" data-testid="labstudio-compare-loading">Loading {runIds.length} runs…</div>;
  }

  const stepSeries: IXYSeries[] = orderSeries(data, metric).map(s => ({
    label: s.run_name,
    x: s.steps,
    y: s.values.map(v => toNumber(v)),
    colorIndex: colorIndex.get(s.run_id)
  }));
  const curves = xMode === 'time' ? timeSeries ?? [] : stepSeries;
  const paramNames = [...new Set(data.runs.flatMap(r => Object.keys(r.params)))].sort();
  const varying = paramNames.filter(p => new Set(data.runs.map(r => r.params[p])).size > 1);
  const xParam = scatterParam || varying[0] || paramNames[0] || '';
  const metricValue = (r: IRun) => (r.metrics[metric] ? toNumber(r.metrics[metric][summary]) : null);
  const scatter = scatterPoints(data.runs, xParam, metricValue, colors);

  return (
    <div className="labstudio-main labstudio-compare" data-testid="labstudio-compare-view">
      <div className="labstudio-toolbar labstudio-compare-toolbar">
        <strong>{data.runs.length} runs</strong>
        {data.runs.length > MAX_CURVES && <span className="labstudio-hint">curves of the first {MAX_CURVES}</span>}
        <label className="labstudio-inline-label">
          Metric
          <select className="jp-mod-styled" data-testid="labstudio-compare-metric" value={metric} onChange={e => setMetric(e.target.value)}>
            {data.metrics.length === 0 && <option value="">(no metrics)</option>}
            {data.metrics.map(m => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label className="labstudio-inline-label">
          x
          <select className="jp-mod-styled" data-testid="labstudio-compare-x" value={xMode} onChange={e => setXMode(e.target.value as 'step' | 'time')}>
            <option value="step">step</option>
            <option value="time">time</option>
          </select>
        </label>
        <label className="labstudio-inline-label">
          <input type="checkbox" data-testid="labstudio-compare-log" checked={logScale} onChange={e => setLogScale(e.target.checked)} />
          log scale
        </label>
        <label className="labstudio-inline-label">
          smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} data-testid="labstudio-compare-smoothing"
            aria-label="Smoothing" onChange={e => setSmoothing(Number(e.target.value))} />
          <span className="labstudio-num">{smoothing.toFixed(2)}</span>
        </label>
        {live && <span className="labstudio-connection labstudio-connection-live" title="In-progress runs update live">live</span>}
      </div>
      {data.metrics.length === 0 ? (
        <div className="labstudio-empty">These runs have logged no metrics yet. Log some with <code>run.log_metric(&quot;loss&quot;, value, step)</code>, or give a training job metric definitions.</div>
      ) : (
        <MetricChart metric={metric} series={curves} xMode={xMode} logScale={logScale} smoothing={smoothing} />
      )}
      <div className="labstudio-toolbar">
        <h3 className="labstudio-subtitle">Parameters and metrics</h3>
        <label className="labstudio-inline-label">
          summary
          <select className="jp-mod-styled" value={summary} onChange={e => setSummary(e.target.value as Summary)}>
            <option value="last">last</option>
            <option value="min">min</option>
            <option value="max">max</option>
            <option value="avg">avg</option>
          </select>
        </label>
        <label className="labstudio-inline-label">
          <input type="checkbox" checked={onlyDiff} onChange={e => setOnlyDiff(e.target.checked)} data-testid="labstudio-only-diff" />
          only differences
        </label>
      </div>
      <CompareTable runs={sortedRuns} columns={columns} sort={sort} onSort={setSort} colors={colors} />
      {metric && paramNames.length > 0 && (
        <div className="labstudio-compare-grid">
          <div>
            <div className="labstudio-toolbar">
              <h3 className="labstudio-subtitle">{metric} ({summary}) against</h3>
              <select className="jp-mod-styled" data-testid="labstudio-scatter-param" value={xParam} onChange={e => setScatterParam(e.target.value)}>
                {paramNames.map(p => <option key={p} value={p}>{p}</option>)}
              </select>
            </div>
            <ScatterChart xLabel={xParam} yLabel={`${metric} (${summary})`} points={scatter.points} categories={scatter.categories} />
          </div>
          <div>
            <h3 className="labstudio-subtitle">Parallel coordinates</h3>
            <ParallelCoordinates
              axes={[
                ...(varying.length ? varying : paramNames).slice(0, 8).map(p => ({ name: p, values: data.runs.map(r => r.params[p]) })),
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
function orderSeries(data: ILoaded, metric: string): ICompareSeries[] {
  const byRun = new Map(data.series.filter(s => s.metric === metric).map(s => [s.run_id, s]));
  return data.runs.slice(0, MAX_CURVES).map(r => byRun.get(r.id)).filter((s): s is ICompareSeries => !!s);
}

/** One point per run with the parameter and the metric (and the run's colour). */
export function scatterPoints(runs: IRun[], param: string, value: (r: IRun) => number | null, colors?: Map<string, string>) {
  const raw = runs.map(r => r.params[param]);
  const numbers = numericValues(raw);
  const categories = numbers ? null : [...new Set(raw.filter((v): v is string => v !== undefined))].sort();
  const points = runs.flatMap((r, i) => {
    const y = value(r);
    const x = numbers ? numbers[i] : raw[i] === undefined ? null : categories!.indexOf(raw[i]!);
    return x === null || y === null || !Number.isFinite(y) ? [] : [{ x, y, label: r.name, color: colors?.get(r.id) }];
  });
  return { points, categories };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
