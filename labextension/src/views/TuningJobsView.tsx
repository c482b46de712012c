/**
 * The Tuning section: a search box (in the section's header in the sidebar:
 * `TuningFilter`) and one line per tuning job (status, name, progress n / max; the best
 * objective so far in the tooltip). A click (or Enter) opens the tuning view.
 */
import * as React from 'react';

import { TuningJobsModel } from '../panel/tuningJobsModel';
import { ErrorBox, formatMetric } from './common/common';
import { MiddleEllipsis } from './common/MiddleEllipsis';
import { StatusBadge } from './StatusBadge';
import { NameFilter } from './common/NameFilter';

export const TUNING_EMPTY = 'No tuning jobs yet.';

/** The tuning jobs' search box. */
export function TuningFilter(props: { model: TuningJobsModel }): JSX.Element {
  return (
    <NameFilter
      model={props.model}
      noun="tuning jobs"
      testId="labstudio-tuning-search"
    />
  );
}

export function TuningJobsView(props: {
  model: TuningJobsModel;
  onOpen: (name: string) => void;
  /** Show the search box above the rows (false: the host shows `TuningFilter`). */
  showFilter?: boolean;
}): JSX.Element {
  const { model, onOpen } = props;
  const jobs = model.visibleJobs();
  return (
    <div className="labstudio-tuning-jobs" data-testid="labstudio-tuning-jobs">
      {props.showFilter !== false && <TuningFilter model={model} />}
      {model.error ? (
        <ErrorBox error={model.error} onRetry={() => void model.refresh()} />
      ) : !model.loaded ? (
        <div className="labstudio-empty">Loading tuning jobs…</div>
      ) : jobs.length === 0 ? (
        <div className="labstudio-empty" data-testid="labstudio-tuning-empty">
          {model.filter.trim() ? (
            <p>No tuning jobs match “{model.filter.trim()}”.</p>
          ) : (
            <>
              <p>{TUNING_EMPTY}</p>
              <p>
                Launch one from the form (<strong>Tuning job</strong>), or run{' '}
                <code>labstudio tune</code>.
              </p>
            </>
          )}
        </div>
      ) : (
        <ul className="labstudio-tuning-list" role="list">
          {jobs.map(job => {
            const name = job.HyperParameterTuningJobName;
            const { done, max, best } = model.progress(job);
            return (
              <li
                key={name}
                className="labstudio-tuning-row"
                data-testid="labstudio-tuning-row"
                data-tuning-job={name}
                data-status={job.HyperParameterTuningJobStatus}
                tabIndex={0}
                title={`${name}\n${done}/${max ?? '?'} trials ended${best === null ? '' : `, best ${formatMetric(best)}`}`}
                onClick={() => onOpen(name)}
                onKeyDown={e => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(name);
                  }
                }}
              >
                <StatusBadge
                  status={job.HyperParameterTuningJobStatus}
                  compact
                />
                <MiddleEllipsis
                  className="labstudio-job-name"
                  testId="labstudio-tuning-name"
                  text={name}
                />
                <span
                  className="labstudio-job-duration"
                  data-testid="labstudio-tuning-row-progress"
                  title="Trials ended / maximum"
                >
                  {done}/{max ?? '?'}
                </span>
                <span
                  className="labstudio-sr-only"
                  data-testid="labstudio-tuning-row-best"
                >
                  {best === null ? '' : `best ${formatMetric(best)}`}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
