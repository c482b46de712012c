"""SageMaker's ``AutoML`` (Autopilot), run locally: ``fit`` creates an AutoML job in the store
(the data checked first: a ValueError naming the problem), whose detached runner analyses the
data, writes the notebooks, trains candidates as training jobs and picks the best;
``describe_auto_ml_job``, ``list_candidates`` and ``best_candidate`` answer in SageMaker's
dictionaries; ``create_model`` and ``deploy`` serve a candidate as one inference pipeline
answering the ``inference_response_keys`` asked for. A driver written for SageMaker changes
only its imports."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..automl.problem import METRICS, MODES, PROBLEM_TYPES, TERMINAL
from .exceptions import UnexpectedStatusException
from .model import Model
from .predictor import Predictor
from .session import Session, core_of

LOG_POLL_SECONDS = 1.0


def _objective_name(job_objective: Any) -> str | None:
    if job_objective is None:
        return None
    name = job_objective.get("MetricName") if isinstance(job_objective, Mapping) else job_objective
    if name not in METRICS:
        raise ValueError(f"job_objective's MetricName must be one of {', '.join(METRICS)}, got {name!r}")
    return str(name)


class AutoMLInput:
    """SageMaker's ``AutoMLInput``: the data (a path, or a list of one) and its target column."""

    def __init__(self, inputs: str | Sequence[str], target_attribute_name: str, compression: str | None = None,
                 channel_type: str | None = None, content_type: str | None = None, s3_data_type: str | None = None,
                 sample_weight_attribute_name: str | None = None) -> None:
        self.inputs = inputs
        self.target_attribute_name = target_attribute_name
        self.compression = compression
        self.channel_type = channel_type
        self.content_type = content_type
        self.s3_data_type = s3_data_type
        self.sample_weight_attribute_name = sample_weight_attribute_name

    def to_request_dict(self) -> list[dict[str, Any]]:
        entries = [self.inputs] if isinstance(self.inputs, str) else list(self.inputs)
        out = []
        for entry in entries:
            channel: dict[str, Any] = {"DataSource": {"S3DataSource": {"S3DataType": self.s3_data_type or "S3Prefix", "S3Uri": entry}},
                                       "TargetAttributeName": self.target_attribute_name}
            if self.compression is not None:
                channel["CompressionType"] = self.compression
            out.append(channel)
        return out


