/**
 * Registry and lineage answers for the tests, in the shapes a real server gives (taken
 * from a real run: a processing job, two training jobs registered as churn/1 and churn/2,
 * churn/2 approved and deployed as churn-live).
 */
import {
  IActivityEntry,
  ILineageGraph,
  IModelPackageDescription,
  IModelPackageGroupDescription,
  IModelPackageGroupSummary,
  IModelPackageSummary,
  ModelApprovalStatus
} from '../types';
import endpointLineage from './lineageGraph.json';

const ARN = 'arn:aws:sagemaker:local:000000000000';

export function groupSummary(
  name: string,
  overrides: Partial<IModelPackageGroupSummary> = {}
): IModelPackageGroupSummary {
  return {
    ModelPackageGroupName: name,
    ModelPackageGroupArn: `${ARN}:model-package-group/${name}`,
    ModelPackageGroupDescription: '',
    CreationTime: '2026-12-07T21:00:40.902Z',
    ModelPackageGroupStatus: 'Completed',
    LatestVersion: 2,
    LatestApprovedVersion: null,
    PendingApprovalCount: 2,
    VersionCount: 2,
    ...overrides
  };
}

export function groupDescription(
  name: string,
  overrides: Partial<IModelPackageGroupDescription> = {}
): IModelPackageGroupDescription {
  return {
    ...groupSummary(name),
    CreatedBy: { UserProfileName: 'me@laptop' },
    Tags: [],
    ...overrides
  };
}

export function versionSummary(
  version: number,
  status: ModelApprovalStatus = 'PendingManualApproval',
  metrics: IModelPackageSummary['MetricValues'] = {},
  group = 'churn'
): IModelPackageSummary {
  return {
    ModelPackageName: group,
    ModelPackageGroupName: group,
    ModelPackageVersion: version,
    ModelPackageArn: `${ARN}:model-package/${group}/${version}`,
    ModelPackageDescription: '',
    CreationTime: `2026-12-07T21:00:4${version}.412Z`,
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: status,
    TrainingJobName: `demo-fit-${version}`,
    MetricValues: metrics
  };
}

export function versionDescription(
  version: number,
  status: ModelApprovalStatus = 'PendingManualApproval',
  overrides: Partial<IModelPackageDescription> = {}
): IModelPackageDescription {
  return {
    ...versionSummary(version, status),
    MetricValues: { accuracy: 0.9 + version / 100, f1: 0.88 },
    InferenceSpecification: {
      Containers: [
        {
          ModelDataUrl: `/home/me/.labstudio/artifacts/jobs/demo-fit-${version}/output/model.tar.gz`,
          Environment: {
            SAGEMAKER_SUBMIT_DIRECTORY: `/home/me/.labstudio/artifacts/registry/churn/code/${version}/sourcedir.tar.gz`,
            SAGEMAKER_PROGRAM: 'deployable.py'
          },
          Image: null
        }
      ],
      SupportedContentTypes: ['text/csv'],
      SupportedResponseMIMETypes: ['application/json']
    },
    ModelPackageStatusDetails: {
      ValidationStatuses: [],
      ImageScanStatuses: []
    },
    CertifyForMarketplace: false,
    ApprovalDescription: null,
    CreatedBy: { UserProfileName: 'me@laptop' },
    LastModifiedTime: '2026-12-07T21:00:43.959Z',
    LastModifiedBy: { UserProfileName: 'me@laptop' },
    ModelMetrics: {
      ModelQuality: {
        Statistics: {
          ContentType: 'application/json',
          S3Uri: `/home/me/project/eval${version}.json`
        }
      }
    },
    CustomerMetadataProperties: {},
    TuningJobName: null,
    PipelineExecutionArn: null,
    DerivedFromModelPackageArn: null,
    FinalMetricDataList: [{ MetricName: 'loss', Value: 0.5 - version / 10 }],
    ...overrides
  };
}

export function activity(
  version: number | null,
  action: IActivityEntry['Action'],
  overrides: Partial<IActivityEntry> = {}
): IActivityEntry {
  return {
    Time: '2026-12-07T21:00:43.959Z',
    ModelPackageGroupName: 'churn',
    ModelPackageVersion: version,
    ModelPackageArn:
      version === null ? null : `${ARN}:model-package/churn/${version}`,
    Action: action,
    Actor: 'me@laptop',
    FromStatus: null,
    ToStatus: action === 'Registered' ? 'PendingManualApproval' : null,
    Comment: null,
    Details: {},
    ...overrides
  };
}

/** `GET /lineage?start=churn-live&direction=up` on that run: every entity. */
export const ENDPOINT_LINEAGE = endpointLineage as unknown as ILineageGraph;
