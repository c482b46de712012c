"""A job's code as SageMaker packs it: the source dir (or the lone script) plus each dependency
copied by name at its root, in a temporary folder the job service snapshots at submit.

Shared by estimators (``Estimator(dependencies=...)``) and processors
(``FrameworkProcessor.run(dependencies=...)``): SageMaker packs both the same way, so a
``requirements.txt`` given as a dependency lands next to the script and is installed first.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

_SKIP = shutil.ignore_patterns("__pycache__", ".git")


@contextmanager
def staged_source(source_dir: str | None, entry_point: str, dependencies: Sequence[str]) -> Iterator[tuple[str | None, str]]:
    """Yields ``(source_dir, entry_point)`` to submit: unchanged without dependencies, else a
    temporary copy (removed on exit) whose entry point is relative to it. Raises ValueError
    naming a source, script or dependency that does not exist."""
    if not dependencies:
        yield source_dir, entry_point
        return
    cwd = Path.cwd()
    staging = Path(tempfile.mkdtemp(prefix="labstudio-src-"))
    try:
        if source_dir is not None:
            source = (cwd / Path(source_dir).expanduser()).resolve()
            if not source.is_dir():
                raise ValueError(f"source_dir {source} is not a folder")
            shutil.copytree(source, staging, dirs_exist_ok=True, ignore=_SKIP)
            entry = entry_point
        else:
            script = (cwd / Path(entry_point).expanduser()).resolve()
            if not script.is_file():
                raise ValueError(f"entry_point {script} does not exist")
            shutil.copy2(script, staging / script.name)
            entry = script.name
        for dep in dependencies:
            path = (cwd / Path(os.fspath(dep)).expanduser()).resolve()
            if not path.exists():
                raise ValueError(f"dependency {dep!r} ({path}) does not exist")
            if path.is_dir():
                shutil.copytree(path, staging / path.name, dirs_exist_ok=True, ignore=_SKIP)
            else:
                shutil.copy2(path, staging / path.name)
        yield str(staging), entry
    finally:
        shutil.rmtree(staging, ignore_errors=True)
