/**
 * Shapes of the labstudio REST API (`/labstudio/api/...`).
 *
 * The wire shapes are generated: the server's pydantic models (`labstudio/shapes`) give
 * the OpenAPI document (`openapi/openapi.json`), and `jlpm gen:types` turns that into
 * `generated/openapi.ts`. This module gives them the names the panel uses; only
 * client-side options and helpers are written by hand here.
 *
 * Training-job describe/list and endpoint shapes follow SageMaker (PascalCase keys);
 * labstudio's own resources and the job submit request use snake_case keys.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** The lifecycle status of a training job (SageMaker's `TrainingJobStatus`). */
export type TrainingJobStatus =
  Schemas['TrainingJobSummary']['TrainingJobStatus'];

/** All statuses, in lifecycle order. */
export const TRAINING_JOB_STATUSES: readonly TrainingJobStatus[] = [
  'InProgress',
  'Stopping',
  'Completed',
  'Failed',
  'Stopped'
];

/** Whether a job in this status can still change. */
export function isActiveStatus(status: string): boolean {
  return status === 'InProgress' || status === 'Stopping';
}

/** One row of `GET /labstudio/api/jobs` (SageMaker's ListTrainingJobs, without `kind`). */
export type ITrainingJobSummary = Schemas['TrainingJobSummary'];

/**
 * The answer of `GET /labstudio/api/jobs`, newest first: `TrainingJobSummaries` without
 * `kind` in the query, `JobSummaries` (every kind asked for) with it.
 */
export type IListJobsResponse = Schemas['ListJobsResponse'];

/**
 * One row of the list of every kind (`GET /jobs?kind=...`): SageMaker's summary of its
 * kind with `Kind` ('training', 'processing', 'transform'); narrow on `Kind`.
 */
export type IJobSummary = NonNullable<
  IListJobsResponse['JobSummaries']
>[number];

/** The kinds of jobs, as `GET /jobs?kind=` and each row's `Kind` name them. */
export type JobKind = IJobSummary['Kind'];

export type IMetricDefinition = Schemas['MetricDefinition'];

/** The body of `POST /labstudio/api/jobs`. */
export type ICreateTrainingJobRequest = Schemas['CreateTrainingJobRequest'];

export type ISecondaryStatusTransition = Schemas['SecondaryStatusTransition'];

export type IInputChannel = Schemas['InputChannel'];

export type IFinalMetric = Schemas['FinalMetric'];

/** The answer of `GET /labstudio/api/jobs/{name}` (SageMaker's DescribeTrainingJob). */
export type ITrainingJobDescription = Schemas['DescribeTrainingJobResponse'];

/** One host (`algo-k`) of a job, from the describe's `Hosts`. */
export type IJobHost = Schemas['JobHostShape'];

/** One backend a job or endpoint can run on, and whether it can now. */
export type IBackendChoice = Schemas['BackendChoice'];

/** The default backend and every choice, for jobs or for endpoints. */
export type IBackendChoices = Schemas['BackendChoices'];

/** The answer of `GET /labstudio/api/backends`. */
export type IListBackendsResponse = Schemas['ListBackendsResponse'];

/** The answer of `GET /labstudio/api/jobs/{name}/logs?offset=N`. */
export type ILogChunk = Schemas['LogChunk'];

/** One page of `GET /labstudio/api/jobs/{name}/metrics`, as the server sends it. */
export type IJobMetricsPage = Schemas['GetTrainingJobMetricsResponse'];

/**
 * A metric point as `LabstudioClient.getMetrics` hands it over: the value's JSON
 * spellings ("NaN", "Infinity") already turned into numbers.
 */
export type IMetricPoint = Omit<Schemas['MetricPoint'], 'value'> & {
  value: number | null;
};

export interface IMetricSeries {
  name: string;
  points: IMetricPoint[];
}

/** Every page of `GET /labstudio/api/jobs/{name}/metrics`, joined by the client. */
export interface IJobMetrics {
  metrics: IMetricSeries[];
}

/** One message of the `/labstudio/api/events` WebSocket: a union keyed on `kind`. */
export type ILabstudioEvent = Schemas['Event'];

/** The kinds of `/labstudio/api/events` messages. */
export type EventKind = ILabstudioEvent['kind'];

