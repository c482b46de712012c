"""requirements.txt of an endpoint's (or a batch transform's) inference code, installed before the handlers load.

SageMaker's serving containers pip-install ``requirements.txt`` of the model's code folder
(``source_dir``, the training job's code, or the archive's ``code/``) before importing the
inference script. labstudio does the same with the training jobs' machinery
(``jobs/requirements.py``): one venv per distinct file, cached by its hash under labstudio's
home, chained to the base environment, so the user's environment is never changed and a
second endpoint with the same file starts at once.

How the code uses it differs by process:

- an endpoint's worker is forked from the endpoint's supervisor, so it cannot switch
  interpreters: it builds (or reuses) the environment, then puts the environment's
  site-packages in front of ``sys.path`` before importing the handlers (see ``activate``);
- a transform job's runner is a job script, so its launch plan gets the same
  ``requirements`` entry as a training job's and the job supervisor runs it with the
  environment's python.
"""
from __future__ import annotations

import importlib
import os
import site
import sys
from pathlib import Path

from ..config import environment
from ..jobs.requirements import CACHE_DIR_NAME, FILE_NAME, InstallFailed, ensure_env


def requirements_file(code_dir: str | None, model_dir: str) -> Path | None:
    """The requirements.txt served code brings: at the top of its code folder, else None."""
    folder = Path(code_dir) if code_dir else Path(model_dir) / "code"
    candidate = folder / FILE_NAME
    return candidate if candidate.is_file() else None


def cache_dir(home: Path) -> str:
    """Where the environments live: the training jobs' cache, so both share one per file."""
    return str(home / CACHE_DIR_NAME)


def activate(env_dir: Path) -> None:
    """Make this process import from the environment: its site-packages first on ``sys.path``.

    Sound because the environment was made by ``python -m venv`` from this very interpreter
    (``ensure_env`` is given ``sys.executable``, and the cache key includes it): its
    site-packages holds packages built for this Python, and its ``.pth`` chains back to the
    base environment, whose directories are already on ``sys.path``. Its directories go
    before the base's so a version pinned in requirements.txt wins over the base's copy, as it
    does in a job run by the environment's python. Modules the server imported before the
    fork (tornado, numpy when labstudio loaded it) stay as loaded. ``PATH`` and
    ``VIRTUAL_ENV`` point at the environment too, for commands the handlers run.
    """
    env_dir = Path(os.path.realpath(env_dir))
    before = list(sys.path)
    for folder in sorted(env_dir.glob("lib/python*/site-packages")):
        site.addsitedir(str(folder))
    added = [p for p in sys.path if p not in before]
    sys.path[:] = added + before
    importlib.invalidate_caches()
    os.environ["PATH"] = str(env_dir / "bin") + os.pathsep + os.environ.get("PATH", os.defpath)
    os.environ["VIRTUAL_ENV"] = str(env_dir)


def install_for_worker(cache: str | None, code_dir: str | None, model_dir: str) -> None:
    """In an endpoint worker, before the handlers are imported: install (or reuse) and activate.

    ``cache`` None means the install is off (``InstallRequirements: false``,
    ``--no-requirements``). pip's output goes to the worker's stderr, which is the
    endpoint's log. Raises InstallFailed with pip's error lines; the worker reports it as
    the reason the model did not load, which makes a new endpoint Failed.
    """
    if not cache:
        return
    requirements = requirements_file(code_dir, model_dir)
    if requirements is None:
        return
    sys.stderr.flush()
    env_dir = ensure_env(str(requirements), cache, sys.executable, environment(), sys.stderr.fileno())
    activate(env_dir)


def transform_plan_entry(enabled: bool, code_dir: str | None, model_dir: str, home: Path) -> dict[str, str] | None:
    """A transform job's launch-plan ``requirements`` entry (see ``jobs/requirements.plan_entry``)."""
    if not enabled:
        return None
    requirements = requirements_file(code_dir, model_dir)
    if requirements is None:
        return None
    return {"file": str(requirements), "cache_dir": cache_dir(home)}


__all__ = ["InstallFailed", "activate", "cache_dir", "install_for_worker", "requirements_file", "transform_plan_entry"]
