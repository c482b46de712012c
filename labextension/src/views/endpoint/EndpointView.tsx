/**
 * Endpoint detail (main area): status, variants and their weights (editable), figures
 * (requests per second measured between refreshes, p50/p99 latency, errors), a test
 * invoke box (content type, accept, variant, body → response, status and latency), the
 * log and delete.
 */
import * as React from 'react';

import { IEndpointFigures } from '../../types';
import { ErrorBox, StatusDot, formatMetric } from '../common/common';
import { DetailHeader } from '../common/DetailHeader';
import { LineageButton } from '../lineage/LineageButton';
import { useModel } from '../common/useModel';
import { formatTime } from '../format';
import { EndpointModel } from './endpointModel';
import { MonitoringSection } from './MonitoringSection';
import { DeploymentSection, InferenceTypeRows } from './InferenceSections';

export interface IEndpointViewProps {
  model: EndpointModel;
  onDeleted?: () => void;
  /** Open the lineage graph around this endpoint. */
  onOpenLineage?: (name: string) => void;
}

export function EndpointView(props: IEndpointViewProps): JSX.Element {
  const model = useModel(props.model);
  const { name, endpoint, error, rps, log, actionError } = model;
  const { onDeleted } = props;
  React.useEffect(() => {
    const deleted = () => onDeleted?.();
    model.deleted.connect(deleted);
    return () => {
      model.deleted.disconnect(deleted);
    };
  }, [model, onDeleted]);

  if (error && !endpoint) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.refresh()} />
      </div>
    );
  }
  if (!endpoint) {
    return (
      <div className="labstudio-main labstudio-empty">Loading {name}…</div>
    );
  }

  return (
    <div
      className="labstudio-main labstudio-endpoint-detail"
      data-testid="labstudio-endpoint-detail"
      data-endpoint={name}
      data-status={endpoint.EndpointStatus}
    >
      <DetailHeader
        name={name}
        status={endpoint.EndpointStatus}
        indicator="dot"
        failureReason={endpoint.FailureReason}
        actionError={actionError}
      >
        {props.onOpenLineage && (
          <LineageButton onOpen={() => props.onOpenLineage!(name)} />
        )}
        {model.confirmingDelete ? (
          <>
            <span>Delete {name}? Its workers stop and its port is freed.</span>
            <button
              className="labstudio-button labstudio-danger"
              data-testid="labstudio-endpoint-delete-confirm"
              onClick={() => void model.remove()}
            >
              Delete
            </button>
            <button
              className="labstudio-button"
              onClick={() => model.setConfirmingDelete(false)}
            >
              Cancel
            </button>
          </>
        ) : (
          <button
            className="labstudio-button labstudio-danger"
            data-testid="labstudio-endpoint-delete"
            onClick={() => model.setConfirmingDelete(true)}
          >
            Delete
          </button>
        )}
      </DetailHeader>
      <table className="labstudio-kv">
        <tbody>
          <tr>
            <th>URL</th>
            <td>
              <code>
                {endpoint.InvocationsUrl ?? endpoint.EndpointUrl ?? '–'}
              </code>
            </td>
          </tr>
          <tr>
            <th>Auth</th>
            <td>
              {endpoint.AuthType === 'Bearer'
                ? 'Bearer token (the panel invokes through the Jupyter server)'
                : 'none'}
            </td>
          </tr>
          <tr>
            <th>Created</th>
            <td>{formatTime(endpoint.CreationTime)}</td>
          </tr>
          <InferenceTypeRows endpoint={endpoint} />
        </tbody>
      </table>

      <h3 className="labstudio-subtitle">Figures</h3>
      <Figures figures={endpoint.Metrics} rps={rps} />

      <h3 className="labstudio-subtitle">Variants</h3>
      <Variants model={model} />

      <DeploymentSection endpoint={endpoint} />
      <h3 className="labstudio-subtitle">Monitoring</h3>
      <MonitoringSection monitoring={model.monitoring} />

      <h3 className="labstudio-subtitle">Test invoke</h3>
      <InvokeBox model={model} />

      <div className="labstudio-toolbar">
        <h3 className="labstudio-subtitle">Log</h3>
        <button
          className="labstudio-button"
          onClick={() => void model.refresh()}
        >
          Refresh
        </button>
      </div>
      <pre
        className="labstudio-log"
        data-testid="labstudio-endpoint-log"
        tabIndex={0}
      >
        {log || '(empty)'}
      </pre>
    </div>
  );
}

