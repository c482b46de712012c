/**
 * Shapes of the labstudio REST API (`/labstudio/api/...`).
 *
 * Training-job shapes follow SageMaker's `ListTrainingJobs` / `DescribeTrainingJob`
 * (PascalCase keys); labstudio-only resources use snake_case keys.
 */

/** The lifecycle status of a training job (SageMaker's `TrainingJobStatus`). */
export type TrainingJobStatus =
  | 'InProgress'
  | 'Completed'
  | 'Failed'
  | 'Stopping'
  | 'Stopped';

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

/** One row of `GET /labstudio/api/jobs`. */
export interface ITrainingJobSummary {
  TrainingJobName: string;
  TrainingJobStatus: TrainingJobStatus;
  SecondaryStatus: string;
  StatusMessage: string;
  CreationTime: string;
  TrainingStartTime: string | null;
  TrainingEndTime: string | null;
  LastModifiedTime: string;
  FailureReason: string | null;
  ExperimentName: string | null;
  RunId: string | null;
}

/** The answer of `GET /labstudio/api/jobs`, newest first. */
export interface IListTrainingJobsResponse {
  TrainingJobSummaries: ITrainingJobSummary[];
  NextToken: string | null;
}

/** Query parameters of `GET /labstudio/api/jobs`. */
export interface IListTrainingJobsOptions {
  limit?: number;
  nextToken?: string | null;
  status?: TrainingJobStatus;
  nameContains?: string;
}

export interface IMetricDefinition {
  Name: string;
  Regex: string;
}

/** The body of `POST /labstudio/api/jobs`. */
export interface ICreateTrainingJobRequest {
  entry_point: string;
  source_dir?: string;
  hyperparameters?: Record<string, unknown>;
  channels?: Record<string, string>;
  environment?: Record<string, string>;
  metric_definitions?: IMetricDefinition[];
  max_runtime_seconds?: number;
  experiment_name?: string;
  tags?: Record<string, string>;
  name?: string;
}

export interface ISecondaryStatusTransition {
  Status: string;
  StartTime: string;
  EndTime?: string | null;
  StatusMessage?: string;
}

export interface IInputChannel {
  ChannelName: string;
  DataSource: { FileDataSource: { FileUri: string } };
}

export interface IFinalMetric {
  MetricName: string;
  Value: number;
  Timestamp: string;
}

/** The answer of `GET /labstudio/api/jobs/{name}` (SageMaker's DescribeTrainingJob). */
export interface ITrainingJobDescription {
  TrainingJobName: string;
  TrainingJobStatus: TrainingJobStatus;
  SecondaryStatus: string;
  SecondaryStatusTransitions: ISecondaryStatusTransition[];
  FailureReason?: string | null;
  HyperParameters: Record<string, string>;
  InputDataConfig: IInputChannel[];
  /** `Deleted` is true (and the URI null) once the archive was deleted with the job's run. */
  ModelArtifacts?: { S3ModelArtifacts: string | null; Deleted?: boolean } | null;
  OutputDataConfig?: Record<string, unknown> | null;
  FinalMetricDataList: IFinalMetric[];
  CreationTime: string;
  TrainingStartTime?: string | null;
  TrainingEndTime?: string | null;
  LastModifiedTime: string;
  StoppingCondition?: { MaxRuntimeInSeconds?: number | null } | null;
  Environment: Record<string, string>;
  /** SageMaker's list of `{Key, Value}` (older servers sent an object). */
  Tags: { Key: string; Value: string }[] | Record<string, string>;
  ExperimentName?: string | null;
  RunId?: string | null;
  EntryPoint: string;
  SourceDir?: string | null;
  MetricDefinitions: IMetricDefinition[];
  OutputArtifacts?: { S3OutputArtifacts: string | null; Deleted?: boolean } | null;
  LogUri?: string | null;
  ExitCode?: number | null;
  TrainingTimeInSeconds?: number | null;
}

/** The answer of `GET /labstudio/api/jobs/{name}/logs?offset=N`. */
export interface ILogChunk {
  text: string;
  next_offset: number;
  complete: boolean;
}

export interface IMetricPoint {
  step: number;
  value: number | null;
  timestamp: number;
}

export interface IMetricSeries {
  name: string;
  points: IMetricPoint[];
}

/** The answer of `GET /labstudio/api/jobs/{name}/metrics`. */
export interface IJobMetrics {
  metrics: IMetricSeries[];
  /** Set when more points follow: pass it back as `next_token`. */
  NextToken?: string | null;
}

/** One message of the `/labstudio/api/events` WebSocket. */
export interface ILabstudioEvent<P = Record<string, unknown>> {
  id: number;
  time: number;
  kind: string;
  payload: P;
}

/** Payload of `job.status` events. */
export interface IJobStatusPayload {
  name: string;
  status: TrainingJobStatus;
  secondary_status: string;
  message: string;
}

/** Payload of `job.created` events. */
export interface IJobCreatedPayload {
  name: string;
}

/** Payload of `job.metrics` events. */
export interface IJobMetricsPayload {
  name: string;
  run_id: string | null;
  points: { key: string; value: number | null; step: number; timestamp: number }[];
}

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

