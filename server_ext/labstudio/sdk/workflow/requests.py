"""A job's SDK object (estimator, processor, transformer, tuner, model) as the SageMaker request
a pipeline step holds: CreateTrainingJob, CreateProcessingJob, CreateTransformJob,
CreateHyperParameterTuningJob, CreateModel and CreateModelPackage arguments, pipeline
variables kept where they stand (they become expressions in the definition).

Local code is snapshotted into the home folder by content (`pipelines/code/<digest>/`), so a
pipeline started later runs the code as it was defined, as SageMaker's uploaded
``sourcedir.tar.gz`` does; local data paths become absolute ``file://`` URIs, since the runner
does not share the driver's working folder.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...algorithms import algorithm_of, metric_definitions
from ...jobs.contract import SNAPSHOT_IGNORE
from .. import storage
from ..inputs import DEFAULT_CHANNEL
from ..session import core_of
from .entities import PipelineVariable

if TYPE_CHECKING:
    from ...core import Core

PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/labstudio-local"
CODE_DIR = "/opt/ml/processing/input/code"


def image_of(obj: Any, framework: str = "python") -> Any:
    """The image a step names: the object's own image_uri, else a placeholder naming the framework."""
    given = getattr(obj, "image_uri", None) or getattr(obj, "_image_uri", None)
    return given if isinstance(given, (str, PipelineVariable)) and given else f"labstudio-local/{framework}:latest"


def role_of(obj: Any) -> Any:
    return getattr(obj, "role", None) or PLACEHOLDER_ROLE


def location(value: Any) -> Any:
    """A data location for a definition: pipeline variables and URLs as they are, local paths absolute (file://)."""
    if isinstance(value, PipelineVariable):
        return value
    text = os.fspath(value) if hasattr(value, "__fspath__") else value
    if not isinstance(text, str):
        raise ValueError(f"a data location must be a path, a URI or a pipeline variable, got {type(value).__name__}")
    if "://" in text and not text.startswith("file://"):
        return text
    return storage.as_uri(text)


def snapshot_code(core: Core, source_dir: str | None, entry_point: str, dependencies: Sequence[str] = ()) -> tuple[str, str]:
    """(file:// URI of the code's snapshot folder, the entry point inside it). The snapshot is
    named by its content: defining the pipeline again with the same code makes no new copy."""
    from ...lineage.fingerprint import fingerprint
    from ..staging import staged_source

    root = core.settings.home / "pipelines" / "code"
    root.mkdir(parents=True, exist_ok=True)
    with staged_source(source_dir, entry_point, dependencies) as (staged_dir, entry):
        cwd = Path.cwd()
        work = root / f".incoming-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            if staged_dir is not None:
                folder = (cwd / Path(staged_dir).expanduser()).resolve()
                if not folder.is_dir():
                    raise ValueError(f"source_dir {folder} is not a folder")
                if not (folder / entry).is_file():
                    raise ValueError(f"entry_point {entry!r} was not found in source_dir {folder}")
                shutil.copytree(folder, work, ignore=SNAPSHOT_IGNORE, symlinks=True)
                program = entry
            else:
                script = (cwd / Path(entry).expanduser()).resolve()
                if not script.is_file():
                    raise ValueError(f"entry_point {script} does not exist or is not a file")
                work.mkdir()
                shutil.copy2(script, work / script.name)
                program = script.name
            digest = (fingerprint(str(work)).value or secrets.token_hex(16)).split(":", 1)[1][:24]
            target = root / digest
            if target.is_dir():
                shutil.rmtree(work, ignore_errors=True)
            else:
                try:
                    os.replace(work, target)
                except OSError:
                    shutil.rmtree(work, ignore_errors=True)  # another process made the same snapshot
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return f"file://{target}", program


def _hyperparameter(value: Any, script_mode: bool) -> Any:
    """SageMaker's encoding: JSON strings in script mode, plain strings for built-in algorithms;
    a pipeline variable as a string expression."""
    if isinstance(value, PipelineVariable):
        return value.to_string()
    if script_mode:
        return json.dumps(value)
    return value if isinstance(value, str) else json.dumps(value)


