/**
 * The Pipelines section: a search box and one line per pipeline (its name and its last
 * execution's status). A click (or Enter) opens the pipeline's view.
 */
import * as React from 'react';

import { PipelinesModel } from '../../panel/pipelinesModel';
import { ErrorBox } from '../common/common';
import { MiddleEllipsis } from '../common/MiddleEllipsis';
import { formatTime } from '../format';
import { StatusBadge } from '../StatusBadge';
import { NameFilter } from '../common/NameFilter';

export const PIPELINES_EMPTY = 'No pipelines yet.';

/** The section's search box (in the section's header in the compact navigator). */
export function PipelineFilter(props: { model: PipelinesModel }): JSX.Element {
  return (
    <NameFilter
      model={props.model}
      noun="pipelines"
      testId="labstudio-pipeline-search"
    />
  );
}

export function PipelinesView(props: {
  model: PipelinesModel;
  onOpen: (name: string) => void;
  /** Show the search box above the rows (false: the host shows `PipelineFilter`). */
  showFilter?: boolean;
}): JSX.Element {
  const { model, onOpen } = props;
  const pipelines = model.visible();
  return (
    <div className="labstudio-pipelines" data-testid="labstudio-pipelines">
      {props.showFilter !== false && <PipelineFilter model={model} />}
      {model.error ? (
        <ErrorBox error={model.error} onRetry={() => void model.refresh()} />
      ) : !model.loaded ? (
        <div className="labstudio-empty">Loading pipelines…</div>
      ) : pipelines.length === 0 ? (
        <div
          className="labstudio-empty"
          data-testid="labstudio-pipelines-empty"
        >
          {model.filter.trim() ? (
            <p>No pipelines match “{model.filter.trim()}”.</p>
          ) : (
            <>
              <p>{PIPELINES_EMPTY}</p>
              <p>
                Define one with <code>labstudio.workflow</code> in a notebook
                and call <code>pipeline.upsert()</code>, or POST its definition
                to <code>/labstudio/api/pipelines</code>.
              </p>
            </>
          )}
        </div>
      ) : (
        <ul className="labstudio-pipeline-list" role="list">
          {pipelines.map(p => {
            const name = p.PipelineName;
            const last = p.LastExecution;
            return (
              <li
                key={name}
                className="labstudio-pipeline-row"
                data-testid="labstudio-pipeline-row"
                data-pipeline={name}
                data-status={last?.PipelineExecutionStatus ?? ''}
                tabIndex={0}
                title={p.PipelineDescription || name}
                onClick={() => onOpen(name)}
                onKeyDown={e => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(name);
                  }
                }}
              >
                <MiddleEllipsis
                  className="labstudio-pipeline-name"
                  testId="labstudio-pipeline-name"
                  text={name}
                />
                {last ? (
                  <StatusBadge
                    status={last.PipelineExecutionStatus}
                    title={`Last execution ${last.PipelineExecutionId}, started ${formatTime(last.StartTime)}`}
                  />
                ) : (
                  <span className="labstudio-pipeline-never">never run</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {model.hasMore && (
        <button
          className="labstudio-button"
          onClick={() => void model.loadMore()}
        >
          Load more
        </button>
      )}
    </div>
  );
}