/**
 * What a subscription to `pattern` receives: the events of one kind (`job.status`), of a
 * family (`job.*`), or every event (`*`), each with its kind's payload type.
 */
export type EventOf<Pattern extends string> = Pattern extends '*'
  ? ILabstudioEvent
  : Pattern extends `${infer Family}.*`
    ? Extract<ILabstudioEvent, { kind: `${Family}.${string}` }>
    : Extract<ILabstudioEvent, { kind: Pattern }>;

/** The family of an event kind: `job` of `job.status`. */
type FamilyOf<K> = K extends `${infer Family}.${string}` ? Family : never;

/** A subscription pattern: a kind, a family of kinds (`run.*`) or `*`. */
export type EventPattern = EventKind | `${FamilyOf<EventKind>}.*` | '*';

/** Payload of `job.status` events. */
export type IJobStatusPayload = Schemas['JobStatusPayload'];

/** Payload of `job.created` events. */
export type IJobCreatedPayload = Schemas['JobCreatedPayload'];

/** Payload of `job.metrics` events. */
export type IJobMetricsPayload = Schemas['JobMetricsPayload'];

// ---------------------------------------------------------------------------------------
// Experiments and runs (snake_case; times are epoch seconds)

/** Numbers JSON cannot carry come as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** A JSON number (or its string spelling) as a JS number. */
export function toNumber(value: JsonNumber | null | undefined): number | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'number') {
    return value;
  }
  return value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : -Infinity;
}

export type RunStatus = Schemas['Run']['status'];

export type IExperiment = Schemas['Experiment'];

export type IMetricSummary = Schemas['MetricSummary'];

/** One row of `GET /runs`. */
export type IRun = Schemas['Run'];

export type IRunArtifact = Schemas['RunArtifact'];

/** `GET /runs/{id}`. */
export type IRunDetail = Schemas['RunDetail'];

export type IRunPage = Schemas['SearchRunsResponse'];

/** `GET /runs/{id}/metrics/{name}`. */
export type IMetricHistory = Schemas['MetricSeries'];

export type ICompareRequest = Schemas['CompareRunsRequest'];

export type ICompareSeries = Schemas['CompareSeries'];

/** `POST /runs/compare`. */
export type ICompareResult = Schemas['CompareRunsResponse'];

/** Payload of `run.created`. */
export type IRunCreatedPayload = Schemas['RunCreatedPayload'];

/** Payload of `run.status`. */
export type IRunStatusPayload = Schemas['RunStatusPayload'];

// ---------------------------------------------------------------------------------------
// Endpoints (SageMaker's PascalCase)

export type EndpointStatus = Schemas['EndpointSummary']['EndpointStatus'];

export type IEndpointFigures = Schemas['EndpointFigures'];

/** One row of `GET /endpoints`. */
export type IEndpointSummary = Schemas['EndpointSummary'];

export type IEndpointVariant = Schemas['VariantDescription'];

/** `GET /endpoints/{name}`. */
export type IEndpointDescription = Schemas['DescribeEndpointResponse'];
/** Model Monitor: a schedule of an endpoint, one of its runs, and a run with its reports. */
export type IMonitoringScheduleSummary = Schemas['MonitoringScheduleSummary'];
export type IMonitoringExecutionSummary = Schemas['MonitoringExecutionSummary'];
export type IMonitoringExecutionReport = Schemas['MonitoringExecutionReport'];

export type IVariantRequest = Schemas['ProductionVariant'];

/** The body of `POST /endpoints`. */
export type ICreateEndpointRequest = Schemas['CreateEndpointRequest'];

/** The body of `PATCH /endpoints/{name}`. */
export type IUpdateEndpointRequest = Schemas['UpdateEndpointRequest'];

export type IEndpointListResponse = Schemas['ListEndpointsResponse'];

export type IEndpointLogs = Schemas['EndpointLogs'];

export interface IInvokeRequest {
  body: string;
  contentType?: string;
  accept?: string;
  /** Send the request to this variant. */
  targetVariant?: string;
}

/** What the invocations proxy answered, whatever the status. */
export interface IInvokeResult {
  status: number;
  ok: boolean;
  contentType: string;
  body: string;
  /** Round trip measured in the browser (ms). */
  latencyMs: number;
  /** The variant that answered (`X-Labstudio-Invoked-Variant`). */
  variant: string | null;
}

