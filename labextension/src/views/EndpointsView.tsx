/**
 * The Endpoints section: a search box (in the section's header in the sidebar:
 * `EndpointFilter`) and one line per endpoint (status, name, status word; the URL and
 * variants in the tooltip). A click (or Enter) opens the endpoint's detail.
 */
import * as React from 'react';

import { EndpointsModel } from '../panel/endpointsModel';
import { ErrorBox, StatusDot } from './common/common';
import { MiddleEllipsis } from './common/MiddleEllipsis';
import { NameFilter } from './common/NameFilter';

export const ENDPOINTS_EMPTY = 'No endpoints yet.';

/** The endpoints' search box. */
export function EndpointFilter(props: { model: EndpointsModel }): JSX.Element {
  return (
    <NameFilter
      model={props.model}
      noun="endpoints"
      testId="labstudio-endpoint-search"
    />
  );
}

export function EndpointsView(props: {
  model: EndpointsModel;
  onOpen: (name: string) => void;
  /** Show the search box above the rows (false: the host shows `EndpointFilter`). */
  showFilter?: boolean;
}): JSX.Element {
  const { model, onOpen } = props;
  const endpoints = model.visibleEndpoints();
  return (
    <div className="labstudio-endpoints" data-testid="labstudio-endpoints">
      {props.showFilter !== false && <EndpointFilter model={model} />}
      {model.error ? (
        <ErrorBox error={model.error} onRetry={() => void model.refresh()} />
      ) : !model.loaded ? (
        <div className="labstudio-empty">Loading endpoints…</div>
      ) : endpoints.length === 0 ? (
        <div
          className="labstudio-empty"
          data-testid="labstudio-endpoints-empty"
        >
          {model.filter.trim() ? (
            <p>No endpoints match “{model.filter.trim()}”.</p>
          ) : (
            <>
              <p>{ENDPOINTS_EMPTY}</p>
              <p>
                Deploy a completed job from its page, or run{' '}
                <code>labstudio deploy JOB</code>.
              </p>
            </>
          )}
        </div>
      ) : (
        <ul className="labstudio-endpoint-list" role="list">
          {endpoints.map(e => (
            <li
              key={e.EndpointName}
              className="labstudio-endpoint-row"
              data-testid="labstudio-endpoint-row"
              data-endpoint={e.EndpointName}
              data-status={e.EndpointStatus}
              tabIndex={0}
              title={[
                e.EndpointName,
                e.FailureReason,
                e.EndpointUrl,
                (e.VariantNames ?? []).length
                  ? `variants: ${(e.VariantNames ?? []).join(', ')}`
                  : ''
              ]
                .filter(Boolean)
                .join('\n')}
              onClick={() => onOpen(e.EndpointName)}
              onKeyDown={ev => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                  ev.preventDefault();
                  onOpen(e.EndpointName);
                }
              }}
            >
              <StatusDot status={e.EndpointStatus} />
              <MiddleEllipsis
                className="labstudio-endpoint-name"
                testId="labstudio-endpoint-name"
                text={e.EndpointName}
              />
              <span className="labstudio-endpoint-status">
                {e.EndpointStatus}
              </span>
              <span className="labstudio-sr-only labstudio-endpoint-url">
                {e.EndpointUrl ?? ''}
              </span>
              <span className="labstudio-sr-only labstudio-endpoint-variants">
                {(e.VariantNames ?? []).join(', ')}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
