"""Pipeline steps as ordinary jobs: a job step's SageMaker request (CreateTrainingJob,
CreateProcessingJob, CreateTransformJob, CreateHyperParameterTuningJob arguments, already
resolved) becomes the create request of that kind's service, and the job is followed, stopped
and described through that service, like any job the panel, the CLI or the SDK starts.

Locations are made local first: a `file://` URI becomes its path, and `s3://<bucket>/...` of a
bucket kept in the artifact store (sdk/storage.localize) becomes its place there. A script
step's code is where its SDK put it (`sagemaker_submit_directory`, the `code` processing
input): a folder or file, or a `sourcedir.tar.gz` that is unpacked once into the home folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import arns
from ..algorithms import algorithm_of, metric_definitions, trainer
from ..answer import to_json
from ..errors import Invalid, NameTaken, NotFound
from ..jobs.layout import END_FILE
from ..jobs.spec import RESERVED_HYPERPARAMETERS
from ..sdk import storage

if TYPE_CHECKING:
    from ..core import Core

# Where SageMaker's ScriptProcessor puts the script (the `code` input) in a processing job.
PROCESSING_CODE_DIR = "/opt/ml/processing/input/code"
METADATA_KEYS = {"training": "TrainingJob", "processing": "ProcessingJob", "transform": "TransformJob", "tuning": "TuningJob"}
NAME_LIMITS = {"training": 63, "processing": 63, "transform": 63, "tuning": 32}
# SageMaker fields of a step's request that only matter on AWS: accepted in a definition, not used.
_AWS_ONLY = ("RoleArn", "VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining",
             "CheckpointConfig", "DebugHookConfig", "DebugRuleConfigurations", "TensorBoardOutputConfig", "ProfilerConfig",
             "ProfilerRuleConfigurations", "RetryStrategy", "NetworkConfig", "Tags", "ExperimentConfig", "ExecutionRoleArn")
_PACKAGE_AWS_ONLY = ("DriftCheckBaselines", "SkipModelValidation", "ValidationSpecification", "SourceAlgorithmSpecification", "Tags",
                     "ModelCard", "ModelLifeCycle", "SecurityConfig", "ClientToken", "ModelPackageName")


def job_name(step: str, execution_id: str, attempt: int, kind: str) -> str:
    """A job name unique to (execution, step, attempt) and valid for the kind: the step's name
    (letters, digits and hyphens), then the execution id, then the attempt after the first."""
    suffix = f"-{execution_id}" + (f"-{attempt}" if attempt > 1 else "")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", step).strip("-") or "step"
    room = NAME_LIMITS.get(kind, 63) - len(suffix)
    return stem[:room].rstrip("-") + suffix


def _decoded(value: Any) -> Any:
    """A hyperparameter as SageMaker's script mode sends it (JSON-encoded strings), decoded."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _get(tree: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(tree, Mapping):
            return None
        tree = tree.get(key)
    return tree