/** Payload of `endpoint.created` / `endpoint.status` / `endpoint.deleted`. */
export type IEndpointStatusPayload = Schemas['EndpointStatusPayload'];

// ---------------------------------------------------------------------------------------
// Hyperparameter tuning jobs (SageMaker's PascalCase; the request is snake_case like POST /jobs)

/** The lifecycle status of a tuning job (SageMaker's `HyperParameterTuningJobStatus`). */
export type TuningJobStatus =
  Schemas['TuningJobSummary']['HyperParameterTuningJobStatus'];

/** One tuned hyperparameter of `POST /tuning-jobs`. */
export type IParameterRange = Schemas['ParameterRange'];

export type ParameterType = IParameterRange['type'];

export type ScalingType = NonNullable<IParameterRange['scaling_type']>;

/** The body of `POST /labstudio/api/tuning-jobs`. */
export type ICreateTuningJobRequest = Schemas['CreateTuningJobRequest'];

export type TuningStrategy = NonNullable<ICreateTuningJobRequest['strategy']>;

/** The objective a finished trial reached. */
export type ITuningObjectiveValue = Schemas['FinalObjectiveMetric'];

/** One trial of a tuning job (`GET /tuning-jobs/{name}/training-jobs`, `BestTrainingJob`). */
export type ITuningTrialSummary = Schemas['TuningTrainingJobSummary'];

export type ITuningStatusCounters = Schemas['TrainingJobStatusCounters'];

/** `GET /labstudio/api/tuning-jobs/{name}` (SageMaker's DescribeHyperParameterTuningJob). */
export type ITuningJobDescription = Schemas['DescribeTuningJobResponse'];

/** One row of `GET /labstudio/api/tuning-jobs` (with the best objective so far). */
export type ITuningJobSummary = Schemas['TuningJobSummary'];

export type IListTuningJobsResponse = Schemas['ListTuningJobsResponse'];

export type IListTuningTrialsResponse =
  Schemas['ListTuningTrainingJobsResponse'];

/** Payload of `tuning.created`. */
export type ITuningCreatedPayload = Schemas['TuningCreatedPayload'];

/** Payload of `tuning.status`. */
export type ITuningStatusPayload = Schemas['TuningStatusPayload'];

/** Payload of `tuning.progress` (after each finished trial). */
export type ITuningProgressPayload = Schemas['TuningProgressPayload'];

// ---------------------------------------------------------------------------------------
// Processing and batch transform jobs (SageMaker's PascalCase; requests are snake_case)

/** The lifecycle status of a processing job (SageMaker's `ProcessingJobStatus`). */
export type ProcessingJobStatus =
  Schemas['ProcessingJobSummary']['ProcessingJobStatus'];

/** One row of `GET /labstudio/api/processing-jobs`. */
export type IProcessingJobSummary = Schemas['ProcessingJobSummary'];

export type IListProcessingJobsResponse = Schemas['ListProcessingJobsResponse'];

/** `GET /labstudio/api/processing-jobs/{name}` (SageMaker's DescribeProcessingJob). */
export type IProcessingJobDescription =
  Schemas['DescribeProcessingJobResponse'];

/** The lifecycle status of a transform job (SageMaker's `TransformJobStatus`). */
export type TransformJobStatus =
  Schemas['TransformJobSummary']['TransformJobStatus'];

/** One row of `GET /labstudio/api/transform-jobs` (with its records done so far). */
export type ITransformJobSummary = Schemas['TransformJobSummary'];

export type IListTransformJobsResponse = Schemas['ListTransformJobsResponse'];

/** `GET /labstudio/api/transform-jobs/{name}` (DescribeTransformJob, with progress). */
export type ITransformJobDescription = Schemas['DescribeTransformJobResponse'];

/** The body of `POST /labstudio/api/transform-jobs`. */
export type ICreateTransformJobRequest = Schemas['CreateTransformJobRequest'];

// ---------------------------------------------------------------------------------------
// Model registry (SageMaker's PascalCase) and lineage

/** SageMaker's three approval states of a model package. */
export type ModelApprovalStatus =
  Schemas['ModelPackageSummary']['ModelApprovalStatus'];

