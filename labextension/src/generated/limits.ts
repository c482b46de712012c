/**
 * Generated from the OpenAPI document by `jlpm gen:types` (python -m labstudio.shapes.openapi --limits).
 * Do not make direct changes to the file: the bounds are the shapes' Field(...) declarations.
 */

export const LIMITS = {
  AlarmDimension: {
    Value: { minLength: 1, maxLength: 255 },
  },
  AlarmReference: {
    AlarmName: { minLength: 1, maxLength: 255 },
  },
  ApprovalRequest: {
    ApprovalDescription: { maxLength: 1024 },
  },
  AsyncClientConfig: {
    MaxConcurrentInvocationsPerInstance: { minimum: 1, maximum: 1000 },
  },
  AsyncOutputConfig: {
    S3OutputPath: { maxLength: 1024 },
    S3FailurePath: { maxLength: 1024 },
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
  AutoRollbackConfig: {
    Alarms: { maxItems: 10 },
  },
  BlueGreenUpdatePolicyRequest: {
    TerminationWaitInSeconds: { minimum: 0, maximum: 3600 },
    MaximumExecutionTimeoutInSeconds: { minimum: 600, maximum: 28800 },
  },
  CapacitySizeRequest: {
    Value: { minimum: 1 },
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
  CreateMonitoringScheduleRequest: {
    Tags: { maxItems: 50 },
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
  EndpointInputRequest: {
    LocalPath: { maxLength: 256 },
    FeaturesAttribute: { maxLength: 256 },
    InferenceAttribute: { maxLength: 256 },
    ProbabilityAttribute: { maxLength: 256 },
  },
  GroundTruthS3InputRequest: {
    S3Uri: { minLength: 1, maxLength: 1024 },
  },
  InferenceSpecificationRequest: {
    Containers: { minItems: 1, maxItems: 1 },
  },
  InvokeEndpointAsyncRequest: {
    InputLocation: { maxLength: 1024 },
    CustomAttributes: { maxLength: 1024 },
    RequestTTLSeconds: { minimum: 60, maximum: 21600 },
    InvocationTimeoutSeconds: { minimum: 1, maximum: 3600 },
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
  MonitoringJobDefinitionRequest: {
    MonitoringInputs: { minItems: 1, maxItems: 1 },
    RoleArn: { maxLength: 2048 },
  },
  MonitoringOutputConfigRequest: {
    MonitoringOutputs: { minItems: 1, maxItems: 1 },
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
  PutMetricAlarmRequest: {
    Period: { minimum: 1 },
    EvaluationPeriods: { minimum: 1 },
    DatapointsToAlarm: { minimum: 1 },
    AlarmDescription: { maxLength: 1024 },
  },
  ResourceTag: {
    Key: { minLength: 1, maxLength: 128 },
    Value: { maxLength: 256 },
  },
  S3DataSourceRequest: {
    S3Uri: { minLength: 1, maxLength: 1024 },
  },
  S3OutputRequest: {
    S3Uri: { minLength: 1, maxLength: 1024 },
    LocalPath: { maxLength: 256 },
  },
  S3Resource: {
    S3Uri: { minLength: 1, maxLength: 1024 },
  },
  ScheduleConfigRequest: {
    ScheduleExpression: { minLength: 1, maxLength: 256 },
    DataAnalysisStartTime: { maxLength: 32 },
    DataAnalysisEndTime: { maxLength: 32 },
  },
  ServerlessConfigRequest: {
    MaxConcurrency: { minimum: 1, maximum: 200 },
    ProvisionedConcurrency: { minimum: 1, maximum: 200 },
  },
  StartPipelineExecutionRequest: {
    PipelineParameters: { maxItems: 200 },
    PipelineExecutionDisplayName: { maxLength: 82 },
    PipelineExecutionDescription: { maxLength: 3072 },
  },
  StoppingConditionRequest: {
    MaxRuntimeInSeconds: { minimum: 1, maximum: 86400 },
  },
  SuggestBaselineRequest: {
    BaselineDataset: { minLength: 1, maxLength: 1024 },
    OutputS3Uri: { maxLength: 1024 },
    MaxRuntimeInSeconds: { minimum: 1, maximum: 86400 },
  },
  TagRequest: {
    Key: { minLength: 1, maxLength: 128 },
    Value: { maxLength: 256 },
  },
  TargetTrackingConfiguration: {
    TargetValue: { exclusiveMinimum: 0 },
    ScaleOutCooldown: { minimum: 0 },
    ScaleInCooldown: { minimum: 0 },
  },
  TrafficRoutingRequest: {
    WaitIntervalInSeconds: { minimum: 0, maximum: 3600 },
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
  VariantScalingRequest: {
    MinCapacity: { minimum: 1, maximum: 64 },
    MaxCapacity: { minimum: 1, maximum: 64 },
    PolicyName: { minLength: 1, maxLength: 256 },
  },
  WarmStartRequest: {
    parents: { minItems: 1 },
  },
} as const;
