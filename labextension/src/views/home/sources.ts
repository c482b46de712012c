/**
 * The sections the Studio home adds for resources with their own routes, each shown only
 * when the server has the route (`IHomeSource`): pipelines and their last executions, and
 * models awaiting approval (the model registry).
 */
import { LabstudioClient } from '../../api';
import { formatMetric } from '../common/common';
import { IHomeItem, IHomeSource } from './homeModel';
import { IModelPackageSummary, IPipelineSummary, toNumber } from '../../types';

/** The command that opens a training job's view (the model's job, for now). */
const OPEN_JOB = 'labstudio:open-job';

/** A model version as a home row: its group/version, its figures, and its job. */
export function modelPackageItem(p: IModelPackageSummary): IHomeItem {
  const figures = Object.entries(p.MetricValues ?? {})
    .slice(0, 2)
    .map(([name, v]) => `${name} ${formatMetric(toNumber(v))}`);
  return {
    name: `${p.ModelPackageGroupName}/${p.ModelPackageVersion}`,
    status: p.ModelApprovalStatus,
    detail: [p.TrainingJobName ? `from ${p.TrainingJobName}` : '', ...figures]
      .filter(Boolean)
      .join(' · '),
    open: p.TrainingJobName
      ? { command: OPEN_JOB, args: { name: p.TrainingJobName } }
      : undefined
  };
}

/** Model versions waiting for an approval (the model registry's `GET /model-packages`). */
export const PENDING_MODELS: IHomeSource = {
  id: 'approvals',
  title: 'Models awaiting approval',
  route: '/model-packages',
  empty: 'No model version waits for an approval.',
  events: ['model_package.*', 'model_package_group.*'],
  async read(client: LabstudioClient): Promise<IHomeItem[]> {
    const page = await client.listModelPackages({
      approval_status: 'PendingManualApproval',
      max_results: 20
    });
    return page.ModelPackageSummaryList.map(modelPackageItem);
  }
};

/** When a pipeline last ran (or was created), for ordering: epoch ms. */
function lastActive(p: IPipelineSummary): number {
  return Date.parse(p.LastExecutionTime ?? p.CreationTime) || 0;
}

/** A pipeline as a home row: its last execution's status and when it started. */
export function pipelineItem(p: IPipelineSummary): IHomeItem {
  const last = p.LastExecution;
  return {
    name: p.PipelineName,
    status: last?.PipelineExecutionStatus ?? 'NotStarted',
    detail: last
      ? `${last.PipelineExecutionStatus} · started ${new Date(last.StartTime).toLocaleString()}`
      : 'Not run yet'
  };
}

/** The most recently run pipelines (`GET /pipelines`), each with its last execution. */
export const PIPELINES: IHomeSource = {
  id: 'pipelines',
  title: 'Pipelines',
  route: '/pipelines',
  empty: 'No pipelines yet: create one with labstudio.workflow or the CLI.',
  events: ['pipeline.*'],
  async read(client: LabstudioClient): Promise<IHomeItem[]> {
    const page = await client.listPipelines({
      sort_by: 'CreationTime',
      sort_order: 'Descending',
      max_results: 100
    });
    return [...page.PipelineSummaries]
      .sort((a, b) => lastActive(b) - lastActive(a))
      .map(pipelineItem);
  }
};

/** Every section the home may add, each shown only where the server has its route. */
export const HOME_SOURCES: readonly IHomeSource[] = [PIPELINES, PENDING_MODELS];
