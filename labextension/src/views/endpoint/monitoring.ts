/**
 * What the endpoint's Monitoring section reads from Model Monitor's reports. statistics.json
 * and constraint_violations.json are the analyzer's files (SageMaker's formats), carried as
 * JSON objects by the API: these functions narrow them at run time instead of trusting a cast.
 */

/** One bar of a feature's distribution: a bucket's lower bound, or a category. */
export interface IBar {
  label: string;
  count: number;
}

/** A feature of a statistics.json: its type, its distribution's bars and a one-line summary. */
export interface IFeatureDistribution {
  name: string;
  type: string;
  bars: IBar[];
  summary: string;
}

/** One entry of constraint_violations.json. */
export interface IViolation {
  feature: string;
  check: string;
  description: string;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function at(value: unknown, ...keys: string[]): unknown {
  let here = value;
  for (const key of keys) {
    if (!isRecord(here)) {
      return undefined;
    }
    here = here[key];
  }
  return here;
}

function short(value: number): string {
  return Math.abs(value) >= 1000 || (value !== 0 && Math.abs(value) < 0.01)
    ? value.toExponential(2)
    : String(Math.round(value * 100) / 100);
}

/** The features of a statistics.json, in its order (none for anything else). */
export function featureDistributions(
  stats: Json | null | undefined
): IFeatureDistribution[] {
  return records(stats?.features).map(feature => {
    const name = String(feature.name ?? '');
    const type = String(feature.inferred_type ?? 'Unknown');
    const numeric = feature.numerical_statistics;
    if (isRecord(numeric)) {
      const bars = records(at(numeric, 'distribution', 'kll', 'buckets')).map(
        b => ({ label: short(num(b.lower_bound)), count: num(b.count) })
      );
      return {
        name,
        type,
        bars,
        summary: `mean ${short(num(numeric.mean))} ± ${short(num(numeric.std_dev))}`
      };
    }
    const text = feature.string_statistics;
    const bars = records(at(text, 'distribution', 'categorical', 'buckets'))
      .slice(0, 12)
      .map(b => ({ label: String(b.value ?? ''), count: num(b.count) }));
    return {
      name,
      type,
      bars,
      summary: `${num(at(text, 'distinct_count'))} distinct`
    };
  });
}

/** The violations of a constraint_violations.json (model quality ones name a metric). */
export function violationsOf(report: Json | null | undefined): IViolation[] {
  return records(report?.violations).map(v => ({
    feature: String(v.feature_name ?? v.metric_name ?? ''),
    check: String(v.constraint_check_type ?? ''),
    description: String(v.description ?? '')
  }));
}

/** N of an exit message `CompletedWithViolations: ... with N violations.`; 0 for `Completed: ...`; null otherwise. */
export function violationCount(exitMessage?: string | null): number | null {
  if (!exitMessage) {
    return null;
  }
  const found = /with (\d+) violations/.exec(exitMessage);
  if (found) {
    return Number(found[1]);
  }
  return exitMessage.startsWith('Completed:') ? 0 : null;
}
