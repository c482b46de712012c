/**
 * A model package group (main area): its versions with their approval state and metric
 * numbers side by side, Approve / Reject with a comment, Deploy, Compare the ticked
 * versions, a version's details (its ModelMetrics documents), and the group's history.
 * Pure view: the state and the calls are `ModelGroupModel`'s.
 */
import * as React from 'react';

import {
  IActivityEntry,
  IModelPackageDescription,
  IModelPackageSummary
} from '../../types';
import { DeployForm, ErrorBox, formatMetric } from '../common/common';
import { DetailHeader } from '../common/DetailHeader';
import { useModel } from '../common/useModel';
import { formatTime } from '../format';
import { LineageButton } from '../lineage/LineageButton';
import { StatusBadge } from '../StatusBadge';
import { IDecisionDraft, IVersionDetails, ModelGroupModel } from './groupModel';
import {
  activityText,
  approvalLabel,
  canDecide,
  COMPARE_SECTIONS,
  compareRows,
  ICompareRow,
  IMetricColumn,
  metricColumns,
  metricsDocuments,
  metricValue,
  packageRef
} from './registryData';

export interface IGroupViewProps {
  model: ModelGroupModel;
  onOpenJob?: (name: string) => void;
  onOpenEndpoint?: (name: string) => void;
  /** Open the lineage graph around a reference (`GROUP/VERSION`). */
  onOpenLineage?: (start: string) => void;
}

export function GroupView(props: IGroupViewProps): JSX.Element {
  const model = useModel(props.model);
  const { name, group, versions, error, busy } = model;

  if (error && !group) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.reload()} />
      </div>
    );
  }
  if (!group) {
    return (
      <div className="labstudio-main labstudio-empty">Loading {name}…</div>
    );
  }

  const deploy = async (endpoint: string) => {
    const created = await model.deploy(endpoint);
    if (created !== null) {
      props.onOpenEndpoint?.(created);
    }
  };
  const selected = model.selected;
  const columns = metricColumns(versions);
  const deployVersion = model.deployVersion;

  return (
    <div
      className="labstudio-main labstudio-group-view"
      data-testid="labstudio-group-view"
      data-group={name}
      data-pending={group.PendingApprovalCount}
      data-latest-approved={group.LatestApprovedVersion ?? ''}
    >
      <DetailHeader
        name={name}
        status={group.ModelPackageGroupStatus}
        hint={
          <span className="labstudio-hint" data-testid="labstudio-group-counts">
            {group.VersionCount} version{group.VersionCount === 1 ? '' : 's'}
            {' · latest approved '}
            {group.LatestApprovedVersion === null
              ? 'none'
              : `v${group.LatestApprovedVersion}`}
            {' · '}
            {group.PendingApprovalCount} pending
          </span>
        }
        actionError={model.actionError}
        forms={
          <>
            {model.decision && (
              <DecisionForm
                draft={model.decision}
                busy={busy}
                onChange={text => model.setDecisionComment(text)}
                onSubmit={() => void model.submitDecision()}
                onCancel={() => model.closeDecision()}
              />
            )}
            {deployVersion !== null && model.deployDraft.name !== null && (
              <div
                data-testid="labstudio-group-deploy"
                data-version={deployVersion}
              >
                <span className="labstudio-hint">
                  Deploy {packageRef(name, deployVersion)}
                </span>
                <DeployForm
                  name={model.deployDraft.name}
                  busy={busy}
                  onChange={text => model.deployDraft.set(text)}
                  onDeploy={text => void deploy(text)}
                  onCancel={() => model.deployDraft.close()}
                />
              </div>
            )}
          </>
        }
      >
        <button
          className="labstudio-button"
          data-testid="labstudio-group-compare"
          disabled={selected.length < 2}
          title="Tick two versions or more to compare them field by field"
          onClick={() => void model.compare()}
        >
          Compare{selected.length ? ` (${selected.length})` : ''}
        </button>
        <button
          className="labstudio-button"
          data-testid="labstudio-group-refresh"
          onClick={() => void model.reload()}
        >
          Refresh
        </button>
      </DetailHeader>
      {group.ModelPackageGroupDescription && (
        <p className="labstudio-hint">{group.ModelPackageGroupDescription}</p>
      )}
      {error && <ErrorBox error={error} onRetry={() => void model.reload()} />}

      <h3 className="labstudio-subtitle">Versions</h3>
      {versions.length === 0 ? (
        <div className="labstudio-empty" data-testid="labstudio-versions-empty">
          No versions yet. Register one with{' '}
          <code>labstudio models register JOB --group {name}</code>.
        </div>
      ) : (
        <VersionsTable
          versions={versions}
          columns={columns}
          selected={selected}
          busy={busy}
          details={model.details?.version ?? null}
          onToggle={v => model.toggleSelected(v)}
          onDecide={(v, d) => model.openDecision(v, d)}
          onDeploy={v => model.openDeploy(v)}
          onDetails={v => void model.openDetails(v)}
          onOpenJob={props.onOpenJob}
        />
      )}

      {(model.comparison || model.comparisonError) && (
        <Comparison
          model={model}
          rows={model.comparison ? compareRows(model.comparison) : []}
        />
      )}

      {model.details && (
        <VersionDetails
          group={name}
          details={model.details}
          onClose={() => model.closeDetails()}
          onOpenLineage={
            props.onOpenLineage
              ? v => props.onOpenLineage!(packageRef(name, v))
              : undefined
          }
        />
      )}

      <h3 className="labstudio-subtitle">History</h3>
      <ActivityList entries={model.activity} />
    </div>
  );
}