class AutoML:
    """SageMaker's ``sagemaker.automl.automl.AutoML``."""

    def __init__(self, role: str | None = None, target_attribute_name: str | None = None, output_kms_key: str | None = None,
                 output_path: str | None = None, base_job_name: str | None = None, compression_type: str | None = None,
                 sagemaker_session: Any = None, volume_kms_key: str | None = None, encrypt_inter_container_traffic: bool | None = None,
                 vpc_config: Any = None, problem_type: str | None = None, max_candidates: int | None = None,
                 max_runtime_per_training_job_in_seconds: int | None = None, total_job_runtime_in_seconds: int | None = None,
                 job_objective: Mapping[str, str] | str | None = None, generate_candidate_definitions_only: bool | None = False,
                 tags: Any = None, content_type: str | None = None, s3_data_type: str | None = None,
                 feature_specification_s3_uri: str | None = None, validation_fraction: float | None = None, mode: str | None = None,
                 auto_generate_endpoint_name: bool | None = None, endpoint_name: str | None = None,
                 sample_weight_attribute_name: str | None = None) -> None:
        if problem_type is not None and problem_type not in PROBLEM_TYPES:
            raise ValueError(f"problem_type must be one of {', '.join(PROBLEM_TYPES)} (or None to infer it), got {problem_type!r}")
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        objective = _objective_name(job_objective)
        if objective is not None and problem_type is not None and problem_type not in METRICS[objective].problem_types:
            raise ValueError(f"job_objective {objective} does not fit problem_type {problem_type}")
        if feature_specification_s3_uri is not None:
            raise ValueError("feature_specification_s3_uri is not supported locally: every usable column is a feature")
        self.role = role
        self.target_attribute_name = target_attribute_name
        self.output_kms_key = output_kms_key
        self.output_path = output_path
        self.base_job_name = base_job_name
        self.compression_type = compression_type
        self.sagemaker_session = sagemaker_session or Session()
        self.volume_kms_key = volume_kms_key
        self.encrypt_inter_container_traffic = encrypt_inter_container_traffic
        self.vpc_config = vpc_config
        self.problem_type = problem_type
        self.max_candidate = max_candidates  # SageMaker's attribute name
        self.max_candidates = max_candidates
        self.max_runtime_per_training_job_in_seconds = max_runtime_per_training_job_in_seconds
        self.total_job_runtime_in_seconds = total_job_runtime_in_seconds
        self.job_objective = {"MetricName": objective} if objective else None
        self.generate_candidate_definitions_only = bool(generate_candidate_definitions_only)
        self.tags = tags
        self.content_type = content_type
        self.s3_data_type = s3_data_type
        self.validation_fraction = validation_fraction
        self.mode = mode
        self.auto_generate_endpoint_name = auto_generate_endpoint_name
        self.endpoint_name = endpoint_name
        self.sample_weight_attribute_name = sample_weight_attribute_name
        self.current_job_name: str | None = None
        self.latest_auto_ml_job: AutoMLJob | None = None
        self._auto_ml_job_desc: dict[str, Any] | None = None
        self._best_candidate: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"AutoML(target_attribute_name={self.target_attribute_name!r}, current_job_name={self.current_job_name!r})"

    # -- the request ----------------------------------------------------------------------------

    def _request(self, inputs: Any, job_name: str) -> dict[str, Any]:
        from .storage import localize

        if isinstance(inputs, AutoMLInput):
            channels = inputs.to_request_dict()
        elif isinstance(inputs, (str, Path)):
            channels = AutoMLInput(str(inputs), self.target_attribute_name or "", compression=self.compression_type).to_request_dict()
        elif isinstance(inputs, list) and len(inputs) == 1:
            channels = AutoMLInput([str(inputs[0])], self.target_attribute_name or "", compression=self.compression_type).to_request_dict()
        else:
            raise ValueError(f"inputs must be a path to a CSV or Parquet file (or a folder of them), or an AutoMLInput; got {inputs!r}")
        if not channels[0].get("TargetAttributeName"):
            raise ValueError("target_attribute_name is required: the column of the data to predict")
        artifact_uri = core_of(self.sagemaker_session).settings.artifact_uri
        for channel in channels:
            source = channel["DataSource"]["S3DataSource"]
            source["S3Uri"] = localize(str(source["S3Uri"]), artifact_uri)
        criteria: dict[str, Any] = {}
        if self.max_candidates is not None:
            criteria["MaxCandidates"] = self.max_candidates
        if self.max_runtime_per_training_job_in_seconds is not None:
            criteria["MaxRuntimePerTrainingJobInSeconds"] = self.max_runtime_per_training_job_in_seconds
        if self.total_job_runtime_in_seconds is not None:
            criteria["MaxAutoMLJobRuntimeInSeconds"] = self.total_job_runtime_in_seconds
        config: dict[str, Any] = {"CompletionCriteria": criteria}
        if self.mode is not None:
            config["Mode"] = self.mode
        if self.validation_fraction is not None:
            config["DataSplitConfig"] = {"ValidationFraction": self.validation_fraction}
        request: dict[str, Any] = {"AutoMLJobName": job_name, "InputDataConfig": channels, "AutoMLJobConfig": config,
                                   "RoleArn": self.role, "GenerateCandidateDefinitionsOnly": self.generate_candidate_definitions_only}
        if self.output_path is not None:
            request["OutputDataConfig"] = {"S3OutputPath": localize(str(self.output_path), artifact_uri)}
        if self.problem_type is not None:
            request["ProblemType"] = self.problem_type
        if self.job_objective is not None:
            request["AutoMLJobObjective"] = dict(self.job_objective)
        if self.tags:
            request["Tags"] = [dict(t) for t in self.tags] if isinstance(self.tags, list) else [{"Key": k, "Value": v} for k, v in dict(self.tags).items()]
        return request

    def _job_name(self, job_name: str | None) -> str:
        if job_name is not None:
            return job_name
        stamp = time.strftime("%m%d-%H%M%S", time.gmtime()) + f"-{int((time.time() % 1) * 1000):03d}"
        base = (self.base_job_name or "automl").strip("-")[: 32 - len(stamp) - 1].rstrip("-") or "automl"
        return f"{base}-{stamp}"

    # -- fit, attach ----------------------------------------------------------------------------

    def fit(self, inputs: Any = None, wait: bool = True, logs: bool = True, job_name: str | None = None) -> None:
        """Create the AutoML job on ``inputs`` (checked first: a ValueError names what is wrong)
        and, with ``wait``, follow it to the end (``logs``: a line per stage and candidate)."""
        if logs and not wait:
            raise ValueError("logs can only be shown while waiting: set wait=True, or logs=False")
        if inputs is None:
            raise ValueError("inputs is required: the CSV or Parquet data (a file or folder) with a header row")
        name = self._job_name(job_name)
        core_of(self.sagemaker_session).automl.create(self._request(inputs, name), base_dir=Path.cwd())
        self.current_job_name = name
        self._auto_ml_job_desc = None
        self._best_candidate = None
        self.latest_auto_ml_job = AutoMLJob(self.sagemaker_session, name, inputs)
        if wait:
            self.latest_auto_ml_job.wait(logs=logs)

    @classmethod
    def attach(cls, auto_ml_job_name: str, sagemaker_session: Any = None) -> AutoML:
        """An AutoML bound to an existing job (its configuration read back from describe)."""
        session = sagemaker_session or Session()
        desc = session.describe_auto_ml_job(auto_ml_job_name)
        config = desc.get("AutoMLJobConfig") or {}
        criteria = config.get("CompletionCriteria") or {}
        attached = cls(
            role=desc.get("RoleArn"), target_attribute_name=desc["InputDataConfig"][0]["TargetAttributeName"],
            output_path=(desc.get("OutputDataConfig") or {}).get("S3OutputPath"), base_job_name=auto_ml_job_name,
            sagemaker_session=session, problem_type=desc.get("ProblemType"), max_candidates=criteria.get("MaxCandidates"),
            max_runtime_per_training_job_in_seconds=criteria.get("MaxRuntimePerTrainingJobInSeconds"),
            total_job_runtime_in_seconds=criteria.get("MaxAutoMLJobRuntimeInSeconds"),
            job_objective=desc.get("AutoMLJobObjective"), generate_candidate_definitions_only=desc.get("GenerateCandidateDefinitionsOnly"),
            validation_fraction=(config.get("DataSplitConfig") or {}).get("ValidationFraction"), mode=config.get("Mode"),
        )
        attached.current_job_name = auto_ml_job_name
        attached.latest_auto_ml_job = AutoMLJob(session, auto_ml_job_name, desc["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"])
        attached._auto_ml_job_desc = desc
        return attached

    # -- reading --------------------------------------------------------------------------------

    def _name(self, job_name: str | None) -> str:
        name = job_name or self.current_job_name
        if name is None:
            raise ValueError("no AutoML job yet: call fit() or attach() first, or pass job_name")
        return name

    def describe_auto_ml_job(self, job_name: str | None = None) -> dict[str, Any]:
        self._auto_ml_job_desc = self.sagemaker_session.describe_auto_ml_job(self._name(job_name))
        return self._auto_ml_job_desc

    def best_candidate(self, job_name: str | None = None) -> dict[str, Any] | None:
        name = self._name(job_name)
        if self._best_candidate is not None and name == self.current_job_name:
            return self._best_candidate
        desc = self.sagemaker_session.describe_auto_ml_job(name)
        best = desc.get("BestCandidate")
        if desc.get("AutoMLJobStatus") in TERMINAL and name == self.current_job_name:
            self._best_candidate = best
        return best

    def list_candidates(self, job_name: str | None = None, status_equals: str | None = None, candidate_name: str | None = None,
                        candidate_arn: str | None = None, sort_order: str | None = None, sort_by: str | None = None,
                        max_results: int | None = None) -> list[dict[str, Any]]:
        """Every candidate (up to max_results), as ListCandidatesForAutoMLJob describes them."""
        answer = self.sagemaker_session.list_candidates(job_name=self._name(job_name), status_equals=status_equals,
                                                        candidate_name=candidate_name, candidate_arn=candidate_arn, sort_order=sort_order,
                                                        sort_by=sort_by, max_results=max_results)
        return list(answer["Candidates"])

    # -- serving --------------------------------------------------------------------------------

    @staticmethod
    def validate_and_update_inference_response(inference_containers: list[dict[str, Any]], inference_response_keys: Sequence[str] | None) -> None:
        """Check the keys against what the (last) container supports and set SAGEMAKER_INFERENCE_OUTPUT. Raises ValueError."""
        if not inference_response_keys:
            return
        container = inference_containers[-1]
        supported = [k.strip() for k in (container.get("Environment") or {}).get("SAGEMAKER_INFERENCE_SUPPORTED", "").split(",") if k.strip()]
        bad = [k for k in inference_response_keys if k not in supported]
        if bad:
            raise ValueError(f"Requested inference output keys [{', '.join(bad)}] are unsupported. "
                             f"The supported inference keys are [{', '.join(supported)}]")
        container.setdefault("Environment", {})["SAGEMAKER_INFERENCE_OUTPUT"] = ",".join(inference_response_keys)

    def create_model(self, name: str | None = None, sagemaker_session: Any = None, candidate: Any = None, vpc_config: Any = None,
                     enable_network_isolation: bool = False, model_kms_key: str | None = None,
                     predictor_cls: Callable[..., Predictor] | None = None, inference_response_keys: Sequence[str] | None = None) -> Model:
        """The candidate (the best when None) as one deployable model: its pipeline archive with
        the inference script, answering ``inference_response_keys`` (default: predicted_label)."""
        session = sagemaker_session or self.sagemaker_session
        chosen = candidate if candidate is not None else self.best_candidate()
        if chosen is None:
            raise ValueError(f"AutoML job {self.current_job_name} has no completed candidate to create a model from")
        if not isinstance(chosen, Mapping):
            chosen = getattr(chosen, "candidate", None) or {}
        containers = [dict(c, Environment=dict(c.get("Environment") or {})) for c in chosen.get("InferenceContainers") or []]
        if not containers:
            raise ValueError(f"candidate {chosen.get('CandidateName')!r} has no inference container (status {chosen.get('CandidateStatus')})")
        self.validate_and_update_inference_response(containers, inference_response_keys)
        container = containers[-1]
        env = dict(container["Environment"])
        entry_point = env.pop("SAGEMAKER_PROGRAM")
        source_dir = env.pop("SAGEMAKER_SUBMIT_DIRECTORY")
        return Model(model_data=container["ModelDataUrl"], role=self.role, entry_point=entry_point,
                     source_dir=source_dir, predictor_cls=predictor_cls, env=env, name=name, sagemaker_session=session,
                     install_requirements=False)

    def deploy(self, initial_instance_count: int = 1, instance_type: str | None = "local", serializer: Any = None, deserializer: Any = None,
               candidate: Any = None, sagemaker_session: Any = None, name: str | None = None, endpoint_name: str | None = None,
               tags: Any = None, wait: bool = True, vpc_config: Any = None, enable_network_isolation: bool = False,
               model_kms_key: str | None = None, predictor_cls: Callable[..., Predictor] | None = None,
               inference_response_keys: Sequence[str] | None = None, **kwargs: Any) -> Predictor:
        """Serve the candidate (the best when None) as a local endpoint; a Predictor bound to it."""
        model = self.create_model(name=name, sagemaker_session=sagemaker_session, candidate=candidate, predictor_cls=predictor_cls,
                                  inference_response_keys=inference_response_keys)
        return model.deploy(initial_instance_count=initial_instance_count, instance_type=instance_type, serializer=serializer,
                            deserializer=deserializer, endpoint_name=endpoint_name or self.endpoint_name, wait=wait)


