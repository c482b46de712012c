/**
 * A tuning job (main area): status and progress, the best trial, Stop and Deploy best,
 * the objective of every trial over time with the best so far, the sortable trials
 * table (stopped-early trials marked; a click opens the trial's job) and parallel
 * coordinates over the tuned hyperparameters coloured by the objective. Live while the
 * sweep runs (the model follows the events).
 */
import * as React from 'react';

import { ObjectiveChart } from '../../charts/ObjectiveChart';
import { ParallelCoordinates } from '../../charts/ParallelCoordinates';
import { ITuningTrialSummary } from '../../types';
import {
  DeployForm,
  distinctDigits,
  ErrorBox,
  formatMetric
} from '../common/common';
import { DetailHeader } from '../common/DetailHeader';
import { StatusBadge } from '../StatusBadge';
import { useModel } from '../common/useModel';
import { formatTime } from '../format';
import {
  objectiveOf,
  objectivePoints,
  logScaled,
  parallelAxes,
  progressOf,
  TrialColumn,
  XMode
} from './tuningData';
import { TuningModel } from './tuningModel';

export interface ITuningViewProps {
  model: TuningModel;
  /** Open a trial's training job. */
  onOpenJob?: (name: string) => void;
  onOpenEndpoint?: (name: string) => void;
  /** Compare the trials' runs (curves, parameters, metrics). */
  onCompare?: (runIds: string[]) => void;
}

export function TuningView(props: ITuningViewProps): JSX.Element {
  const model = useModel(props.model);
  const { name, job, error, trials, busy, actionError, best, xMode } = model;
  const deployName = model.deployDraft.name;
  const objective = model.objectiveName;
  const type = model.objectiveType;
  const names = model.parameterNames;

  const points = React.useMemo(
    () => objectivePoints(trials, type, xMode, job?.CreationTime),
    [trials, type, xMode, job?.CreationTime]
  );
  const axes = React.useMemo(
    () => parallelAxes(trials, names, objective, logScaled(job)),
    // names is a new array on every render: its contents decide
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [trials, names.join('\u0001'), objective, job]
  );

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

  const status = job.HyperParameterTuningJobStatus;
  const progress = progressOf(job);
  const bestValue = best ? objectiveOf(best) : null;
  const deploy = async (endpoint: string) => {
    const created = await model.deployBest(endpoint);
    if (created !== null) {
      props.onOpenEndpoint?.(created);
    }
  };
  const config = job.HyperParameterTuningJobConfig;
  const runIds = trials.map(t => t.RunId).filter((id): id is string => !!id);

  return (
    <div
      className="labstudio-main labstudio-tuning"
      data-testid="labstudio-tuning-view"
      data-tuning-job={name}
      data-status={status}
    >
      <DetailHeader
        name={name}
        status={status}
        failureReason={job.FailureReason}
        hint={
          <span
            className="labstudio-hint"
            data-testid="labstudio-tuning-progress"
            data-done={progress.done}
            data-max={progress.max ?? ''}
          >
            {progress.done} / {progress.max ?? '?'} trials
            {progress.running ? ` (${progress.running} running)` : ''}
          </span>
        }
        stop={{
          active: model.active,
          busy,
          onStop: () => void model.stop(),
          testId: 'labstudio-tuning-stop'
        }}
        actionError={actionError}
        forms={
          deployName !== null && (
            <DeployForm
              name={deployName}
              busy={busy}
              onChange={text => model.deployDraft.set(text)}
              onDeploy={text => void deploy(text)}
              onCancel={() => model.deployDraft.close()}
            />
          )
        }
      >
        {props.onCompare && runIds.length > 0 && (
          <button
            className="labstudio-button"
            data-testid="labstudio-tuning-compare"
            title="Compare the trials' runs: metric curves, hyperparameters, metrics"
            onClick={() => props.onCompare!(runIds)}
          >
            Compare trials
          </button>
        )}
        {best &&
          best.TrainingJobStatus === 'Completed' &&
          deployName === null && (
            <button
              className="labstudio-button labstudio-primary"
              data-testid="labstudio-tuning-deploy"
              disabled={busy}
              title={`Deploy the model of ${best.TrainingJobName}`}
              onClick={() => model.openDeploy()}
            >
              Deploy best
            </button>
          )}
      </DetailHeader>

      <table className="labstudio-kv" data-testid="labstudio-tuning-summary">
        <tbody>
          <tr>
            <th>Objective</th>
            <td>
              {type} <code>{objective}</code>
            </td>
          </tr>
          <tr>
            <th>Best so far</th>
            <td data-testid="labstudio-tuning-best">
              {best ? (
                <>
                  <strong>{formatMetric(bestValue)}</strong>{' '}
                  <button
                    className="labstudio-link"
                    onClick={() => props.onOpenJob?.(best.TrainingJobName)}
                  >
                    {best.TrainingJobName}
                  </button>
                </>
              ) : (
                <span className="labstudio-hint">no finished trial yet</span>
              )}
            </td>
          </tr>
          <tr>
            <th>Strategy</th>
            <td>
              {config.Strategy}
              {config.TrainingJobEarlyStoppingType === 'Auto'
                ? ', early stopping'
                : ''}
              {config.ResourceLimits?.MaxParallelTrainingJobs
                ? `, ${config.ResourceLimits.MaxParallelTrainingJobs} in parallel`
                : ''}
            </td>
          </tr>
          <tr>
            <th>Created</th>
            <td>{formatTime(job.CreationTime)}</td>
          </tr>
        </tbody>
      </table>

      <div className="labstudio-toolbar">
        <h3 className="labstudio-subtitle">Objective per trial</h3>
        <label className="labstudio-inline-label">
          x
          <select
            className="jp-mod-styled"
            data-testid="labstudio-tuning-xmode"
            value={xMode}
            onChange={e => model.setXMode(e.target.value as XMode)}
          >
            <option value="time">trial end time</option>
            <option value="index">trial number</option>
          </select>
        </label>
      </div>
      {points.x.length === 0 ? (
        <div
          className="labstudio-empty"
          data-testid="labstudio-tuning-no-points"
        >
          No trial has reported <code>{objective}</code>
          {model.active ? ' yet' : ''}.
        </div>
      ) : (
        <ObjectiveChart objective={objective} xMode={xMode} {...points} />
      )}

      <h3 className="labstudio-subtitle">Trials</h3>
      <TrialsTable
        trials={model.sortedTrials()}
        names={names}
        objective={objective}
        bestName={best?.TrainingJobName ?? null}
        sort={model.sort}
        onSort={column => model.sortBy(column)}
        onOpen={props.onOpenJob}
      />

      {names.length > 0 && points.x.length > 0 && (
        <>
          <h3 className="labstudio-subtitle">Hyperparameters and objective</h3>
          <div className="labstudio-hint">
            One line per trial with an objective, coloured by it (blue: low,
            red: high).
          </div>
          <ParallelCoordinates axes={axes} />
        </>
      )}
    </div>
  );
}