def _channels(inputs: Any) -> list[dict[str, Any]]:
    """InputDataConfig of fit()'s inputs: a location, a TrainingInput, or a dict of channel -> either."""
    if inputs is None:
        return []
    items = inputs.items() if isinstance(inputs, Mapping) else [(DEFAULT_CHANNEL, inputs)]
    out = []
    for name, value in items:
        config = getattr(value, "config", None)
        if isinstance(config, Mapping):
            entry = _copy(config)
            source = (entry.get("DataSource") or {}).get("S3DataSource") or {}
            if "S3Uri" in source:
                source["S3Uri"] = location(source["S3Uri"])
        else:
            entry = {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": location(value),
                                                     "S3DataDistributionType": "FullyReplicated"}}}
        out.append({"ChannelName": str(name), **entry})
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def training_args(estimator: Any, inputs: Any) -> dict[str, Any]:
    """CreateTrainingJob's arguments of `estimator.fit(inputs)`."""
    core = core_of(estimator.sagemaker_session)
    algorithm = getattr(estimator, "_algorithm", None)
    hps = estimator.hyperparameters()
    if algorithm is None:
        code_uri, program = snapshot_code(core, estimator.source_dir, estimator.entry_point, estimator.dependencies)
        encoded = {str(k): _hyperparameter(v, True) for k, v in hps.items()}
        encoded.update({
            "sagemaker_program": json.dumps(program),
            "sagemaker_submit_directory": json.dumps(code_uri),
            "sagemaker_container_log_level": "20",
            "sagemaker_region": json.dumps(estimator.sagemaker_session.boto_region_name),
        })
        metrics = list(estimator.metric_definitions)
    else:
        encoded = {str(k): _hyperparameter(v, False) for k, v in hps.items()}
        metrics = [m for m in estimator.metric_definitions if m not in metric_definitions(algorithm)]
    spec: dict[str, Any] = {"TrainingImage": image_of(estimator, algorithm or "python"), "TrainingInputMode": "File"}
    if metrics:
        spec["MetricDefinitions"] = metrics
    args: dict[str, Any] = {
        "AlgorithmSpecification": spec,
        "RoleArn": role_of(estimator),
        "ResourceConfig": {"InstanceType": estimator.instance_type, "InstanceCount": estimator.instance_count, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": estimator.max_run or 86400},
        "HyperParameters": encoded,
    }
    channels = _channels(inputs)
    if channels:
        args["InputDataConfig"] = channels
    if estimator.output_path:
        args["OutputDataConfig"] = {"S3OutputPath": location(estimator.output_path)}
    if estimator.environment:
        args["Environment"] = dict(estimator.environment)
    return args


def _processing_inputs(inputs: Sequence[Any] | None) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(inputs or []):
        out.append({
            "InputName": item.input_name or f"input-{i + 1}",
            "AppManaged": False,
            "S3Input": {"S3Uri": location(item.source), "LocalPath": item.destination, "S3DataType": item.s3_data_type,
                        "S3InputMode": "File", "S3DataDistributionType": item.s3_data_distribution_type, "S3CompressionType": "None"},
        })
    return out


def _processing_outputs(outputs: Sequence[Any] | None) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(outputs or []):
        s3: dict[str, Any] = {"LocalPath": item.source, "S3UploadMode": item.s3_upload_mode}
        if item.destination is not None:
            s3["S3Uri"] = location(item.destination)
        out.append({"OutputName": item.output_name or f"output-{i + 1}", "AppManaged": False, "S3Output": s3})
    return out


def processing_args(processor: Any, inputs: Any, outputs: Any, arguments: Any, code: str | None = None,
                    source_dir: str | None = None, dependencies: Sequence[str] = ()) -> dict[str, Any]:
    """CreateProcessingJob's arguments of `processor.run(...)`: a script (`code`) becomes the
    `code` input and the last word of the entry point, as SageMaker's ScriptProcessor does."""
    core = core_of(processor.sagemaker_session)
    processing_inputs = _processing_inputs(inputs)
    if code is not None:
        code_uri, program = snapshot_code(core, source_dir, code, dependencies)
        command = list(getattr(processor, "command", None) or ["python3"])
        entrypoint = command + [f"{CODE_DIR}/{program}"]
        source = code_uri if source_dir is not None or dependencies else f"{code_uri}/{program}"
        processing_inputs.append({
            "InputName": "code", "AppManaged": False,
            "S3Input": {"S3Uri": source, "LocalPath": CODE_DIR, "S3DataType": "S3Prefix", "S3InputMode": "File",
                        "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"},
        })
    else:
        entrypoint = list(processor.entrypoint or [])
    app: dict[str, Any] = {"ImageUri": image_of(processor), "ContainerEntrypoint": entrypoint}
    if arguments:
        app["ContainerArguments"] = [a if isinstance(a, PipelineVariable) else str(a) for a in arguments]
    args: dict[str, Any] = {
        "ProcessingResources": {"ClusterConfig": {"InstanceType": processor.instance_type, "InstanceCount": processor.instance_count,
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": app,
        "RoleArn": role_of(processor),
        "ProcessingInputs": processing_inputs,
    }
    processing_outputs = _processing_outputs(outputs)
    if processing_outputs:
        args["ProcessingOutputConfig"] = {"Outputs": processing_outputs}
    if processor.env:
        args["Environment"] = dict(processor.env)
    if processor.max_runtime_in_seconds:
        args["StoppingCondition"] = {"MaxRuntimeInSeconds": processor.max_runtime_in_seconds}
    return args


def transform_args(transformer: Any, data: Any, content_type: Any, compression_type: Any, split_type: Any, input_filter: Any,
                   output_filter: Any, join_source: Any) -> dict[str, Any]:
    """CreateTransformJob's arguments of `transformer.transform(data, ...)`."""
    if transformer.model_name is None:
        raise ValueError("a TransformStep's Transformer needs model_name: a ModelStep's properties.ModelName")
    transform_input: dict[str, Any] = {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": location(data)}},
        "CompressionType": compression_type or "None",
    }
    if content_type is not None:
        transform_input["ContentType"] = content_type
    if split_type is not None:
        transform_input["SplitType"] = split_type
    output: dict[str, Any] = {"S3OutputPath": location(transformer.output_path)}
    if transformer.accept is not None:
        output["Accept"] = transformer.accept
    if transformer.assemble_with is not None:
        output["AssembleWith"] = transformer.assemble_with
    args: dict[str, Any] = {
        "ModelName": transformer.model_name,
        "TransformInput": transform_input,
        "TransformOutput": output,
        "TransformResources": {"InstanceCount": transformer.instance_count, "InstanceType": transformer.instance_type},
    }
    for key, value in (("BatchStrategy", transformer.strategy), ("MaxConcurrentTransforms", transformer.max_concurrent_transforms),
                       ("MaxPayloadInMB", transformer.max_payload)):
        if value is not None:
            args[key] = value
    if transformer.env:
        args["Environment"] = dict(transformer.env)
    processing = {k: v for k, v in (("InputFilter", input_filter), ("OutputFilter", output_filter), ("JoinSource", join_source)) if v is not None}
    if processing:
        args["DataProcessing"] = processing
    return args


def tuning_args(tuner: Any, inputs: Any) -> dict[str, Any]:
    """CreateHyperParameterTuningJob's arguments of `tuner.fit(inputs)`."""
    training = training_args(tuner.estimator, inputs)
    static = {k: v for k, v in training["HyperParameters"].items() if k not in tuner._hyperparameter_ranges}
    spec = dict(training["AlgorithmSpecification"])
    metrics = tuner._all_metric_definitions()
    if getattr(tuner.estimator, "_algorithm", None) is not None:
        builtin = metric_definitions(tuner.estimator._algorithm)
        metrics = [m for m in metrics if m not in builtin]
    if metrics:
        spec["MetricDefinitions"] = metrics
    else:
        spec.pop("MetricDefinitions", None)
    definition: dict[str, Any] = {
        "StaticHyperParameters": static,
        "AlgorithmSpecification": spec,
        "RoleArn": training["RoleArn"],
        "ResourceConfig": training["ResourceConfig"],
        "StoppingCondition": training["StoppingCondition"],
    }
    for key in ("InputDataConfig", "OutputDataConfig", "Environment"):
        if key in training:
            definition[key] = training[key]
    limits: dict[str, Any] = {"MaxParallelTrainingJobs": tuner.max_parallel_jobs}
    if tuner.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = tuner.max_jobs
    if tuner.max_runtime_in_seconds is not None:
        limits["MaxRuntimeInSeconds"] = tuner.max_runtime_in_seconds
    config: dict[str, Any] = {
        "Strategy": tuner.strategy,
        "HyperParameterTuningJobObjective": {"Type": tuner.objective_type, "MetricName": tuner.objective_metric_name},
        "ResourceLimits": limits,
        "ParameterRanges": tuner.hyperparameter_ranges(),
        "TrainingJobEarlyStoppingType": tuner.early_stopping_type,
    }
    if tuner.random_seed is not None:
        config["RandomSeed"] = tuner.random_seed
    return {"HyperParameterTuningJobConfig": config, "TrainingJobDefinition": definition}


def container_environment(model: Any) -> dict[str, Any]:
    """A model container's Environment: its own, plus the inference script and its code snapshot."""
    env: dict[str, Any] = dict(model.env or {})
    if model.entry_point:
        core = core_of(model.sagemaker_session)
        code_uri, program = snapshot_code(core, model.source_dir, model.entry_point, getattr(model, "dependencies", None) or ())
        env.update({"SAGEMAKER_PROGRAM": program, "SAGEMAKER_SUBMIT_DIRECTORY": code_uri, "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
                    "SAGEMAKER_REGION": model.sagemaker_session.boto_region_name})
    return env


def model_args(model: Any) -> dict[str, Any]:
    """CreateModel's arguments of `model.create()`."""
    container: dict[str, Any] = {"Image": image_of(model), "Environment": container_environment(model), "ModelDataUrl": location(model.model_data)}
    args: dict[str, Any] = {"ExecutionRoleArn": role_of(model), "PrimaryContainer": container}
    if model.name:
        args["ModelName"] = model.name
    return args


def package_args(model: Any, *, content_types: Any = None, response_types: Any = None, inference_instances: Any = None,
                 transform_instances: Any = None, model_package_group_name: Any = None, model_metrics: Any = None,
                 metadata_properties: Any = None, approval_status: Any = None, description: Any = None,
                 customer_metadata_properties: Any = None, **kwargs: Any) -> dict[str, Any]:
    """CreateModelPackage's arguments of `model.register(...)` (a ModelStep that registers)."""
    from ..model_package import _metadata_properties, _metrics

    container = {"Image": image_of(model), "ModelDataUrl": location(model.model_data), "Environment": container_environment(model)}
    spec: dict[str, Any] = {"Containers": [container]}
    for key, value in (("SupportedContentTypes", content_types), ("SupportedResponseMIMETypes", response_types),
                       ("SupportedRealtimeInferenceInstanceTypes", inference_instances), ("SupportedTransformInstanceTypes", transform_instances)):
        if value is not None:
            spec[key] = list(value) if isinstance(value, (list, tuple)) else [value]
    body: dict[str, Any] = {
        "ModelPackageGroupName": model_package_group_name or "ModelPackage",
        "InferenceSpecification": spec,
        "ModelApprovalStatus": approval_status or "PendingManualApproval",
    }
    if description is not None:
        body["ModelPackageDescription"] = description
    metrics = _metrics(model_metrics)
    if metrics:
        body["ModelMetrics"] = metrics
    if customer_metadata_properties:
        body["CustomerMetadataProperties"] = dict(customer_metadata_properties)
    if metadata_properties is not None:
        body["MetadataProperties"] = _metadata_properties(metadata_properties)
    for name, key in (("domain", "Domain"), ("task", "Task"), ("sample_payload_url", "SamplePayloadUrl"), ("source_uri", "SourceUri")):
        if kwargs.get(name) is not None:
            body[key] = kwargs[name]
    return body


def builtin_algorithm(model: Any) -> str | None:
    return algorithm_of(getattr(model, "image_uri", None))


__all__ = ["model_args", "processing_args", "snapshot_code", "training_args", "transform_args", "tuning_args"]
