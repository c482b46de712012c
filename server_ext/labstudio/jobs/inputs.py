"""URL channels (``s3://...``): copied into ``input/data/<channel>/`` before the script starts.

File mode as SageMaker does it: the script reads plain files, whatever the channel's source.
Progress lines go to the job's log, so a user watching a long download sees it move; a copy
that fails ends the job with a ClientError naming the channel, before any training time.
Only imported when a job has a URL channel: the local fast path never loads fsspec.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any


class InputsFailed(Exception):
    """An input could not be copied in: the job fails with a ClientError saying which and why."""


def log_appender(log_file: str) -> Callable[[str], None]:
    """One line at a time to the job's log (appended, so it interleaves safely with other writers)."""

    def write(line: str) -> None:
        with open(log_file, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    return write


def download_channels(plan: dict[str, Any], pairs: Iterable[tuple[str, str]], log: Callable[[str], None] | None = None) -> None:
    """Copy each (URL, input/data/<channel>) pair; ``log`` defaults to the plan's log file."""
    from ..errors import Invalid
    from ..remote_storage import download

    write = log or log_appender(plan["log_file"])
    for source, target in pairs:
        name = os.path.basename(target.rstrip("/"))
        try:
            download(source, target, write, field="channels")
        except Invalid as exc:
            write(f"labstudio: could not download channel '{name}': {exc.message}")
            raise InputsFailed(f"could not download channel '{name}' from {source}: {exc.message}") from None