function TrialsTable(props: {
  trials: ITuningTrialSummary[];
  names: string[];
  objective: string;
  bestName: string | null;
  sort: { column: TrialColumn; descending: boolean };
  onSort: (column: TrialColumn) => void;
  onOpen?: (name: string) => void;
}): JSX.Element {
  const { trials, names, sort, onOpen } = props;
  const digits = distinctDigits(trials.map(t => objectiveOf(t)));
  // Continuous values come with every digit: as many as tell the trials apart.
  const hpDigits = new Map(
    names.map(n => [n, distinctDigits(trials.map(t => asNumber(t, n)))])
  );
  if (trials.length === 0) {
    return (
      <div className="labstudio-empty" data-testid="labstudio-tuning-no-trials">
        No trial started yet.
      </div>
    );
  }
  const columns: { id: TrialColumn; label: string }[] = [
    { id: 'name', label: 'Trial' },
    { id: 'status', label: 'Status' },
    { id: 'objective', label: props.objective },
    ...names.map(n => ({ id: `hp:${n}` as TrialColumn, label: n }))
  ];
  return (
    <div className="labstudio-table-scroll">
      <table
        className="labstudio-kv labstudio-trials"
        data-testid="labstudio-tuning-trials"
      >
        <thead>
          <tr>
            {columns.map(c => {
              const active = sort.column === c.id;
              return (
                <th
                  key={c.id}
                  aria-sort={
                    active
                      ? sort.descending
                        ? 'descending'
                        : 'ascending'
                      : 'none'
                  }
                >
                  <button
                    className="labstudio-th-button"
                    data-testid="labstudio-trials-header"
                    data-column={c.id}
                    title={`Sort by ${c.label}`}
                    onClick={() => props.onSort(c.id)}
                  >
                    {c.label}
                    {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {trials.map(t => {
            const value = objectiveOf(t);
            return (
              <tr
                key={t.TrainingJobName}
                className={`labstudio-trial-row ${t.TrainingJobName === props.bestName ? 'labstudio-trial-best' : ''}`}
                data-testid="labstudio-tuning-trial-row"
                data-trial={t.TrainingJobName}
                data-status={t.TrainingJobStatus}
                data-early-stopped={t.EarlyStopped ? 'true' : 'false'}
                title={t.FailureReason ?? t.TrainingJobName}
                tabIndex={onOpen ? 0 : undefined}
                onClick={onOpen ? () => onOpen(t.TrainingJobName) : undefined}
                onKeyDown={
                  onOpen
                    ? e => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          onOpen(t.TrainingJobName);
                        }
                      }
                    : undefined
                }
              >
                <td>
                  {t.TrainingJobName}
                  {t.TrainingJobName === props.bestName && (
                    <span className="labstudio-tag labstudio-tag-best">
                      best
                    </span>
                  )}
                </td>
                <td>
                  <StatusBadge
                    status={t.TrainingJobStatus}
                    title={t.FailureReason ?? undefined}
                  />
                  {t.EarlyStopped && (
                    <span
                      className="labstudio-tag labstudio-tag-early"
                      data-testid="labstudio-early-stopped"
                      title="Stopped early: its objective was worse than the median of earlier trials at the same step"
                    >
                      stopped early
                    </span>
                  )}
                </td>
                <td className="labstudio-num">{formatMetric(value, digits)}</td>
                {names.map(n => (
                  <td
                    key={n}
                    className="labstudio-num"
                    title={t.TunedHyperParameters?.[n]}
                  >
                    {hyperparameterText(t, n, hpDigits.get(n))}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A tuned value as a number, when it is one. */
function asNumber(trial: ITuningTrialSummary, name: string): number | null {
  const text = trial.TunedHyperParameters?.[name];
  const n = Number(text);
  return text !== undefined && text.trim() !== '' && Number.isFinite(n)
    ? n
    : null;
}

/** A tuned value for the table: numbers to `digits` significant digits, text as is. */
function hyperparameterText(
  trial: ITuningTrialSummary,
  name: string,
  digits: number | undefined
): string {
  const n = asNumber(trial, name);
  return n === null
    ? (trial.TunedHyperParameters?.[name] ?? '')
    : formatMetric(n, digits);
}
