"""Endpoints on a Ray cluster: one detached, named actor per endpoint runs its runtime on a node.

Chosen with ``LABSTUDIO_ENDPOINT_BACKEND=ray``; the cluster is ``LABSTUDIO_RAY_ADDRESS``. Ray's
public APIs only: the actor (``raynode.EndpointHost``, namespace ``labstudio``, named
``endpoint-<name>``, ``lifetime="detached"`` so it outlives the server or notebook that deployed
it, ``max_restarts=0`` because a restarted caretaker would not hold the runtime it started)
materialises the endpoint's folder on its node and starts the same runtime the local backend
starts (``python -m labstudio.serving.server``), which reports to the store itself.

The endpoint's files reach the node through the artifact store only: the service has already
snapshotted every variant under the endpoint's folder here, and ``start``/``update`` upload
those snapshots (a variant whose model is an archive already in an object store is fetched
by the node from there instead) with a ``spec.json`` whose paths are relative to the folder.
The runtime listens on the node's IP (a cluster endpoint must be reachable from the
JupyterLab machine), on the port the request asked for or a free one; the URL recorded is
``http://<node-ip>:<port>``. Refusals (no Ray, a SQLite store, a local artifact folder, a
cluster that does not answer) come from ``labstudio.raycluster``, shared with the jobs.
"""
from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...artifacts import ArtifactStore, exists
from ...config import ENV_ENDPOINT_BACKEND
from ...errors import Invalid
from ...raycluster import RAY_NAMESPACE, check_settings, connect, node_environment
from ...store.endpoints import Endpoint
from ..sources import ARCHIVE_SUFFIXES
from ..spec import EndpointSpec
from .base import EndpointBackend, LaunchFailed, Started
from .raynode import REMOTE_SPEC, EndpointHost

log = logging.getLogger("labstudio.serving")

START_TIMEOUT = 180.0  # seconds for the actor to come up on a node and fetch the endpoint's files
NAME_RELEASE_TIMEOUT = 10.0  # seconds Ray may take to free a killed actor's name
CALL_TIMEOUT = 30.0
KEPT_LOG_BYTES = 1 << 20  # the end of a stopped runtime's log brought back from its node  # seconds a question to a running actor may take before it counts as busy
_actor_class: Any = None


def actor_name(endpoint: str) -> str:
    return f"endpoint-{endpoint}"


def runtime_key(endpoint: str) -> str:
    """Where an endpoint's deployed files live in the artifact store (next to its data capture)."""
    return f"endpoints/{endpoint}/runtime"


def _remote_archive(model_data: str) -> str | None:
    """The object-store archive a variant's model was unpacked from, when it was one (the node fetches it itself)."""
    uri = model_data.split(" (training job ", 1)[0]  # a job's model is described as "<archive> (training job NAME)"
    remote = "://" in uri and not uri.startswith("file://")
    return uri if remote and uri.lower().endswith(ARCHIVE_SUFFIXES) else None


