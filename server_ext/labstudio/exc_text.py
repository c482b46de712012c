"""One bounded line for an exception whose message spans several lines.

A FailureReason or an endpoint's error answer has room for one line, but the useful part of
a multi-line message is often its first line (XGBoost's "Check failed: ..." before a native
backtrace, a type error before a hint) and sometimes its last. Keeping the type, the first
line and the last meaningful line, bounded in size, serves both. Standard library only.
"""
from __future__ import annotations

import re

MAX_CHARS = 600
# Lines that never help a person: native backtrace frames and their headers.
_NOISE = re.compile(r"^(\[bt\]|Stack trace:?$|frame #\d+|#\d+\s+0x)", re.IGNORECASE)


def _meaningful(lines: list[str]) -> list[str]:
    return [line for line in (raw.strip() for raw in lines) if line and not _NOISE.match(line)]


def join_message(type_name: str, message: str, limit: int = MAX_CHARS) -> str:
    """'Type: first line … last line', at most ``limit`` characters."""
    lines = _meaningful(message.splitlines())
    if not lines:
        text = type_name
    elif len(lines) == 1:
        text = f"{type_name}: {lines[0]}"
    else:
        text = f"{type_name}: {lines[0]} … {lines[-1]}"
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def describe(exc: BaseException, limit: int = MAX_CHARS) -> str:
    """``join_message`` for an exception object (its class name and ``str``)."""
    return join_message(type(exc).__name__, str(exc), limit)
