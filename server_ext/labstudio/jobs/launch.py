"""The launch plan: everything the supervisor needs to start the script, computed at submit.

The supervisor reads this one JSON file and spawns the script before importing anything
heavier than `subprocess`; the rest of labstudio (store, spec, archives) loads while the
script is already running. Keep this module's imports to the standard library's cheapest.
"""
from __future__ import annotations

import json
import os
import subprocess

PLAN_FILE = "launch.json"


def write_plan(job_dir: str, plan: dict) -> None:  # type: ignore[type-arg]
    tmp = os.path.join(job_dir, PLAN_FILE + ".tmp")
    # The plan holds the job's whole environment (credentials included): owner-only.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(plan, handle)
    os.replace(tmp, os.path.join(job_dir, PLAN_FILE))


def read_plan(job_dir: str) -> dict:  # type: ignore[type-arg]
    with open(os.path.join(job_dir, PLAN_FILE)) as handle:
        return json.load(handle)


def link_channels(plan: dict) -> None:  # type: ignore[type-arg]
    """input/data/<channel>/: a link to the folder, or a folder holding a link to the single file."""
    for source, target in plan["channels"]:
        if os.path.lexists(target):
            continue
        if os.path.isdir(source):
            os.symlink(source, target, target_is_directory=True)
        else:
            os.makedirs(target, exist_ok=True)
            os.symlink(source, os.path.join(target, os.path.basename(source)))


def spawn(plan: dict) -> "subprocess.Popen[bytes]":  # type: ignore[type-arg]
    """The script in its own session (its own process group), output merged into one pipe."""
    return subprocess.Popen(
        plan["argv"],
        cwd=plan["cwd"],
        env=plan["env"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
    )
