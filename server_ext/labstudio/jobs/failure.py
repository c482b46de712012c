"""FailureReason: something a person can act on, never just "exited with code 1"."""
from __future__ import annotations

import re
import signal
from pathlib import Path

from ..exc_text import join_message

_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure|Fault)\b.*|[A-Za-z_][\w.]*: .*)$")
MAX_REASON = 1024


def from_failure_file(path: Path) -> str | None:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    text = text.strip()
    return text[:MAX_REASON] if text else None


_CHAIN = ("Traceback (most recent call last):", "During handling of the above exception", "The above exception was the direct cause")
MAX_CONTINUATION = 50


def last_exception(tail: str) -> str | None:
    """The exception of the last traceback in the output, e.g. 'ValueError: bad lr'.

    A message of several lines keeps its first line (the exception's own line, where
    XGBoost and PyTorch say what failed) and its last meaningful one, bounded in size.
    """
    lines = tail.splitlines()
    last_tb = None
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last):"):
            last_tb = i
    if last_tb is None:
        return None
    rest = lines[last_tb + 1:]
    for i, line in enumerate(rest):
        if line and not line.startswith((" ", "\t")) and _EXC_LINE.match(line.strip()):
            more: list[str] = []
            for following in rest[i + 1 : i + 1 + MAX_CONTINUATION]:
                if following.startswith(_CHAIN):
                    break
                more.append(following)
            type_name, _, first = line.strip().partition(": ")
            return join_message(type_name, "\n".join([first, *more]))
    return None


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = " (the system may have run out of memory)" if -returncode == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit code {returncode}"


def failure_reason(returncode: int, failure_file: Path, output_tail: str) -> str:
    written = from_failure_file(failure_file)
    if written:
        return written
    exc = last_exception(output_tail)
    if exc:
        reason = f"AlgorithmError: {exc} ({describe_exit(returncode)})"
    else:
        last_lines = [ln.strip() for ln in output_tail.splitlines() if ln.strip()]
        tail = f"; last output: {last_lines[-1][:300]!r}" if last_lines else "; the script printed nothing"
        reason = f"AlgorithmError: the training script failed ({describe_exit(returncode)}){tail}"
    return reason[:MAX_REASON]
