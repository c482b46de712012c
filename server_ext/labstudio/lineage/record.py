"""Lineage written automatically, where the engine already knows the facts: one function per
event, each called once, from the one place the event happens, inside that place's
transaction (so the trail and the thing it describes are never out of step).

* `job_created`     JobService._insert_row: a job's inputs (fingerprinted), code and outputs to be
* `job_finished`    JobRecorder.finish: what a job produced (its model archive, its outputs)
* `endpoint_created` EndpointService.create: which model, job or package an endpoint serves
* `package_registered`, `approval_changed`  RegistryService: a model package and its approvals

The graph runs upstream to downstream, in SageMaker's words:

    DataSet --ContributedTo--> TrainingJob --Produced--> Model --ContributedTo--> ModelPackage
    Code ---ContributedTo--/                                      |--AssociatedWith--> ModelGroup
    ModelPackage --ContributedTo--> ModelDeployment --AssociatedWith--> Endpoint
    ModelPackage --AssociatedWith--> Approval;  old ModelPackage --DerivedFrom--> its reproduction

Jobs are trial components (as SageMaker records them), with their job's ARN as source.
Cheap by design: a few rows per event; fingerprints are taken by the submitting process.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .. import arns
from ..store import lineage as store

if TYPE_CHECKING:
    from ..config import Settings
    from ..store.db import Connection
    from ..store.entities import Job

ARTIFACT, ACTION, CONTEXT, TRIAL_COMPONENT = "Artifact", "Action", "Context", "TrialComponent"
JOB_TYPES = {"training": "TrainingJob", "processing": "ProcessingJob", "transform": "TransformJob"}
TUNING_TAG = "labstudio:tuning-job"  # the tag a tuner puts on its trials (tuning/spec.py)
REPRODUCES_TAG = "labstudio:reproduces"  # the package a reproduction re-trains (registry/reproduce.py)


def normalize_uri(uri: str) -> str:
    """One spelling per location: local paths become absolute file:// URIs."""
    if "://" not in uri:
        return "file://" + os.path.abspath(os.path.expanduser(uri))
    return uri


