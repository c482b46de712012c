/**
 * Generated from the OpenAPI document by `jlpm gen:types` (python -m labstudio.shapes.openapi --limits).
 * Do not make direct changes to the file: the bounds are the shapes' Field(...) declarations.
 */

export const LIMITS = {
  ApprovalRequest: {
    ApprovalDescription: { maxLength: 1024 },
  },
  AutoMLChannelRequest: {
    TargetAttributeName: { minLength: 1, maxLength: 256 },
    ContentType: { maxLength: 256 },
    SampleWeightAttributeName: { maxLength: 256 },
  },
  AutoMLTag: {
    Key: { minLength: 1, maxLength: 128 },
    Value: { maxLength: 256 },
  },
  CompareRunsRequest: {
    runs: { maxItems: 100000 },
    experiments: { maxItems: 100 },
    exclude: { maxItems: 100000 },
    max_points: { minimum: 2, maximum: 100000 },
    limit: { minimum: 1, maximum: 500 },
  },
  CompletionCriteriaRequest: {
    MaxCandidates: { minimum: 1, maximum: 1000 },
    MaxRuntimePerTrainingJobInSeconds: { minimum: 1 },
    MaxAutoMLJobRuntimeInSeconds: { minimum: 1 },
  },
  CreateAutoMLJobRequest: {
    AutoMLJobName: { minLength: 1, maxLength: 32 },
    InputDataConfig: { minItems: 1, maxItems: 1 },
    RoleArn: { maxLength: 2048 },
    Tags: { maxItems: 50 },
  },
  CreateEndpointRequest: {
    Source: { maxLength: 1024 },
    EntryPoint: { maxLength: 1024 },
    SourceDir: { maxLength: 1024 },
    InitialInstanceCount: { minimum: 1, maximum: 64 },
    Port: { minimum: 1, maximum: 65535 },
    AuthToken: { maxLength: 1024 },
    MaxPayloadBytes: { minimum: 1, maximum: 2147483648 },
    ModelServerTimeout: { minimum: 0.001, maximum: 3600 },
    StartupTimeout: { minimum: 1, maximum: 7200 },
  },
  CreateExperimentRequest: {
    name: { maxLength: 255 },
    description: { maxLength: 3072 },
  },
  CreateModelPackageGroupRequest: {
    ModelPackageGroupDescription: { maxLength: 1024 },
  },
  CreateModelPackageRequest: {
    ModelPackageGroupName: { minLength: 1, maxLength: 170 },
    ModelPackageDescription: { maxLength: 1024 },
  },
  CreatePipelineRequest: {
    PipelineName: { minLength: 1, maxLength: 256 },
    PipelineDisplayName: { maxLength: 256 },
    PipelineDescription: { maxLength: 3072 },
    RoleArn: { maxLength: 2048 },
    Tags: { maxItems: 50 },
  },
  CreateProcessingJobRequest: {
    code: { maxLength: 1024 },
    source_dir: { maxLength: 1024 },
    command: { maxItems: 100 },
    entrypoint: { maxItems: 100 },
    arguments: { maxItems: 100 },
    max_runtime_seconds: { maximum: 777600, exclusiveMinimum: 0 },
  },
  CreateTrainingJobRequest: {
    entry_point: { maxLength: 1024 },
    source_dir: { maxLength: 1024 },
    output_path: { maxLength: 1024 },
    max_runtime_seconds: { maximum: 2419200, exclusiveMinimum: 0 },
    instance_count: { minimum: 1, maximum: 64 },
  },
  CreateTransformJobRequest: {
    model: { maxLength: 1024 },
    input: { maxLength: 1024 },
    output_path: { maxLength: 1024 },
    entry_point: { maxLength: 1024 },
    source_dir: { maxLength: 1024 },
    input_filter: { maxLength: 63 },
    output_filter: { maxLength: 63 },
    instance_count: { minimum: 1 },
  },
  CreateTuningJobRequest: {
    name: { maxLength: 32 },
    objective_metric_name: { minLength: 1 },
    max_jobs: { minimum: 1, maximum: 10000 },
    max_parallel_jobs: { minimum: 1, maximum: 10000 },
    max_runtime_in_seconds: { minimum: 120, maximum: 15768000 },
    estimator_class: { maxLength: 200 },
  },
  DataCaptureRequest: {
    InitialSamplingPercentage: { minimum: 0, maximum: 100 },
    DestinationS3Uri: { maxLength: 1024 },
  },
  DataSplitConfigRequest: {
    ValidationFraction: { minimum: 0.0, maximum: 1.0 },
  },
  InferenceSpecificationRequest: {
    Containers: { minItems: 1, maxItems: 1 },
  },
  MetricDefinition: {
    Name: { minLength: 1, maxLength: 255 },
    Regex: { minLength: 1, maxLength: 500 },
  },
  MetricsSource: {
    ContentType: { minLength: 1, maxLength: 256 },
    S3Uri: { minLength: 1, maxLength: 1024 },
    ContentDigest: { maxLength: 72 },
  },
  ModelPackageContainer: {
    Image: { maxLength: 255 },
    ModelDataUrl: { minLength: 1, maxLength: 1024 },
  },
  OutputDataConfigRequest: {
    S3OutputPath: { minLength: 1, maxLength: 1024 },
  },
  ParallelismConfigurationRequest: {
    MaxParallelExecutionSteps: { minimum: 1, maximum: 1000 },
  },
  ParameterRange: {
    values: { maxItems: 30 },
  },
  PipelineParameterValue: {
    Name: { minLength: 1, maxLength: 256 },
    Value: { maxLength: 1024 },
  },
  PipelineTag: {
    Key: { minLength: 1, maxLength: 128 },
    Value: { maxLength: 256 },
  },
  ProcessingInputRequest: {
    source: { minLength: 1, maxLength: 1024 },
    destination: { minLength: 1, maxLength: 256 },
  },
  ProcessingOutputRequest: {
    source: { minLength: 1, maxLength: 256 },
    destination: { maxLength: 1024 },
  },
  ProductionVariant: {
    Source: { maxLength: 1024 },
    EntryPoint: { maxLength: 1024 },
    SourceDir: { maxLength: 1024 },
    InitialVariantWeight: { minimum: 0 },
    InitialInstanceCount: { minimum: 1, maximum: 64 },
  },
  ResourceTag: {
    Key: { minLength: 1, maxLength: 128 },
    Value: { maxLength: 256 },
  },
  S3DataSourceRequest: {
    S3Uri: { minLength: 1, maxLength: 1024 },
  },
  StartPipelineExecutionRequest: {
    PipelineParameters: { maxItems: 200 },
    PipelineExecutionDisplayName: { maxLength: 82 },
    PipelineExecutionDescription: { maxLength: 3072 },
  },
  UpdateExperimentRequest: {
    name: { maxLength: 255 },
    description: { maxLength: 3072 },
  },
  UpdateModelPackageRequest: {
    ApprovalDescription: { maxLength: 1024 },
  },
  UpdatePipelineRequest: {
    PipelineDisplayName: { maxLength: 256 },
    PipelineDescription: { maxLength: 3072 },
    RoleArn: { maxLength: 2048 },
  },
  WarmStartRequest: {
    parents: { minItems: 1 },
  },
} as const;
