/**
 * The Models section: a search box (`ModelFilter`, in the section's header in the
 * navigator) and one line per model package group (its name, its
 * latest approved version, how many versions await approval). A click (or Enter) opens
 * the group's view.
 */
import * as React from 'react';

import { ModelGroupsModel } from '../../panel/modelGroupsModel';
import { ErrorBox } from '../common/common';
import { MiddleEllipsis } from '../common/MiddleEllipsis';
import { approvedLabel, pendingLabel } from './registryData';
import { NameFilter } from '../common/NameFilter';

export const MODELS_EMPTY = 'No registered models yet.';

/** The search box of the Models section (in the navigator, its header shows it). */
export function ModelFilter(props: { model: ModelGroupsModel }): JSX.Element {
  return (
    <NameFilter
      model={props.model}
      noun="models"
      testId="labstudio-model-search"
    />
  );
}

export function ModelsView(props: {
  model: ModelGroupsModel;
  onOpen: (group: string) => void;
  /** Show the search box above the rows (false: the host shows `ModelFilter`). */
  showFilter?: boolean;
}): JSX.Element {
  const { model, onOpen } = props;
  const groups = model.visible();
  return (
    <div className="labstudio-models" data-testid="labstudio-models">
      {props.showFilter !== false && <ModelFilter model={model} />}
      {model.error ? (
        <ErrorBox error={model.error} onRetry={() => void model.refresh()} />
      ) : !model.loaded ? (
        <div className="labstudio-empty">Loading models…</div>
      ) : groups.length === 0 ? (
        <div className="labstudio-empty" data-testid="labstudio-models-empty">
          {model.filter.trim() ? (
            <p>No models match “{model.filter.trim()}”.</p>
          ) : (
            <>
              <p>{MODELS_EMPTY}</p>
              <p>
                Run <code>labstudio models register JOB --group NAME</code> in a
                terminal, or <code>estimator.register(...)</code> in a notebook.
              </p>
            </>
          )}
        </div>
      ) : (
        <ul className="labstudio-model-list" role="list">
          {groups.map(g => {
            const name = g.ModelPackageGroupName;
            const pending = g.PendingApprovalCount;
            return (
              <li
                key={name}
                className="labstudio-model-row"
                data-testid="labstudio-model-row"
                data-group={name}
                data-pending={pending}
                data-latest-approved={g.LatestApprovedVersion ?? ''}
                tabIndex={0}
                title={g.ModelPackageGroupDescription || name}
                onClick={() => onOpen(name)}
                onKeyDown={e => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(name);
                  }
                }}
              >
                <MiddleEllipsis
                  className="labstudio-model-name"
                  testId="labstudio-model-name"
                  text={name}
                />
                <span
                  className="labstudio-model-approved"
                  data-testid="labstudio-model-approved"
                  title={
                    g.LatestApprovedVersion === null
                      ? 'No version approved yet'
                      : `Latest approved version: ${g.LatestApprovedVersion} of ${g.VersionCount}`
                  }
                >
                  {approvedLabel(g.LatestApprovedVersion)}
                </span>
                <span
                  className={`labstudio-model-pending ${pending ? 'labstudio-model-pending-some' : ''}`}
                  data-testid="labstudio-model-pending"
                  title={`${pendingLabel(pending)} approval`}
                >
                  {pending ? pendingLabel(pending) : ''}
                </span>
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
