"""The launch plan: everything the supervisor needs to start the script, computed at submit.

The supervisor reads this one JSON file and spawns the script before importing anything
heavier than `subprocess`; the rest of labstudio (store, spec, archives) loads while the
script is already running. Keep this module's imports to the standard library's cheapest.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the pre-spawn path
if TYPE_CHECKING:
    from typing import Any

PLAN_FILE = "launch.json"


def write_plan(job_dir: str, plan: dict[str, Any]) -> None:
    tmp = os.path.join(job_dir, PLAN_FILE + ".tmp")
    # The plan holds the job's whole environment (credentials included): owner-only.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(plan, handle)
    os.replace(tmp, os.path.join(job_dir, PLAN_FILE))


def read_plan(job_dir: str) -> dict[str, Any]:
    with open(os.path.join(job_dir, PLAN_FILE)) as handle:
        return json.load(handle)


def link_channels(plan: dict[str, Any]) -> None:
    """input/data/<channel>/: a link to the folder, or a folder holding a link to the single file;
    a URL channel (s3://...) is copied in (jobs/inputs.py, imported only when there is one)."""
    remote = [(source, target) for source, target in plan["channels"] if "://" in source and not os.path.lexists(target)]
    if remote:
        from .inputs import download_channels

        download_channels(plan, remote)
    for source, target in plan["channels"]:
        if os.path.lexists(target) or "://" in source:
            continue
        if os.path.isdir(source):
            os.symlink(source, target, target_is_directory=True)
        else:
            os.makedirs(target, exist_ok=True)
            os.symlink(source, os.path.join(target, os.path.basename(source)))


def apply_rendezvous(plan: dict[str, Any], master: str | None) -> None:
    """A multi-host job's rendezvous as the backend that started this host gives it.

    The plan holds the one picked at submit (127.0.0.1 and a free port: every host on this
    machine); a backend that spreads hosts over machines (Ray) knows algo-1's address only
    when it places the hosts, and passes it as `master` ("ADDR:PORT", the supervisor's
    `--master`).
    """
    env, argv = plan["env"], plan["argv"]
    if "MASTER_ADDR" not in env or not master:
        return  # a single-host job without torchrun (no rendezvous), or the plan's own
    addr, _, port = master.rpartition(":")
    for value, name, flag in ((addr, "MASTER_ADDR", "--master_addr"), (port, "MASTER_PORT", "--master_port")):
        if not value:
            continue
        env[name] = value
        for i, arg in enumerate(argv[:-1]):
            if arg == flag:
                argv[i + 1] = value


def supervisor_class(plan: dict[str, Any]) -> Any:
    """The Supervisor class the plan names (`supervisor`, "module:Class", from the job kind's
    registry entry), imported now; a plan written before plans named it asks the registry."""
    path = plan.get("supervisor")
    if not path:
        from .kinds import supervisor_class as of_kind

        return of_kind(plan)
    import importlib

    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


NSINIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nsinit.py")
# The variable that turns PID namespaces off (config.Settings reads it; the launch plan's
# `contained` carries the choice to the supervisor). Named here for the supervisor's message.
NO_NAMESPACES_VAR = "LABSTUDIO_NO_NAMESPACES"


def contained(plan: dict[str, Any]) -> bool:
    """Whether the script runs in a PID namespace of its own (the plan's `contained`, which the
    submitting process's settings decided: LABSTUDIO_NO_NAMESPACES)."""
    return bool(plan.get("contained", True))


def spawn(plan: dict[str, Any], contained: bool = True) -> tuple[subprocess.Popen[bytes], int | None]:
    """The script in its own session (its own process group), output merged into one pipe.

    With `contained`, the script is started through nsinit (see nsinit.py), which puts it in
    a PID namespace that dies with us; the second value is then the pipe on which nsinit
    says whether it could ("N") or fell back to running the script directly ("F").
    Must be called from the supervisor's main thread: nsinit's parent-death signal follows
    the thread that forked it.
    """
    argv = plan["argv"]
    mode_r = mode_w = None
    if contained:
        mode_r, mode_w = os.pipe()
        opt_ml = [f"--opt-ml={plan['opt_ml']}"] if plan.get("opt_ml") else []  # the tree nsinit shows at /opt/ml
        argv = [sys.executable, "-I", "-S", NSINIT, str(os.getpid()), str(mode_w), *opt_ml, *argv]
    try:
        proc = subprocess.Popen(
            argv,
            cwd=plan["cwd"],
            env=plan["env"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            pass_fds=(mode_w,) if mode_w is not None else (),
        )
    except BaseException:
        if mode_r is not None:
            os.close(mode_r)
        raise
    finally:
        if mode_w is not None:
            os.close(mode_w)
    return proc, mode_r
