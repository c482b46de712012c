"""The store an SDK object talks to, and SageMaker's ``LocalSession`` name for it.

Every SDK object resolves its Core through here, once per store: a kernel started by the
Jupyter server has LABSTUDIO_HOME / LABSTUDIO_DB_URL in its environment, so jobs launched
from a notebook land in the store the panel shows. The cache is keyed by those variables so
a test (or a user) that points them elsewhere gets a fresh Core, not a stale one.
"""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from ..config import ENV_ARTIFACT_URI, ENV_DB_URL, ENV_HOME

if TYPE_CHECKING:
    from ..core import Core

_LOCK = threading.Lock()
_CORES: dict[tuple[str, str, str], Core] = {}


def get_core() -> Core:
    """The Core for the store the environment names (cached per store)."""
    key = (os.environ.get(ENV_HOME, ""), os.environ.get(ENV_DB_URL, ""), os.environ.get(ENV_ARTIFACT_URI, ""))
    with _LOCK:
        core = _CORES.get(key)
        if core is None:
            from ..core import Core

            core = _CORES[key] = Core.from_env()
        return core


class LocalSession:
    """Stands where ``sagemaker.local.LocalSession`` stands in a local-mode driver.

    Its arguments (boto session, bucket, ...) only matter on AWS and are accepted for
    compatibility; ``config`` is kept so ``session.config = {"local": {"local_code": True}}``
    keeps working.
    """

    def __init__(self, boto_session: Any = None, default_bucket: str | None = None, **kwargs: Any) -> None:
        self.config: dict[str, Any] = {"local": {"local_code": True}}
        self.local_mode = True

    @property
    def core(self) -> Core:
        return get_core()

    def default_bucket(self) -> str:
        """There is no bucket: artifacts live in LABSTUDIO_ARTIFACT_URI."""
        return self.core.settings.artifact_uri

    def __repr__(self) -> str:
        return f"LocalSession(home={str(self.core.settings.home)!r})"


def core_of(session: Any) -> Core:
    """The Core behind a session argument (ours, or anything else: then the environment's)."""
    if isinstance(session, LocalSession):
        return session.core
    return get_core()
