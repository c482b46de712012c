/**
 * Generated from the OpenAPI document by `jlpm gen:types` (python -m labstudio.shapes.openapi --limits).
 * Do not make direct changes to the file: the bounds are the shapes' Field(...) declarations.
 */

export const LIMITS = {
  CompareRunsRequest: {
    runs: { minItems: 1, maxItems: 500 },
    max_points: { minimum: 2, maximum: 100000 },
  },
  CreateEndpointRequest: {
    InitialInstanceCount: { minimum: 1, maximum: 64 },
    Port: { minimum: 1, maximum: 65535 },
    MaxPayloadBytes: { minimum: 1, maximum: 2147483648 },
    ModelServerTimeout: { minimum: 0.001, maximum: 3600 },
    StartupTimeout: { minimum: 1, maximum: 7200 },
  },
  CreateExperimentRequest: {
    name: { maxLength: 255 },
  },
  CreateProcessingJobRequest: {
    max_runtime_seconds: { exclusiveMinimum: 0 },
  },
  CreateTrainingJobRequest: {
    max_runtime_seconds: { exclusiveMinimum: 0 },
    instance_count: { minimum: 1, maximum: 64 },
  },
  CreateTransformJobRequest: {
    input_filter: { maxLength: 63 },
    output_filter: { maxLength: 63 },
    instance_count: { minimum: 1 },
  },
  CreateTuningJobRequest: {
    name: { maxLength: 32 },
    objective_metric_name: { minLength: 1 },
    max_jobs: { minimum: 1, maximum: 10000 },
    max_parallel_jobs: { minimum: 1, maximum: 10000 },
    max_runtime_in_seconds: { exclusiveMinimum: 0 },
    estimator_class: { maxLength: 200 },
  },
  DataCaptureRequest: {
    InitialSamplingPercentage: { minimum: 0, maximum: 100 },
  },
  MetricDefinition: {
    Name: { minLength: 1, maxLength: 255 },
    Regex: { minLength: 1, maxLength: 500 },
  },
  ProcessingInputRequest: {
    source: { minLength: 1 },
    destination: { minLength: 1 },
  },
  ProcessingOutputRequest: {
    source: { minLength: 1 },
  },
  ProductionVariant: {
    InitialVariantWeight: { minimum: 0 },
    InitialInstanceCount: { minimum: 1, maximum: 64 },
  },
  UpdateExperimentRequest: {
    name: { maxLength: 255 },
  },
  WarmStartRequest: {
    parents: { minItems: 1 },
  },
} as const;
