"""Everything a registration names, checked and gathered before any row is written: the group's
name, the training job, the model archive, the inference code (copied into the artifact
store), the entry point, the metrics documents and their numbers."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Invalid, NotFound
from ..lineage import record as lineage_record
from ..paths import confine, resolve
from ..shapes.registry import CreateModelPackageRequest
from ..store import registry as store
from . import code as package_code
from . import refs
from .describe import PROGRAM, SUBMIT_DIRECTORY
from .metrics import check as check_metrics

if TYPE_CHECKING:
    from .service import RegistryService

_EXTRA_FIELDS = ("CertifyForMarketplace", "MetadataProperties", "Domain", "Task", "SamplePayloadUrl", "SourceUri")


@dataclass
class Prepared:
    group: str
    model_data: str
    code_uri: str | None
    entry_point: str | None
    container: dict[str, Any]
    inference: dict[str, Any]
    model_metrics: dict[str, Any]
    metric_values: dict[str, float]
    customer_metadata: dict[str, str]
    extra: dict[str, Any]
    description: str
    approval_status: str
    training_job: str | None = None
    job_model: str | None = None  # the training job's own archive (lineage links the job when they differ)
    tuning_job: str | None = None
    derived_from: str | None = None
    pipeline_execution_arn: str | None = field(default=None)

    def row(self) -> dict[str, Any]:
        return {
            "group_name": self.group, "description": self.description, "approval_status": self.approval_status,
            "approval_description": None, "model_data": self.model_data, "code_uri": self.code_uri, "entry_point": self.entry_point,
            "container": self.container, "inference": self.inference, "model_metrics": self.model_metrics,
            "metric_values": self.metric_values, "customer_metadata": self.customer_metadata, "extra": self.extra,
            "training_job": self.training_job, "tuning_job": self.tuning_job, "pipeline_execution_arn": self.pipeline_execution_arn,
            "derived_from": self.derived_from,
        }


class _Paths:
    """Local paths a request names: relative ones from base_dir; over REST only inside the
    Jupyter root, or labstudio's own artifact store (where job archives live)."""

    def __init__(self, service: RegistryService, base_dir: Path | None, root_dir: Path | None) -> None:
        self.base = base_dir or root_dir or Path.cwd()
        self.roots: list[Path] | None = None
        if root_dir is not None:
            self.roots = [root_dir]
            store_uri = service.settings.artifact_uri
            if "://" not in store_uri or store_uri.startswith("file://"):
                self.roots.append(Path(store_uri.removeprefix("file://")))

    def local(self, raw: str, field_name: str) -> str:
        """A local path made absolute and confined; URLs (s3://...) are returned unchanged, but
        refused over REST unless they lie in labstudio's remote artifact store."""
        if "://" in raw and not raw.startswith("file://"):
            if self.roots is not None:
                raise Invalid(f"{field_name} {raw!r}: over the REST API give a path inside the Jupyter root.", field=field_name)
            return raw
        return str(confine(resolve(raw, self.base, field_name), field_name, self.roots, raw))


def _model_exists(uri: str, field: str) -> bool:
    if "://" in uri and not uri.startswith("file://"):
        from ..serving.sources import archive_exists

        return archive_exists(uri)
    try:
        return Path(uri.removeprefix("file://")).exists()
    except OSError as exc:  # a name too long for the file system, say
        raise Invalid(f"{field}: {uri[:200]!r} cannot be used as a path ({exc.strerror}).", field=field) from None


