/**
 * One run's page (main area): its status, experiment and times, its parameters, its
 * metrics (summaries and a chart each), its artifacts (inputs and outputs, with links
 * into the file browser for those under the Jupyter root) and the job it belongs to.
 */
import * as React from 'react';

import { MetricChart } from '../../charts/MetricChart';
import {
  ILineageGraph,
  ILineageNode,
  IRunArtifact,
  IRunDetail,
  toNumber
} from '../../types';
import { ErrorBox, formatMetric } from '../common/common';
import { DetailHeader } from '../common/DetailHeader';
import { useModel } from '../common/useModel';
import { formatDuration } from '../format';
import { JOB_KIND_NOUNS, JobKind } from '../jobKinds';
import { rootRelative } from '../kinds/paths';
import { LineageTarget, targetOf } from '../lineage/lineageData';
import { MAX_RUN_CHARTS, RunModel } from './runModel';

export interface IRunViewProps {
  model: RunModel;
  /** The Jupyter root (absolute), to link artifacts under it into the file browser. */
  root?: string | null;
  onOpenJob?: (kind: JobKind, name: string) => void;
  onCompare?: (runId: string) => void;
  onOpenPath?: (path: string) => void;
  /** Open what a lineage node stands for (a job of a kind, an endpoint, a model version...). */
  onOpenTarget?: (target: LineageTarget) => void;
  /** Whether a node's target opens here (a path only under the Jupyter root). */
  canOpenTarget?: (target: LineageTarget) => boolean;
}