/** The approval states, in the order a version goes through them. */
export const MODEL_APPROVAL_STATUSES: readonly ModelApprovalStatus[] = [
  'PendingManualApproval',
  'Approved',
  'Rejected'
];

/** One row of `GET /model-package-groups` (latest approved version, pending count). */
export type IModelPackageGroupSummary = Schemas['ModelPackageGroupSummary'];

/** `GET /model-package-groups/{group}`. */
export type IModelPackageGroupDescription =
  Schemas['DescribeModelPackageGroupResponse'];

/** One version of `GET /model-packages?group=` (with its metric numbers). */
export type IModelPackageSummary = Schemas['ModelPackageSummary'];

/** `GET /model-packages/{group}/{version}` (SageMaker's DescribeModelPackage). */
export type IModelPackageDescription = Schemas['DescribeModelPackageResponse'];

/** One change of a group's or version's history (who, when, from which status to which). */
export type IActivityEntry = Schemas['ActivityEntry'];

/** `GET /model-packages/{group}/{version}/metrics`: section → document → its content. */
export type IModelMetricsDocuments = Schemas['ModelMetricsDocumentsResponse'];

export type IMetricsDocument = Schemas['MetricsDocument'];

/** Payload of `model_package.created|status|updated|deleted`. */
export type IPackageEventPayload = Schemas['PackageEventPayload'];

/** Payload of `model_package_group.created|deleted`. */
export type IPackageGroupEventPayload = Schemas['PackageGroupEventPayload'];

/** `GET /lineage`: the trail around a starting point. */
export type ILineageGraph = Schemas['LineageGraphResponse'];

/** One entity of the trail (an artifact, a job, an action, a context). */
export type ILineageNode = Schemas['LineageNode'];

/** One association, from upstream (`source`) to downstream (`destination`). */
export type ILineageEdge = Schemas['LineageEdge'];

/** The labstudio resource a lineage node stands for (what clicking it opens). */
export type ILineageResource = Schemas['LineageResource'];

export type LineageResourceKind = ILineageResource['kind'];

// -- pipelines ---------------------------------------------------------------------------

/** The answer of `GET /pipelines`: a page of pipelines, newest first. */
export type IListPipelinesResponse = Schemas['ListPipelinesResponse'];
/** One row of `GET /pipelines`: a pipeline and its last execution (`LastExecution`). */
export type IPipelineSummary = Schemas['PipelineSummary'];
/** `GET /pipelines/{name}`: the definition, its parameters and its DAG (`Graph`). */
export type IPipelineDescription = Schemas['DescribePipelineResponse'];
/** A pipeline parameter, as a start form shows it. */
export type IPipelineParameter = Schemas['ParameterShape'];
/** The DAG of a pipeline's definition: its steps and the edges between them. */
export type IPipelineGraph = Schemas['PipelineGraph'];
export type IPipelineGraphNode = Schemas['GraphNode'];
export type IPipelineGraphEdge = Schemas['GraphEdge'];
/** One row of `GET /pipelines/{name}/executions`. */
export type IPipelineExecutionSummary = Schemas['PipelineExecutionSummary'];
/** `GET /pipeline-executions/{id}` (DescribePipelineExecution, with the DAG it runs). */
export type IPipelineExecutionDescription =
  Schemas['DescribePipelineExecutionResponse'];
/** One step of an execution that started: status, job, cache hit, a condition's values. */
export type IPipelineExecutionStep = Schemas['PipelineExecutionStep'];
/** What a condition step compared, and how it came out. */
export type IEvaluatedCondition = Schemas['EvaluatedCondition'];
/** An execution's status (SageMaker's `PipelineExecutionStatus`). */
export type PipelineExecutionStatus =
  IPipelineExecutionSummary['PipelineExecutionStatus'];
/** A step's status (SageMaker's `StepStatus`). */
export type PipelineStepStatus = IPipelineExecutionStep['StepStatus'];
/** The payload of a `pipeline.step` event: a step of an execution changed status. */
export type IPipelineStepPayload = Schemas['PipelineStepPayload'];
/** The payload of a `pipeline.execution` event: an execution started or changed status. */
export type IPipelineExecutionPayload = Schemas['PipelineExecutionPayload'];