def prepare_registration(service: RegistryService, req: CreateModelPackageRequest, *, base_dir: Path | None, root_dir: Path | None) -> Prepared:
    """A registration checked in full (Invalid / NotFound naming the field); its code copied into the
    artifact store (the caller removes it if the registration then fails)."""
    paths = _Paths(service, base_dir, root_dir)
    group = refs.group_name(req.ModelPackageGroupName)
    if not req.CreateGroup:
        with service.db.read() as conn:
            if not store.group_exists(conn, group):
                raise NotFound(f"Model package group {group!r} does not exist; create it first.", field="ModelPackageGroupName")
    container: dict[str, Any] = {}
    inference: dict[str, Any] = {}
    spec = req.InferenceSpecification
    if spec is not None:
        given = spec.Containers[0]
        container = given.model_dump(exclude_none=True, exclude={"ModelDataUrl"})
        inference = spec.model_dump(exclude={"Containers"}, exclude_none=True)
    env = dict(container.pop("Environment", None) or {})
    code_source = env.pop(SUBMIT_DIRECTORY, None)
    entry_point = env.pop(PROGRAM, None)
    if env:
        container["Environment"] = env

    job = None
    model_data: str | None = None
    if req.TrainingJobName is not None:
        try:
            job = service.jobs.get(req.TrainingJobName)
        except NotFound:
            raise NotFound(f"Training job {req.TrainingJobName!r} does not exist.", field="TrainingJobName") from None
        if job.status != "Completed":
            raise Invalid(f"Training job {job.name!r} is {job.status}: only a Completed job's model can be registered.", field="TrainingJobName")
        if not job.model_artifact:
            raise Invalid(f"Training job {job.name!r} has no model archive (its model folder was empty).", field="TrainingJobName")
        model_data = job.model_artifact
    if spec is not None and spec.Containers[0].ModelDataUrl:
        model_data = paths.local(spec.Containers[0].ModelDataUrl, "InferenceSpecification.Containers[0].ModelDataUrl")
    if not model_data:
        raise Invalid("Give InferenceSpecification (with Containers[0].ModelDataUrl) or TrainingJobName: there is no model to register.",
                      field="InferenceSpecification")
    field = "InferenceSpecification.Containers[0].ModelDataUrl" if spec is not None else "TrainingJobName"
    if not _model_exists(model_data, field):
        raise Invalid(f"{field}: the model archive {model_data} does not exist (was it deleted with its run?).", field=field)

    if job is None:
        with service.db.read() as conn:
            made_by = store.job_with_model(conn, model_data)
        if made_by is not None and made_by[1] == "training":
            job = service.jobs.get(made_by[0])

    code_field = f"InferenceSpecification.Containers[0].Environment.{SUBMIT_DIRECTORY}"
    if code_source is not None:
        code_source = paths.local(code_source, code_field)
    elif job is not None and req.TrainingJobName is not None:
        code_dir = service.jobs.code_dir(job.name)
        if code_dir.is_dir():
            code_source = str(code_dir)
            entry_point = entry_point or job.spec.get("entry_point")
    if entry_point is not None:
        _check_entry_point(entry_point, code_source, f"InferenceSpecification.Containers[0].Environment.{PROGRAM}")

    confine_doc = (lambda uri, name: paths.local(uri, name)) if paths.roots is not None else None
    if req.ModelMetrics is not None:
        model_metrics, values = check_metrics(req.ModelMetrics.model_dump(exclude_none=True), confine_doc)
    else:
        model_metrics, values = {}, {}

    tags = (job.spec.get("tags") or {}) if job is not None else {}
    extra = {name: getattr(req, name) for name in _EXTRA_FIELDS if getattr(req, name) not in (None, False)}
    code_uri = package_code.store_code(service.settings, group, code_source, code_field) if code_source else None
    return Prepared(
        group=group,
        model_data=model_data,
        code_uri=code_uri,
        entry_point=entry_point,
        container=container,
        inference=inference,
        model_metrics=model_metrics,
        metric_values=values,
        customer_metadata=dict(req.CustomerMetadataProperties or {}),
        extra=extra,
        description=req.ModelPackageDescription or "",
        approval_status=req.ModelApprovalStatus,
        training_job=job.name if job is not None else None,
        job_model=job.model_artifact if job is not None else None,
        tuning_job=tags.get(lineage_record.TUNING_TAG),
        derived_from=tags.get(lineage_record.REPRODUCES_TAG),
    )


def _check_entry_point(entry: str, code_source: str | None, field_name: str) -> None:
    """The script must be a file in the code folder (a packed sourcedir.tar.gz is checked when deployed)."""
    from ..serving.sources import check_entry_point

    if not entry or "\0" in entry:
        raise Invalid(f"{field_name} must name the inference script, e.g. 'inference.py'.", field=field_name)
    if code_source is None or not os.path.isdir(code_source.removeprefix("file://")):
        return
    try:
        check_entry_point(entry, Path(code_source.removeprefix("file://")), allow_absolute=False)
    except Invalid as exc:
        raise Invalid(exc.message.replace("EntryPoint", field_name), field=field_name) from None
    except OSError as exc:
        raise Invalid(f"{field_name} {entry[:200]!r} cannot be used as a path ({exc.strerror}).", field=field_name) from None