export type RunStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopped';

export interface IExperiment {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  created_time: number;
  last_modified_time: number;
  run_count: number;
  in_progress_count: number;
  last_run_time: number | null;
  /** Only in `GET /experiments/{name}`. */
  metric_names?: string[];
  param_names?: string[];
}

export interface IMetricSummary {
  last: JsonNumber;
  min: JsonNumber;
  max: JsonNumber;
  avg: JsonNumber;
  std?: JsonNumber | null;
  count: number;
  last_step: number;
  last_timestamp: number;
}

/** One row of `GET /runs`. */
export interface IRun {
  id: string;
  name: string;
  experiment: string;
  experiment_id: string;
  trial: string | null;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  created_time: number;
  last_modified_time: number;
  source_type: string | null;
  /** The training job's name when `source_type` is TrainingJob. */
  source_name: string | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Record<string, IMetricSummary>;
}

export interface IRunArtifact {
  name: string;
  uri: string;
  is_output: boolean;
  media_type: string | null;
  created_time: number;
}

/** `GET /runs/{id}`. */
export interface IRunDetail extends IRun {
  metric_names: string[];
  artifacts: IRunArtifact[];
  job: { name: string; status: string; secondary_status?: string } | null;
}

export interface IRunPage {
  runs: IRun[];
  next_token: string | null;
  /** How many runs match in all. */
  total?: number;
}

export interface IListRunsOptions {
  experiment?: string | string[];
  /** The filter language, e.g. `metrics.acc > 0.9 and name like 'res%'`. */
  filter?: string;
  /** e.g. `metrics.loss asc`, `start_time desc`. */
  orderBy?: string;
  limit?: number;
  nextToken?: string | null;
}

/** `GET /runs/{id}/metrics/{name}`. */
export interface IMetricHistory {
  run_id: string;
  name: string;
  count: number;
  downsampled: boolean;
  steps: number[];
  values: JsonNumber[];
  timestamps: number[] | null;
}

export interface ICompareRequest {
  runs: string[];
  metrics?: string[];
  max_points?: number;
  method?: 'minmax' | 'lttb';
}

export interface ICompareSeries {
  run_id: string;
  run_name: string;
  metric: string;
  count: number;
  downsampled: boolean;
  steps: number[];
  values: JsonNumber[];
  /** Not sent by every server version. */
  timestamps?: number[] | null;
}

/** `POST /runs/compare`. */
export interface ICompareResult {
  max_points: number;
  method: string;
  metrics: string[];
  runs: IRun[];
  series: ICompareSeries[];
}

/** Payload of `run.created`. */
export interface IRunCreatedPayload {
  run_id: string;
  experiment: string;
  name: string;
  status?: RunStatus;
}

/** Payload of `run.status`. */
export interface IRunStatusPayload {
  run_id: string;
  status: RunStatus;
}

// ---------------------------------------------------------------------------------------
// Endpoints (SageMaker's PascalCase)

export type EndpointStatus =
  | 'Creating'
  | 'InService'
  | 'Updating'
  | 'Deleting'
  | 'Failed';

export interface IEndpointFigures {
  Invocations: number;
  Errors: number;
  Invocation4XXErrors: number;
  Invocation5XXErrors: number;
  LatencyAverageMs: number | null;
  LatencyP50Ms: number | null;
  LatencyP90Ms: number | null;
  LatencyP99Ms: number | null;
}

/** One row of `GET /endpoints`. */
export interface IEndpointSummary {
  EndpointName: string;
  EndpointStatus: EndpointStatus;
  FailureReason: string | null;
  EndpointUrl: string | null;
  CreationTime: string;
  LastModifiedTime: string;
  VariantNames?: string[];
}

export interface IEndpointVariant {
  VariantName: string;
  ModelData: string;
  EntryPoint: string | null;
  SourceDir: string | null;
  CurrentWeight: number;
  CurrentInstanceCount: number;
  VariantStatus: string;
  Metrics?: IEndpointFigures;
}

/** `GET /endpoints/{name}`. */
export interface IEndpointDescription extends IEndpointSummary {
  InvocationsUrl: string | null;
  AuthType: 'None' | 'Bearer';
  ProductionVariants: IEndpointVariant[];
  Metrics?: IEndpointFigures;
  DataCaptureConfig?: Record<string, unknown>;
}

export interface IVariantRequest {
  VariantName?: string;
  /** A Completed training job's name, a model archive or a model folder. */
  Source?: string;
  EntryPoint?: string;
  SourceDir?: string;
  InitialVariantWeight?: number;
  InitialInstanceCount?: number;
  Environment?: Record<string, string>;
}

/** The body of `POST /endpoints`. */
export interface ICreateEndpointRequest {
  EndpointName?: string;
  ProductionVariants: IVariantRequest[];
  AuthToken?: string;
}

export interface IEndpointListResponse {
  Endpoints: IEndpointSummary[];
}

export interface IEndpointLogs {
  EndpointName: string;
  Log: string;
}

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

/** Payload of `endpoint.status` / `endpoint.created` / `endpoint.deleted`. */
export interface IEndpointStatusPayload {
  name: string;
  status?: EndpointStatus;
}
