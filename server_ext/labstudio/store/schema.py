"""The tables, as SQLAlchemy Core metadata: the single source the migrations are written from.

Core (not the ORM) because the hot paths are bulk inserts of metric points and wide
analytic reads, and because the store hands back plain entities, never ORM rows.
NaN cannot be stored in SQLite REAL columns (it becomes NULL), so metric values use
NULL to mean NaN; infinities are stored as they are.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

experiments = Table(
    "experiments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("tags", Text, nullable=False, default="{}"),
    Column("created_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
)

trials = Table(
    "trials",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("experiment_id", String(32), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("created_time", Float, nullable=False),
    UniqueConstraint("experiment_id", "name", name="uq_trials_experiment_name"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("experiment_id", String(32), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("trial_id", String(32), ForeignKey("trials.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("start_time", Float, nullable=True),
    Column("end_time", Float, nullable=True),
    Column("source_type", String(64), nullable=True),
    Column("source_name", String(255), nullable=True),
    Column("tags", Text, nullable=False, default="{}"),
    Column("created_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    Index("ix_runs_experiment", "experiment_id", "created_time"),
    Index("ix_runs_source", "source_name"),
)

run_params = Table(
    "run_params",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

run_metrics = Table(
    "run_metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), nullable=False),
    Column("key", String(255), nullable=False),
    Column("value", Float, nullable=True),  # NULL stands for NaN
    Column("step", Integer, nullable=False),
    Column("timestamp", Float, nullable=False),
    Index("ix_run_metrics_series", "run_id", "key", "step"),
)

# One row per (run, metric), kept up to date in the same transaction as the points, so
# that analytics over thousands of runs never scans the raw series.
run_metric_summaries = Table(
    "run_metric_summaries",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("finite_count", Integer, nullable=False),
    Column("sum", Float, nullable=False),
    Column("sumsq", Float, nullable=False),
    Column("min", Float, nullable=True),
    Column("max", Float, nullable=True),
    Column("last_value", Float, nullable=True),
    Column("last_step", Integer, nullable=False),
    Column("last_timestamp", Float, nullable=False),
)

run_artifacts = Table(
    "run_artifacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("uri", Text, nullable=False),
    Column("is_output", Boolean, nullable=False),
    Column("media_type", String(255), nullable=True),
    Column("created_time", Float, nullable=False),
    UniqueConstraint("run_id", "name", "is_output", name="uq_run_artifacts_name"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("run_id", String(32), nullable=True),
    Column("backend", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("secondary_status", String(32), nullable=False),
    Column("status_message", Text, nullable=False, default=""),
    Column("failure_reason", Text, nullable=True),
    Column("spec", Text, nullable=False),
    Column("job_dir", Text, nullable=False),
    Column("experiment_name", String(255), nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("training_start_time", Float, nullable=True),
    Column("training_end_time", Float, nullable=True),
    Column("last_modified_time", Float, nullable=False),
    Column("model_artifact", Text, nullable=True),
    Column("output_artifact", Text, nullable=True),
    Column("supervisor_pid", Integer, nullable=True),
    Column("supervisor_start_ticks", BigInteger, nullable=True),
    Column("process_pgid", Integer, nullable=True),
    Column("exit_code", Integer, nullable=True),
    Column("stop_requested_time", Float, nullable=True),
    # Added by migration 0004_job_kinds: "training", "processing" (later "transform"). Every
    # kind shares the engine (supervisor, slots, logs, stop, reconcile); each lists only its own.
    Column("kind", String(32), nullable=False, server_default="training"),
    # Added by migration 0005_hosts_logs: bytes of log held in job_log_chunks (remote backends).
    # Appending a chunk bumps it in the same UPDATE, which orders concurrent writers (hosts).
    Column("log_size", BigInteger, nullable=False, server_default="0"),
    # Added by migration 0006_machines: the machine (Settings.host_id) whose supervisor runs the
    # job, and that supervisor's last heartbeat. Other machines judge the job by heartbeat age only.
    Column("machine", String(255), nullable=True),
    Column("heartbeat_time", Float, nullable=True),
    Index("ix_jobs_creation", "creation_time"),
    Index("ix_jobs_status", "status"),
    Index("ix_jobs_kind_creation", "kind", "creation_time"),
)

job_transitions = Table(
    "job_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_name", String(63), ForeignKey("jobs.name", ondelete="CASCADE"), nullable=False),
    Column("status", String(32), nullable=False),
    Column("start_time", Float, nullable=False),
    Column("end_time", Float, nullable=True),
    Column("message", Text, nullable=False, default=""),
    Index("ix_job_transitions_job", "job_name", "id"),
)

# Added by migration 0005_hosts_logs: one row per host (algo-1..algo-N) of a job, wherever it
# runs. A host's supervisor records where it runs (node), its pid and a heartbeat: what lets
# any process tell that a remote supervisor died, and name the node it died on.
job_hosts = Table(
    "job_hosts",
    metadata,
    Column("job_name", String(63), ForeignKey("jobs.name", ondelete="CASCADE"), primary_key=True),
    Column("host", String(32), primary_key=True),
    Column("node", String(255), nullable=True),  # the machine: "hostname (ip)", plus Ray's node id on Ray
    Column("pid", Integer, nullable=True),
    Column("start_ticks", BigInteger, nullable=True),
    Column("status", String(32), nullable=False),  # Pending, InProgress, Completed, Failed, Stopped
    Column("exit_code", Integer, nullable=True),
    Column("failure_reason", Text, nullable=True),
    Column("heartbeat_time", Float, nullable=True),
    Column("start_time", Float, nullable=True),
    Column("end_time", Float, nullable=True),
)

# Added by migration 0005_hosts_logs: a job's log, as appended by a supervisor that runs where
# the job's folder is not visible to its readers (a Ray node). Local jobs keep their log file.
job_log_chunks = Table(
    "job_log_chunks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_name", String(63), ForeignKey("jobs.name", ondelete="CASCADE"), nullable=False),
    Column("start_offset", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_job_log_chunks_job", "job_name", "start_offset"),
)

endpoints = Table(
    "endpoints",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("url", Text, nullable=True),
    Column("host", String(255), nullable=False, default="127.0.0.1"),
    Column("port", Integer, nullable=True),
    Column("pid", Integer, nullable=True),
    Column("pid_start_ticks", BigInteger, nullable=True),
    Column("config", Text, nullable=False, default="{}"),
    Column("creation_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    # Added by migration 0006_machines: the owning machine, its heartbeat, and a delete asked
    # for by another machine (which the owner carries out: no machine signals another's processes).
    Column("machine", String(255), nullable=True),
    Column("heartbeat_time", Float, nullable=True),
    Column("delete_requested_time", Float, nullable=True),
)

endpoint_variants = Table(
    "endpoint_variants",
    metadata,
    Column("endpoint_name", String(63), ForeignKey("endpoints.name", ondelete="CASCADE"), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("model_data", Text, nullable=False),
    Column("entry_point", Text, nullable=True),
    Column("source_dir", Text, nullable=True),
    Column("weight", Float, nullable=False, default=1.0),
    Column("instance_count", Integer, nullable=False, default=1),
    Column("status", String(32), nullable=False),
    Column("port", Integer, nullable=True),
    Column("pid", Integer, nullable=True),
    Column("config", Text, nullable=False, default="{}"),
    Column("created_time", Float, nullable=False),
)

# A cross-process change feed: supervisors, kernels and CLIs append, the server tails it
# and pushes to WebSocket clients. Pruned by age.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("time", Float, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
)

# Added by migration 0002_tracking (experiment tracking): each metric series summarised in
# buckets of 2^level consecutive points (min and max with their steps), so a comparison chart
# of a hundred long runs reads a few hundred rows per series. See tracking/tables.py.
run_metric_buckets = Table(
    "run_metric_buckets",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("bucket", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("nan_count", Integer, nullable=False),
    Column("nan_step", Integer, nullable=True),
    Column("min_value", Float, nullable=True),
    Column("min_step", Integer, nullable=True),
    Column("max_value", Float, nullable=True),
    Column("max_step", Integer, nullable=True),
    Column("first_step", Integer, nullable=False),
    Column("last_step", Integer, nullable=False),
)

# Added by migration 0003_tuning (hyperparameter tuning jobs). A tuning job's trials are
# ordinary rows of `jobs`; `tuning_trials` ties each one to its tuning job and keeps what the
# tuner needs to rebuild its search after a restart: the sampled point, the sampler's
# per-trial attributes, and the outcome it already told the search.
tuning_jobs = Table(
    "tuning_jobs",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("spec", Text, nullable=False),
    Column("experiment_name", String(255), nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("end_time", Float, nullable=True),
    Column("last_modified_time", Float, nullable=False),
    Column("tuner_pid", Integer, nullable=True),
    Column("tuner_start_ticks", BigInteger, nullable=True),
    Column("tuner_spawn_time", Float, nullable=True),
    Column("stop_requested_time", Float, nullable=True),
    Column("tuner_machine", String(255), nullable=True),  # added by 0006_machines
    Index("ix_tuning_jobs_creation", "creation_time"),
    Index("ix_tuning_jobs_status", "status"),
)

tuning_trials = Table(
    "tuning_trials",
    metadata,
    Column("tuning_job_name", String(63), ForeignKey("tuning_jobs.name", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("training_job_name", String(63), nullable=False, unique=True),
    Column("params", Text, nullable=False),
    Column("system_attrs", Text, nullable=False, default="{}"),
    Column("state", String(16), nullable=False),  # Pending (recorded), Submitted, Finished (told to the search)
    Column("objective", Float, nullable=True),
    Column("early_stopped", Boolean, nullable=False, default=False),
    Column("created_time", Float, nullable=False),
    Column("finished_time", Float, nullable=True),
)

# Added by migration 0006_machines: one row per long-running coordinator (a tuning job's tuner,
# a pipeline execution's runner, the monitoring scheduler). Exactly one process holds a lease
# at a time, wherever it runs; it renews it while it works, and another process may take it
# over only once it expired, or, on the holder's own machine, once the holder's process is gone.
leases = Table(
    "leases",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("holder", String(255), nullable=False),  # a token unique to one process's hold
    Column("machine", String(255), nullable=False),
    Column("pid", Integer, nullable=True),
    Column("start_ticks", BigInteger, nullable=True),
    Column("acquired_time", Float, nullable=False),
    Column("renewed_time", Float, nullable=False),
    Column("expires_time", Float, nullable=False),
)

# Added by migration 0007_registry_lineage: the model registry (store/registry.py). A group's
# versions are numbered 1, 2, ... from `last_version`, bumped in the registering transaction;
# every change of a package's approval or metadata is a row of `model_package_activity`.
model_package_groups = Table(
    "model_package_groups",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("tags", Text, nullable=False, default="{}"),
    Column("created_by", String(255), nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("last_version", Integer, nullable=False, default=0),
    Index("ix_model_package_groups_creation", "creation_time"),
)

model_packages = Table(
    "model_packages",
    metadata,
    Column("group_name", String(63), ForeignKey("model_package_groups.name", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False, default=""),
    Column("approval_status", String(32), nullable=False),
    Column("approval_description", Text, nullable=True),
    Column("model_data", Text, nullable=False),  # the model archive's URI (not copied: a job's archive is kept while registered)
    Column("code_uri", Text, nullable=True),  # sourcedir.tar.gz in the artifact store: the package's own copy of its inference code
    Column("entry_point", Text, nullable=True),
    Column("container", Text, nullable=False, default="{}"),  # the rest of SageMaker's container definition (Image, Environment...)
    Column("inference", Text, nullable=False, default="{}"),  # supported content and response types, instance types
    Column("model_metrics", Text, nullable=False, default="{}"),  # SageMaker's ModelMetrics (document references)
    Column("metric_values", Text, nullable=False, default="{}"),  # numbers read from the statistics documents at registration
    Column("customer_metadata", Text, nullable=False, default="{}"),
    Column("extra", Text, nullable=False, default="{}"),  # accepted SageMaker fields labstudio only echoes (Domain, Task...)
    Column("training_job", String(63), nullable=True),
    Column("tuning_job", String(63), nullable=True),
    Column("pipeline_execution_arn", Text, nullable=True),
    Column("derived_from", Text, nullable=True),  # the ARN of the package this one reproduces
    Column("created_by", String(255), nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("last_modified_by", String(255), nullable=True),
    Column("last_modified_time", Float, nullable=False),
    Index("ix_model_packages_group_status", "group_name", "approval_status"),
    Index("ix_model_packages_creation", "creation_time"),
)

model_package_activity = Table(
    "model_package_activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_name", String(63), ForeignKey("model_package_groups.name", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=True),  # None: an event of the group itself
    Column("time", Float, nullable=False),
    Column("actor", String(255), nullable=True),
    Column("action", String(32), nullable=False),  # Registered, ApprovalChanged, MetadataChanged, GroupCreated
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=True),
    Column("comment", Text, nullable=True),
    Column("details", Text, nullable=False, default="{}"),
    Index("ix_model_package_activity_package", "group_name", "version", "id"),
)

# Added by migration 0007_registry_lineage: lineage (store/lineage.py), in SageMaker's terms. An
# entity is an Artifact (a data set, a code snapshot, a model archive, a model package), an
# Action (a deployment, an approval), a Context (an endpoint, a model group, a tuning job, an
# experiment) or a TrialComponent (a training, processing or transform job). Associations run
# from upstream to downstream: data set -> job -> model -> package -> deployment -> endpoint.
# Nothing is deleted: the trail outlives the jobs and endpoints it describes.
lineage_entities = Table(
    "lineage_entities",
    metadata,
    Column("arn", String(512), primary_key=True),
    Column("entity", String(16), nullable=False),  # Artifact, Action, Context, TrialComponent
    Column("type", String(64), nullable=False),  # DataSet, Code, Model, ModelPackage, TrainingJob, Endpoint...
    Column("name", String(255), nullable=False),
    Column("source_uri", Text, nullable=True),
    Column("source_key", String(64), nullable=True),  # a digest of source_uri: long URIs are looked up through it
    Column("source_type", String(64), nullable=True),
    Column("properties", Text, nullable=False, default="{}"),
    Column("creation_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    Index("ix_lineage_entities_source", "source_key"),
    Index("ix_lineage_entities_kind", "entity", "type", "creation_time"),
)

lineage_associations = Table(
    "lineage_associations",
    metadata,
    Column("source_arn", String(512), primary_key=True),
    Column("destination_arn", String(512), primary_key=True),
    Column("association_type", String(32), nullable=False),  # ContributedTo, AssociatedWith, DerivedFrom, Produced
    Column("creation_time", Float, nullable=False),
    Index("ix_lineage_associations_destination", "destination_arn"),
)

# Added by migration 0008_pipelines: SageMaker Pipelines (store/pipelines.py). A pipeline keeps
# its current definition (SageMaker's JSON); an execution keeps the definition it runs, frozen at
# start, its parameter values and its runner (a coordinator holding the lease `pipeline:<id>`);
# a step row exists from the moment the runner decides to run the step, and names the job of
# its current attempt before that job is submitted, so a resumed runner never runs it twice.
pipelines = Table(
    "pipelines",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("display_name", String(256), nullable=True),
    Column("description", Text, nullable=True),
    Column("definition", Text, nullable=False),
    Column("role_arn", Text, nullable=True),
    Column("parallelism", Integer, nullable=True),  # ParallelismConfiguration.MaxParallelExecutionSteps
    Column("tags", Text, nullable=False, default="{}"),
    Column("creation_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    Column("last_execution_time", Float, nullable=True),
    Index("ix_pipelines_creation", "creation_time"),
)

pipeline_executions = Table(
    "pipeline_executions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("pipeline_name", String(256), ForeignKey("pipelines.name", ondelete="CASCADE"), nullable=False),
    Column("display_name", String(255), nullable=True),
    Column("description", Text, nullable=True),
    Column("status", String(16), nullable=False),  # Executing, Stopping, Stopped, Failed, Succeeded
    Column("failure_reason", Text, nullable=True),
    Column("definition", Text, nullable=False),
    Column("parameters", Text, nullable=False, default="{}"),  # name -> typed value, defaults filled in
    Column("parallelism", Integer, nullable=True),
    Column("experiment_name", String(255), nullable=True),
    Column("trial_name", String(255), nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    Column("end_time", Float, nullable=True),
    Column("stop_requested_time", Float, nullable=True),
    Column("runner_pid", Integer, nullable=True),
    Column("runner_start_ticks", BigInteger, nullable=True),
    Column("runner_spawn_time", Float, nullable=True),
    Column("runner_machine", String(255), nullable=True),
    Index("ix_pipeline_executions_pipeline", "pipeline_name", "creation_time"),
    Index("ix_pipeline_executions_status", "status"),
)

pipeline_steps = Table(
    "pipeline_steps",
    metadata,
    Column("execution_id", String(32), ForeignKey("pipeline_executions.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # Starting, Executing, Stopping, Stopped, Failed, Succeeded
    Column("attempt", Integer, nullable=False, default=1),
    Column("job_kind", String(16), nullable=True),  # training, processing, transform, tuning
    Column("job_name", String(63), nullable=True),  # the current attempt's job, recorded before it is submitted
    Column("start_time", Float, nullable=False),
    Column("end_time", Float, nullable=True),
    Column("retry_time", Float, nullable=True),  # when the next attempt starts (a retry policy's wait)
    Column("failure_reason", Text, nullable=True),
    Column("arguments", Text, nullable=False, default="{}"),  # the arguments as resolved for this run
    Column("metadata", Text, nullable=False, default="{}"),  # SageMaker's step Metadata
    Column("properties", Text, nullable=False, default="{}"),  # what later steps may reference (Steps.<name>...)
    Column("cache_key", String(64), nullable=True),
    Column("cache_source", Text, nullable=True),  # CacheHitResult.SourcePipelineExecutionArn
    Index("ix_pipeline_steps_cache", "cache_key", "status"),
    Index("ix_pipeline_steps_job", "job_name"),
)

# SageMaker's CreateModel resource: what a pipeline's ModelStep creates and a TransformStep names.
models = Table(
    "models",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("primary_container", Text, nullable=False, default="{}"),  # Image, ModelDataUrl, Environment
    Column("execution_role_arn", Text, nullable=True),
    Column("pipeline_execution_arn", Text, nullable=True),
    Column("creation_time", Float, nullable=False),
)

# Added by migration 0009_monitoring: Model Monitor (store/monitoring.py). A schedule keeps its
# job definition (baseline files, output, dataset format) and the time of its next run, which
# the monitoring scheduler (one per store, holding the lease `monitoring-scheduler`) advances
# in the transaction that records the run's execution; an execution names its processing job
# before the job is submitted, so a scheduler resumed after a crash submits it exactly once.
monitoring_schedules = Table(
    "monitoring_schedules",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("endpoint_name", String(63), nullable=False),
    Column("monitoring_type", String(32), nullable=False),  # DataQuality, ModelQuality
    Column("status", String(16), nullable=False),  # Pending, Scheduled, Stopped, Failed
    Column("schedule_expression", Text, nullable=False),  # cron(...) or NOW
    Column("analysis_start", String(32), nullable=True),  # DataAnalysisStartTime, e.g. -PT1H
    Column("analysis_end", String(32), nullable=True),
    Column("definition", Text, nullable=False, default="{}"),  # the job definition (baseline, output, format...)
    Column("tags", Text, nullable=False, default="{}"),
    Column("next_run_time", Float, nullable=True),  # None: no run due (stopped, or a NOW schedule that ran)
    Column("failure_reason", Text, nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    Index("ix_monitoring_schedules_endpoint", "endpoint_name"),
    Index("ix_monitoring_schedules_due", "status", "next_run_time"),
)

monitoring_executions = Table(
    "monitoring_executions",
    metadata,
    Column("job_name", String(63), primary_key=True),  # the processing job of the run
    Column("schedule_name", String(63), ForeignKey("monitoring_schedules.name", ondelete="CASCADE"), nullable=False),
    Column("scheduled_time", Float, nullable=False),
    Column("window_start", Float, nullable=False),
    Column("window_end", Float, nullable=False),
    Column("creation_time", Float, nullable=False),
    Column("submitted_time", Float, nullable=True),  # None until the job was submitted
    Column("failure_reason", Text, nullable=True),  # a run whose job could not be submitted
    Index("ix_monitoring_executions_schedule", "schedule_name", "scheduled_time"),
    Index("ix_monitoring_executions_pending", "submitted_time"),
)

# Added by migration 0010_async_inference: an asynchronous endpoint's requests, queued until
# its dispatcher claims them (store/async_queue.py). A claim names its owner and a lease that
# the owner renews; a request whose lease ran out (its dispatcher died) is claimable again.
# Not tied to the endpoints row by a foreign key: a request outlives a restart of its endpoint.
async_invocations = Table(
    "async_invocations",
    metadata,
    Column("endpoint_name", String(63), primary_key=True),
    Column("inference_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # arrival order (time in microseconds), what the queue is served by
    Column("status", String(16), nullable=False),  # Pending | InProgress | Completed | Failed
    Column("input_location", Text, nullable=False),
    Column("output_location", Text, nullable=False),
    Column("failure_location", Text, nullable=False),
    Column("request", Text, nullable=False),  # ContentType, Accept, CustomAttributes, InvocationTimeoutSeconds (JSON)
    Column("owner", String(255), nullable=True),
    Column("lease_expires_time", Float, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("creation_time", Float, nullable=False),
    Column("expires_time", Float, nullable=False),  # RequestTTLSeconds after creation
    Column("start_time", Float, nullable=True),
    Column("end_time", Float, nullable=True),
    Index("ix_async_invocations_queue", "endpoint_name", "status", "seq"),
)

# Added by migration 0010_async_inference too: alarms in CloudWatch's shape (PutMetricAlarm) over
# an endpoint's own figures; a guarded deployment evaluates them and records their state
# (store/alarms.py, serving/alarms.py).
metric_alarms = Table(
    "metric_alarms",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("definition", Text, nullable=False),  # PutMetricAlarm's parameters (JSON)
    Column("state", String(32), nullable=False),  # OK | ALARM | INSUFFICIENT_DATA
    Column("state_reason", Text, nullable=True),
    Column("state_value", Float, nullable=True),
    Column("state_updated_time", Float, nullable=False),
    Column("creation_time", Float, nullable=False),
)

# Added by migration 0011_automl: SageMaker Autopilot's AutoML jobs (store/automl.py). A job keeps
# its request, what its analysis resolved (problem type, objective, mode), its stage and its
# coordinator (a runner holding the lease `automl:<name>`); each candidate is one training job,
# its row written (with the point Optuna asked for) before the job is submitted.
automl_jobs = Table(
    "automl_jobs",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("status", String(16), nullable=False),  # InProgress, Stopping, Stopped, Failed, Completed
    Column("secondary_status", String(40), nullable=False),  # Starting, AnalyzingData, FeatureEngineering, ModelTuning...
    Column("failure_reason", Text, nullable=True),
    Column("request", Text, nullable=False, default="{}"),  # the checked request (automl/spec.py)
    Column("problem_type", String(32), nullable=True),
    Column("objective", String(32), nullable=True),
    Column("mode", String(32), nullable=True),
    Column("best_candidate", String(63), nullable=True),
    Column("analysis", Text, nullable=False, default="{}"),
    Column("artifacts", Text, nullable=False, default="{}"),  # the notebooks' locations
    Column("explanation", Text, nullable=False, default="{}"),  # the best candidate's feature importance
    Column("creation_time", Float, nullable=False),
    Column("last_modified_time", Float, nullable=False),
    Column("end_time", Float, nullable=True),
    Column("stop_requested_time", Float, nullable=True),
    Column("runner_pid", Integer, nullable=True),
    Column("runner_start_ticks", BigInteger, nullable=True),
    Column("runner_spawn_time", Float, nullable=True),
    Column("runner_machine", String(255), nullable=True),
    Index("ix_automl_jobs_creation", "creation_time"),
    Index("ix_automl_jobs_status", "status"),
)

automl_candidates = Table(
    "automl_candidates",
    metadata,
    Column("job_name", String(32), ForeignKey("automl_jobs.name", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("candidate_name", String(63), nullable=False, unique=True),  # its training job's name
    Column("algorithm", String(32), nullable=False),
    Column("params", Text, nullable=False, default="{}"),
    Column("state", String(16), nullable=False),  # Recorded (job not yet submitted), Submitted, Finished
    Column("objective", Float, nullable=True),  # the cross-validated objective, once finished
    Column("early_stopped", Boolean, nullable=False, default=False),
    Column("creation_time", Float, nullable=False),
    Column("finished_time", Float, nullable=True),
)
