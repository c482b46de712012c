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

REGION = "local"
ACCOUNT = "000000000000"
PREFIX = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"

# arn:aws[-partition]:sagemaker:<region>:<account>:<type>/<resource>
_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]*:(?P<type>[a-z-]+)/(?P<resource>.+)\Z")
_LEGACY = re.compile(r"^arn:labstudio:local:(?P<type>[a-z-]+)/(?P<resource>.+)\Z")

# What describe answers call each job kind's ARN (jobs/describe.py and its kin).
JOB_ARN_TYPES = {"training": "training-job", "processing": "processing-job", "transform": "transform-job"}


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
    return f"arn:labstudio:local:{JOB_ARN_TYPES.get(kind, 'training-job')}/{name}"


def endpoint_arn(name: str) -> str:
    """An endpoint's ARN as DescribeEndpoint shows it (EndpointArn)."""
    return f"arn:labstudio:local:endpoint/{name}"


def tuning_job_arn(name: str) -> str:
    return arn("hyper-parameter-tuning-job", name)


def resource_name(value: str) -> str:
    """The part after the type: what SageMaker's `get_resource_name_from_arn` returns."""
    parsed = parse(value)
    return parsed[1] if parsed else value.split("/", 1)[-1]
