/** Pure helpers for the job detail and the launch form. */
import { IJobHost, IMetricSeries, ITrainingJobDescription } from '../../types';

/** Hyperparameters the platform adds; the user never typed them. */
export function isPlatformHyperparameter(key: string): boolean {
  return key.startsWith('sagemaker_') || key.startsWith('labstudio_');
}

/** SageMaker stores hyperparameters as JSON text: `"3"`, `"\"adam\""`. */
export function decodeHyperparameter(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The hyperparameters as the user wrote them (platform keys left out). */
export function userHyperparameters(
  job: ITrainingJobDescription
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(job.HyperParameters ?? {})) {
    if (!isPlatformHyperparameter(key)) {
      const decoded = decodeHyperparameter(value);
      out[key] =
        typeof decoded === 'string' ? decoded : JSON.stringify(decoded);
    }
  }
  return out;
}

export function channelsOf(
  job: ITrainingJobDescription
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of job.InputDataConfig ?? []) {
    out[c.ChannelName] = c.DataSource?.FileDataSource?.FileUri ?? '';
  }
  return out;
}

/** The job's metric definitions (its own key, else SageMaker's AlgorithmSpecification). */
export function metricDefinitionsOf(job: ITrainingJobDescription) {
  return job.MetricDefinitions?.length
    ? job.MetricDefinitions
    : (job.AlgorithmSpecification?.MetricDefinitions ?? []);
}

/** Merge live `job.metrics` points into the series (by step; newer wins). */
export function mergePoints(
  series: IMetricSeries[],
  points: {
    key: string;
    value: number | string | null;
    step: number;
    timestamp: number;
  }[]
): IMetricSeries[] {
  const byName = new Map(
    series.map(s => [s.name, { ...s, points: [...s.points] }])
  );
  for (const p of points) {
    const value = typeof p.value === 'string' ? Number(p.value) : p.value;
    let s = byName.get(p.key);
    if (!s) {
      s = { name: p.key, points: [] };
      byName.set(p.key, s);
    }
    const last = s.points[s.points.length - 1];
    if (!last || last.step < p.step) {
      s.points.push({ step: p.step, value, timestamp: p.timestamp });
    } else {
      const i = s.points.findIndex(q => q.step === p.step);
      if (i >= 0) {
        s.points[i] = { step: p.step, value, timestamp: p.timestamp };
      } else {
        s.points.push({ step: p.step, value, timestamp: p.timestamp });
        s.points.sort((a, b) => a.step - b.step);
      }
    }
  }
  return [...byName.values()];
}

/** A DNS-like endpoint name from a job name: letters, digits and dashes, 63 at most. */
export function endpointNameFor(job: string): string {
  const base = job.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return (base || 'endpoint').slice(0, 60).replace(/-+$/, '') + '-ep';
}

/** The durations of the status transitions, for the timeline. */
export function transitionDuration(
  start: string,
  end: string | null | undefined,
  now: number
): number {
  const s = Date.parse(start);
  const e = end ? Date.parse(end) : now;
  return Math.max(0, e - s);
}

/**
 * The job's downloadable files; `deleted` marks an archive deleted with the job's run (its
 * URI is then null), so the view says so instead of offering a download that answers 410.
 */
export function artifactRows(job: ITrainingJobDescription) {
  return [
    {
      kind: 'model' as const,
      label: 'Model (model.tar.gz)',
      uri: job.ModelArtifacts?.S3ModelArtifacts ?? null,
      deleted: job.ModelArtifacts?.Deleted === true
    },
    {
      kind: 'output' as const,
      label: 'Output (output.tar.gz)',
      uri: job.OutputArtifacts?.S3OutputArtifacts ?? null,
      deleted: job.OutputArtifacts?.Deleted === true
    },
    {
      kind: 'log' as const,
      label: 'Log',
      uri: job.LogUri ?? null,
      deleted: false
    }
  ];
}

/**
 * The hosts the job detail lists: every host of a multi-host job, and the one host of a
 * job on a remote backend (where it ran is news there); none for a local single-host job.
 */
export function hostsOf(job: ITrainingJobDescription): IJobHost[] {
  const hosts = job.Hosts ?? [];
  const remote = !!job.Backend && job.Backend !== 'local';
  return hosts.length > 1 || (remote && hosts.length > 0) ? hosts : [];
}

/** The hosts whose lines the log view can filter on (a multi-host job's). */
export function logHostsOf(job: ITrainingJobDescription): string[] {
  const hosts = job.Hosts ?? [];
  return hosts.length > 1 ? hosts.map(h => h.Host) : [];
}
