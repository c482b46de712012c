"""Which supervisor runs a job: its launch plan's `kind` says ("training" when absent).

A new kind (batch transform) is a Supervisor subclass registered here, a JobService
subclass, and the `kind` value in the jobs table. Standard library only: the supervisor
reads this before the script starts.
"""
from __future__ import annotations

from . import launch
from .supervisor import Supervisor


def supervisor_class(job_dir: str) -> type[Supervisor]:
    kind = launch.read_plan(job_dir).get("kind", "training")
    if kind == "processing":
        from .processing.supervisor import ProcessingSupervisor

        return ProcessingSupervisor
    if kind == "transform":
        from ..transform.supervisor import TransformSupervisor

        return TransformSupervisor
    return Supervisor
