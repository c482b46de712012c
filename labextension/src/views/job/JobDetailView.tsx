/**
 * Job detail (main area): status and its timeline, Stop / Deploy / Clone and edit, the
 * live log tail, live metric charts (`job.metrics` events append points), hyper-
 * parameters, channels and artifacts.
 */
import * as React from 'react';

import { MetricChart } from '../../charts/MetricChart';
import { IJobHost, ITrainingJobDescription } from '../../types';
import { DeployForm, ErrorBox, copyText } from '../common/common';
import { DetailHeader } from '../common/DetailHeader';
import { useModel } from '../common/useModel';
import { formatDuration, formatTime } from '../format';
import {
  artifactRows,
  channelsOf,
  hostsOf,
  transitionDuration,
  userHyperparameters
} from './jobData';
import { TransformForm } from '../kinds/TransformForm';
import { LineageButton } from '../lineage/LineageButton';
import { JobDetailModel } from './jobDetailModel';
import { LogTail } from './LogTail';

export interface IJobDetailProps {
  model: JobDetailModel;
  onClone?: (job: ITrainingJobDescription) => void;
  onOpenEndpoint?: (name: string) => void;
  onOpenRun?: (runId: string) => void;
  /** A batch transform of this job's model was started: open it. */
  onOpenTransform?: (name: string) => void;
  /** Open the lineage graph around this job. */
  onOpenLineage?: (name: string) => void;
}