function Figures(props: {
  figures?: IEndpointFigures;
  rps: number | null;
}): JSX.Element {
  const f = props.figures;
  const ms = (v: number | null | undefined) =>
    v === null || v === undefined ? '–' : `${formatMetric(v)} ms`;
  const items: [string, string][] = [
    [
      'requests/s',
      props.rps === null ? '–' : formatMetric(Math.round(props.rps * 100) / 100)
    ],
    ['invocations', String(f?.Invocations ?? 0)],
    ['p50', ms(f?.LatencyP50Ms)],
    ['p99', ms(f?.LatencyP99Ms)],
    [
      'errors',
      `${f?.Errors ?? 0} (4xx ${f?.Invocation4XXErrors ?? 0}, 5xx ${f?.Invocation5XXErrors ?? 0})`
    ]
  ];
  return (
    <div className="labstudio-figures" data-testid="labstudio-endpoint-figures">
      {items.map(([label, value]) => (
        <div key={label} className="labstudio-figure" data-figure={label}>
          <div className="labstudio-figure-value">{value}</div>
          <div className="labstudio-hint">{label}</div>
        </div>
      ))}
    </div>
  );
}

function Variants(props: { model: EndpointModel }): JSX.Element {
  const { model } = props;
  const endpoint = model.endpoint!;
  const weights = model.weightDrafts;
  const error = model.weightsError;
  const variants = endpoint.ProductionVariants ?? [];
  const total = variants.reduce((s, v) => s + (v.CurrentWeight || 0), 0) || 1;
  const dirty = Object.keys(weights).length > 0;
  return (
    <div>
      <table
        className="labstudio-kv labstudio-variants"
        data-testid="labstudio-endpoint-variants"
      >
        <thead>
          <tr>
            <th>Variant</th>
            <th>Status</th>
            <th>Weight</th>
            <th>Traffic</th>
            <th>Workers</th>
            <th>Invocations</th>
            <th>p50</th>
            <th>Model</th>
          </tr>
        </thead>
        <tbody>
          {variants.map(v => (
            <tr key={v.VariantName} data-variant={v.VariantName}>
              <td>{v.VariantName}</td>
              <td>
                <StatusDot status={v.VariantStatus} /> {v.VariantStatus}
              </td>
              <td>
                <input
                  className="jp-mod-styled labstudio-weight"
                  type="number"
                  min={0}
                  step={0.1}
                  aria-label={`Weight of ${v.VariantName}`}
                  value={weights[v.VariantName] ?? String(v.CurrentWeight)}
                  onChange={e =>
                    model.setWeightDraft(v.VariantName, e.target.value)
                  }
                />
              </td>
              <td>{Math.round(((v.CurrentWeight || 0) / total) * 100)}%</td>
              <td>{v.CurrentInstanceCount}</td>
              <td>{v.Metrics?.Invocations ?? 0}</td>
              <td>
                {v.Metrics?.LatencyP50Ms === null ||
                v.Metrics?.LatencyP50Ms === undefined
                  ? '–'
                  : `${formatMetric(v.Metrics.LatencyP50Ms)} ms`}
              </td>
              <td title={v.ModelData}>
                <code>{v.ModelData}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {dirty && (
        <div className="labstudio-toolbar">
          <button
            className="labstudio-button labstudio-primary"
            onClick={() => void model.applyWeights()}
          >
            Apply weights
          </button>
          <button
            className="labstudio-button"
            onClick={() => model.resetWeights()}
          >
            Reset
          </button>
        </div>
      )}
      {error && (
        <div className="labstudio-error-message" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

function InvokeBox(props: { model: EndpointModel }): JSX.Element {
  const { model } = props;
  const endpoint = model.endpoint!;
  const { contentType, accept, variant, body } = model.invokeDraft;
  const result = model.invokeResult;
  const error = model.invokeError;
  const busy = model.invoking;
  const invoke = () => model.invokeDraftRequest();
  return (
    <div className="labstudio-invoke" data-testid="labstudio-invoke">
      <div className="labstudio-toolbar">
        <ContentTypeInput
          label="Content type"
          value={contentType}
          onChange={text => model.setInvokeDraft({ contentType: text })}
          testId="labstudio-invoke-content-type"
        />
        <ContentTypeInput
          label="Accept"
          value={accept}
          onChange={text => model.setInvokeDraft({ accept: text })}
          testId="labstudio-invoke-accept"
        />
        <datalist id="labstudio-content-types">
          {[
            'application/json',
            'text/csv',
            'text/plain',
            'application/x-npy',
            'application/octet-stream'
          ].map(t => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <label className="labstudio-inline-label">
          Variant
          <select
            className="jp-mod-styled"
            value={variant}
            onChange={e => model.setInvokeDraft({ variant: e.target.value })}
          >
            <option value="">(by weight)</option>
            {(endpoint.ProductionVariants ?? []).map(v => (
              <option key={v.VariantName} value={v.VariantName}>
                {v.VariantName}
              </option>
            ))}
          </select>
        </label>
      </div>
      <textarea
        className="jp-mod-styled labstudio-invoke-body"
        rows={5}
        value={body}
        onChange={e => model.setInvokeDraft({ body: e.target.value })}
        aria-label="Request body"
        data-testid="labstudio-invoke-body"
        onKeyDown={e => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void invoke();
          }
        }}
      />
      <div className="labstudio-toolbar">
        <button
          className="labstudio-button labstudio-primary"
          data-testid="labstudio-invoke-send"
          disabled={busy}
          onClick={() => void invoke()}
          title="Ctrl+Enter"
        >
          {busy ? 'Invoking…' : 'Invoke'}
        </button>
        {endpoint.EndpointStatus !== 'InService' && (
          <span className="labstudio-hint">
            The endpoint is {endpoint.EndpointStatus}; it answers once
            InService.
          </span>
        )}
      </div>
      {error && (
        <div className="labstudio-error-message" role="alert">
          {error}
        </div>
      )}
      {result && (
        <div
          className="labstudio-invoke-result"
          data-testid="labstudio-invoke-result"
          data-status={result.status}
        >
          <div className="labstudio-toolbar">
            <span
              className={result.ok ? 'labstudio-ok' : 'labstudio-error-message'}
              data-testid="labstudio-invoke-status"
            >
              HTTP {result.status}
            </span>
            <span data-testid="labstudio-invoke-latency">
              {result.latencyMs.toFixed(1)} ms
            </span>
            <span className="labstudio-hint">{result.contentType}</span>
            {result.variant && (
              <span className="labstudio-hint">variant {result.variant}</span>
            )}
          </div>
          <pre
            className="labstudio-log"
            data-testid="labstudio-invoke-response"
          >
            {pretty(result.body, result.contentType)}
          </pre>
        </div>
      )}
    </div>
  );
}

/** A media type, typed or picked from the common ones (the `labstudio-content-types` list). */
function ContentTypeInput(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
}): JSX.Element {
  return (
    <label className="labstudio-inline-label">
      {props.label}
      <input
        className="jp-mod-styled"
        list="labstudio-content-types"
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
        data-testid={props.testId}
      />
    </label>
  );
}

function pretty(body: string, contentType: string): string {
  if (contentType.includes('json')) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return body;
}
