/**
 * What the registry's views show, computed from the API's answers (pure): labels for
 * approval states and counts, the metric columns of a group's versions, the rows of a
 * version comparison with their differences marked, and the words of a history entry.
 */
import {
  IActivityEntry,
  IModelPackageDescription,
  IModelPackageSummary,
  JsonNumber,
  ModelApprovalStatus,
  toNumber
} from '../../types';
import { distinctDigits, formatMetric } from '../common/common';
import { formatTime } from '../format';

/** SageMaker's name rule, which an endpoint's name follows too. */
const NAME_RULE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** `GROUP/VERSION`, the reference every command, SDK call and route takes. */
export function packageRef(group: string, version: number): string {
  return `${group}/${version}`;
}

/** The sidebar's word for a group's latest approved version (`✓ v3`, or `–`). */
export function approvedLabel(version: number | null): string {
  return version === null ? '–' : `✓ v${version}`;
}

/** `1 pending`, `3 pending`. */
export function pendingLabel(count: number): string {
  return `${count} pending`;
}

/** The short word for an approval state (SageMaker's PendingManualApproval is long). */
export function approvalLabel(status: string | null | undefined): string {
  return status === 'PendingManualApproval' ? 'Pending' : (status ?? '');
}

/** Whether a version may be approved / rejected now (a decision it does not have yet). */
export function canDecide(
  status: ModelApprovalStatus,
  decision: 'approve' | 'reject'
): boolean {
  return decision === 'approve' ? status !== 'Approved' : status !== 'Rejected';
}

/**
 * The endpoint name a version's Deploy form suggests: `GROUP-vVERSION`, the group's name
 * shortened when the whole would pass SageMaker's 63 characters.
 */
export function endpointNameForVersion(group: string, version: number): string {
  const suffix = `-v${version}`;
  const base = group.slice(0, 63 - suffix.length).replace(/-+$/, '');
  const name = `${base}${suffix}`;
  return NAME_RULE.test(name) ? name : `model${suffix}`;
}

/** The metric names of a group's versions (their `MetricValues`), sorted. */
export function metricNames(
  versions: readonly IModelPackageSummary[]
): string[] {
  const names = new Set<string>();
  versions.forEach(v => Object.keys(v.MetricValues).forEach(n => names.add(n)));
  return [...names].sort();
}

/** One metric's column of the versions table: each version's value, printed alike. */
export interface IMetricColumn {
  name: string;
  /** Significant digits enough to tell the versions' values apart. */
  digits: number;
}

export function metricColumns(
  versions: readonly IModelPackageSummary[]
): IMetricColumn[] {
  return metricNames(versions).map(name => ({
    name,
    digits: distinctDigits(versions.map(v => metricValue(v, name)))
  }));
}

/** A version's value of one metric (null when it has none). */
export function metricValue(
  version: { MetricValues: Record<string, JsonNumber> },
  name: string
): number | null {
  const value = version.MetricValues[name];
  return value === undefined ? null : toNumber(value);
}

/** One line of the version comparison: a field and each version's value. */
export interface ICompareRow {
  key: string;
  label: string;
  section: 'version' | 'metrics' | 'final' | 'documents' | 'metadata';
  values: string[];
  /** The versions do not all have the same value. */
  differs: boolean;
}

/**
 * The comparison of several versions, field by field: the version's own facts, the
 * numbers of its model-quality statistics, its training job's final metrics, where its
 * ModelMetrics documents are, and its metadata properties.
 */