class AutoMLJob:
    """SageMaker's ``AutoMLJob``: the running job behind ``AutoML.latest_auto_ml_job``."""

    def __init__(self, sagemaker_session: Any, job_name: str, inputs: Any = None) -> None:
        self.sagemaker_session = sagemaker_session
        self.job_name = job_name
        self.inputs = inputs

    def describe(self) -> dict[str, Any]:
        return dict(self.sagemaker_session.describe_auto_ml_job(self.job_name))

    def wait(self, logs: bool = True) -> dict[str, Any]:
        """Block until the job ends; with ``logs`` a line per stage and per finished candidate.
        A Failed job raises UnexpectedStatusException with its reason."""
        core = core_of(self.sagemaker_session)
        if not logs:
            described = core.automl.wait(self.job_name)
        else:
            described = self._follow(core)
        if described["AutoMLJobStatus"] == "Failed":
            raise UnexpectedStatusException(f"Error for AutoML job {self.job_name}: Failed. Reason: {described.get('FailureReason')}",
                                            allowed_statuses=["Completed", "Stopped"], actual_status="Failed")
        return described

    def _follow(self, core: Any) -> dict[str, Any]:
        said_stage = None
        said: set[str] = set()
        while True:
            try:
                described = core.automl.wait(self.job_name, timeout=LOG_POLL_SECONDS)
                done = True
            except TimeoutError:
                described = core.automl.describe(self.job_name)
                done = False
            stage = described["AutoMLJobSecondaryStatus"]
            if stage != said_stage:
                print(f"{self.job_name}: {described['AutoMLJobStatus']} - {stage}", flush=True)
                said_stage = stage
            for c in core.automl.list_candidates(self.job_name, max_results=100)["Candidates"]:
                if c["ObjectiveStatus"] != "Pending" and c["CandidateName"] not in said:
                    said.add(c["CandidateName"])
                    metric = c.get("FinalAutoMLJobObjectiveMetric")
                    value = f"{metric['StandardMetricName']} {metric['Value']:.5g}" if metric else (c.get("FailureReason") or "no objective")
                    print(f"  {c['CandidateName']} ({c['Algorithm']}): {c['CandidateStatus']}, {value}", flush=True)
            if done:
                best = described.get("BestCandidate")
                if best:
                    metric = best.get("FinalAutoMLJobObjectiveMetric") or {}
                    print(f"{self.job_name}: best candidate {best['CandidateName']} ({best['Algorithm']}), "
                          f"{metric.get('StandardMetricName')} {metric.get('Value')}", flush=True)
                return dict(described)


__all__ = ["AutoML", "AutoMLInput", "AutoMLJob"]