export function JobDetailView(props: IJobDetailProps): JSX.Element {
  const model = useModel(props.model);
  const { name, job, error, metrics, busy, actionError, downloads } = model;
  const deployName = model.deployDraft.name;

  if (error) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.reload()} />
      </div>
    );
  }
  if (!job) {
    return (
      <div className="labstudio-main labstudio-empty">Loading {name}…</div>
    );
  }

  const active = model.active;
  const deploy = async (endpoint: string) => {
    const created = await model.deploy(endpoint);
    if (created !== null) {
      props.onOpenEndpoint?.(created);
    }
  };
  const hyper = userHyperparameters(job);
  const channels = channelsOf(job);
  const now = Date.now();
  const completed = job.TrainingJobStatus === 'Completed';

  return (
    <div
      className="labstudio-main labstudio-job-detail"
      data-testid="labstudio-job-detail"
      data-job-name={name}
      data-status={job.TrainingJobStatus}
    >
      <DetailHeader
        name={name}
        status={job.TrainingJobStatus}
        failureReason={job.FailureReason}
        hint={
          job.SecondaryStatus &&
          job.SecondaryStatus !== job.TrainingJobStatus ? (
            <span className="labstudio-hint">{job.SecondaryStatus}</span>
          ) : null
        }
        stop={{ active, busy, onStop: () => void model.stop() }}
        actionError={actionError}
        forms={
          <>
            {deployName !== null && (
              <DeployForm
                name={deployName}
                busy={busy}
                onChange={text => model.deployDraft.set(text)}
                onDeploy={text => void deploy(text)}
                onCancel={() => model.deployDraft.close()}
              />
            )}
            {model.transformForm && (
              <TransformForm
                model={model.transformForm}
                onCreated={created => {
                  model.closeTransformForm();
                  props.onOpenTransform?.(created);
                }}
                onCancel={() => model.closeTransformForm()}
              />
            )}
          </>
        }
      >
        {completed && deployName === null && (
          <button
            className="labstudio-button labstudio-primary"
            data-testid="labstudio-job-deploy"
            disabled={busy}
            onClick={() => model.openDeploy()}
          >
            Deploy
          </button>
        )}
        {completed && props.onOpenTransform && !model.transformForm && (
          <button
            className="labstudio-button"
            data-testid="labstudio-job-batch-transform"
            title="Score files with this job's model"
            onClick={() => model.openTransformForm()}
          >
            Batch transform…
          </button>
        )}
        {props.onClone && (
          <button
            className="labstudio-button"
            data-testid="labstudio-job-clone"
            onClick={() => props.onClone!(job)}
          >
            Clone and edit
          </button>
        )}
        {job.RunId && props.onOpenRun && (
          <button
            className="labstudio-button"
            onClick={() => props.onOpenRun!(job.RunId!)}
          >
            Open run
          </button>
        )}
        {props.onOpenLineage && (
          <LineageButton onOpen={() => props.onOpenLineage!(name)} />
        )}
      </DetailHeader>

      <h3 className="labstudio-subtitle">Timeline</h3>
      <ol className="labstudio-timeline" data-testid="labstudio-timeline">
        {job.SecondaryStatusTransitions.map((t, i) => (
          <li
            key={i}
            className={`labstudio-timeline-step ${t.EndTime ? '' : 'labstudio-current'}`}
            title={t.StatusMessage}
          >
            <span className="labstudio-timeline-status">{t.Status}</span>
            <span className="labstudio-hint">{formatTime(t.StartTime)}</span>
            <span className="labstudio-num">
              {formatDuration(transitionDuration(t.StartTime, t.EndTime, now))}
            </span>
            <span className="labstudio-hint">{t.StatusMessage}</span>
          </li>
        ))}
      </ol>

      {hostsOf(job).length > 0 && <HostsTable hosts={hostsOf(job)} />}

      <h3 className="labstudio-subtitle">Log</h3>
      <LogTail model={model.log} />

      <h3 className="labstudio-subtitle">Metrics</h3>
      {metrics.length === 0 ? (
        <div className="labstudio-empty">
          No metrics captured{active ? ' yet' : ''}. Give the job metric
          definitions (a regex per metric, matched against each log line) or log
          them with <code>labstudio.load_run()</code>.
        </div>
      ) : (
        <div
          className="labstudio-chart-grid"
          data-testid="labstudio-job-metrics"
        >
          {metrics.map(m => (
            <div key={m.name}>
              <div className="labstudio-chart-title">{m.name}</div>
              <MetricChart
                metric={m.name}
                series={[
                  {
                    label: m.name,
                    x: m.points.map(p => p.step),
                    y: m.points.map(p => p.value)
                  }
                ]}
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
        <KeyValues
          title="Hyperparameters"
          values={hyper}
          empty="No hyperparameters."
          testId="labstudio-job-hyperparameters"
        />
        <KeyValues
          title="Channels"
          values={channels}
          empty="No input channels."
        />
        <KeyValues
          title="Spec"
          values={{
            'Entry point': job.EntryPoint,
            'Source dir': job.SourceDir ?? '',
            Experiment: job.ExperimentName ?? '',
            Backend: job.Backend ?? '',
            Instances: String(job.ResourceConfig?.InstanceCount ?? ''),
            'Max runtime': job.StoppingCondition?.MaxRuntimeInSeconds
              ? `${job.StoppingCondition.MaxRuntimeInSeconds} s`
              : 'none',
            Created: formatTime(job.CreationTime),
            'Exit code':
              job.ExitCode === null || job.ExitCode === undefined
                ? ''
                : String(job.ExitCode)
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
                  <a
                    href={model.artifactUrl(a.kind)}
                    download
                    className="labstudio-link"
                    data-testid="labstudio-artifact-download"
                  >
                    Download
                  </a>
                ) : null}
                <code className="labstudio-artifact-uri" title={a.uri}>
                  {a.uri}
                </code>
                <button
                  className="labstudio-button"
                  title="Copy the path"
                  onClick={() => void copyText(a.uri!)}
                >
                  Copy path
                </button>
              </>
            ) : (
              <span className="labstudio-hint">
                {a.deleted
                  ? "deleted with the job's run"
                  : active
                    ? 'when the job ends'
                    : 'none'}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Each host of the job: where it runs and how it ended. */
function HostsTable(props: { hosts: IJobHost[] }): JSX.Element {
  return (
    <>
      <h3 className="labstudio-subtitle">Hosts</h3>
      <table
        className="labstudio-kv labstudio-hosts"
        data-testid="labstudio-job-hosts"
      >
        <thead>
          <tr>
            <th>Host</th>
            <th>Node</th>
            <th>Status</th>
            <th>Exit code / failure</th>
          </tr>
        </thead>
        <tbody>
          {props.hosts.map(h => (
            <tr
              key={h.Host}
              data-testid="labstudio-job-host"
              data-host={h.Host}
              data-status={h.Status}
            >
              <td>{h.Host}</td>
              <td>{h.Node ?? ''}</td>
              <td>{h.Status}</td>
              <td>
                {h.FailureReason ??
                  (h.ExitCode === null || h.ExitCode === undefined
                    ? ''
                    : String(h.ExitCode))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function KeyValues(props: {
  title: string;
  values: Record<string, string>;
  empty: string;
  testId?: string;
}): JSX.Element {
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
