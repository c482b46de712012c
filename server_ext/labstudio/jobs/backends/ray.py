"""Jobs on a Ray cluster: one detached named actor per host, spread over nodes by a placement group.

Why actors and not Ray's Jobs API: a job submitted through the Jobs API starts a driver
process of its own on the head (its first line took ~3.5 s here), while an actor placed in a
placement group starts in a worker Ray already has; the ordinary supervisor then does on the
node what it does locally (contract, logs, metrics, stop, archives). Actors are detached
(they outlive the CLI or kernel that submitted the job; a task would die with its owner) and
named `<job>/<host>` in the "labstudio" namespace, so any process can find them again.

What travels through the artifact store (`jobs/<name>/input/...`): the job's prepared folder
(code snapshot, input/config, every host's launch plan) as one archive, and each local
channel's files; the node's plan points at those URLs, and the supervisor copies them into
input/data/<channel>. Results come back through the shared store (status, metrics, the log in
`job_log_chunks`, host rows with heartbeats) and the artifact store (archives).
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ...artifacts import ArtifactStore, is_local, local_path
from ...config import ENV_RAY_HOST_RESOURCES, Settings
from ...errors import Invalid
from ...raycluster import RAY_NAMESPACE, check_settings, connect, node_environment
from ...status import HostStatus
from ...store.entities import Job
from .. import kinds
from ..contract import host_names
from ..launch import read_plan
from .base import Backend

ENV_HOST_RESOURCES = ENV_RAY_HOST_RESOURCES  # JSON: each host's bundle (default {"CPU": 1}); Settings.ray_host_resources
START_GRACE_SECONDS = 120.0  # a job whose hosts are still queued for resources is not dead
PROBE_TIMEOUT = 10.0
# How long a host whose actor vanished may wait for Ray to say its node died (Ray's default
# health checks take ~30 s to declare a node dead).
NODE_VERDICT_SECONDS = 45.0


def host_resources(settings: Settings) -> dict[str, float]:
    raw = settings.ray_host_resources
    if not raw:
        return {"CPU": 1.0}
    try:
        value = json.loads(raw)
        if not isinstance(value, dict) or not value or not all(isinstance(v, (int, float)) and v >= 0 for v in value.values()):
            raise ValueError
    except ValueError:
        raise Invalid(f'{ENV_HOST_RESOURCES} must be a JSON object of Ray resources, e.g. {{"CPU": 1}}; got {raw!r}.', field=ENV_HOST_RESOURCES) from None
    return {str(k): float(v) for k, v in value.items()}


def actor_name(job: str, host: str) -> str:
    return f"{job}/{host}"


def job_hosts(job: Job) -> list[str]:
    """A job's hosts: its instance_count for a kind that runs on several (training), else one."""
    kind = kinds.find(job.kind)
    multi = kind is not None and kind.definition.multi_host
    return host_names(int(job.spec.get("instance_count") or 1)) if multi else host_names(1)