def artifact_arn(type_: str, uri: str) -> str:
    """An artifact's ARN follows from what it is: the same data set recorded twice is one artifact."""
    digest = hashlib.sha1(f"{type_}\0{uri}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return arns.arn("artifact", digest)


def trial_component_name(kind: str, job: str) -> str:
    """SageMaker's name for a job's trial component: `<job>-aws-training-job` and its kin."""
    return f"{job}-aws-{JOB_TYPES.get(kind, 'TrainingJob').removesuffix('Job').lower()}-job"


def trial_component_arn(kind: str, job: str) -> str:
    return arns.arn("experiment-trial-component", trial_component_name(kind, job))


def _short_name(uri: str) -> str:
    tail = posixpath.basename(uri.rstrip("/")) or uri
    return tail[:120]


def put_artifact(conn: Connection, type_: str, uri: str, now: float, *, name: str | None = None, properties: dict[str, str] | None = None) -> str:
    """The artifact of this type at this URI (created when new); its ARN."""
    uri = normalize_uri(uri) if type_ in ("DataSet", "Model", "Code") else uri
    arn = artifact_arn(type_, uri)
    store.put_entity(conn, arn, ARTIFACT, type_, name or _short_name(uri), now=now, source_uri=uri, properties=properties)
    return arn


def _context(conn: Connection, type_: str, name: str, source_uri: str, now: float, properties: dict[str, str] | None = None) -> str:
    arn = arns.arn("context", name[:120])
    store.put_entity(conn, arn, CONTEXT, type_, name, now=now, source_uri=source_uri, properties=properties)
    return arn


# -- jobs -----------------------------------------------------------------------------------------


def _inputs(kind: str, spec: Any) -> dict[str, str]:
    """name -> URI of what a job of this kind reads."""
    if kind == "training":
        return {name: normalize_uri(path) for name, path in spec.channels.items()}
    if kind == "processing":
        return {str(item["name"]): normalize_uri(str(item["source"])) for item in spec.inputs}
    if kind == "transform":
        return {"input": normalize_uri(spec.input_path)}
    return {}


def _outputs(settings: Settings, kind: str, spec: Any) -> dict[str, str]:
    """name -> URI of what a job of this kind will write besides its model (known at submit)."""
    if kind == "processing":
        from ..artifacts import ArtifactStore

        out: dict[str, str] = {}
        for item in spec.outputs:
            destination = item.get("destination")
            if not destination:
                destination = ArtifactStore(settings.artifact_uri).uri_for(f"processing/{spec.name}/output/{item['name']}")
            out[str(item["name"])] = normalize_uri(str(destination))
        return out
    if kind == "transform":
        return {"output": normalize_uri(spec.output_path)}
    return {}


def job_created(conn: Connection, settings: Settings, kind: str, spec: Any, code_dir: Any, run_id: str | None, now: float) -> None:
    """A job's trial component, its inputs (with their fingerprints), its code snapshot, its
    experiment and (a tuning trial) its tuning job. Called where the job's row is written."""
    from .fingerprint import fingerprint

    name = spec.name
    tc = trial_component_arn(kind, name)
    if store.get_entity(conn, tc) is not None:
        store.restart_entity(conn, tc, now)  # a deleted job's name, reused: the old job's inputs are not this job's
    properties: dict[str, str] = {"status": "InProgress"}
    edges: list[tuple[str, str, str]] = []
    for channel, uri in _inputs(kind, spec).items():
        fp = fingerprint(uri)
        properties[f"inputs.{channel}.uri"] = uri
        properties[f"inputs.{channel}.fingerprint"] = fp.value or ""
        properties[f"inputs.{channel}.method"] = fp.method
        data = put_artifact(conn, "DataSet", uri, now, properties={"fingerprint": fp.value or "", "method": fp.method})
        edges.append((data, tc, "ContributedTo"))
    for output, uri in _outputs(settings, kind, spec).items():
        properties[f"outputs.{output}.uri"] = uri
    if kind == "transform":
        model = _transform_model(conn, spec)
        if model is not None:
            edges.append((put_artifact(conn, "Model", model, now), tc, "ContributedTo"))
    if code_dir is not None and os.path.isdir(code_dir):
        fp = fingerprint(str(code_dir))
        properties["code.fingerprint"] = fp.value or ""
        code = put_artifact(conn, "Code", str(code_dir), now, name=f"{name}-code", properties={"fingerprint": fp.value or "", "method": fp.method})
        edges.append((code, tc, "ContributedTo"))
    for key, value in (getattr(spec, "hyperparameters", None) or {}).items():
        if not str(key).startswith("sagemaker_"):
            properties[f"hyperparameters.{key}"] = str(value)[:1000]
    store.put_entity(
        conn, tc, TRIAL_COMPONENT, JOB_TYPES.get(kind, "TrainingJob"), trial_component_name(kind, name), now=now,
        source_uri=arns.job_arn(kind, name), source_type=f"SageMaker{JOB_TYPES.get(kind, 'TrainingJob')}", properties=properties,
    )
    tags = getattr(spec, "tags", None) or {}
    tuning = tags.get(TUNING_TAG)
    if tuning:
        edges.append((tc, _context(conn, "TuningJob", f"{tuning}-aws-tuning-job", arns.tuning_job_arn(tuning), now), "AssociatedWith"))
    experiment_id = store.experiment_id_of_run(conn, run_id) if run_id else None
    if experiment_id:
        experiment = getattr(spec, "experiment_name", None) or "Default"
        ctx = _context(conn, "Experiment", f"experiment-{experiment_id}", f"labstudio:experiment/{experiment}", now, {"name": experiment})
        edges.append((tc, ctx, "AssociatedWith"))
    store.associate(conn, edges, now)


def _transform_model(conn: Connection, spec: Any) -> str | None:
    """The model archive (or folder) a transform job serves."""
    model = str(spec.model)
    if "/" not in model and "://" not in model:  # a training job's name
        return store.job_model_artifact(conn, model)
    return model


def job_finished(conn: Connection, job: Job, status: str, model_artifact: str | None, output_artifact: str | None, now: float) -> None:
    """What a finished job produced: its model archive (kept by a stopped job too) and, once
    Completed, the outputs it was to write. Called where the job's end is written."""
    tc = trial_component_arn(job.kind, job.name)
    entity = store.get_entity(conn, tc)
    if entity is None:  # submitted before lineage was recorded
        return
    edges: list[tuple[str, str, str]] = []
    if model_artifact:
        edges.append((tc, put_artifact(conn, "Model", model_artifact, now, name=f"{job.name}-model"), "Produced"))
    if status == "Completed":
        if output_artifact:
            edges.append((tc, put_artifact(conn, "DataSet", output_artifact, now, name=f"{job.name}-output"), "Produced"))
        for key, uri in entity.properties.items():
            if key.startswith("outputs.") and key.endswith(".uri"):
                edges.append((tc, put_artifact(conn, "DataSet", uri, now), "Produced"))
    store.put_entity(conn, tc, TRIAL_COMPONENT, entity.type, entity.name, now=now, properties={"status": status})
    store.associate(conn, edges, now)


# -- endpoints -------------------------------------------------------------------------------------


def endpoint_context_name(endpoint: str, created: float) -> str:
    """A context per endpoint *creation*: a name reused after a delete starts a new trail."""
    return f"{endpoint}-{int(created * 1000):x}"


def endpoint_created(conn: Connection, endpoint: str, variants: Iterable[tuple[str, str | None, Any]], now: float) -> None:
    """The endpoint's context and one ModelDeployment action per variant, fed by what the
    variant serves: a job's model, a model package, or a model archive or folder.
    `variants`: (variant name, the Source the request named, its resolved serving Source)."""
    ctx = _context(conn, "Endpoint", endpoint_context_name(endpoint, now), arns.endpoint_arn(endpoint), now, {"endpoint": endpoint})
    edges: list[tuple[str, str, str]] = []
    for variant, given, src in variants:
        action_name = f"{endpoint_context_name(endpoint, now)}-{variant}"[:120]
        action = arns.arn("action", action_name)
        store.put_entity(conn, action, ACTION, "ModelDeployment", action_name, now=now, source_uri=arns.endpoint_arn(endpoint),
                         properties={"endpoint": endpoint, "variant": variant, "source": str(given)})
        package_arn = getattr(src, "package_arn", None)
        if package_arn:
            upstream = put_artifact(conn, "ModelPackage", package_arn, now, name=arns.resource_name(package_arn).replace("/", "-"))
        elif src.kind == "job":
            upstream = put_artifact(conn, "Model", src.location, now, name=f"{given}-model")
        else:
            upstream = put_artifact(conn, "Model", src.location, now)
        edges += [(upstream, action, "ContributedTo"), (action, ctx, "AssociatedWith")]
    store.associate(conn, edges, now)


# -- the registry -----------------------------------------------------------------------------------


def model_group_context(conn: Connection, group: str, created: float, now: float) -> str:
    return _context(conn, "ModelGroup", f"{group}-{int(created * 1000):x}", arns.model_package_group_arn(group), now, {"group": group})


def package_registered(
    conn: Connection,
    *,
    group: str,
    group_created: float,
    version: int,
    model_data: str,
    training_job: str | None,
    job_model: str | None,
    derived_from: str | None,
    now: float,
) -> None:
    """A model package: its model archive contributed to it, it belongs to its group's context,
    and a reproduction derives from the package it re-trains."""
    package_arn = arns.model_package_arn(group, version)
    package = put_artifact(conn, "ModelPackage", package_arn, now, name=f"{group}-{version}", properties={"group": group, "version": str(version)})
    edges = [
        (put_artifact(conn, "Model", model_data, now), package, "ContributedTo"),
        (package, model_group_context(conn, group, group_created, now), "AssociatedWith"),
    ]
    if training_job and (job_model is None or normalize_uri(job_model) != normalize_uri(model_data)):
        edges.append((trial_component_arn("training", training_job), package, "ContributedTo"))
    if derived_from:
        edges.append((put_artifact(conn, "ModelPackage", derived_from, now, name=arns.resource_name(derived_from).replace("/", "-")), package, "DerivedFrom"))
    store.associate(conn, edges, now)


def approval_changed(
    conn: Connection, *, group: str, version: int, activity_id: int, previous: str | None, status: str,
    actor: str | None, comment: str | None, now: float,
) -> None:
    """An approval decision: an action hanging off the package, saying who decided what."""
    package = put_artifact(conn, "ModelPackage", arns.model_package_arn(group, version), now, name=f"{group}-{version}")
    action_name = f"{group}-{version}-approval-{activity_id}"
    action = arns.arn("action", action_name)
    properties: Mapping[str, str] = {"from": previous or "", "to": status, "by": actor or "", "comment": comment or ""}
    store.put_entity(conn, action, ACTION, "Approval", action_name, now=now,
                     source_uri=arns.model_package_arn(group, version), properties=dict(properties))
    store.associate(conn, [(package, action, "AssociatedWith")], now)