function VersionsTable(props: {
  versions: readonly IModelPackageSummary[];
  columns: IMetricColumn[];
  selected: number[];
  busy: boolean;
  details: number | null;
  onToggle: (version: number) => void;
  onDecide: (version: number, decision: 'approve' | 'reject') => void;
  onDeploy: (version: number) => void;
  onDetails: (version: number) => void;
  onOpenJob?: (name: string) => void;
}): JSX.Element {
  const { versions, columns, busy } = props;
  return (
    <div className="labstudio-table-scroll">
      <table
        className="labstudio-table labstudio-versions-table"
        data-testid="labstudio-versions"
      >
        <thead>
          <tr>
            <th aria-label="Compare" />
            <th>Version</th>
            <th>Approval</th>
            <th>Training job</th>
            {columns.map(c => (
              <th
                key={c.name}
                className="labstudio-num"
                data-testid="labstudio-version-metric-header"
                data-metric={c.name}
              >
                {c.name}
              </th>
            ))}
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {versions.map(v => {
            const version = v.ModelPackageVersion;
            const status = v.ModelApprovalStatus;
            return (
              <tr
                key={version}
                className={
                  props.details === version ? 'labstudio-selected-row' : ''
                }
                data-testid="labstudio-version-row"
                data-version={version}
                data-status={status}
              >
                <td>
                  <input
                    type="checkbox"
                    data-testid="labstudio-version-select"
                    aria-label={`Compare version ${version}`}
                    checked={props.selected.includes(version)}
                    onChange={() => props.onToggle(version)}
                  />
                </td>
                <td>
                  <button
                    className="labstudio-link"
                    data-testid="labstudio-version-open"
                    title={`Registered ${formatTime(v.CreationTime)}: open its details`}
                    onClick={() => props.onDetails(version)}
                  >
                    v{version}
                  </button>
                </td>
                <td>
                  <StatusBadge status={status} />
                </td>
                <td>
                  {v.TrainingJobName && props.onOpenJob ? (
                    <button
                      className="labstudio-link"
                      data-testid="labstudio-version-job"
                      onClick={() => props.onOpenJob!(v.TrainingJobName!)}
                    >
                      {v.TrainingJobName}
                    </button>
                  ) : (
                    (v.TrainingJobName ?? '')
                  )}
                </td>
                {columns.map(c => (
                  <td
                    key={c.name}
                    className="labstudio-num"
                    data-testid="labstudio-version-metric"
                    data-metric={c.name}
                  >
                    {formatMetric(metricValue(v, c.name), c.digits)}
                  </td>
                ))}
                <td className="labstudio-row-actions">
                  <button
                    className="labstudio-button labstudio-small"
                    data-testid="labstudio-version-approve"
                    disabled={busy || !canDecide(status, 'approve')}
                    onClick={() => props.onDecide(version, 'approve')}
                  >
                    Approve
                  </button>
                  <button
                    className="labstudio-button labstudio-small"
                    data-testid="labstudio-version-reject"
                    disabled={busy || !canDecide(status, 'reject')}
                    onClick={() => props.onDecide(version, 'reject')}
                  >
                    Reject
                  </button>
                  <button
                    className="labstudio-button labstudio-small"
                    data-testid="labstudio-version-deploy"
                    disabled={busy}
                    title={
                      status === 'Approved'
                        ? 'Deploy this version as an endpoint'
                        : `Deploy this version as an endpoint (it is ${approvalLabel(status)})`
                    }
                    onClick={() => props.onDeploy(version)}
                  >
                    Deploy
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function DecisionForm(props: {
  draft: Readonly<IDecisionDraft>;
  busy: boolean;
  onChange: (comment: string) => void;
  onSubmit: () => void;
  onCancel: () => void;
}): JSX.Element {
  const { draft, busy } = props;
  const verb = draft.decision === 'approve' ? 'Approve' : 'Reject';
  return (
    <form
      className="labstudio-toolbar labstudio-decision-form"
      data-testid="labstudio-decision-form"
      data-decision={draft.decision}
      data-version={draft.version}
      onSubmit={e => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <label className="labstudio-inline-label labstudio-grow">
        {verb} v{draft.version}: comment
        <input
          className="jp-mod-styled"
          data-testid="labstudio-decision-comment"
          value={draft.comment}
          maxLength={1024}
          placeholder={
            draft.decision === 'approve' ? 'e.g. passed review' : 'why not'
          }
          onChange={e => props.onChange(e.target.value)}
          autoFocus
        />
      </label>
      <button
        type="submit"
        className={`labstudio-button ${draft.decision === 'approve' ? 'labstudio-primary' : 'labstudio-danger'}`}
        data-testid="labstudio-decision-confirm"
        disabled={busy}
      >
        {busy ? `${verb}…` : verb}
      </button>
      <button
        type="button"
        className="labstudio-button"
        onClick={props.onCancel}
      >
        Cancel
      </button>
    </form>
  );
}

function Comparison(props: {
  model: ModelGroupModel;
  rows: ICompareRow[];
}): JSX.Element {
  const { model, rows } = props;
  const versions = model.comparison ?? [];
  let section: string | null = null;
  return (
    <section
      className="labstudio-version-compare"
      data-testid="labstudio-version-compare"
      data-versions={versions.map(v => v.ModelPackageVersion).join(',')}
    >
      <div className="labstudio-toolbar">
        <h3 className="labstudio-subtitle labstudio-grow">
          Compare {versions.map(v => `v${v.ModelPackageVersion}`).join(' · ')}
        </h3>
        <button
          className="labstudio-button"
          data-testid="labstudio-version-compare-close"
          onClick={() => model.closeComparison()}
        >
          Close
        </button>
      </div>
      {model.comparisonError ? (
        <ErrorBox error={model.comparisonError} />
      ) : (
        <div className="labstudio-table-scroll">
          <table className="labstudio-table">
            <thead>
              <tr>
                <th />
                {versions.map(v => (
                  <th key={v.ModelPackageVersion}>v{v.ModelPackageVersion}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.flatMap(row => {
                const out: JSX.Element[] = [];
                if (row.section !== section) {
                  section = row.section;
                  out.push(
                    <tr key={`section:${row.section}`}>
                      <th
                        colSpan={versions.length + 1}
                        className="labstudio-compare-section"
                      >
                        {COMPARE_SECTIONS[row.section]}
                      </th>
                    </tr>
                  );
                }
                out.push(
                  <tr
                    key={row.key}
                    className={row.differs ? 'labstudio-diff-row' : ''}
                    data-testid="labstudio-version-compare-row"
                    data-field={row.key}
                    data-differs={row.differs ? 'true' : 'false'}
                  >
                    <th scope="row">{row.label}</th>
                    {row.values.map((value, i) => (
                      <td key={i} title={value}>
                        {value}
                      </td>
                    ))}
                  </tr>
                );
                return out;
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function VersionDetails(props: {
  group: string;
  details: IVersionDetails;
  onClose: () => void;
  onOpenLineage?: (version: number) => void;
}): JSX.Element {
  const { details } = props;
  const d = details.description;
  const documents = Object.entries(details.documents?.Documents ?? {});
  return (
    <section
      className="labstudio-version-details"
      data-testid="labstudio-version-details"
      data-version={details.version}
    >
      <div className="labstudio-toolbar">
        <h3 className="labstudio-subtitle labstudio-grow">
          {packageRef(props.group, details.version)}
        </h3>
        {props.onOpenLineage && (
          <LineageButton
            onOpen={() => props.onOpenLineage!(details.version)}
            title="Where this version came from and where it is deployed"
          />
        )}
        <button
          className="labstudio-button"
          data-testid="labstudio-version-details-close"
          onClick={props.onClose}
        >
          Close
        </button>
      </div>
      {details.error ? (
        <ErrorBox error={details.error} />
      ) : !d ? (
        <div className="labstudio-empty">Loading…</div>
      ) : (
        <>
          <table className="labstudio-kv">
            <tbody>
              {versionFacts(d).map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4 className="labstudio-subtitle">ModelMetrics</h4>
          {metricsDocuments(d).length === 0 ? (
            <div className="labstudio-empty">
              No ModelMetrics documents: register with{' '}
              <code>--metrics evaluation.json</code> to attach one.
            </div>
          ) : (
            documents.flatMap(([section, named]) =>
              Object.entries(named).map(([docName, doc]) => (
                <div
                  key={`${section}.${docName}`}
                  className="labstudio-metrics-document"
                  data-testid="labstudio-metrics-document"
                  data-document={`${section}.${docName}`}
                >
                  <div className="labstudio-chart-title">
                    {section}.{docName}{' '}
                    <span className="labstudio-hint">{doc.S3Uri}</span>
                  </div>
                  {doc.Error ? (
                    <div className="labstudio-error-message">{doc.Error}</div>
                  ) : (
                    <pre className="labstudio-log">
                      {typeof doc.Document === 'string'
                        ? doc.Document
                        : JSON.stringify(doc.Document, null, 2)}
                    </pre>
                  )}
                </div>
              ))
            )
          )}
        </>
      )}
    </section>
  );
}

/** What the details table lists about a version (empty values left out). */
function versionFacts(d: IModelPackageDescription): [string, string][] {
  const spec = d.InferenceSpecification;
  const facts: [string, string][] = [
    ['ARN', d.ModelPackageArn],
    [
      'Approval',
      approvalLabel(d.ModelApprovalStatus) +
        (d.ApprovalDescription ? ` — ${d.ApprovalDescription}` : '')
    ],
    ['Registered', formatTime(d.CreationTime)],
    ['Description', d.ModelPackageDescription],
    ['Training job', d.TrainingJobName ?? ''],
    ['Tuning job', d.TuningJobName ?? ''],
    ['Model data', spec.Containers[0]?.ModelDataUrl ?? ''],
    ['Entry point', spec.Containers[0]?.Environment['SAGEMAKER_PROGRAM'] ?? ''],
    ['Content types', spec.SupportedContentTypes.join(', ')],
    ['Response types', spec.SupportedResponseMIMETypes.join(', ')],
    ['Reproduces', d.DerivedFromModelPackageArn ?? ''],
    ...Object.entries(d.CustomerMetadataProperties)
  ];
  return facts.filter(([, v]) => v !== '');
}

function ActivityList(props: {
  entries: readonly IActivityEntry[];
}): JSX.Element {
  if (props.entries.length === 0) {
    return <div className="labstudio-empty">No history yet.</div>;
  }
  return (
    <ol className="labstudio-activity" data-testid="labstudio-activity">
      {props.entries.map((e, i) => (
        <li
          key={`${e.Time}-${i}`}
          className="labstudio-activity-entry"
          data-testid="labstudio-activity-entry"
          data-action={e.Action}
          data-version={e.ModelPackageVersion ?? ''}
          data-to={e.ToStatus ?? ''}
        >
          <span className="labstudio-hint">{formatTime(e.Time)}</span>
          <span className="labstudio-activity-version">
            {e.ModelPackageVersion === null ? '' : `v${e.ModelPackageVersion}`}
          </span>
          <span className="labstudio-activity-what">{activityText(e)}</span>
          {e.FromStatus && e.ToStatus && e.FromStatus !== e.ToStatus && (
            <span className="labstudio-hint">
              {approvalLabel(e.FromStatus)} → {approvalLabel(e.ToStatus)}
            </span>
          )}
          {e.Actor && <span className="labstudio-hint">by {e.Actor}</span>}
          {e.Comment && (
            <q
              className="labstudio-activity-comment"
              data-testid="labstudio-activity-comment"
            >
              {e.Comment}
            </q>
          )}
        </li>
      ))}
    </ol>
  );
}