class RayBackend(Backend):
    name = "ray"

    def __init__(self, settings: Settings) -> None:
        check_settings(settings, "jobs", "backend")  # cheap refusals: no connection made
        self.settings = settings
        self._reasons: dict[str, str] = {}
        self._dying: dict[tuple[str, str], float] = {}

    def check_submit(self) -> None:
        """Before a job's folder exists: the cluster answers and the host resources parse."""
        host_resources(self.settings)
        connect(self.settings)

    # -- submit ---------------------------------------------------------------------
    def submit(self, job: Job, layout: Any) -> None:
        ray = connect(self.settings)
        from ray.util.placement_group import placement_group
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        from .ray_host import JobHost

        hosts = job_hosts(job)
        manifest = self._ship(job.name, Path(layout.job_dir), hosts)
        bundle = host_resources(self.settings)
        group = placement_group([dict(bundle) for _ in hosts], strategy="SPREAD", name=f"labstudio/{job.name}", lifetime="detached")
        actor_class = ray.remote(JobHost)
        for index, host in enumerate(hosts):
            actor_class.options(
                name=actor_name(job.name, host),
                namespace=RAY_NAMESPACE,
                lifetime="detached",
                max_restarts=0,
                num_cpus=bundle.get("CPU", 0),
                resources={k: v for k, v in bundle.items() if k not in ("CPU", "GPU", "memory")},
                num_gpus=bundle.get("GPU", 0),
                scheduling_strategy=PlacementGroupSchedulingStrategy(placement_group=group, placement_group_bundle_index=index),
            ).remote(job.name, host, manifest, group)

    def _ship(self, name: str, job_dir: Path, hosts: list[str]) -> dict[str, Any]:
        """The job's folder and its local inputs into the artifact store; what the nodes need.

        Local inputs of every kind travel the same way: a training job's channels, a
        processing job's inputs, a transform job's input (its model and code are in the
        folder). Each goes to `jobs/<name>/input/data/<input>/` and the node's plan (or the
        transform's config) names that URL, which the node's supervisor copies in."""
        from ...remote_storage import upload

        store = ArtifactStore(self.settings.artifact_uri)
        uploaded: dict[str, str] = {}

        def ship(source: str, input_name: str, field: str) -> str:
            """A local file or folder's URL in the artifact store (a file: its prefix)."""
            path = str(local_path(source))
            if path not in uploaded:
                prefix = store.uri_for(f"jobs/{name}/input/data/{input_name}")
                dest = prefix if os.path.isdir(path) else f"{prefix}/{os.path.basename(path)}"
                upload(path, dest, lambda _line: None, field=field)
                uploaded[path] = prefix
            return uploaded[path]

        with tempfile.TemporaryDirectory(prefix="labstudio-ray-") as scratch:
            bundle_uri = store.pack_dir(job_dir, f"jobs/{name}/input/job.tar.gz", Path(scratch), compresslevel=1)
        channels: dict[str, list[list[str]]] = {}
        inputs: dict[str, list[list[str]]] = {}
        envs: dict[str, dict[str, str]] = {}
        configs: dict[str, dict[str, Any]] = {}
        here = self.settings.child_env()
        for host in hosts:
            host_dir = job_dir if host == "algo-1" else job_dir / "hosts" / host
            plan = read_plan(str(host_dir))
            pairs = []
            for source, target in plan.get("channels") or []:
                if is_local(source):
                    source = ship(source, os.path.basename(str(target).rstrip("/")), "channels")
                pairs.append([source, os.path.relpath(str(target), str(job_dir))])
            channels[host] = pairs
            inputs[host] = [
                [ship(source, input_name, "inputs") if is_local(source) else source, dest, input_name]
                for source, dest, input_name in plan.get("inputs") or []
            ]
            # The job's own variables: what its plan sets beyond this machine's environment.
            envs[host] = {k: v for k, v in (plan.get("env") or {}).items() if here.get(k) != v}
            # A kind's config files that name local paths the job reads (the launch plan says which).
            for config_file, key, ship_name, category in plan.get("config_paths") or []:
                config = json.loads((job_dir / config_file).read_text())
                configs.setdefault(config_file, {})
                if is_local(config[key]):
                    configs[config_file][key] = ship(config[key], ship_name, category)
        return {
            "bundle": bundle_uri,
            "job_dir": str(job_dir),
            "home": str(self.settings.home),
            "channels": channels,
            "inputs": inputs,
            "configs": configs,
            "env": envs,
            "node_env": node_environment(self.settings),
        }

    # -- control --------------------------------------------------------------------
    def _actors(self, job: Job) -> dict[str, Any]:
        ray = connect(self.settings)
        found: dict[str, Any] = {}
        for host in job_hosts(job):
            try:
                found[host] = ray.get_actor(actor_name(job.name, host), namespace=RAY_NAMESPACE)
            except ValueError:
                continue
        return found

    def stop(self, job: Job, layout: Any) -> None:
        """The supervisors poll the job's stop flag (already set); SIGTERM makes it immediate.
        After the grace, whatever still runs is killed with its actor (best effort, from this
        process while it lives)."""
        try:
            actors = self._actors(job)
        except Invalid:
            return  # the cluster is unreachable: the supervisors still see the flag
        for actor in actors.values():
            actor.terminate.remote()
        grace = float(self.settings.stop_grace_seconds) + 30.0
        threading.Timer(grace, self._kill_if_running, args=(job.name,)).start()

    def _kill_if_running(self, name: str) -> None:
        from ...store import get_database
        from ...store import jobs as jobs_store

        try:
            with get_database(self.settings).read() as conn:
                job = jobs_store.get_job(conn, name, with_transitions=False)
            if job is not None and not job.is_terminal:
                self.cleanup_dead(job, None)
        except Exception:  # best effort; the reconciler finishes the job
            pass

    def cleanup_dead(self, job: Job, layout: Any) -> None:
        """Kill the job's actors (their supervisors die with them) and release its placement."""
        try:
            ray = connect(self.settings)
            for actor in self._actors(job).values():
                ray.kill(actor, no_restart=True)
            from ray.util import get_placement_group, remove_placement_group

            remove_placement_group(get_placement_group(f"labstudio/{job.name}"))
        except Exception:  # best effort; the reconciler finishes the job
            pass

    # -- liveness -------------------------------------------------------------------
    def is_alive(self, job: Job, layout: Any) -> bool | None:
        """Heartbeats in the store, and (when the cluster answers) Ray's view of the actors."""
        from ...store import get_database
        from ...store import hosts as hosts_store

        with get_database(self.settings).read() as conn:
            rows = {row.host: row for row in hosts_store.list_hosts(conn, job.name)}
        now = time.time()
        try:
            verdict = self._ray_view(job, rows)
        except Invalid:
            verdict = None  # cluster unreachable: the heartbeats decide
        if verdict is not None:
            return verdict
        stale = self.settings.ray_heartbeat_timeout  # seconds without a heartbeat: the host is gone
        for host, row in rows.items():
            beat = row.heartbeat_time
            if row.status == HostStatus.IN_PROGRESS and beat is not None and now - beat > stale:
                self._reasons[job.name] = (
                    f"InternalServerError: the labstudio supervisor of {host} on {row.node or 'its node'} stopped "
                    f"reporting (no heartbeat for {int(now - beat)} s): its node or process was lost."
                )
                return False
        return True if rows else None

    def _ray_view(self, job: Job, rows: dict[str, Any]) -> bool | None:
        """Ray's verdict: False (with a reason) for a lost node or a dead supervisor, None while
        Ray cannot tell yet, True when every host's actor answers with its supervisor running."""
        ray = connect(self.settings)
        from ray.exceptions import GetTimeoutError, RayActorError

        actors = self._actors(job)
        dead_nodes = {n["NodeID"]: n for n in ray.nodes() if not n["Alive"]}
        undecided = False
        for host in job_hosts(job):
            row = rows.get(host)
            if row is not None and row.status.is_terminal():
                continue  # this host ended and reported it; the leader records the job
            node = (row.node if row is not None else None) or ""
            lost = next((n for n in dead_nodes if n in node), None)
            if lost is not None:
                self._reasons[job.name] = self._node_lost(host, node, lost, dead_nodes[lost])
                return False
            actor = actors.get(host)
            info: dict[str, Any] | None = None
            if actor is not None:
                try:
                    info = ray.get(actor.info.remote(), timeout=PROBE_TIMEOUT)
                except GetTimeoutError:
                    undecided = True  # still being placed (queued for resources), or busy
                    continue
                except RayActorError:
                    info = None
            if info is not None:
                if info.get("exit_code") is None:
                    continue  # running
                # The actor answers, so its node is alive: the supervisor itself died.
                self._reasons[job.name] = self._supervisor_gone(job, host, row, f"it exited with status {info['exit_code']}")
                return False
            if actor is None and time.time() - job.creation_time < START_GRACE_SECONDS and (row is None or row.status == "Pending"):
                undecided = True
                continue
            # The actor's worker is gone without a word: its node may be going down, which Ray
            # declares only once its health checks miss; wait for that verdict for a while.
            first = self._dying.setdefault((job.name, host), time.monotonic())
            if time.monotonic() - first < NODE_VERDICT_SECONDS:
                undecided = True
                continue
            self._reasons[job.name] = self._supervisor_gone(job, host, row, "its Ray actor is gone")
            return False
        return None if undecided else True

    def _node_lost(self, host: str, node: str, node_id: str, entry: dict[str, Any]) -> str:
        address = entry.get("NodeManagerAddress", "")
        return (
            f"InternalServerError: the Ray node running {host} was lost ({node or address}; Ray node {node_id} at {address} "
            "is dead); the job's processes there are gone. Submit the job again."
        )

    def _supervisor_gone(self, job: Job, host: str, row: Any, why: str) -> str:
        pid = f" (pid {row.pid})" if row is not None and row.pid else ""
        where = f" on {row.node}" if row is not None and row.node else ""
        return (
            f"InternalServerError: the labstudio supervisor of {host}{pid}{where} ended unexpectedly while the job was "
            f"{job.secondary_status} ({why}); the training process was stopped. Check the supervisor.log of the job "
            "on that node and submit the job again."
        )

    def dead_reason(self, job: Job, layout: Any) -> str | None:
        return self._reasons.pop(job.name, None)

    def runner_pid(self, job: Job, layout: Any) -> int | None:
        return None
