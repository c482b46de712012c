/**
 * The Endpoints section: a search box and one row per endpoint (status, name, URL,
 * variants). A click (or Enter) opens the endpoint's detail.
 */
import * as React from 'react';

import { EndpointsModel } from '../panel/endpointsModel';
import { ErrorBox, StatusDot } from './common/common';
import { MiddleEllipsis } from './common/MiddleEllipsis';

export const ENDPOINTS_EMPTY = 'No endpoints yet.';

export function EndpointsView(props: {
  model: EndpointsModel;
  onOpen: (name: string) => void;
}): JSX.Element {
  const { model, onOpen } = props;
  const endpoints = model.visibleEndpoints();
  return (
    <div className="labstudio-endpoints" data-testid="labstudio-endpoints">
      <input
        className="labstudio-search jp-mod-styled"
        data-testid="labstudio-endpoint-search"
        type="search"
        placeholder="Filter endpoints by name"
        aria-label="Filter endpoints by name"
        value={model.filter}
        onChange={e => model.setFilter(e.target.value)}
      />
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
                Open a completed training job and press <strong>Deploy</strong>,
                or run <code>labstudio deploy JOB_NAME</code> in a terminal.
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
              title={e.FailureReason ?? e.EndpointName}
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
              <span className="labstudio-endpoint-url">
                {e.EndpointUrl ?? ''}
              </span>
              <span className="labstudio-endpoint-variants">
                {(e.VariantNames ?? []).join(', ')}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
