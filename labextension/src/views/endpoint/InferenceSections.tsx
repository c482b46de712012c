/**
 * What an endpoint's kind adds to its page: the type (real-time, asynchronous, serverless)
 * with the async backlog or the serverless workers and cold starts, and a guarded update's
 * progress (the traffic split at each step, the alarms' values, a rollback and its reason).
 * Render only: everything comes from the endpoint's description.
 */
import * as React from 'react';

import { IEndpointDescription } from '../../types';
import { formatMetric } from '../common/common';
import { formatTime } from '../format';

const TYPE_LABELS: Record<string, string> = {
  RealTime: 'real-time',
  Async: 'asynchronous',
  Serverless: 'serverless'
};

interface IStep {
  Time: number;
  NewShare: number;
  Event: string;
  Reason?: string;
  Alarms?: Record<string, { State: string; Value: number | null }>;
}

interface IProgress {
  Status?: string;
  Type?: string;
  Plan?: number[];
  Steps?: IStep[];
  Reason?: string | null;
}

/** Rows of the endpoint's key/value table: its type and what that type shows. */
export function InferenceTypeRows(props: {
  endpoint: IEndpointDescription;
}): JSX.Element {
  const { endpoint } = props;
  const type = endpoint.EndpointType ?? 'RealTime';
  const serverless = (endpoint.ProductionVariants ?? []).filter(
    v => v.CurrentServerlessConfig
  );
  const output = endpoint.AsyncInferenceConfig?.OutputConfig;
  return (
    <>
      <tr>
        <th>Type</th>
        <td data-testid="labstudio-endpoint-type">
          {TYPE_LABELS[type] ?? type}
        </td>
      </tr>
      {type === 'Async' && (
        <tr>
          <th>Queue</th>
          <td data-testid="labstudio-endpoint-backlog">
            {endpoint.ApproximateBacklogSize ?? 0} waiting or running; results
            to <code>{output?.S3OutputPath ?? '–'}</code>
          </td>
        </tr>
      )}
      {serverless.map(v => {
        const m = v.ServerlessMetrics;
        return (
          <tr key={v.VariantName}>
            <th>Serverless {v.VariantName}</th>
            <td data-testid="labstudio-endpoint-serverless">
              {v.CurrentInstanceCount} worker(s) now;{' '}
              {v.CurrentServerlessConfig?.MemorySizeInMB} MB, at most{' '}
              {v.CurrentServerlessConfig?.MaxConcurrency} at once;{' '}
              {m?.ColdStarts ?? 0} cold start(s)
              {m?.LastColdStartMs !== null && m?.LastColdStartMs !== undefined
                ? ` (last ${formatMetric(m.LastColdStartMs)} ms)`
                : ''}
              ; {m?.Throttles ?? 0} throttled
            </td>
          </tr>
        );
      })}
    </>
  );
}

/** A guarded update's steps, or nothing when the endpoint has had none. */
export function DeploymentSection(props: {
  endpoint: IEndpointDescription;
}): JSX.Element | null {
  const progress = props.endpoint.DeploymentProgress as IProgress | null;
  if (!progress || !progress.Status) {
    return null;
  }
  const steps = progress.Steps ?? [];
  const plan = (progress.Plan ?? []).map(s => `${formatMetric(s)} %`);
  return (
    <div
      className="labstudio-deployment"
      data-testid="labstudio-endpoint-deployment"
      data-status={progress.Status}
    >
      <h3 className="labstudio-subtitle">Guarded update</h3>
      <p>
        {progress.Type} ({plan.join(' → ')}): <strong>{progress.Status}</strong>
        {progress.Reason ? ` — ${progress.Reason}` : ''}
      </p>
      <table className="labstudio-kv">
        <thead>
          <tr>
            <th>Time</th>
            <th>New model&apos;s share</th>
            <th>Event</th>
            <th>Alarms</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s, i) => (
            <tr key={i} data-event={s.Event}>
              <td>{formatTime(new Date(s.Time * 1000).toISOString())}</td>
              <td>
                <div className="labstudio-split" title={`${s.NewShare} %`}>
                  <div
                    className="labstudio-split-new"
                    style={{
                      width: `${Math.max(0, Math.min(100, s.NewShare))}%`
                    }}
                  />
                </div>
                {formatMetric(s.NewShare)} %
              </td>
              <td>
                {s.Event === 'RolledBack'
                  ? `Rolled back: ${s.Reason}`
                  : s.Event}
              </td>
              <td>
                {Object.entries(s.Alarms ?? {})
                  .map(
                    ([name, a]) =>
                      `${name}: ${a.State}${a.Value === null ? '' : ` (${formatMetric(a.Value)})`}`
                  )
                  .join(', ') || '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
