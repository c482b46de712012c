"""``sagemaker_containers.entry_point``: run a user's entry point the way the framework containers do.

``run(uri, user_entry_point, args, env_vars)`` takes the code from ``uri`` (here a local folder,
a ``file://`` URI or a ``.tar.gz`` archive: a local job has no S3 to download from), then runs
the entry point as its own process with this interpreter: a ``.py`` file with Python, a ``.sh``
file with the shell, anything else as an executable. ``env_vars`` are added to this process's
environment. With ``wait`` a non-zero exit raises ``ExecuteUserScriptError`` (what the
containers raise); without it the running ``subprocess.Popen`` is returned.

What the toolkit does in a container and is already done here by labstudio is not repeated:
the source dir's ``requirements.txt`` was installed before this job's script started, and
the job's hosts are the one local host, so waiting for host names to resolve returns at once.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import ClientError, ExecuteUserScriptError


def _wait_hostname_resolution() -> None:
    """Every host of a local job is this machine: nothing to wait for."""


def _code_dir(uri: str) -> str:
    """The folder holding the code: ``uri`` itself, or a fresh folder the archive is unpacked into."""
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    if "://" in path:
        raise ClientError(f"uri {uri!r}: local jobs run code from a local folder, a file:// URI or a .tar.gz archive")
    path = os.path.abspath(path)
    if os.path.isdir(path):
        return path
    if os.path.isfile(path) and tarfile.is_tarfile(path):
        target = tempfile.mkdtemp(prefix="sagemaker-code-")
        with tarfile.open(path) as archive:
            if hasattr(tarfile, "data_filter"):  # refuses members that would land outside `target`
                archive.extractall(target, filter="data")
            else:  # Python < 3.10.12 has no extraction filters: check the names ourselves
                root = os.path.realpath(target)
                for member in archive.getmembers():
                    if not os.path.realpath(os.path.join(root, member.name)).startswith(root + os.sep):
                        raise ClientError(f"uri {uri!r}: archive member {member.name!r} would land outside the code folder")
                archive.extractall(target)
        return target
    raise ClientError(f"uri {uri!r}: {path} is neither a folder nor a .tar.gz archive")


def _command(code_dir: str, user_entry_point: str, args: Sequence[str]) -> list[str]:
    script = os.path.join(code_dir, user_entry_point)
    if not os.path.isfile(script):
        raise ClientError(f"entry point {user_entry_point!r} was not found in {code_dir}")
    if user_entry_point.endswith(".py"):
        return [sys.executable, script, *args]
    if user_entry_point.endswith(".sh"):
        return ["/bin/sh", script, *args]
    return [script, *args]


def run(
    uri: str,
    user_entry_point: str,
    args: Sequence[str],
    env_vars: Mapping[str, str] | None = None,
    wait: bool = True,
    capture_error: bool = False,
    runner: Any = None,
    extra_opts: Any = None,
) -> Any:
    """Run ``user_entry_point`` from ``uri`` with ``args``; see the module docstring.

    ``runner`` and ``extra_opts`` choose MPI or distributed runners in a container; a local job
    runs one process, so only the plain process runner exists here.
    """
    code_dir = _code_dir(os.fspath(uri))
    cmd = _command(code_dir, user_entry_point, [str(a) for a in args])
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (env_vars or {}).items()})
    python_path = [code_dir, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(python_path)  # the script imports its neighbours, as in /opt/ml/code
    _wait_hostname_resolution()
    process: subprocess.Popen[Any]
    if capture_error:  # stderr is kept for the error, and still shown
        process = subprocess.Popen(cmd, cwd=code_dir, env=env, stderr=subprocess.PIPE, text=True)
    else:
        process = subprocess.Popen(cmd, cwd=code_dir, env=env)
    if not wait:
        return process
    captured = process.communicate()[1]
    err = captured if isinstance(captured, str) else None  # text only when capture_error piped it
    if err:
        sys.stderr.write(err)
    if process.returncode != 0:
        raise ExecuteUserScriptError(cmd, process.returncode, err if capture_error else None)
    return process


__all__ = ["ExecuteUserScriptError", "run"]
