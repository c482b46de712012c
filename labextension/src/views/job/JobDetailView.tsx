/**
 * Job detail (main area): status and its timeline, Stop / Deploy / Clone and edit, the
 * live log tail, live metric charts (`job.metrics` events append points), hyper-
 * parameters, channels and artifacts.
 */
import * as React from 'react';

import { LabstudioClient } from '../../api';
import { MetricChart } from '../../charts/MetricChart';
import { EventStream } from '../../events';
import {
  IJobMetricsPayload,
  IJobStatusPayload,
  IMetricSeries,
  isActiveStatus,
  ITrainingJobDescription
} from '../../types';
import { ErrorBox, copyText } from '../common/common';
import { formatDuration, formatTime } from '../format';
import { StatusBadge } from '../StatusBadge';
import {
  artifactRows,
  channelsOf,
  endpointNameFor,
  mergePoints,
  transitionDuration,
  userHyperparameters
} from './jobData';
import { LogTail } from './LogTail';

export interface IJobDetailProps {
  client: LabstudioClient;
  events?: EventStream | null;
  name: string;
  onClone?: (job: ITrainingJobDescription) => void;
  onOpenEndpoint?: (name: string) => void;
  onOpenRun?: (runId: string) => void;
}

export function JobDetailView(props: IJobDetailProps): JSX.Element {
  const { client, events, name } = props;
  const [job, setJob] = React.useState<ITrainingJobDescription | null>(null);
  const [error, setError] = React.useState<Error | null>(null);
  const [metrics, setMetrics] = React.useState<IMetricSeries[]>([]);
  const [busy, setBusy] = React.useState(false);
  const [actionError, setActionError] = React.useState<string | null>(null);
  const [deployName, setDeployName] = React.useState<string | null>(null);
  const [downloads, setDownloads] = React.useState(false);
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    let cancelled = false;
    Promise.all([client.getJob(name), client.getMetrics(name).catch(() => ({ metrics: [] }))])
      .then(([described, m]) => {
        if (!cancelled) {
          setJob(described);
          setMetrics(m.metrics);
          setError(null);
        }
      })
      .catch(e => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [client, name, version]);

  React.useEffect(() => {
    void client.hasRoute('/jobs/{name}/artifacts/{kind}').then(setDownloads);
  }, [client]);

  React.useEffect(() => {
    if (!events) {
      return;
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    const subs = [
      events.on('job.status', e => {
        const p = e.payload as unknown as IJobStatusPayload;
        if (p.name === name) {
          setJob(j => (j ? { ...j, TrainingJobStatus: p.status, SecondaryStatus: p.secondary_status } : j));
          if (timer !== null) {
            clearTimeout(timer);
          }
          timer = setTimeout(() => setVersion(v => v + 1), 250);
        }
      }),
      events.on('job.metrics', e => {
        const p = e.payload as unknown as IJobMetricsPayload;
        if (p.name === name && p.points?.length) {
          setMetrics(m => mergePoints(m, p.points));
        }
      })
    ];
    // Catch up on what happened while the socket was down.
    const onConnection = (_: unknown, connected: boolean) => connected && setVersion(v => v + 1);
    events.connectionChanged.connect(onConnection);
    return () => {
      subs.forEach(s => s.dispose());
      events.connectionChanged.disconnect(onConnection);
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [events, name]);

  if (error) {
    return <div className="labstudio-main"><ErrorBox error={error} onRetry={() => setVersion(v => v + 1)} /></div>;
  }
  if (!job) {
    return <div className="labstudio-main labstudio-empty">Loading {name}…</div>;
  }

  const active = isActiveStatus(job.TrainingJobStatus);
  const act = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(null);
    try {
      await what();
    } catch (e) {
      setActionError((e as Error).message);
    }
    setBusy(false);
  };
  const stop = () => act(async () => setJob(await client.stopJob(name)));
  const deploy = (endpoint: string) =>
    act(async () => {
      const created = await client.createEndpoint({
        EndpointName: endpoint,
        ProductionVariants: [{ VariantName: 'AllTraffic', Source: name }]
      });
      setDeployName(null);
      props.onOpenEndpoint?.(created.EndpointName);
    });
  const hyper = userHyperparameters(job);
  const channels = channelsOf(job);
  const now = Date.now();

  return (
    <div className="labstudio-main labstudio-job-detail" data-testid="labstudio-job-detail" data-job-name={name} data-status={job.TrainingJobStatus}>
      <div className="labstudio-detail-header">
        <h2 className="labstudio-detail-title">{name}</h2>
        <StatusBadge status={job.TrainingJobStatus} title={job.FailureReason ?? undefined} />
        {job.SecondaryStatus && job.SecondaryStatus !== job.TrainingJobStatus ? (
          <span className="labstudio-hint">{job.SecondaryStatus}</span>
        ) : null}
        <span className="labstudio-spacer" />
        {active && (
          <button className="labstudio-button labstudio-danger" data-testid="labstudio-job-stop" disabled={busy || job.TrainingJobStatus === 'Stopping'} onClick={() => void stop()}>
            Stop
          </button>
        )}
        {job.TrainingJobStatus === 'Completed' && deployName === null && (
          <button className="labstudio-button labstudio-primary" data-testid="labstudio-job-deploy" disabled={busy} onClick={() => setDeployName(endpointNameFor(name))}>
            Deploy
          </button>
        )}
        {props.onClone && (
          <button className="labstudio-button" data-testid="labstudio-job-clone" onClick={() => props.onClone!(job)}>
            Clone and edit
          </button>
        )}
        {job.RunId && props.onOpenRun && (
          <button className="labstudio-button" onClick={() => props.onOpenRun!(job.RunId!)}>Open run</button>
        )}
      </div>
      {deployName !== null && (
        <form className="labstudio-toolbar labstudio-deploy-form" onSubmit={e => { e.preventDefault(); void deploy(deployName); }}>
          <label className="labstudio-inline-label">
            Endpoint name
            <input className="jp-mod-styled" data-testid="labstudio-deploy-name" value={deployName} onChange={e => setDeployName(e.target.value)} autoFocus />
          </label>
          <button type="submit" className="labstudio-button labstudio-primary" data-testid="labstudio-deploy-confirm" disabled={busy || !deployName.trim()}>
            {busy ? 'Deploying…' : 'Deploy'}
          </button>
          <button type="button" className="labstudio-button" onClick={() => setDeployName(null)}>Cancel</button>
        </form>
      )}
      {actionError && <div className="labstudio-error-message" role="alert" data-testid="labstudio-action-error">{actionError}</div>}
      {job.FailureReason && <div className="labstudio-error-message" role="alert">{job.FailureReason}</div>}

      <h3 className="labstudio-subtitle">Timeline</h3>
      <ol className="labstudio-timeline" data-testid="labstudio-timeline">
        {job.SecondaryStatusTransitions.map((t, i) => (
          <li key={i} className={`labstudio-timeline-step ${t.EndTime ? '' : 'labstudio-current'}`} title={t.StatusMessage}>
            <span className="labstudio-timeline-status">{t.Status}</span>
            <span className="labstudio-hint">{formatTime(t.StartTime)}</span>
            <span className="labstudio-num">{formatDuration(transitionDuration(t.StartTime, t.EndTime, now))}</span>
            <span className="labstudio-hint">{t.StatusMessage}</span>
          </li>
        ))}
      </ol>

      <h3 className="labstudio-subtitle">Log</h3>
      <LogTail client={client} name={name} active={active} />

      <h3 className="labstudio-subtitle">Metrics</h3>
      {metrics.length === 0 ? (
        <div className="labstudio-empty">
          No metrics captured{active ? ' yet' : ''}. Give the job metric definitions (a regex per metric, matched against each log line) or log them with <code>labstudio.load_run()</code>.
        </div>
      ) : (
        <div className="labstudio-chart-grid" data-testid="labstudio-job-metrics">
          {metrics.map(m => (
            <div key={m.name}>
              <div className="labstudio-chart-title">{m.name}</div>
              <MetricChart
                metric={m.name}
                series={[{ label: m.name, x: m.points.map(p => p.step), y: m.points.map(p => p.value) }]}
                xMode="step"
                logScale={false}
                smoothing={0}
                height={200}
              />
            </div>
          ))}
        </div>
      )}

      <div className="labstudio-detail-grid">
        <KeyValues title="Hyperparameters" values={hyper} empty="No hyperparameters." testId="labstudio-job-hyperparameters" />
        <KeyValues title="Channels" values={channels} empty="No input channels." />
        <KeyValues
          title="Spec"
          values={{
            'Entry point': job.EntryPoint,
            'Source dir': job.SourceDir ?? '',
            Experiment: job.ExperimentName ?? '',
            'Max runtime': job.StoppingCondition?.MaxRuntimeInSeconds ? `${job.StoppingCondition.MaxRuntimeInSeconds} s` : 'none',
            Created: formatTime(job.CreationTime),
            'Exit code': job.ExitCode === null || job.ExitCode === undefined ? '' : String(job.ExitCode)
          }}
          empty=""
        />
      </div>

      <h3 className="labstudio-subtitle">Artifacts</h3>
      <ul className="labstudio-artifacts" data-testid="labstudio-artifacts">
        {artifactRows(job).map(a => (
          <li key={a.kind}>
            <span className="labstudio-artifact-name">{a.label}</span>
            {a.uri ? (
              <>
                {downloads ? (
                  <a href={client.artifactUrl(name, a.kind)} download className="labstudio-link" data-testid="labstudio-artifact-download">Download</a>
                ) : null}
                <code className="labstudio-artifact-uri" title={a.uri}>{a.uri}</code>
                <button className="labstudio-button" title="Copy the path" onClick={() => void copyText(a.uri!)}>Copy path</button>
              </>
            ) : (
              <span className="labstudio-hint">{a.deleted ? "deleted with the job's run" : active ? 'when the job ends' : 'none'}</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function KeyValues(props: { title: string; values: Record<string, string>; empty: string; testId?: string }): JSX.Element {
  const entries = Object.entries(props.values).filter(([, v]) => v !== '');
  return (
    <div data-testid={props.testId}>
      <h3 className="labstudio-subtitle">{props.title}</h3>
      {entries.length === 0 ? (
        <div className="labstudio-hint">{props.empty}</div>
      ) : (
        <table className="labstudio-kv">
          <tbody>
            {entries.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
