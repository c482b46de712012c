/**
 * The Jobs section: a search box, a kind filter, one line per job of any kind (status,
 * name, kind, duration; what it does now in the tooltip), "Load more", and the empty /
 * error states. In the Studio sidebar the search box and the kind filter sit in the
 * section's header (`JobFilters`), so the rows get the room.
 *
 * Pure view: the rows and states come in props (see `JobsModel`), so it renders the same
 * in the panel and in tests.
 */
import * as React from 'react';

import { isActiveStatus } from '../types';
import { StatusBadge } from './StatusBadge';
import { ErrorBox, useTick } from './common/common';
import { MiddleEllipsis } from './common/MiddleEllipsis';
import { formatDuration, formatTime } from './format';
import {
  IJobListRow,
  JOB_KIND_FILTERS,
  JobKindFilter,
  kindLabel,
  rowDuration
} from './jobKinds';

export const EMPTY_MESSAGE = 'No training jobs yet.';

export interface IJobsViewProps {
  /** The jobs of every kind to show, newest first (already filtered by the model). */
  rows: readonly IJobListRow[];
  filter: string;
  onFilterChange: (text: string) => void;
  /** The kind filter. */
  kind?: JobKindFilter;
  onKindChange?: (kind: JobKindFilter) => void;
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
  /** Open a row. */
  onSelectRow?: (row: IJobListRow) => void;
  /** Show the section's own title, live badge and refresh (when alone in the panel). */
  showHeader?: boolean;
  /** Show the search box and kind filter above the rows (false: the host shows `JobFilters`). */
  showFilters?: boolean;
  /** Clock for durations of running jobs (tests pass a fixed one). */
  now?: () => number;
}

export function JobsView(props: IJobsViewProps): JSX.Element {
  const {
    rows,
    filter,
    onFilterChange,
    loading = false,
    loaded = true,
    error = null,
    connected = false,
    hasMore = false,
    showHeader = true,
    showFilters = true
  } = props;
  const clock = props.now ?? Date.now;
  const kind = props.kind ?? 'all';
  const select = props.onSelectRow ?? null;
  const anyActive = rows.some(r => isActiveStatus(r.status));
  useTick(anyActive ? 1000 : 0); // durations of running jobs move
  const now = clock();

  return (
    <div className="labstudio-jobs" data-testid="labstudio-jobs">
      {showHeader && (
        <div className="labstudio-section-header">
          <h2 className="labstudio-section-title">Jobs</h2>
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
      {showFilters && (
        <JobFilters
          filter={filter}
          onFilterChange={onFilterChange}
          kind={kind}
          onKindChange={props.onKindChange}
        />
      )}
      {error && <ErrorBox error={error} onRetry={props.onRefresh} />}
      {error &&
      (error.extensionMissing || rows.length === 0) ? null : rows.length ===
        0 ? (
        <EmptyState
          filter={filter}
          loading={loading || !loaded}
          noun={kindNoun(kind)}
        />
      ) : (
        <ul className="labstudio-job-list" data-testid="labstudio-job-list">
          {rows.map(row => (
            <JobRow
              key={`${row.kind}:${row.name}`}
              row={row}
              now={now}
              onSelect={select}
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

/** The jobs' search box and kind filter, on one line. */
export function JobFilters(props: {
  filter: string;
  onFilterChange: (text: string) => void;
  kind: JobKindFilter;
  onKindChange?: (kind: JobKindFilter) => void;
}): JSX.Element {
  return (
    <div className="labstudio-filters">
      <input
        className="labstudio-search jp-mod-styled"
        data-testid="labstudio-job-search"
        type="search"
        placeholder="Filter jobs"
        aria-label="Filter jobs by name"
        value={props.filter}
        onChange={e => props.onFilterChange(e.target.value)}
      />
      <select
        className="jp-mod-styled labstudio-compact-select"
        data-testid="labstudio-kind-filter"
        aria-label="Show jobs of kind"
        title="Show jobs of one kind"
        value={props.kind}
        onChange={e => props.onKindChange?.(e.target.value as JobKindFilter)}
      >
        {JOB_KIND_FILTERS.map(k => (
          <option
            key={k.value}
            value={k.value}
            data-testid={`labstudio-kind-${k.value}`}
          >
            {k.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function JobRow(props: {
  row: IJobListRow;
  now: number;
  onSelect: ((row: IJobListRow) => void) | null;
}): JSX.Element {
  const { row, now, onSelect } = props;
  const detail = row.failureReason || row.detail || '';
  const open = onSelect ? () => onSelect(row) : undefined;
  return (
    <li
      className="labstudio-job-row"
      data-testid="labstudio-job-row"
      data-job-name={row.name}
      data-status={row.status}
      data-kind={row.kind}
      data-tuning-job={row.tuningJob ?? undefined}
      title={[
        row.name,
        kindLabel(row),
        row.tuningJob ? `Trial of tuning job ${row.tuningJob}` : '',
        `Created ${formatTime(row.creationTime)}`,
        row.experiment ? `Experiment ${row.experiment}` : '',
        detail
      ]
        .filter(Boolean)
        .join('\n')}
      onClick={open}
      tabIndex={open ? 0 : undefined}
      onKeyDown={
        open
          ? e => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                open();
              }
            }
          : undefined
      }
    >
      <StatusBadge status={row.status} title={detail} compact />
      <MiddleEllipsis
        className="labstudio-job-name"
        testId="labstudio-job-name"
        text={row.name}
      />
      <span
        className={`labstudio-kind-chip labstudio-kind-${row.tuningJob ? 'trial' : row.kind}`}
        data-testid="labstudio-job-kind"
        title={kindLabel(row)}
      >
        {kindLabel(row)}
      </span>
      <span
        className="labstudio-job-duration"
        data-testid="labstudio-job-duration"
      >
        {formatDuration(rowDuration(row, now))}
      </span>
      <span className="labstudio-sr-only" data-testid="labstudio-job-now">
        {[row.detail, row.status === 'Failed' ? row.failureReason : '']
          .filter(Boolean)
          .join(' – ')}
      </span>
    </li>
  );
}

/** What the empty list is about, in words. */
function kindNoun(kind: JobKindFilter): string {
  return kind === 'all' ? 'jobs' : `${kind} jobs`;
}

function EmptyState(props: {
  filter: string;
  loading: boolean;
  noun: string;
}): JSX.Element {
  if (props.loading) {
    return (
      <div className="labstudio-empty" data-testid="labstudio-loading">
        Loading {props.noun}…
      </div>
    );
  }
  if (props.filter.trim()) {
    return (
      <div className="labstudio-empty" data-testid="labstudio-empty">
        No {props.noun} match “{props.filter.trim()}”.
      </div>
    );
  }
  return (
    <div className="labstudio-empty" data-testid="labstudio-empty">
      <p>
        {props.noun === 'training jobs' || props.noun === 'jobs'
          ? EMPTY_MESSAGE
          : `No ${props.noun} yet.`}
      </p>
      <p>
        Launch one, or run <code>labstudio train script.py</code> (
        <code>%train</code> in a notebook).
      </p>
    </div>
  );
}
