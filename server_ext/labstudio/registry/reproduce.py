"""Reproduce a model package: re-run its training job from what lineage recorded (the code
snapshot, the hyperparameters, the inputs), after checking that each input still has the
content it had (its fingerprint). An input that changed, or is gone, stops the re-run with
its name unless the caller allows it. The new job carries a tag naming the package it
reproduces; registering its model then links the new package to the old one (DerivedFrom).
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from .. import arns
from ..errors import Conflict, Invalid, NotFound
from ..lineage import record as lineage_record
from ..lineage.fingerprint import fingerprint
from ..store import lineage as lineage_store
from ..store.registry import ModelPackage

if TYPE_CHECKING:
    from .service import RegistryService

_STAMP = re.compile(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d{3})?$")


def _name(old: str, now: float) -> str:
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    base = _STAMP.sub("", old) or old
    base = base[: 63 - len(stamp) - len("-repro-")].rstrip("-")
    return f"{base}-repro-{stamp}"


def check_inputs(channels: dict[str, str], recorded: dict[str, str]) -> list[dict[str, Any]]:
    """Each input now against what its job recorded: Unchanged, Changed, Missing or Unverified
    (a remote input, or a job recorded before fingerprints were taken)."""
    out = []
    for channel, path in sorted(channels.items()):
        uri = lineage_record.normalize_uri(path)
        before = recorded.get(f"inputs.{channel}.fingerprint") or None
        now = fingerprint(uri)
        if now.method == "missing":
            status = "Missing"
        elif before is None or now.value is None:
            status = "Unverified"
        else:
            status = "Unchanged" if now.value == before else "Changed"
        out.append({"Name": channel, "Uri": uri, "RecordedFingerprint": before, "CurrentFingerprint": now.value, "Status": status})
    return out


def reproduce(service: RegistryService, package: ModelPackage, *, allow_changed: bool, job_name: str | None) -> dict[str, Any]:
    from ..jobs.spec import JobSpec

    arn = arns.model_package_arn(package.group_name, package.version)
    if not package.training_job:
        raise Invalid(f"Model package {package.group_name}/{package.version} was not registered from a training job: there is nothing to re-run.",
                      field="ModelPackageName")
    try:
        job = service.jobs.get(package.training_job)
    except NotFound:
        raise Conflict(f"Training job {package.training_job!r} of model package {package.group_name}/{package.version} no longer exists; "
                       "it cannot be re-run.", field="ModelPackageName") from None
    spec = JobSpec.from_dict(job.spec)
    with service.db.read() as conn:
        tc = lineage_store.get_entity(conn, lineage_record.trial_component_arn("training", job.name))
    checks = check_inputs(spec.channels, tc.properties if tc is not None else {})
    # A changed input can be accepted (allow_changed); a missing one cannot: the job would have nothing to read.
    bad = [c for c in checks if c["Status"] == "Missing" or (c["Status"] == "Changed" and not allow_changed)]
    if bad:
        words = "; ".join(
            f"input {c['Name']!r} ({c['Uri']}) " + ("is gone" if c["Status"] == "Missing" else
                                                   f"changed: it was {c['RecordedFingerprint']}, it is now {c['CurrentFingerprint']}")
            for c in bad
        )
        hint = "Restore it" if all(c["Status"] == "Missing" for c in bad) else "Restore the data, or re-train anyway with --allow-changed (AllowChangedInputs)"
        raise Conflict(f"Cannot reproduce {package.group_name}/{package.version} from training job {job.name}: {words}. {hint}.", field="Inputs")
    code = service.jobs.code_dir(job.name)
    if not code.is_dir():
        packaged = service.code_dir(package) if package.code_uri else None
        if packaged is None:
            raise Conflict(f"The code snapshot of training job {job.name!r} is gone (its folder was deleted) and the package has no code "
                           "of its own; it cannot be re-run.", field="ModelPackageName")
        code = packaged
    tags = {k: v for k, v in spec.tags.items() if k != lineage_record.TUNING_TAG}
    tags[lineage_record.REPRODUCES_TAG] = arn
    request: dict[str, Any] = {
        "name": job_name or _name(job.name, time.time()),
        "entry_point": spec.entry_point,
        "source_dir": str(code),
        "hyperparameters": spec.user_hyperparameters,
        "channels": dict(spec.channels),
        "environment": dict(spec.environment),
        "metric_definitions": list(spec.metric_definitions),
        "tags": tags,
        "install_requirements": spec.install_requirements,
        "backend": spec.backend,
        "instance_count": spec.instance_count,
    }
    for key, value in (("max_runtime_seconds", spec.max_runtime_seconds), ("experiment_name", spec.experiment_name),
                       ("distribution", spec.distribution), ("output_path", spec.output_path)):
        if value is not None:
            request[key] = value
    described = service.jobs.submit(request)
    return {
        "TrainingJobName": described["TrainingJobName"],
        "ReproducesModelPackageArn": arn,
        "SourceTrainingJobName": job.name,
        "Inputs": checks,
    }
