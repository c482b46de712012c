/**
 * The list of training jobs: a search box, one row per job (status badge, name,
 * secondary status, duration) and the empty / error states.
 *
 * Pure view: the data comes in props (see `JobsModel`), so it renders the same in the
 * panel and in tests.
 */
import * as React from 'react';

import { ITrainingJobSummary, isActiveStatus } from '../types';
import { StatusBadge } from './StatusBadge';
import { ErrorBox, useTick } from './common/common';
import { MiddleEllipsis } from './common/MiddleEllipsis';
import { formatDuration, formatTime, jobDuration } from './format';

export const EMPTY_MESSAGE = 'No training jobs yet.';

export interface IJobsViewProps {
  /** The jobs to show, newest first (already filtered by the model). */
  jobs: readonly ITrainingJobSummary[];
  filter: string;
  onFilterChange: (text: string) => void;
  loading?: boolean;
  /** False until the first answer of the list API. */
  loaded?: boolean;
  /** The last error of the list API, shown instead of the list. */
  error?: { message: string; extensionMissing?: boolean } | null;
  /** Whether live updates flow (the events socket is open). */
  connected?: boolean;
  hasMore?: boolean;
  onLoadMore?: () => void;
  onRefresh?: () => void;
  onSelect?: (name: string) => void;
  /** Show the section's own title, live badge and refresh (when alone in the panel). */
  showHeader?: boolean;
  /** Clock for durations of running jobs (tests pass a fixed one). */
  now?: () => number;
}

export function JobsView(props: IJobsViewProps): JSX.Element {
  const {
    jobs,
    filter,
    onFilterChange,
    loading = false,
    loaded = true,
    error = null,
    connected = false,
    hasMore = false,
    showHeader = true
  } = props;
  const clock = props.now ?? Date.now;
  const anyActive = jobs.some(j => isActiveStatus(j.TrainingJobStatus));
  useTick(anyActive ? 1000 : 0); // durations of running jobs move
  const now = clock();

  return (
    <div className="labstudio-jobs" data-testid="labstudio-jobs">
      {showHeader && (
        <div className="labstudio-section-header">
          <h2 className="labstudio-section-title">Training jobs</h2>
          <span
            className={`labstudio-connection ${connected ? 'labstudio-connection-live' : ''}`}
            data-testid="labstudio-connection"
            data-connected={connected ? 'true' : 'false'}
            title={
              connected
                ? 'Live: updates arrive as they happen'
                : 'Offline: refreshing every 30 s until the live connection is back'
            }
          >
            {connected ? 'live' : 'offline'}
          </span>
          {props.onRefresh && (
            <button
              className="labstudio-button labstudio-refresh"
              data-testid="labstudio-refresh"
              title="Refresh the job list"
              onClick={props.onRefresh}
              disabled={loading}
            >
              Refresh
            </button>
          )}
        </div>
      )}
      <input
        className="labstudio-search jp-mod-styled"
        data-testid="labstudio-job-search"
        type="search"
        placeholder="Filter jobs by name"
        aria-label="Filter jobs by name"
        value={filter}
        onChange={e => onFilterChange(e.target.value)}
      />
      {error && <ErrorBox error={error} onRetry={props.onRefresh} />}
      {error &&
      (error.extensionMissing || jobs.length === 0) ? null : jobs.length ===
        0 ? (
        <EmptyState filter={filter} loading={loading || !loaded} />
      ) : (
        <ul className="labstudio-job-list" data-testid="labstudio-job-list">
          {jobs.map(job => (
            <JobRow
              key={job.TrainingJobName}
              job={job}
              now={now}
              onSelect={props.onSelect}
            />
          ))}
        </ul>
      )}
      {hasMore && !error && (
        <button
          className="labstudio-button labstudio-load-more"
          data-testid="labstudio-load-more"
          onClick={props.onLoadMore}
          disabled={loading}
        >
          Load more
        </button>
      )}
    </div>
  );
}

function JobRow(props: {
  job: ITrainingJobSummary;
  now: number;
  onSelect?: (name: string) => void;
}): JSX.Element {
  const { job, now, onSelect } = props;
  const detail = job.FailureReason || job.StatusMessage || '';
  // The secondary status says more than the badge (Starting, Training, Uploading...);
  // when it only repeats it, show the status message instead.
  const secondary =
    job.SecondaryStatus && job.SecondaryStatus !== job.TrainingJobStatus
      ? job.SecondaryStatus
      : job.TrainingJobStatus === 'Failed'
        ? ''
        : job.StatusMessage || job.SecondaryStatus || '';
  return (
    <li
      className="labstudio-job-row"
      data-testid="labstudio-job-row"
      data-job-name={job.TrainingJobName}
      data-status={job.TrainingJobStatus}
      title={[
        job.TrainingJobName,
        `Created ${formatTime(job.CreationTime)}`,
        job.ExperimentName ? `Experiment ${job.ExperimentName}` : '',
        detail
      ]
        .filter(Boolean)
        .join('\n')}
      onClick={onSelect ? () => onSelect(job.TrainingJobName) : undefined}
      tabIndex={onSelect ? 0 : undefined}
      onKeyDown={
        onSelect
          ? e => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onSelect(job.TrainingJobName);
              }
            }
          : undefined
      }
    >
      <StatusBadge status={job.TrainingJobStatus} title={detail} />
      <MiddleEllipsis
        className="labstudio-job-name"
        testId="labstudio-job-name"
        text={job.TrainingJobName}
      />
      <span
        className="labstudio-job-duration"
        data-testid="labstudio-job-duration"
      >
        {formatDuration(jobDuration(job, now))}
      </span>
      <span
        className="labstudio-job-secondary"
        data-testid="labstudio-job-secondary"
      >
        {[
          secondary,
          job.TrainingJobStatus === 'Failed' ? job.FailureReason : ''
        ]
          .filter(Boolean)
          .join(' – ')}
      </span>
    </li>
  );
}

function EmptyState(props: { filter: string; loading: boolean }): JSX.Element {
  if (props.loading) {
    return (
      <div className="labstudio-empty" data-testid="labstudio-loading">
        Loading training jobs…
      </div>
    );
  }
  if (props.filter.trim()) {
    return (
      <div className="labstudio-empty" data-testid="labstudio-empty">
        No training jobs match “{props.filter.trim()}”.
      </div>
    );
  }
  return (
    <div className="labstudio-empty" data-testid="labstudio-empty">
      <p>{EMPTY_MESSAGE}</p>
      <p>
        Run <code>labstudio train script.py</code> in a terminal or{' '}
        <code>%train</code> in a notebook.
      </p>
    </div>
  );
}
