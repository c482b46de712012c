/**
 * The settings → panel models wiring, in one function so that a changed setting reaches
 * every model the same way (the refresh interval once reached experiments and endpoints
 * but not jobs).
 */
import type { EndpointsModel } from './endpointsModel';
import type { ExperimentsModel } from './experimentsModel';
import type { JobsModel } from './model';
import type { ModelGroupsModel } from './modelGroupsModel';
import type { PipelinesModel } from './pipelinesModel';
import type { TuningJobsModel } from './tuningJobsModel';

export interface IStudioSettings {
  defaultExperiment: string;
  keyMetric: string;
  /** The key metric chosen per experiment in the panel (experiment → metric). */
  keyMetrics: Record<string, string>;
  /** Fallback refresh while the events socket is down (seconds). */
  refreshInterval: number;
  /** Points per curve asked of the server. */
  maxPoints: number;
  /** Jobs the Jobs section reads at a time. */
  jobsPageSize: number;
  /** Open the Studio home when the panel is first shown in a session. */
  openHome: boolean;
}

export const DEFAULT_SETTINGS: IStudioSettings = {
  defaultExperiment: '',
  keyMetric: '',
  keyMetrics: {},
  refreshInterval: 30,
  maxPoints: 1000,
  jobsPageSize: 100,
  openHome: true
};

export interface IPanelModels {
  jobs: JobsModel;
  experiments?: ExperimentsModel | null;
  endpoints?: EndpointsModel | null;
  tuning?: TuningJobsModel | null;
  models?: ModelGroupsModel | null;
  pipelines?: PipelinesModel | null;
}

/** Apply (changed) settings to the panel's models. */
export function applySettings(
  settings: IStudioSettings,
  models: IPanelModels
): void {
  const fallback = settings.refreshInterval * 1000;
  models.jobs.setFallbackInterval(fallback);
  models.jobs.setPageSize(settings.jobsPageSize);
  models.endpoints?.setFallbackInterval(fallback);
  models.tuning?.setFallbackInterval(fallback);
  models.models?.setFallbackInterval(fallback);
  models.pipelines?.setFallbackInterval(fallback);
  const experiments = models.experiments;
  if (experiments) {
    experiments.setDefaultKeyMetric(settings.keyMetric);
    experiments.setKeyMetricChoices(settings.keyMetrics);
    experiments.setDefaultExperiment(settings.defaultExperiment);
    experiments.setFallbackInterval(fallback);
  }
}
