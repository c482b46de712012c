"""The JSONPath subset SageMaker batch transform accepts in InputFilter and OutputFilter.

SageMaker documents these operators for data processing: ``$`` (the whole record), ``.name``
(a child), ``['a','b']`` / ``[a,b]`` (children by name), ``[0,-1]`` (elements by index,
negative from the end), ``[1:]`` / ``[:3]`` (slices), ``*`` (every child), and unions of
indexes and slices (``$[0,5:]``). A CSV record is a JSON array of its fields, so ``$[1:]``
drops the first column. Pure functions: parsed once at submit (a typo is a 400 naming the
field), applied per record by the runner.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 63  # SageMaker's limit on InputFilter/OutputFilter


class FilterError(ValueError):
    """A record the filter cannot be applied to (an index past its end, a missing key)."""


@dataclass(frozen=True)
class Step:
    """One step of a path: a child name, or a bracket holding names, indexes and slices."""

    names: tuple[str, ...] = ()
    items: tuple[int | slice, ...] = ()
    wildcard: bool = False
    single: bool = True  # one name or one index: the value itself, not a list of selections


@dataclass(frozen=True)
class Path:
    text: str
    steps: tuple[Step, ...]

    @property
    def is_identity(self) -> bool:
        return not self.steps


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_INT = re.compile(r"-?\d+\Z")


def _bracket_item(raw: str, text: str) -> str | int | slice:
    part = raw.strip()
    if not part:
        raise ValueError(f"{text!r} has an empty item inside [...]")
    if part[0] in "'\"":
        if len(part) < 2 or part[-1] != part[0]:
            raise ValueError(f"{text!r} has an unterminated quoted name {part!r}")
        return part[1:-1]
    if ":" in part:
        pieces = part.split(":")
        if len(pieces) > 3 or not all(p.strip() == "" or _INT.match(p.strip()) for p in pieces):
            raise ValueError(f"{text!r} has an invalid slice {part!r}; write it like [1:] or [0:3]")
        nums = [int(p) if p.strip() else None for p in pieces]
        if len(nums) == 3 and nums[2] == 0:
            raise ValueError(f"{text!r} has a slice step of 0")
        return slice(*nums)
    if _INT.match(part):
        return int(part)
    if _NAME.fullmatch(part):
        return part  # $[a,b]: bare names, as SageMaker's examples write them too
    raise ValueError(f"{text!r} has {part!r} inside [...], which is not a name, an index or a slice")


def parse(text: str | None) -> Path:
    """A Path, or ValueError saying what is wrong. None and "" mean ``$``."""
    if text is None or text.strip() in ("", "$"):
        return Path("$", ())
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{text!r} is longer than SageMaker's {MAX_LENGTH} characters")
    if not text.startswith("$"):
        raise ValueError(f"{text!r} must start with '$' (e.g. '$[1:]' or '$.features')")
    steps: list[Step] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == ".":
            i += 1
            if text.startswith("*", i):
                steps.append(Step(wildcard=True, single=False))
                i += 1
                continue
            match = _NAME.match(text, i)
            if not match:
                raise ValueError(f"{text!r}: a name must follow '.' at position {i}")
            steps.append(Step(names=(match.group(),)))
            i = match.end()
        elif ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise ValueError(f"{text!r}: '[' at position {i} is never closed")
            inner = text[i + 1 : end]
            if inner.strip() == "*":
                steps.append(Step(wildcard=True, single=False))
            else:
                parts = [_bracket_item(p, text) for p in _split_items(inner)]
                names = tuple(p for p in parts if isinstance(p, str))
                items = tuple(p for p in parts if not isinstance(p, str))
                if names and items:
                    raise ValueError(f"{text!r} mixes names and indexes in one [...]")
                single = len(parts) == 1 and not isinstance(parts[0], slice)
                steps.append(Step(names=names, items=items, single=single))
            i = end + 1
        else:
            raise ValueError(f"{text!r}: unexpected {ch!r} at position {i}; use .name or [...] after '$'")
    return Path(text, tuple(steps))


def _split_items(inner: str) -> list[str]:
    """Split on commas outside quotes."""
    out, current, quote = [], "", ""
    for ch in inner:
        if quote:
            current += ch
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            current += ch
        elif ch == ",":
            out.append(current)
            current = ""
        else:
            current += ch
    out.append(current)
    return out


def _select(value: Any, step: Step, path: Path) -> Any:
    if step.wildcard:
        if isinstance(value, dict):
            return list(value.values())
        if isinstance(value, list):
            return list(value)
        raise FilterError(f"{path.text}: '*' needs an array or an object, got {_kind(value)}")
    if step.names:
        if not isinstance(value, dict):
            raise FilterError(f"{path.text}: {', '.join(step.names)} needs a JSON object, got {_kind(value)}")
        missing = [n for n in step.names if n not in value]
        if missing:
            raise FilterError(f"{path.text}: the record has no key {missing[0]!r}")
        if step.single:
            return value[step.names[0]]
        return {n: value[n] for n in step.names}
    if not isinstance(value, list):
        raise FilterError(f"{path.text}: an index or slice needs an array, got {_kind(value)}")
    picked: list[Any] = []
    for item in step.items:
        if isinstance(item, slice):
            picked.extend(value[item])
        else:
            if not -len(value) <= item < len(value):
                raise FilterError(f"{path.text}: index {item} is outside the record's {len(value)} fields")
            picked.append(value[item])
    return picked[0] if step.single else picked


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else type(value).__name__


def apply(path: Path, value: Any) -> Any:
    """The selected part of a record (a JSON value; a CSV record is its list of fields)."""
    for step in path.steps:
        value = _select(value, step, path)
    return value
