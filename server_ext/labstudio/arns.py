"""ARNs in SageMaker's form, with a local region and account, for the resources that SageMaker
code addresses by ARN: model packages and their groups, and lineage entities (artifacts,
contexts, actions, trial components).

`arn:aws:sagemaker:local:000000000000:model-package/churn/3` splits the way SageMaker's SDK
splits an ARN (six colon-separated parts; the resource after the last colon), so helpers
such as the lineage visualizer read ours unchanged. Parsing accepts any region and account:
a driver that built an ARN from its own region still names the same resource.

Training jobs, processing jobs, transform jobs and endpoints keep the ARNs their describe
answers have always shown (`arn:labstudio:local:<type>/<name>`); `job_arn` and
`endpoint_arn` give those, so lineage points at what describe says.
"""
from __future__ import annotations

import re

from .jobs import kinds

REGION = "local"
ACCOUNT = "000000000000"
PREFIX = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"

# arn:aws[-partition]:sagemaker:<region>:<account>:<type>/<resource>
_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]*:(?P<type>[a-z-]+)/(?P<resource>.+)\Z")
_LEGACY = re.compile(r"^arn:labstudio:local:(?P<type>[a-z-]+)/(?P<resource>.+)\Z")



def arn(resource_type: str, resource: str) -> str:
    """The ARN of a resource of this type (`model-package`, `artifact`, `context`...)."""
    return f"{PREFIX}{resource_type}/{resource}"


def parse(value: str) -> tuple[str, str] | None:
    """(type, resource) of a SageMaker-form or labstudio-form ARN; None for anything else."""
    if not isinstance(value, str):
        return None
    match = _ARN.match(value) or _LEGACY.match(value)
    return (match.group("type"), match.group("resource")) if match else None


def model_package_arn(group: str, version: int) -> str:
    return arn("model-package", f"{group}/{version}")


def model_package_group_arn(group: str) -> str:
    return arn("model-package-group", group)


def job_arn(kind: str, name: str) -> str:
    """A job's ARN as its describe answer shows it (TrainingJobArn, ProcessingJobArn...)."""
    entry = kinds.find(kind)  # the job-kind registry names each kind's ARN type
    return f"arn:labstudio:local:{entry.arn_type if entry else 'training-job'}/{name}"


def endpoint_arn(name: str) -> str:
    """An endpoint's ARN as DescribeEndpoint shows it (EndpointArn)."""
    return f"arn:labstudio:local:endpoint/{name}"


def tuning_job_arn(name: str) -> str:
    return arn("hyper-parameter-tuning-job", name)


def resource_name(value: str) -> str:
    """The part after the type: what SageMaker's `get_resource_name_from_arn` returns."""
    parsed = parse(value)
    return parsed[1] if parsed else value.split("/", 1)[-1]


def pipeline_arn(name: str) -> str:
    return arn("pipeline", name)


def pipeline_execution_arn(pipeline: str, execution_id: str) -> str:
    """`.../pipeline/<name>/execution/<id>`, as SageMaker spells an execution's ARN."""
    return arn("pipeline", f"{pipeline}/execution/{execution_id}")


def execution_id_of(value: str) -> str | None:
    """The execution id an execution ARN ends with (or the value itself when it is a bare id)."""
    parsed = parse(value)
    if parsed is None:
        return value if value and "/" not in value and ":" not in value else None
    kind, resource = parsed
    if kind != "pipeline" or "/execution/" not in resource:
        return None
    return resource.rsplit("/execution/", 1)[1] or None


def model_arn(name: str) -> str:
    return arn("model", name)


def automl_job_arn(name: str) -> str:
    """An AutoML job's ARN (AutoMLJobArn), SageMaker's `automl-job` type."""
    return arn("automl-job", name)