class StepJobs:
    """The job services behind job steps, seen through SageMaker's request shapes."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings

    def service(self, kind: str) -> Any:
        return {"training": self.core.jobs, "processing": self.core.processing, "transform": self.core.transforms, "tuning": self.core.tuning}[kind]

    # -- locations -------------------------------------------------------------------------------

    def local(self, uri: Any, field: str) -> str:
        """A location as the job services take it: a local path, or a remote URL."""
        if not isinstance(uri, str) or not uri.strip():
            raise Invalid(f"{field} must be a location (a path or URI), got {uri!r}.", field=field)
        value = storage.localize(uri.strip(), self.settings.artifact_uri)
        if value.startswith("file://"):
            return value[len("file://"):]
        return value

    def code_folder(self, uri: Any, field: str) -> str:
        """The code a step runs, as a local folder or file: a `sourcedir.tar.gz` is unpacked once
        (by content) under the home folder; a folder or script is used where it is."""
        location = self.local(uri, field)
        if "://" in location:
            raise Invalid(f"{field}: the code at {location} is not local; labstudio runs code from local folders.", field=field)
        path = Path(location)
        if not path.exists():
            raise Invalid(f"{field}: the code {path} does not exist (was it deleted after the pipeline was defined?).", field=field)
        if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
            target = self.settings.home / "pipelines" / "code" / f"unpacked-{digest}"
            if not target.is_dir():
                partial = target.with_name(target.name + f".{os.getpid()}")
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir(parents=True)
                with tarfile.open(path) as archive:
                    archive.extractall(partial, filter="data")
                try:
                    os.replace(partial, target)
                except OSError:
                    shutil.rmtree(partial, ignore_errors=True)  # another process unpacked it first
            return str(target)
        return str(path)

    # -- requests --------------------------------------------------------------------------------

    def request(self, kind: str, args: Mapping[str, Any], name: str, *, experiment: str | None, trial: str | None,
                tags: Mapping[str, str], where: str = "Arguments") -> dict[str, Any]:
        """The kind's create request for a step's resolved arguments. Raises Invalid naming the field."""
        if kind == "training":
            request = self.training_request(args, where)
            request.update(name=name, tags={**request.get("tags", {}), **tags})
            if experiment:
                request["experiment_name"] = experiment
            if trial:
                request["trial_name"] = trial
            return request
        if kind == "processing":
            request = self.processing_request(args, where)
        elif kind == "transform":
            request = self.transform_request(args, where)
        else:
            request = self.tuning_request(args, where)
            request.update(name=name, tags=dict(tags))
            if experiment:
                request["experiment_name"] = experiment
            return request
        request.update(name=name, tags=dict(tags))
        if kind == "processing":
            if experiment:
                request["experiment_name"] = experiment
            if trial:
                request["trial_name"] = trial
        return request

    def training_request(self, args: Mapping[str, Any], where: str) -> dict[str, Any]:
        hps = dict(args.get("HyperParameters") or {})
        algorithm_spec = args.get("AlgorithmSpecification") or {}
        program = _decoded(hps.get("sagemaker_program"))
        request: dict[str, Any] = {}
        if program:
            submit = _decoded(hps.get("sagemaker_submit_directory"))
            if not submit:
                raise Invalid(f"{where}.HyperParameters.sagemaker_submit_directory is missing: where is {program!r}?",
                              field=f"{where}.HyperParameters.sagemaker_submit_directory")
            code = self.code_folder(submit, f"{where}.HyperParameters.sagemaker_submit_directory")
            request["entry_point"] = str(program)
            request["source_dir"] = code if os.path.isdir(code) else os.path.dirname(code)
            request["hyperparameters"] = {k: _decoded(v) for k, v in hps.items() if k not in RESERVED_HYPERPARAMETERS and not k.startswith("sagemaker_")}
            definitions = list(algorithm_spec.get("MetricDefinitions") or [])
        else:
            image = algorithm_spec.get("TrainingImage")
            algorithm = algorithm_of(image)
            if algorithm is None:
                raise Invalid(
                    f"{where} runs no script (HyperParameters has no sagemaker_program) and its image {image!r} is not a built-in "
                    "algorithm labstudio runs (xgboost): give the estimator an entry_point.",
                    field=f"{where}.AlgorithmSpecification.TrainingImage",
                )
            request["source_dir"], request["entry_point"] = trainer(algorithm)
            request["hyperparameters"] = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in hps.items() if not k.startswith("sagemaker_")}
            request["install_requirements"] = False
            definitions = list(algorithm_spec.get("MetricDefinitions") or []) or metric_definitions(algorithm)
        if definitions:
            request["metric_definitions"] = [{"Name": d.get("Name"), "Regex": d.get("Regex")} for d in definitions if isinstance(d, Mapping)]
        channels: dict[str, str] = {}
        types: dict[str, str] = {}
        for i, channel in enumerate(args.get("InputDataConfig") or []):
            field = f"{where}.InputDataConfig[{i}]"
            name = _get(channel, "ChannelName")
            uri = _get(channel, "DataSource", "S3DataSource", "S3Uri") or _get(channel, "DataSource", "FileDataSource", "FileUri")
            if not isinstance(name, str) or not name:
                raise Invalid(f"{field} needs a ChannelName.", field=f"{field}.ChannelName")
            channels[name] = self.local(uri, f"{field}.DataSource.S3DataSource.S3Uri")
            if isinstance(channel.get("ContentType"), str) and channel["ContentType"]:
                types[name] = channel["ContentType"]
        if channels:
            request["channels"] = channels
        if types:
            request["content_types"] = types
        output = _get(args, "OutputDataConfig", "S3OutputPath")
        if isinstance(output, str) and output.strip():
            request["output_path"] = self.local(output, f"{where}.OutputDataConfig.S3OutputPath")
        runtime = _get(args, "StoppingCondition", "MaxRuntimeInSeconds")
        if runtime is not None:
            request["max_runtime_seconds"] = int(runtime)
        count = _get(args, "ResourceConfig", "InstanceCount")
        if count not in (None, 1):
            request["instance_count"] = int(count)
        if args.get("Environment"):
            request["environment"] = {str(k): str(v) for k, v in dict(args["Environment"]).items()}
        return request

    def processing_request(self, args: Mapping[str, Any], where: str) -> dict[str, Any]:
        app = args.get("AppSpecification") or {}
        entrypoint = [str(w) for w in (app.get("ContainerEntrypoint") or [])]
        request: dict[str, Any] = {"arguments": [str(a) for a in (app.get("ContainerArguments") or [])]}
        inputs: list[dict[str, Any]] = []
        code: tuple[str, str] | None = None
        for i, item in enumerate(args.get("ProcessingInputs") or []):
            field = f"{where}.ProcessingInputs[{i}]"
            name = _get(item, "InputName")
            destination = _get(item, "S3Input", "LocalPath")
            uri = _get(item, "S3Input", "S3Uri")
            if (name == "code" and destination == PROCESSING_CODE_DIR and entrypoint
                    and entrypoint[-1].startswith(PROCESSING_CODE_DIR + "/")):
                code = (self.code_folder(uri, f"{field}.S3Input.S3Uri"), entrypoint[-1][len(PROCESSING_CODE_DIR) + 1:])
                continue
            if not isinstance(destination, str) or not destination:
                raise Invalid(f"{field} needs S3Input.LocalPath (a folder under /opt/ml/processing/).", field=f"{field}.S3Input.LocalPath")
            entry: dict[str, Any] = {"source": self.local(uri, f"{field}.S3Input.S3Uri"), "destination": destination}
            if name:
                entry["input_name"] = str(name)
            inputs.append(entry)
        if code is not None:
            folder, script = code
            if os.path.isdir(folder):
                request["source_dir"], request["code"] = folder, script
            else:
                request["code"] = folder
            request["command"] = entrypoint[:-1] or ["python3"]
        elif entrypoint:
            request["entrypoint"] = entrypoint
        else:
            raise Invalid(f"{where}.AppSpecification.ContainerEntrypoint is empty: the step has nothing to run.",
                          field=f"{where}.AppSpecification.ContainerEntrypoint")
        outputs: list[dict[str, Any]] = []
        for i, item in enumerate(_get(args, "ProcessingOutputConfig", "Outputs") or []):
            field = f"{where}.ProcessingOutputConfig.Outputs[{i}]"
            source = _get(item, "S3Output", "LocalPath")
            if not isinstance(source, str) or not source:
                raise Invalid(f"{field} needs S3Output.LocalPath (the folder the script writes).", field=f"{field}.S3Output.LocalPath")
            entry = {"source": source}
            uri = _get(item, "S3Output", "S3Uri")
            if isinstance(uri, str) and uri.strip():
                entry["destination"] = self.local(uri, f"{field}.S3Output.S3Uri")
            if item.get("OutputName"):
                entry["output_name"] = str(item["OutputName"])
            outputs.append(entry)
        request["inputs"], request["outputs"] = inputs, outputs
        if args.get("Environment"):
            request["environment"] = {str(k): str(v) for k, v in dict(args["Environment"]).items()}
        runtime = _get(args, "StoppingCondition", "MaxRuntimeInSeconds")
        if runtime is not None:
            request["max_runtime_seconds"] = int(runtime)
        return request

    def transform_request(self, args: Mapping[str, Any], where: str) -> dict[str, Any]:
        from ..store import pipelines as store

        model_name = args.get("ModelName")
        with self.core.db.read() as conn:
            model = store.get_model(conn, str(model_name)) if isinstance(model_name, str) else None
        if model is None:
            raise Invalid(f"{where}.ModelName {model_name!r} is not a model: create it first (a ModelStep with model.create()).",
                          field=f"{where}.ModelName")
        container = model.primary_container
        env = {str(k): str(v) for k, v in dict(container.get("Environment") or {}).items()}
        program = env.pop("SAGEMAKER_PROGRAM", None)
        submit = env.pop("SAGEMAKER_SUBMIT_DIRECTORY", None)
        for key in ("SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_REGION"):
            env.pop(key, None)
        request: dict[str, Any] = {
            "model": self.local(container.get("ModelDataUrl"), f"model {model.name}'s PrimaryContainer.ModelDataUrl"),
            "model_name": model.name,
            "input": self.local(_get(args, "TransformInput", "DataSource", "S3DataSource", "S3Uri"),
                                f"{where}.TransformInput.DataSource.S3DataSource.S3Uri"),
            "output_path": self.local(_get(args, "TransformOutput", "S3OutputPath"), f"{where}.TransformOutput.S3OutputPath"),
        }
        if program:
            request["entry_point"] = program
            if submit:
                request["source_dir"] = self.code_folder(submit, f"model {model.name}'s SAGEMAKER_SUBMIT_DIRECTORY")
        optional = {
            "content_type": _get(args, "TransformInput", "ContentType"),
            "split_type": _get(args, "TransformInput", "SplitType"),
            "compression_type": _get(args, "TransformInput", "CompressionType"),
            "accept": _get(args, "TransformOutput", "Accept"),
            "assemble_with": _get(args, "TransformOutput", "AssembleWith"),
            "strategy": args.get("BatchStrategy"),
            "max_payload": args.get("MaxPayloadInMB"),
            "max_concurrent_transforms": args.get("MaxConcurrentTransforms"),
            "input_filter": _get(args, "DataProcessing", "InputFilter"),
            "output_filter": _get(args, "DataProcessing", "OutputFilter"),
            "join_source": _get(args, "DataProcessing", "JoinSource"),
        }
        request.update({k: v for k, v in optional.items() if v is not None})
        env.update({str(k): str(v) for k, v in dict(args.get("Environment") or {}).items()})
        if env:
            request["environment"] = env
        return request

    def tuning_request(self, args: Mapping[str, Any], where: str) -> dict[str, Any]:
        config = args.get("HyperParameterTuningJobConfig") or {}
        definition = args.get("TrainingJobDefinition")
        if not isinstance(definition, Mapping):
            raise Invalid(f"{where}.TrainingJobDefinition is missing: the tuning step has no training to tune.", field=f"{where}.TrainingJobDefinition")
        training = self.training_request(
            {
                "HyperParameters": definition.get("StaticHyperParameters") or {},
                "AlgorithmSpecification": definition.get("AlgorithmSpecification") or {},
                "InputDataConfig": definition.get("InputDataConfig") or [],
                "OutputDataConfig": definition.get("OutputDataConfig") or {},
                "StoppingCondition": definition.get("StoppingCondition") or {},
                "ResourceConfig": definition.get("ResourceConfig") or {},
                "Environment": definition.get("Environment") or {},
            },
            f"{where}.TrainingJobDefinition",
        )
        ranges: dict[str, Any] = {}
        given = config.get("ParameterRanges") or {}
        for key, kind in (("IntegerParameterRanges", "Integer"), ("ContinuousParameterRanges", "Continuous")):
            for item in given.get(key) or []:
                ranges[item["Name"]] = {"type": kind, "min_value": float(item["MinValue"]), "max_value": float(item["MaxValue"]),
                                        "scaling_type": item.get("ScalingType") or "Auto"}
                if kind == "Integer":
                    ranges[item["Name"]]["min_value"] = int(float(item["MinValue"]))
                    ranges[item["Name"]]["max_value"] = int(float(item["MaxValue"]))
        for item in given.get("CategoricalParameterRanges") or []:
            ranges[item["Name"]] = {"type": "Categorical", "values": list(item.get("Values") or [])}
        objective = config.get("HyperParameterTuningJobObjective") or {}
        limits = config.get("ResourceLimits") or {}
        request: dict[str, Any] = {
            "training": training,
            "objective_metric_name": objective.get("MetricName"),
            "objective_type": objective.get("Type") or "Maximize",
            "hyperparameter_ranges": ranges,
            "strategy": config.get("Strategy") or "Bayesian",
            "max_parallel_jobs": int(limits.get("MaxParallelTrainingJobs") or 1),
            "early_stopping_type": config.get("TrainingJobEarlyStoppingType") or "Off",
        }
        if limits.get("MaxNumberOfTrainingJobs") is not None:
            request["max_jobs"] = int(limits["MaxNumberOfTrainingJobs"])
        if limits.get("MaxRuntimeInSeconds") is not None:
            request["max_runtime_in_seconds"] = int(limits["MaxRuntimeInSeconds"])
        if config.get("RandomSeed") is not None:
            request["random_seed"] = int(config["RandomSeed"])
        return request

    def package_request(self, args: Mapping[str, Any], where: str) -> dict[str, Any]:
        """CreateModelPackage's request with local locations (and the group created when missing)."""
        body = {k: v for k, v in args.items() if k not in _PACKAGE_AWS_ONLY}
        spec = body.get("InferenceSpecification")
        if isinstance(spec, Mapping):
            containers = []
            for i, item in enumerate(spec.get("Containers") or []):
                container = dict(item)
                field = f"{where}.InferenceSpecification.Containers[{i}]"
                if container.get("ModelDataUrl") is not None:
                    container["ModelDataUrl"] = self.local(container["ModelDataUrl"], f"{field}.ModelDataUrl")
                env = dict(container.get("Environment") or {})
                if env.get("SAGEMAKER_SUBMIT_DIRECTORY"):
                    env["SAGEMAKER_SUBMIT_DIRECTORY"] = self.code_folder(env["SAGEMAKER_SUBMIT_DIRECTORY"], f"{field}.Environment.SAGEMAKER_SUBMIT_DIRECTORY")
                for key in ("SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_REGION"):
                    env.pop(key, None)
                container["Environment"] = {str(k): str(v) for k, v in env.items()}
                for key in ("ModelDataSource", "Framework", "FrameworkVersion", "NearestModelName", "AdditionalS3DataSource",
                            "ModelInput", "ContainerHostname", "ImageDigest", "ProductId", "IsCheckpoint", "BaseModel"):
                    container.pop(key, None)
                containers.append(container)
            body["InferenceSpecification"] = {**dict(spec), "Containers": containers}
        body["CreateGroup"] = True
        return body

    def model_container(self, args: Mapping[str, Any], where: str) -> dict[str, Any]:
        """CreateModel's PrimaryContainer, with a local ModelDataUrl that exists."""
        if args.get("Containers"):
            raise Invalid(f"{where}.Containers: a model of several containers (PipelineModel) is not available locally; "
                          "create one model per step.", field=f"{where}.Containers")
        container = args.get("PrimaryContainer")
        if not isinstance(container, Mapping):
            raise Invalid(f"{where}.PrimaryContainer is missing: the model's ModelDataUrl and Environment.", field=f"{where}.PrimaryContainer")
        out = dict(container)
        data = self.local(container.get("ModelDataUrl"), f"{where}.PrimaryContainer.ModelDataUrl")
        if "://" not in data and not os.path.exists(data):
            raise Invalid(f"{where}.PrimaryContainer.ModelDataUrl {data} does not exist.", field=f"{where}.PrimaryContainer.ModelDataUrl")
        out["ModelDataUrl"] = data
        env = dict(container.get("Environment") or {})
        if env.get("SAGEMAKER_SUBMIT_DIRECTORY"):
            env["SAGEMAKER_SUBMIT_DIRECTORY"] = self.code_folder(env["SAGEMAKER_SUBMIT_DIRECTORY"], f"{where}.PrimaryContainer.Environment.SAGEMAKER_SUBMIT_DIRECTORY")
        out["Environment"] = {str(k): str(v) for k, v in env.items()}
        return out

    # -- the job ---------------------------------------------------------------------------------

    def submit(self, kind: str, request: dict[str, Any]) -> None:
        """Start the job; NameTaken when it exists already (a predecessor submitted it)."""
        self.service(kind).submit(request)

    def clear_leftover(self, kind: str, name: str) -> None:
        """A folder a runner that died half-way through submitting left, which no job row names."""
        if kind == "tuning":
            from ..tuning.service import tuning_dir

            folder = tuning_dir(self.settings, name)
            if folder.is_dir() and not self.exists(kind, name):
                shutil.rmtree(folder, ignore_errors=True)
            return
        layout = self.core.jobs.layout(name)
        if layout.job_dir.exists() and not self.exists(kind, name) and not layout.pid_file.exists():
            shutil.rmtree(layout.job_dir, ignore_errors=True)

    def exists(self, kind: str, name: str) -> bool:
        try:
            self.service(kind).get(name)
        except NotFound:
            return False
        return True

    def state(self, kind: str, name: str) -> tuple[str, str | None] | None:
        """(status, failure reason) of the job, or None when it does not exist."""
        try:
            job = self.service(kind).get(name)
        except NotFound:
            return None
        return job.status, job.failure_reason

    def end_marker(self, kind: str, name: str) -> Path | None:
        """The file the job's supervisor (a tuning step: its tuner) leaves once its end is in
        the store, for the runner's waits to wake on; None for a name that is not a job's."""
        try:
            if kind == "tuning":
                from ..tuning.service import tuning_dir

                return tuning_dir(self.settings, name) / END_FILE
            return Path(self.service(kind).layout(name).end_file)
        except NotFound:
            return None

    def ensure_started(self, kind: str, name: str) -> None:
        """A job its dead predecessor recorded but never started gets its supervisor (tuning: its tuner)."""
        try:
            if kind == "tuning":
                self.core.tuning.check(name)
            else:
                self.service(kind).ensure_started(name)
        except NotFound:
            pass

    def check(self, kind: str, name: str) -> None:
        try:
            self.service(kind).check(name)
        except NotFound:
            pass

    def stop(self, kind: str, name: str) -> None:
        from ..errors import Conflict

        try:
            self.service(kind).stop(name)
        except (Conflict, NotFound):
            pass  # it ended meanwhile

    def metadata(self, kind: str, name: str) -> dict[str, Any]:
        arn = arns.tuning_job_arn(name) if kind == "tuning" else arns.job_arn(kind, name)
        return {METADATA_KEYS[kind]: {"Arn": arn}}

    def properties(self, kind: str, name: str, property_files: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
        """What later steps may reference: the job's describe answer (a processing step's
        outputs also by name, and its property files read; a tuning step's trials best first)."""
        described: dict[str, Any] = dict(to_json(self.service(kind).describe(name)))
        if kind == "tuning":
            objective = _get(described, "HyperParameterTuningJobConfig", "HyperParameterTuningJobObjective", "Type")
            trials = self.core.tuning.training_jobs(name, sort_by="FinalObjectiveMetricValue",
                                                    sort_order="Ascending" if objective == "Minimize" else "Descending", max_results=1000)
            described["TrainingJobSummaries"] = to_json(trials)["TrainingJobSummaries"]
        if kind == "processing" and property_files:
            described["PropertyFiles"] = self._property_files(described, property_files)
        return described

    def _property_files(self, described: Mapping[str, Any], files: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        outputs = {o.get("OutputName"): o for o in (_get(described, "ProcessingOutputConfig", "Outputs") or [])}
        for name, spec in files.items():
            base = _get(outputs.get(spec["OutputName"]), "S3Output", "S3Uri")
            if not base:
                out[name] = {"__error__": f"output {spec['OutputName']!r} has no location"}
                continue
            uri = storage.join(str(base), spec["FilePath"])
            try:
                out[name] = json.loads(storage.read_bytes(uri if "://" in uri else f"file://{uri}").decode("utf-8"))
            except (ValueError, OSError) as exc:
                out[name] = {"__error__": f"{uri} could not be read as JSON ({exc})"}
        return out


__all__ = ["METADATA_KEYS", "NameTaken", "StepJobs", "job_name"]
