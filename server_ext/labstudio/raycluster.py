"""The Ray cluster as the Ray backends (jobs, endpoints) see it: the checks made before anything
is sent there, and one connection per process, made lazily.

Why the checks: whatever runs on a cluster node reaches labstudio's state only through the
store and the artifact store, so both must be reachable from every node. A SQLite file or a
local artifact folder exists only on the JupyterLab machine; accepting them would start work
that can never report back. Ray itself is an optional extra, named in the refusal.

One connection per process: ``ray.init`` makes this process a driver of the cluster; every
backend in the process shares it (a second ``init`` with another address would be an error,
and reconnecting on every call would cost seconds). It is made on first use, so a server
configured for Ray starts (and lists its jobs) even while the cluster is down.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import socket
import tempfile
import threading
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from .artifacts import is_local
from .config import ENV_ARTIFACT_URI, ENV_DB_URL, ENV_HOME, ENV_RAY_ADDRESS, Settings, environment, getenv
from .errors import Invalid

RAY_NAMESPACE = "labstudio"  # every labstudio actor lives here, so names never clash with a team's own
INSTALL_HINT = "pip install 'labstudio[ray]'"
AWS_PATH_VARIABLES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CA_BUNDLE")
REACH_TIMEOUT = 5.0  # seconds to open a TCP connection to the cluster's address before calling it unreachable

_lock = threading.Lock()
_connected_to: str | None = None


def check_settings(settings: Settings, what: str, backend_field: str) -> None:
    """Refuse (``Invalid``, naming the setting and the fix) what cannot work on a cluster.

    ``what`` says who asks ("jobs", "endpoints") so the message reads naturally, and
    ``backend_field`` is the field or setting that chose Ray (named when Ray is missing).
    Cheap: no connection is made (``connect`` checks that the cluster answers).
    """
    if importlib.util.find_spec("ray") is None:
        raise Invalid(f"running {what} on Ray needs Ray, which is not installed: {INSTALL_HINT}", field=backend_field)
    db_url = settings.db_url
    if db_url.split(":", 1)[0].split("+", 1)[0] == "sqlite":
        raise Invalid(
            f"running {what} on Ray needs a store every cluster node can reach, and {ENV_DB_URL} is a SQLite file "
            f"on this machine ({db_url}): set {ENV_DB_URL} to a PostgreSQL URL (pip install 'labstudio[postgres]')",
            field=ENV_DB_URL,
        )
    artifact_uri = settings.artifact_uri
    if is_local(artifact_uri):
        raise Invalid(
            f"running {what} on Ray needs an artifact store every cluster node can reach, and {ENV_ARTIFACT_URI} is a "
            f"folder on this machine ({artifact_uri}): set {ENV_ARTIFACT_URI} to an object store URL such as "
            "s3://bucket/prefix (pip install 'labstudio[s3]')",
            field=ENV_ARTIFACT_URI,
        )


def _endpoint(address: str) -> tuple[str, int] | None:
    """host and port to probe for an address ``ray.init`` accepts; None for Ray's own discovery."""
    if not address or address in ("auto", "local"):
        return None
    parts = urlsplit(address if "://" in address else f"gcs://{address}")
    if not parts.hostname:
        return None
    default = 10001 if parts.scheme == "ray" else 6379
    try:
        return parts.hostname, parts.port or default
    except ValueError:
        return None


def connect(settings: Settings) -> ModuleType:
    """The ``ray`` module, connected to the configured cluster (once per process).

    Raises ``Invalid`` naming ``LABSTUDIO_RAY_ADDRESS`` when the address is not one a driver
    can use or the cluster does not answer, so a request fails before any work is spent.
    """
    global _connected_to
    address = settings.ray_address or getenv("RAY_ADDRESS")
    if address.startswith(("http://", "https://")):
        raise Invalid(
            f"{ENV_RAY_ADDRESS} is {address!r}, the address of Ray's Jobs API; labstudio connects as a Ray client: "
            "give the cluster's client address (ray://head:10001) or its GCS address (head:6379)",
            field=ENV_RAY_ADDRESS,
        )
    import ray

    with _lock:
        if ray.is_initialized():
            if _connected_to is not None and _connected_to != address:
                raise Invalid(
                    f"this process is already connected to the Ray cluster at {_connected_to or 'auto'}; "
                    f"{ENV_RAY_ADDRESS} now names {address!r}: restart the process to switch clusters",
                    field=ENV_RAY_ADDRESS,
                )
            return ray
        target = _endpoint(address)
        if target is not None:
            try:
                socket.create_connection(target, timeout=REACH_TIMEOUT).close()
            except OSError as exc:
                raise Invalid(
                    f"the Ray cluster at {address} cannot be reached ({exc}): start it, or set {ENV_RAY_ADDRESS} "
                    "to the address `ray start --head` printed",
                    field=ENV_RAY_ADDRESS,
                ) from None
        try:
            ray.init(
                address=address or "auto",
                namespace=RAY_NAMESPACE,
                log_to_driver=False,  # node output goes to the store / the endpoint's log, not into this server's
                logging_level=logging.WARNING,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise Invalid(
                f"cannot connect to the Ray cluster at {address or 'auto'}: {exc}. Set {ENV_RAY_ADDRESS} to the address "
                "`ray start --head` printed (ray://head:10001 or head:6379)",
                field=ENV_RAY_ADDRESS,
            ) from None
        _connected_to = address
        return ray


def node_environment(settings: Settings) -> dict[str, str]:
    """What a process on a node needs to reach the same store and object store as this one.

    labstudio's settings but the home (each node has its own: ``node_home``), and the AWS
    variables boto3 reads (the object store's endpoint, region, profile, credentials) when
    this machine has them; a node without them uses its own configuration (an instance
    role, its own files). Variables naming files are not passed: those files are this
    machine's.
    """
    env = settings.as_env()
    env.pop(ENV_HOME, None)
    env.update({k: v for k, v in environment().items() if k.startswith("AWS_") and k not in AWS_PATH_VARIABLES})
    return env


def node_home() -> Path:
    """Called on a node: its own labstudio home (``LABSTUDIO_NODE_HOME``, else under its temp folder).

    Never the JupyterLab machine's home: nothing on a node may depend on a path that exists
    only there, even when (as in the tests) the node is the same machine.
    """
    given = Settings.from_env().node_home
    home = Path(given).expanduser() if given else Path(tempfile.gettempdir()) / f"labstudio-node-{os.getuid()}"
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home