export function RunView(props: IRunViewProps): JSX.Element {
  const model = useModel(props.model);
  const { run, error, histories } = model;
  if (error && !run) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.reload()} />
      </div>
    );
  }
  if (!run) {
    return (
      <div
        className="labstudio-main labstudio-empty"
        data-testid="labstudio-run-loading"
      >
        Loading the run…
      </div>
    );
  }
  const params = Object.entries(run.params).sort(([a], [b]) =>
    a.localeCompare(b)
  );
  const metrics = Object.entries(run.metrics).sort(([a], [b]) =>
    a.localeCompare(b)
  );
  return (
    <div
      className="labstudio-main labstudio-run-page"
      data-testid="labstudio-run-view"
      data-run-id={run.id}
    >
      <DetailHeader
        name={run.name}
        status={run.status}
        indicator="dot"
        hint={
          <span className="labstudio-hint" data-testid="labstudio-run-summary">
            {run.experiment}
            {run.duration !== null &&
              ` · ${formatDuration(run.duration * 1000)}`}
            {run.start_time !== null &&
              ` · started ${new Date(run.start_time * 1000).toLocaleString()}`}
          </span>
        }
      >
        {props.onCompare && (
          <button
            className="labstudio-button"
            data-testid="labstudio-run-compare"
            title="Open this run in the comparison view (add others there from the sidebar)"
            onClick={() => props.onCompare?.(run.id)}
          >
            Compare
          </button>
        )}
      </DetailHeader>
      {error && <ErrorBox error={error} onRetry={() => void model.reload()} />}
      <RunJob run={run} onOpenJob={props.onOpenJob} />
      <section data-testid="labstudio-run-params">
        <h3 className="labstudio-subtitle">
          Parameters <span className="labstudio-count">{params.length}</span>
        </h3>
        {params.length === 0 ? (
          <p className="labstudio-hint">No parameters logged.</p>
        ) : (
          <table className="labstudio-kv">
            <tbody>
              {params.map(([key, value]) => (
                <tr
                  key={key}
                  data-testid="labstudio-run-param"
                  data-param={key}
                >
                  <th>{key}</th>
                  <td>
                    <code>{value}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section data-testid="labstudio-run-metrics">
        <h3 className="labstudio-subtitle">
          Metrics <span className="labstudio-count">{metrics.length}</span>
        </h3>
        {metrics.length === 0 ? (
          <p className="labstudio-hint">
            No metrics yet: log some with{' '}
            <code>run.log_metric(&quot;loss&quot;, value, step)</code>.
          </p>
        ) : (
          <>
            <table className="labstudio-kv labstudio-run-metric-table">
              <thead>
                <tr>
                  <th>metric</th>
                  <th>last</th>
                  <th>min</th>
                  <th>max</th>
                  <th>avg</th>
                  <th>points</th>
                </tr>
              </thead>
              <tbody>
                {metrics.map(([name, s]) => (
                  <tr
                    key={name}
                    data-testid="labstudio-run-metric-row"
                    data-metric={name}
                  >
                    <th>{name}</th>
                    {[s.last, s.min, s.max, s.avg].map((v, i) => (
                      <td
                        key={i}
                        className="labstudio-num"
                        title={v === null || v === undefined ? '' : String(v)}
                      >
                        {formatMetric(toNumber(v ?? null))}
                      </td>
                    ))}
                    <td className="labstudio-num">{s.count ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div
              className="labstudio-chart-grid"
              data-testid="labstudio-run-charts"
            >
              {[...histories].map(([name, series]) => (
                <div
                  key={name}
                  className="labstudio-run-chart"
                  data-metric={name}
                >
                  <div className="labstudio-chart-title">{name}</div>
                  <MetricChart
                    metric={name}
                    series={[series]}
                    xMode="step"
                    logScale={false}
                    smoothing={0}
                    height={180}
                    legend={false}
                  />
                </div>
              ))}
            </div>
            {metrics.length > MAX_RUN_CHARTS && (
              <p className="labstudio-hint">
                Charts of the first {MAX_RUN_CHARTS} metrics by name.
              </p>
            )}
          </>
        )}
      </section>
      {model.lineageAvailable && model.lineage && (
        <section data-testid="labstudio-run-lineage">
          <h3 className="labstudio-subtitle">Lineage</h3>
          <Trail
            title="Came from"
            graph={model.lineage.up}
            testId="labstudio-lineage-up"
            onOpen={props.onOpenTarget}
            canOpen={props.canOpenTarget}
          />
          <Trail
            title="Led to"
            graph={model.lineage.down}
            testId="labstudio-lineage-down"
            onOpen={props.onOpenTarget}
            canOpen={props.canOpenTarget}
          />
        </section>
      )}
      <section data-testid="labstudio-run-artifacts">
        <h3 className="labstudio-subtitle">
          Artifacts{' '}
          <span className="labstudio-count">{run.artifacts.length}</span>
        </h3>
        {run.artifacts.length === 0 ? (
          <p className="labstudio-hint">No artifacts recorded.</p>
        ) : (
          <ul className="labstudio-artifacts">
            {run.artifacts.map(a => (
              <Artifact
                key={`${a.is_output}:${a.name}`}
                artifact={a}
                root={props.root ?? null}
                onOpenPath={props.onOpenPath}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The job the run belongs to, with a link to its view; nothing for a script's run. */
function RunJob(props: {
  run: IRunDetail;
  onOpenJob?: (kind: JobKind, name: string) => void;
}): JSX.Element | null {
  const { job } = props.run;
  if (!job) {
    return (
      <p className="labstudio-hint" data-testid="labstudio-run-job">
        Tracked by a script or notebook (no job).
      </p>
    );
  }
  return (
    <section data-testid="labstudio-run-job" data-job={job.name}>
      <h3 className="labstudio-subtitle">Job</h3>
      <p>
        {JOB_KIND_NOUNS[job.kind]}{' '}
        <button
          className="labstudio-link"
          data-testid="labstudio-run-open-job"
          onClick={() => props.onOpenJob?.(job.kind, job.name)}
        >
          {job.name}
        </button>{' '}
        <span className="labstudio-hint">
          {job.status}
          {job.secondary_status && job.secondary_status !== job.status
            ? ` (${job.secondary_status})`
            : ''}
        </span>
      </p>
    </section>
  );
}

function Artifact(props: {
  artifact: IRunArtifact;
  root: string | null;
  onOpenPath?: (path: string) => void;
}): JSX.Element {
  const { artifact, root, onOpenPath } = props;
  const local =
    artifact.uri.startsWith('file://') || artifact.uri.startsWith('/')
      ? rootRelative(artifact.uri, root)
      : null;
  return (
    <li data-testid="labstudio-run-artifact" data-artifact={artifact.name}>
      <span
        className={`labstudio-kind-chip labstudio-kind-${artifact.is_output ? 'transform' : 'processing'}`}
      >
        {artifact.is_output ? 'output' : 'input'}
      </span>
      <span className="labstudio-artifact-name">{artifact.name}</span>
      <span className="labstudio-artifact-uri" title={artifact.uri}>
        {artifact.uri}
      </span>
      {local !== null && onOpenPath && (
        <button
          className="labstudio-link"
          title="Show it in the file browser"
          onClick={() => onOpenPath(local)}
        >
          show
        </button>
      )}
    </li>
  );
}

/** One direction of the job's lineage: each entity (but the job itself), nearest first. */
function Trail(props: {
  title: string;
  graph: ILineageGraph;
  testId: string;
  onOpen?: (target: LineageTarget) => void;
  canOpen?: (target: LineageTarget) => boolean;
}): JSX.Element {
  const nodes = props.graph.nodes
    .filter(n => n.depth > 0)
    .sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name));
  return (
    <div data-testid={props.testId}>
      <div className="labstudio-field-label">{props.title}</div>
      {nodes.length === 0 ? (
        <p className="labstudio-hint">Nothing recorded.</p>
      ) : (
        <ul className="labstudio-artifacts">
          {nodes.map(n => (
            <LineageItem
              key={n.arn}
              node={n}
              onOpen={props.onOpen}
              canOpen={props.canOpen}
            />
          ))}
        </ul>
      )}
      {props.graph.truncated && (
        <p className="labstudio-hint">More is recorded than shown here.</p>
      )}
    </div>
  );
}

function LineageItem(props: {
  node: ILineageNode;
  onOpen?: (target: LineageTarget) => void;
  canOpen?: (target: LineageTarget) => boolean;
}): JSX.Element {
  const { node, onOpen, canOpen } = props;
  const target = targetOf(node.resource);
  const opens = target && onOpen && (canOpen?.(target) ?? true);
  return (
    <li data-testid="labstudio-lineage-node" data-type={node.type}>
      <span className="labstudio-kind-chip">{node.type}</span>
      {opens ? (
        <button
          className="labstudio-link"
          title={`Open ${node.resource?.name ?? node.name}`}
          onClick={() => onOpen(target)}
        >
          {node.name}
        </button>
      ) : (
        <span>{node.name}</span>
      )}
      {node.source_uri && (
        <span className="labstudio-artifact-uri" title={node.source_uri}>
          {node.source_uri}
        </span>
      )}
    </li>
  );
}
