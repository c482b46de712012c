"""The one rule for text labstudio stores, passes to a process or uses as a path.

A NUL character fits none of them (PostgreSQL text cannot hold it, neither can an argument, an
environment variable or a path) and a lone UTF-16 surrogate is not text at all (it cannot be
encoded). Every request is checked against it once, in `shapes.validate.parse`, with the field
at fault named; services that also take values from the SDK and the CLI directly (experiment,
run and tag names) call `check_text` themselves, so all clients get the same answer on every
store.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Invalid


def text_problem(value: str) -> str | None:
    """Why this string cannot be used (the end of a sentence), or None when it can."""
    if "\0" in value:
        return "contains a NUL byte (\\0), which no stored text, process argument, environment variable or path can hold; remove it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone UTF-16 surrogate, which is not text; send valid Unicode"
    return None


def check_text(value: str, field: str, what: str | None = None) -> None:
    """Raise Invalid (naming `field`) when `value` breaks the rule; `what` names it in the message."""
    problem = text_problem(value)
    if problem is not None:
        raise Invalid(f"{what or repr(field)} {problem}.", field=field)


def check_nested_text(value: Any, field: str, what: str) -> None:
    """check_text on every key and string inside a JSON value (iterative: values may nest deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            check_text(item, field, what)
        elif isinstance(item, Mapping):
            for k, v in item.items():
                if isinstance(k, str):
                    check_text(k, field, what)
                stack.append(v)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def first_bad_text(value: Any) -> tuple[tuple[int | str, ...], str] | None:
    """The location (keys and indexes) of the first string or key breaking the rule, and why.

    A bad key is reported at the object holding it. Iterative: a request may nest deep."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), value)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return loc, problem
        elif isinstance(item, Mapping):
            for k, v in item.items():
                if isinstance(k, str):
                    problem = text_problem(k)
                    if problem is not None:
                        return loc, problem
                stack.append(((*loc, str(k)), v))
        elif isinstance(item, (list, tuple)):
            stack.extend(((*loc, i), v) for i, v in enumerate(item))
    return None
