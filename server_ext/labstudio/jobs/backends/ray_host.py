"""On a Ray node: one host of a labstudio job, as a detached actor (see jobs/backends/ray.py).

The actor's constructor does the work a local `labstudio.supervise` launch does, on the node:
it fetches the job's folder from the artifact store into a node-local LABSTUDIO_HOME, points
the host's launch plan at that tree, and starts the ordinary supervisor as its child. A
detached actor is used rather than a task because it outlives the CLI or kernel that
submitted the job (a task dies with its owner). The supervisor gets SIGKILL when the actor's
worker dies (killed by `ray.kill`, or its node lost), so nothing of a job outlives its actor;
the actor ends itself once the supervisor exits.
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

LEADER = "algo-1"
LINGER_SECONDS = 30.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """In the supervisor, before exec: SIGKILL when the actor's worker (our parent) dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def rewrite(value: Any, pairs: list[tuple[str, str]]) -> Any:
    """Every string in a plan with the submitting machine's paths replaced by the node's."""
    if isinstance(value, str):
        for old, new in pairs:
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [rewrite(v, pairs) for v in value]
    if isinstance(value, dict):
        return {k: rewrite(v, pairs) for k, v in value.items()}
    return value


def _marker(job_dir: Path, host: str) -> Path:
    """Says `host` uses the node's copy of the job's folder (hosts on one node share it)."""
    return job_dir.parent / f".{job_dir.name}.{host}.running"


def _unpack(bundle_uri: str, home: Path, job_dir: Path, host: str) -> None:
    """The job's folder from the artifact store, once per node (hosts on one node share it)."""
    from ...artifacts import extract_archive, fetch

    job_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(job_dir.parent / f".{job_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _marker(job_dir, host).touch()
        if (job_dir / "launch.json").exists():
            return
        archive = fetch(bundle_uri, home / "bundles" / f"{job_dir.name}.tar.gz")
        staging = job_dir.with_name(job_dir.name + ".unpacking")
        staging.mkdir(parents=True, exist_ok=True)
        extract_archive(archive, staging)
        os.replace(staging, job_dir)
        if str(archive) != bundle_uri:
            archive.unlink(missing_ok=True)


def _remove(job_dir: Path, host: str) -> None:
    """The node's copy of the job's folder, once the last of its hosts there is done with it."""
    lock_path = job_dir.parent / f".{job_dir.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _marker(job_dir, host).unlink(missing_ok=True)
        if any(job_dir.parent.glob(f".{job_dir.name}.*.running")):
            return
        shutil.rmtree(job_dir, ignore_errors=True)
        lock_path.unlink(missing_ok=True)


class JobHost:
    """One host (algo-k) of one job. Named `<job>/<host>` in the "labstudio" namespace."""

    def __init__(self, name: str, host: str, manifest: dict[str, Any], placement: Any) -> None:
        import ray

        from ...config import ENV_NODE_ID, environment
        from ...raycluster import node_home
        from ..launch import read_plan, write_plan

        self.name, self.host = name, host
        # This worker process serves only this host: it reaches the store and the artifact
        # store with the same settings (and AWS variables) as the supervisor it starts.
        os.environ.update(manifest["node_env"])
        self.node_id = ray.get_runtime_context().get_node_id()
        self.placement = placement
        home = node_home() / self.node_id[:12]
        self.job_dir = job_dir = home / "jobs" / name
        _unpack(manifest["bundle"], home, job_dir, host)
        host_dir = job_dir if host == LEADER else job_dir / "hosts" / host
        pairs = [(manifest["job_dir"], str(job_dir)), (manifest["home"], str(home))]
        plan = rewrite(read_plan(str(host_dir)), pairs)
        plan["channels"] = [[source, str(job_dir / target)] for source, target in manifest["channels"][host]]
        if manifest.get("inputs", {}).get(host):
            plan["inputs"] = rewrite(manifest["inputs"][host], pairs)
        for config_name, changes in (manifest.get("configs") or {}).items():
            # A kind's own config names paths of the job's folder (and the shipped input's URL).
            config_file = job_dir / config_name
            config = rewrite(json.loads(config_file.read_text()), pairs)
            config.update(changes)
            config_file.write_text(json.dumps(config, indent=2))
        # Each host its own log file (hosts on one node share the folder): each supervisor
        # sends its whole file to the store, so no line may be in two files.
        plan.update(remote=True, slots_dir=None, start_hosts=False, log_file=str(host_dir / "output.log"))
        # The node's own environment (its PATH, HOME, Python), never the submitting machine's,
        # plus what the job sets and what reaches the shared store and object store.
        env = environment()
        env.update(rewrite(manifest["env"][host], pairs))
        env.update(manifest["node_env"])
        env["LABSTUDIO_HOME"] = str(home)
        plan["env"] = env
        write_plan(str(host_dir), plan)
        sup_env = dict(env)
        sup_env[ENV_NODE_ID] = self.node_id
        # algo-1's address is known only now that the hosts are placed: the supervisor's --master
        master = ["--master", f"{self._leader_ip()}:{plan['rendezvous'][1]}"] if plan.get("rendezvous") else []
        log = open(host_dir / "supervisor.log", "ab")  # the child's, closed below
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "labstudio.supervise", str(job_dir), "--host", host, *master, "--foreground"],
                env=sup_env,
                cwd=str(home),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # prctl must run in the child
            )
        finally:
            log.close()
        self.exit_code: int | None = None
        threading.Thread(target=self._watch, name="labstudio-watch", daemon=True).start()

    def _leader_ip(self) -> str:
        """algo-1's node address: the rendezvous of a multi-host job (the placement says where)."""
        import ray
        from ray.util import placement_group_table

        node = placement_group_table(self.placement)["bundles_to_node_id"][0]
        for entry in ray.nodes():
            if entry["NodeID"] == node:
                return str(entry["NodeManagerAddress"])
        raise RuntimeError(f"algo-1's node {node} is not in the cluster")

    def _watch(self) -> None:
        self.exit_code = self.proc.wait()
        if self.exit_code >= 0:
            # It exited by itself, so it stored what the job made (archives, log, status): the
            # node keeps nothing of the job. A supervisor killed by a signal leaves the folder
            # (its supervisor.log says what happened there).
            _remove(self.job_dir, self.host)
        else:
            # Killed by a signal, so it reported nothing: linger a little before ending, since
            # an actor that answers "my supervisor was killed" while the job still runs proves
            # the supervisor died on a live node (not with a lost one). A supervisor that exited
            # by itself recorded its outcome: the host's resources are released at once.
            time.sleep(LINGER_SECONDS)
        import ray

        ray.get_runtime_context().current_actor.finish.remote()

    def info(self) -> dict[str, Any]:
        """Where this host runs and whether its supervisor still does (the liveness probe)."""
        return {"node_id": self.node_id, "pid": self.proc.pid, "exit_code": self.exit_code}

    def terminate(self) -> None:
        """A stop: SIGTERM to the supervisor, which stops the script's whole tree as locally."""
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass

    def finish(self) -> None:
        """The supervisor exited: the leader releases the job's placement group; the actor ends."""
        import ray

        if self.host == LEADER:
            try:
                ray.util.remove_placement_group(self.placement)
            except Exception:  # already removed: nothing to release
                pass
        ray.actor.exit_actor()

