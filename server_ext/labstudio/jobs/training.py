"""Training jobs as a kind of the job engine: SageMaker's training container contract.

The request is CreateTrainingJobRequest (jobs/spec.py checks it); the job's tree is /opt/ml
with the code snapshot, hyperparameters and channels (jobs/contract.py), one per host of a
multi-host job (jobs/hosts.py); the run records the hyperparameters and channels; the
answers are SageMaker's DescribeTrainingJob and ListTrainingJobs (jobs/describe.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..shapes.jobs import CreateTrainingJobRequest, DescribeTrainingJobResponse, ListTrainingJobsResponse, TrainingJobSummary
from ..store import hosts as hosts_store
from ..store import metrics as metrics_store
from ..store import runs as runs_store
from ..store.db import Connection
from ..store.entities import Job
from .contract import channel_links, command, environment, free_port, host_names, needs_rendezvous, prepare_tree
from .describe import deleted_archives, describe, summary
from .engine import JobEngine, KindDefinition, KindLaunch, RunRecord
from .hosts import log_prefix
from .layout import Layout
from .requirements import plan_entry as requirements_plan
from .spec import JobSpec, check_exec_size, parse_spec


class TrainingDefinition(KindDefinition[JobSpec, DescribeTrainingJobResponse, TrainingJobSummary]):
    spec_type = JobSpec
    request = CreateTrainingJobRequest
    describe_model = DescribeTrainingJobResponse
    summary_model = TrainingJobSummary
    list_model = ListTrainingJobsResponse
    artifacts = ("model", "output", "log")
    multi_host = True

    def parse(self, engine: JobEngine, request: Mapping[str, Any], *, base_dir: Path | None, root_dir: Path | None) -> JobSpec:
        return parse_spec(request, base_dir=base_dir, root_dir=root_dir, default_backend=engine.settings.job_backend)

    def run(self, spec: JobSpec) -> RunRecord:
        return RunRecord(
            experiment_name=spec.experiment_name,
            trial_name=spec.trial_name,
            tags=spec.tags,
            params=spec.user_hyperparameters,
            inputs=list(spec.channels.items()),
        )

    def plan(
        self, engine: JobEngine, spec: JobSpec, layout: Layout, run_id: str | None, *, base_dir: Path | None, root_dir: Path | None
    ) -> KindLaunch:
        """algo-1's plan (checked against what the OS will start: E2BIG), the tree with the code
        snapshot, and a multi-host job's other hosts' plans."""
        base_env = engine.base_env()
        rendezvous = ("127.0.0.1", free_port()) if needs_rendezvous(spec) else None
        multi: dict[str, Any] = {}
        if spec.instance_count > 1:
            multi = {
                "host": layout.host,
                "hosts": host_names(spec.instance_count),
                "rendezvous": rendezvous,
                "log_prefix": log_prefix(layout.host),
                # The local backend: algo-1 starts the others once it holds the job's slot.
                "start_hosts": spec.backend == "local",
            }
        plan = {
            **multi,
            "max_runtime_seconds": spec.max_runtime_seconds,
            "argv": command(spec, layout, rendezvous=rendezvous),
            "cwd": str(layout.code),
            "env": environment(spec, layout, run_id=run_id, base_env=base_env, rendezvous=rendezvous),
            "channels": channel_links(spec, layout),
            "output_path": spec.output_path,  # where the supervisor packs the archives (None: the artifact store)
            "metric_definitions": spec.metric_definitions,
            "requirements": requirements_plan(spec, layout.code, engine.settings.home),  # pip, before the script
        }
        check_exec_size(spec, plan["argv"], plan["env"])  # the OS would refuse to start it (E2BIG)

        def materialise() -> dict[str, Any]:
            prepare_tree(spec, layout)
            return {}

        def hosts(whole: dict[str, Any]) -> dict[str, dict[str, Any]]:
            return {host: _host_plan(engine, spec, layout, whole, host) for host in host_names(spec.instance_count)[1:]}

        return KindLaunch(plan, materialise, hosts)

    def record(self, conn: Connection, engine: JobEngine, spec: JobSpec) -> None:
        hosts_store.add_hosts(conn, spec.name, host_names(spec.instance_count))

    def describe(self, engine: JobEngine, job: Job) -> DescribeTrainingJobResponse:
        """DescribeTrainingJob's shape, final metrics and hosts included."""
        with engine.db.read() as conn:
            metrics = metrics_store.summaries(conn, [job.run_id]).get(job.run_id, {}) if job.run_id else {}
            run_gone = not runs_store.run_exists(conn, job.run_id) if job.run_id else False
            hosts = hosts_store.list_hosts(conn, job.name)
        return describe(job, metrics, deleted_archives(job) if run_gone else frozenset(), hosts)

    def summaries(self, engine: JobEngine, jobs: list[Job]) -> list[TrainingJobSummary]:
        return [summary(job) for job in jobs]


def _host_plan(engine: JobEngine, spec: JobSpec, layout: Layout, plan: dict[str, Any], host: str) -> dict[str, Any]:
    """Another host's plan: its own tree, environment and log prefix, no slot of its own
    (the job holds one, algo-1's), and no metric capture (metrics come from algo-1)."""
    own = layout.for_host(host)
    given = plan.get("rendezvous")
    rendezvous = (str(given[0]), int(given[1])) if given else None
    return {
        **plan,
        "host": host,
        "opt_ml": str(own.base),
        "slots_dir": None,
        "start_hosts": False,
        "log_prefix": log_prefix(host),
        "argv": command(spec, own, rendezvous=rendezvous),
        "cwd": str(own.code),
        "env": environment(spec, own, run_id=plan["run_id"], base_env=engine.base_env(), rendezvous=rendezvous),
        "channels": channel_links(spec, own),
        "metric_definitions": [],
        "requirements": requirements_plan(spec, own.code, engine.settings.home),
    }


TRAINING = TrainingDefinition()

__all__ = ["TRAINING", "TrainingDefinition"]