export function compareRows(
  versions: readonly IModelPackageDescription[]
): ICompareRow[] {
  const rows: ICompareRow[] = [];
  const add = (
    key: string,
    label: string,
    section: ICompareRow['section'],
    value: (v: IModelPackageDescription) => string
  ) => {
    const values = versions.map(value);
    rows.push({
      key,
      label,
      section,
      values,
      differs: new Set(values).size > 1
    });
  };
  add('status', 'Approval', 'version', v =>
    approvalLabel(v.ModelApprovalStatus)
  );
  add(
    'comment',
    'Approval comment',
    'version',
    v => v.ApprovalDescription ?? ''
  );
  add('created', 'Registered', 'version', v => formatTime(v.CreationTime));
  add('job', 'Training job', 'version', v => v.TrainingJobName ?? '');
  add('tuning', 'Tuning job', 'version', v => v.TuningJobName ?? '');
  add('description', 'Description', 'version', v => v.ModelPackageDescription);
  add('entry', 'Entry point', 'version', v =>
    containerEnv(v, 'SAGEMAKER_PROGRAM')
  );
  add('model', 'Model data', 'version', v => container(v)?.ModelDataUrl ?? '');
  add('content', 'Content types', 'version', v =>
    v.InferenceSpecification.SupportedContentTypes.join(', ')
  );
  add('response', 'Response types', 'version', v =>
    v.InferenceSpecification.SupportedResponseMIMETypes.join(', ')
  );

  const metrics = new Set<string>();
  versions.forEach(v =>
    Object.keys(v.MetricValues).forEach(n => metrics.add(n))
  );
  for (const name of [...metrics].sort()) {
    const digits = distinctDigits(versions.map(v => metricValue(v, name)));
    add(`metric:${name}`, name, 'metrics', v =>
      formatMetric(metricValue(v, name), digits)
    );
  }

  const finals = new Set<string>();
  versions.forEach(v =>
    v.FinalMetricDataList.forEach(m => finals.add(m.MetricName))
  );
  for (const name of [...finals].sort()) {
    const value = (v: IModelPackageDescription) => {
      const found = v.FinalMetricDataList.find(m => m.MetricName === name);
      return found ? toNumber(found.Value) : null;
    };
    const digits = distinctDigits(versions.map(value));
    add(`final:${name}`, name, 'final', v => formatMetric(value(v), digits));
  }

  const documents = new Set<string>();
  versions.forEach(v => metricsDocuments(v).forEach(d => documents.add(d.key)));
  for (const key of [...documents].sort()) {
    add(
      `document:${key}`,
      key,
      'documents',
      v => metricsDocuments(v).find(d => d.key === key)?.uri ?? ''
    );
  }

  const metadata = new Set<string>();
  versions.forEach(v =>
    Object.keys(v.CustomerMetadataProperties).forEach(k => metadata.add(k))
  );
  for (const key of [...metadata].sort()) {
    add(
      `meta:${key}`,
      key,
      'metadata',
      v => v.CustomerMetadataProperties[key] ?? ''
    );
  }
  return rows;
}

/** The sections' titles in the comparison. */
export const COMPARE_SECTIONS: Record<ICompareRow['section'], string> = {
  version: 'Version',
  metrics: 'Model quality',
  final: 'Training job final metrics',
  documents: 'ModelMetrics documents',
  metadata: 'Metadata properties'
};

/**
 * A version's ModelMetrics documents, as `ModelQuality.Statistics` → where it is
 * (SageMaker's `ModelMetrics` is sections of named `{ContentType, S3Uri}` sources).
 */
export function metricsDocuments(
  version: Pick<IModelPackageDescription, 'ModelMetrics'>
): { key: string; uri: string }[] {
  const found: { key: string; uri: string }[] = [];
  for (const [section, documents] of Object.entries(version.ModelMetrics)) {
    if (!documents || typeof documents !== 'object') {
      continue;
    }
    for (const [name, source] of Object.entries(documents)) {
      const uri =
        source && typeof source === 'object' && 'S3Uri' in source
          ? String((source as { S3Uri: unknown }).S3Uri)
          : null;
      if (uri) {
        found.push({ key: `${section}.${name}`, uri });
      }
    }
  }
  return found;
}

/** What a history entry says happened, in words. */
export function activityText(entry: IActivityEntry): string {
  switch (entry.Action) {
    case 'GroupCreated':
      return 'Group created';
    case 'Registered':
      return `Registered as ${approvalLabel(entry.ToStatus)}`;
    case 'ApprovalChanged':
      return entry.ToStatus === 'Approved'
        ? 'Approved'
        : entry.ToStatus === 'Rejected'
          ? 'Rejected'
          : `Set to ${approvalLabel(entry.ToStatus)}`;
    default:
      return 'Details changed';
  }
}

function container(
  v: IModelPackageDescription
):
  | IModelPackageDescription['InferenceSpecification']['Containers'][number]
  | null {
  return v.InferenceSpecification.Containers[0] ?? null;
}

function containerEnv(v: IModelPackageDescription, key: string): string {
  return container(v)?.Environment[key] ?? '';
}
