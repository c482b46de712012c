/**
 * The sections the Studio home adds for resources with their own routes, each shown only
 * when the server has the route (`IHomeSource`): models awaiting approval (the model
 * registry). Pipelines join here once the server has a pipelines route.
 */
import { LabstudioClient } from '../../api';
import { formatMetric } from '../common/common';
import { IHomeItem, IHomeSource } from './homeModel';
import { IModelPackageSummary, toNumber } from '../../types';

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
  async read(client: LabstudioClient): Promise<IHomeItem[]> {
    const page = await client.listModelPackages({
      approval_status: 'PendingManualApproval',
      max_results: 20
    });
    return page.ModelPackageSummaryList.map(modelPackageItem);
  }
};

/** Every section the home may add, each shown only where the server has its route. */
export const HOME_SOURCES: readonly IHomeSource[] = [PENDING_MODELS];
