/**
 * The Studio home (main area): running and recent jobs, endpoints and their health,
 * recent experiments, quick actions, and the sections of resources the server adds
 * (pipelines, models awaiting approval) when it has their routes.
 */
import * as React from 'react';

import {
  ErrorBox,
  formatMetric,
  plural,
  StatusDot,
  useTick
} from '../common/common';
import { MiddleEllipsis } from '../common/MiddleEllipsis';
import { useModel } from '../common/useModel';
import { formatDuration } from '../format';
import { IJobListRow, kindLabel, rowDuration } from '../jobKinds';
import { StatusBadge } from '../StatusBadge';
import {
  HomeModel,
  IEndpointHealth,
  IHomeItem,
  IHomeSection
} from './homeModel';

/** What the home's rows and buttons open. */
export interface IHomeActions {
  openJob(row: IJobListRow): void;
  openEndpoint(name: string): void;
  /** Show an experiment's runs in the sidebar. */
  revealExperiment(name: string): void;
  /** Compare every run of an experiment. */
  compareExperiment(name: string, runCount: number): void;
  launchTraining(): void;
  launchTuning(): void;
  openTuning(): void;
  /** Run a command (rows of added sections name the command that opens them). */
  execute(command: string, args: Record<string, string>): void;
}

export function HomeView(props: {
  model: HomeModel;
  actions: Partial<IHomeActions>;
}): JSX.Element {
  const model = useModel(props.model);
  const { actions } = props;
  useTick(model.runningJobs ? 1000 : 0);
  const now = Date.now();
  return (
    <div className="labstudio-main labstudio-home" data-testid="labstudio-home">
      <div className="labstudio-detail-header">
        <h2 className="labstudio-detail-title labstudio-home-title">Studio</h2>
        <span className="labstudio-hint">
          Jobs, endpoints and experiments of this workspace, live.
        </span>
      </div>
      {model.error && (
        <ErrorBox error={model.error} onRetry={() => void model.refresh()} />
      )}
      <div className="labstudio-home-grid">
        <Card id="actions" title="Quick actions">
          <div className="labstudio-home-actions">
            <button
              className="labstudio-button labstudio-primary"
              data-testid="labstudio-home-launch"
              onClick={() => actions.launchTraining?.()}
            >
              Launch a training job
            </button>
            <button
              className="labstudio-button"
              data-testid="labstudio-home-tune"
              onClick={() => actions.launchTuning?.()}
            >
              Launch a tuning job
            </button>
            <button
              className="labstudio-button"
              data-testid="labstudio-home-open-tuning"
              onClick={() => actions.openTuning?.()}
            >
              Open a tuning job…
            </button>
          </div>
          <p className="labstudio-hint">
            From a notebook: <code>%train script.py</code>, or{' '}
            <code>labstudio.Run(experiment_name=&quot;demo&quot;)</code> to
            track a run.
          </p>
        </Card>
        <Card
          id="jobs"
          title="Running and recent jobs"
          count={model.runningJobs ? `${model.runningJobs} running` : undefined}
        >
          {!model.loaded ? (
            <Loading />
          ) : model.jobs.length === 0 ? (
            <p className="labstudio-hint">
              No jobs yet: launch one above, or run{' '}
              <code>labstudio train script.py</code>.
            </p>
          ) : (
            <ul className="labstudio-home-list">
              {model.jobs.map(row => (
                <JobItem
                  key={`${row.kind}:${row.name}`}
                  row={row}
                  now={now}
                  onOpen={actions.openJob}
                />
              ))}
            </ul>
          )}
        </Card>
        <Card id="endpoints" title="Endpoints">
          {!model.loaded ? (
            <Loading />
          ) : model.endpoints.length === 0 ? (
            <p className="labstudio-hint">
              No endpoints: deploy a completed training job from its page.
            </p>
          ) : (
            <ul className="labstudio-home-list">
              {model.endpoints.map(e => (
                <EndpointItem
                  key={e.endpoint.EndpointName}
                  item={e}
                  onOpen={actions.openEndpoint}
                />
              ))}
            </ul>
          )}
        </Card>
        <Card id="experiments" title="Recent experiments">
          {!model.loaded ? (
            <Loading />
          ) : model.experiments.length === 0 ? (
            <p className="labstudio-hint">
              No experiments yet: every job records a run into one.
            </p>
          ) : (
            <ul className="labstudio-home-list">
              {model.experiments.map(exp => (
                <li
                  key={exp.id}
                  className="labstudio-home-row"
                  data-testid="labstudio-home-experiment"
                  data-experiment={exp.name}
                >
                  {exp.in_progress_count > 0 ? (
                    <StatusDot status="InProgress" />
                  ) : (
                    <span className="labstudio-home-dot-space" />
                  )}
                  <button
                    className="labstudio-link labstudio-home-name"
                    title={`Show the runs of ${exp.name} in the sidebar`}
                    onClick={() => actions.revealExperiment?.(exp.name)}
                  >
                    <MiddleEllipsis
                      text={exp.name}
                      className="labstudio-home-name-text"
                    />
                  </button>
                  <span className="labstudio-hint labstudio-home-detail">
                    {plural(exp.run_count, 'run')}
                    {exp.in_progress_count
                      ? `, ${exp.in_progress_count} running`
                      : ''}
                  </span>
                  <button
                    className="labstudio-link"
                    data-testid="labstudio-home-compare"
                    disabled={exp.run_count === 0}
                    title={`Compare all ${plural(exp.run_count, 'run')} of ${exp.name}`}
                    onClick={() =>
                      actions.compareExperiment?.(exp.name, exp.run_count)
                    }
                  >
                    compare
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Card>
        {model.sections.map(section => (
          <SourceCard
            key={section.source.id}
            section={section}
            actions={actions}
          />
        ))}
      </div>
    </div>
  );
}

function Card(props: {
  id: string;
  title: string;
  count?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <section
      className="labstudio-home-card"
      data-testid={`labstudio-home-${props.id}`}
      aria-label={props.title}
    >
      <h3 className="labstudio-subtitle">
        {props.title}
        {props.count && (
          <span className="labstudio-count"> · {props.count}</span>
        )}
      </h3>
      {props.children}
    </section>
  );
}

function Loading(): JSX.Element {
  return <p className="labstudio-hint">Loading…</p>;
}

function JobItem(props: {
  row: IJobListRow;
  now: number;
  onOpen?: (row: IJobListRow) => void;
}): JSX.Element {
  const { row, now } = props;
  return (
    <li
      className="labstudio-home-row"
      data-testid="labstudio-home-job"
      data-job-name={row.name}
      data-status={row.status}
    >
      <StatusBadge status={row.status} title={row.failureReason ?? undefined} />
      <button
        className="labstudio-link labstudio-home-name"
        onClick={() => props.onOpen?.(row)}
        title={`Open ${row.name}`}
      >
        <MiddleEllipsis text={row.name} className="labstudio-home-name-text" />
      </button>
      <span
        className={`labstudio-kind-chip labstudio-kind-${row.tuningJob ? 'trial' : row.kind}`}
      >
        {kindLabel(row)}
      </span>
      <span className="labstudio-hint labstudio-home-detail">
        {formatDuration(rowDuration(row, now))}
      </span>
    </li>
  );
}

function EndpointItem(props: {
  item: IEndpointHealth;
  onOpen?: (name: string) => void;
}): JSX.Element {
  const { endpoint, health, invocations, errors, p90Ms } = props.item;
  const figures =
    invocations === null
      ? endpoint.EndpointStatus === 'Failed'
        ? (endpoint.FailureReason ?? 'failed')
        : endpoint.EndpointStatus
      : [
          plural(invocations, 'call'),
          plural(errors ?? 0, 'error'),
          p90Ms === null ? '' : `p90 ${formatMetric(p90Ms)} ms`
        ]
          .filter(Boolean)
          .join(' · ');
  return (
    <li
      className="labstudio-home-row"
      data-testid="labstudio-home-endpoint"
      data-endpoint={endpoint.EndpointName}
      data-health={health}
    >
      <StatusDot status={endpoint.EndpointStatus} />
      <button
        className="labstudio-link labstudio-home-name"
        onClick={() => props.onOpen?.(endpoint.EndpointName)}
        title={`Open ${endpoint.EndpointName}`}
      >
        <MiddleEllipsis
          text={endpoint.EndpointName}
          className="labstudio-home-name-text"
        />
      </button>
      <span className={`labstudio-health labstudio-health-${health}`}>
        {health}
      </span>
      <span className="labstudio-hint labstudio-home-detail" title={figures}>
        {figures}
      </span>
    </li>
  );
}

function SourceCard(props: {
  section: IHomeSection;
  actions: Partial<IHomeActions>;
}): JSX.Element {
  const { section, actions } = props;
  return (
    <Card id={section.source.id} title={section.source.title}>
      {section.error ? (
        <ErrorBox error={section.error} />
      ) : section.items.length === 0 ? (
        <p className="labstudio-hint">{section.source.empty}</p>
      ) : (
        <ul className="labstudio-home-list">
          {section.items.map((item: IHomeItem) => (
            <li
              key={item.name}
              className="labstudio-home-row"
              data-testid={`labstudio-home-${section.source.id}-item`}
            >
              <StatusDot status={item.status} />
              <button
                className="labstudio-link labstudio-home-name"
                disabled={!item.open}
                onClick={() =>
                  item.open &&
                  actions.execute?.(item.open.command, item.open.args)
                }
              >
                <MiddleEllipsis
                  text={item.name}
                  className="labstudio-home-name-text"
                />
              </button>
              <span className="labstudio-hint labstudio-home-detail">
                {item.detail ?? item.status}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