class RayEndpointBackend(EndpointBackend):
    name = "ray"

    def preflight(self) -> None:
        self._ray()

    def _ray(self) -> Any:
        """The connected ``ray`` module; ``Invalid`` for settings a cluster cannot work with or a cluster that does not answer."""
        check_settings(self.settings, "endpoints", ENV_ENDPOINT_BACKEND)
        return connect(self.settings)

    def _actor(self, ray: Any, name: str) -> Any | None:
        try:
            return ray.get_actor(actor_name(name), namespace=RAY_NAMESPACE)
        except ValueError:  # no such actor, or it is dead (max_restarts=0)
            return None

    # -- files --------------------------------------------------------------------------

    def _publish(self, spec: EndpointSpec, folder: Path) -> None:
        """Upload what the node needs: each variant's snapshot (once per snapshot) and ``spec.json``.

        Snapshot folders are named per generation and their archives per preparation time, so
        an update uploads only the variants it re-prepared, and a new endpoint of an old name
        never picks up the old one's files.
        """
        store = ArtifactStore(self.settings.artifact_uri)
        prefix = runtime_key(spec.name)
        root = folder.resolve()
        bundles: dict[str, str] = {}
        variants = []
        with tempfile.TemporaryDirectory(prefix="labstudio-ray-") as scratch:
            for variant in spec.variants:
                relative = {}
                for which, path in (("model", variant.model_dir), ("code", variant.source_dir)):
                    if not path:
                        continue
                    local = Path(path).resolve()
                    if root not in local.parents:
                        raise LaunchFailed(f"variant {variant.name!r}: its {which} folder {local} is not a snapshot in the endpoint's folder")
                    rel = local.relative_to(root).as_posix()
                    relative[which] = rel
                    remote = _remote_archive(variant.model_data) if which == "model" else None
                    if remote is not None:
                        bundles[rel] = remote
                        continue
                    key = f"{prefix}/{rel}-{local.stat().st_mtime_ns:x}.tar.gz"
                    uri = store.uri_for(key)
                    if not exists(uri):
                        uri = store.pack_dir(local, key, Path(scratch))
                    bundles[rel] = uri
                variants.append(replace(variant, model_dir=relative["model"], source_dir=relative.get("code")))
        document = {"spec": replace(spec, variants=variants).to_json(), "bundles": bundles}
        store.put_bytes(json.dumps(document).encode(), f"{prefix}/{REMOTE_SPEC}")

    # -- the interface ------------------------------------------------------------------

    def start(self, spec: EndpointSpec, folder: Path, on_address: Callable[[EndpointSpec], None]) -> Started:
        global _actor_class
        try:
            ray = self._ray()
        except Invalid as exc:
            raise LaunchFailed(exc.message) from None
        actor = None
        try:
            leftover = self._actor(ray, spec.name)
            if leftover is not None:  # of an endpoint of this name removed by hand: nothing of it may keep serving
                self._end(ray, leftover, spec.name, grace=1.0, workers=[])
            if _actor_class is None:
                _actor_class = ray.remote(EndpointHost)
            prefix_uri = ArtifactStore(self.settings.artifact_uri).uri_for(runtime_key(spec.name))
            actor = _actor_class.options(
                name=actor_name(spec.name),
                namespace=RAY_NAMESPACE,
                lifetime="detached",
                max_restarts=0,
                num_cpus=0,  # a caretaker; the runtime's workers are the endpoint's load
            ).remote(spec.name, prefix_uri, node_environment(self.settings))
            where = ray.get(actor.reserve.remote(spec.port), timeout=START_TIMEOUT)
            if "error" in where:
                raise LaunchFailed(f"{where['error']}: choose another port, or leave it out to get a free one")
            served = replace(spec, host=where["host"], port=int(where["port"]))
            on_address(served)
            self._publish(served, folder)
            started = ray.get(actor.start.remote(), timeout=START_TIMEOUT)
            log.info("endpoint %s: serving from %s on port %s", spec.name, where["node"], where["port"])
        except LaunchFailed:
            self._kill(ray, actor, spec.name)
            raise
        except Exception as exc:
            self._kill(ray, actor, spec.name)
            raise LaunchFailed(f"could not start the endpoint on the Ray cluster: {type(exc).__name__}: {exc}") from exc
        return Started(pid=int(started["pid"]), start_ticks=started["start_ticks"])

    def update(self, endpoint: Endpoint) -> bool:
        """Upload the new variants and ``spec.json``; the actor re-fetches them and SIGHUPs the runtime."""
        try:
            ray = self._ray()
            actor = self._actor(ray, endpoint.name)
            if actor is None or not ray.get(actor.running.remote(), timeout=CALL_TIMEOUT):
                return False
            spec = EndpointSpec.read(self.settings.endpoints_dir / endpoint.name / "spec.json")
            self._publish(spec, self.settings.endpoints_dir / endpoint.name)
            return bool(ray.get(actor.update.remote(), timeout=START_TIMEOUT))
        except Exception:
            log.exception("endpoint %s: the update could not reach its node", endpoint.name)
            return False

    def stop(self, endpoint: Endpoint, grace: float) -> None:
        """The actor drains and kills the runtime on its node, then the actor is killed; its files are removed."""
        try:
            ray = self._ray()
        except Invalid as exc:
            log.warning("endpoint %s: cannot reach its node to stop it: %s", endpoint.name, exc.message)
            return
        workers = [[int(p), t] for v in endpoint.variants for p, t in (v.config.get("worker_pids") or [])]
        actor = self._actor(ray, endpoint.name)
        if actor is not None:
            self._keep_log(endpoint.name, self._end(ray, actor, endpoint.name, grace, workers))
        try:
            ArtifactStore(self.settings.artifact_uri).delete_prefix(runtime_key(endpoint.name))
        except Exception:
            log.exception("endpoint %s: removing its deployed files from the artifact store failed", endpoint.name)

    def _keep_log(self, name: str, log_text: bytes | None) -> None:
        """Write the node's log into the endpoint's folder here: after a stop, or a failure, it stays readable."""
        if log_text is None:
            return
        path = self.settings.endpoints_dir / name / "logs" / "endpoint.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(log_text)
        except OSError as exc:
            log.warning("endpoint %s: keeping its log failed: %s", name, exc)

    def _end(self, ray: Any, actor: Any, name: str, grace: float, workers: list[list[Any]]) -> bytes | None:
        """Stop the runtime through its actor, kill the actor; the log the node had (None if it could not be read)."""
        log_text = None
        try:
            log_text = bytes(ray.get(actor.stop.remote(grace, workers, KEPT_LOG_BYTES), timeout=grace + CALL_TIMEOUT))
        except Exception as exc:  # a dead or unreachable actor: killing it is all that is left
            log.warning("endpoint %s: stopping its runtime through its actor failed: %s", name, exc)
        self._kill(ray, actor, name)
        return log_text

    def _kill(self, ray: Any, actor: Any, name: str | None = None) -> None:
        """Kill the actor and, given its endpoint's name, wait until the name is free again.

        Ray releases a dead actor's name asynchronously; a redeploy under the same name right
        after a delete would otherwise be refused as a taken name.
        """
        if actor is None:
            return
        try:
            ray.kill(actor, no_restart=True)
        except Exception:
            log.exception("killing an endpoint's actor failed")
            return
        deadline = time.monotonic() + NAME_RELEASE_TIMEOUT
        while name is not None and self._actor(ray, name) is not None and time.monotonic() < deadline:
            time.sleep(0.1)

    def is_alive(self, endpoint: Endpoint) -> bool:
        """Asks the endpoint's actor whether its runtime runs; no actor (killed, its node lost): not alive.

        When the cluster cannot be asked (unreachable, an actor too busy to answer) the answer
        is yes: this machine's own trouble must not mark a serving endpoint Failed.
        """
        try:
            ray = self._ray()
        except Invalid:
            return True
        actor = self._actor(ray, endpoint.name)
        if actor is None:
            return False
        from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError

        try:
            return bool(ray.get(actor.running.remote(), timeout=CALL_TIMEOUT))
        except (GetTimeoutError, ActorUnavailableError):
            return True
        except RayActorError:
            return False

    def cleanup_dead(self, endpoint: Endpoint) -> None:
        self.stop(endpoint, grace=1.0)

    def reap(self) -> None:
        """Nothing to reap here: the runtime is the actor's child, on its node."""

    def log_tail(self, endpoint: Endpoint, max_bytes: int) -> bytes | None:
        """The end of the runtime's log, read on its node by the actor; None when there is no actor to ask."""
        try:
            ray = self._ray()
            actor = self._actor(ray, endpoint.name)
            if actor is None:
                return None
            return bytes(ray.get(actor.log_tail.remote(max_bytes), timeout=CALL_TIMEOUT))
        except Exception as exc:
            log.warning("endpoint %s: its log could not be read on its node: %s", endpoint.name, exc)
            return None


__all__ = ["RayEndpointBackend", "actor_name", "runtime_key"]
