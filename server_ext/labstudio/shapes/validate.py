"""Turn a request dict into its shape, or raise `Invalid` naming the field and the fix.

pydantic's own messages are written for Python programmers ("Input should be a valid
integer"); a REST client, the SDK and the CLI get one sentence in our words instead, and
`field` is where the problem is in the body (`ProductionVariants[0].InitialInstanceCount`).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ..errors import Invalid, Problems
from .common import NAME_PATTERN, NAME_RULE
from .text import first_bad_text

M = TypeVar("M", bound=BaseModel)

_KINDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "a list",
}


_UNION_MEMBER = re.compile(r"^(constrained-)?(str|int|float|bool|none|dict|list)$|\[")


def _location(loc: tuple[int | str, ...], depth: int | None) -> str:
    """`ProductionVariants[0].InitialInstanceCount`, as the base handler names fields.

    pydantic adds the union member it tried (`constrained-str`, `function-after[...]`) to
    the location; a client only needs the fields and indexes it sent.
    """
    kept = [p for p in loc if isinstance(p, int) or not _UNION_MEMBER.search(p)]
    return _dotted(tuple(kept[:depth] if depth else kept))


def _dotted(loc: tuple[int | str, ...]) -> str:
    """`channels.train`, `inputs[0].source`: a location in the request as clients name fields."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{_short(part)}" if out else _short(part))
    return out


def _short(name: str) -> str:
    """A key as it appears in a field's name: a long one (a mistake, often the point of the error) shortened."""
    return name if len(name) <= 64 else name[:32] + "..."


def _message(err: ErrorDetails, field: str, allowed: list[str], name: str | None = None) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    name = name or (f"'{field}'" if field else "The request")
    if kind == "extra_forbidden":
        return f"Unknown field {name}; allowed fields{' here' if '.' in field else ''} are {', '.join(allowed)}."
    if kind == "missing":
        return f"{name} is required."
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NAME_PATTERN:
        return f"{name} {value!r} is invalid: use {NAME_RULE}."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than": "less than", "less_than_equal": "at most"}[kind]
        bound = next(iter(ctx.values()))
        return f"{name} must be {words} {bound}, got {value!r}."
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        unit = "characters" if kind.startswith("string") else "items"
        low, high = ctx.get("min_length"), ctx.get("max_length")
        limit = f"at least {low}" if low is not None and kind.endswith("short") else f"at most {high}"
        return f"{name} must have {limit} {unit}."
    if kind in ("literal_error", "enum"):  # a Literal, or an enum such as JobStatus
        return f"{name} {value!r} is not available; choose one of {ctx.get('expected')}."
    if kind in _KINDS:
        return f"{name} must be {_KINDS[kind]}, got {type(value).__name__ if value is not None else 'null'}."
    if kind == "value_error":
        return f"{name} {str(ctx.get('error') or err['msg'])}."
    return f"{name}: {err['msg']}."


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names allowed at a location, for the message of an unknown field."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str) and part in current.model_fields:
            current = _inner_model(current.model_fields[part].annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
        stack.extend(getattr(item, "__args__", ()))
    return None


def invalid(model: type[BaseModel], exc: ValidationError) -> Invalid:
    """Every problem of a failed validation, as the `Invalid` the REST API answers 400 with
    (the first is its message and field, the others come with it: `Invalid.problems`).

    Unknown fields come first, as a misspelt key usually explains the other errors.
    """
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    depth = getattr(model, "field_depth", None)
    found: list[Invalid] = []
    seen: set[tuple[str, str | None]] = set()
    for err in errors:
        loc = err["loc"]
        name = None
        if "[key]" in loc:  # a key of an object (a tag's name, a range's name) is at fault, not a value
            at = loc.index("[key]")
            loc, key = loc[: at - 1], loc[at - 1]
            name = f"The name {_short(str(key))!r} in '{_location(loc, None)}'"
        field = _location(loc, None)
        if (field, name) in seen:  # a union reports each member it tried: the first says it
            continue
        seen.add((field, name))
        found.append(Invalid(_message(err, field, _fields_at(model, err["loc"]), name), field=_location(loc, depth) or "body"))
    first, *rest = found
    first.also(*rest)
    return first


def parse(model: type[M], data: Any) -> M:
    """Validate a request body (a dict from JSON, the SDK or the CLI) against its shape.

    Every string in it, keys included, must be text labstudio can store and pass on (no NUL,
    no lone surrogate: `shapes.text`), whatever field it is in."""
    if isinstance(data, model):
        return data
    if not isinstance(data, Mapping):
        raise Invalid(f"The request must be a JSON object, got {type(data).__name__}.", field="body")
    bad = first_bad_text(data)
    if bad is not None:
        loc, problem = bad
        where = _dotted(loc)
        depth = getattr(model, "field_depth", None)
        raise Invalid(f"'{where}' {problem}." if where else f"The request {problem}.", field=_dotted(loc[:depth] if depth else loc) or "body")
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise invalid(model, exc) from None


def parse_value(annotation: Any, data: Any, field: str) -> Any:
    """Validate a value that is not a model (a bare tags object) against a type."""
    try:
        return TypeAdapter(annotation).validate_python(data)
    except ValidationError as exc:
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        where = _location((field, *err["loc"]), None)
        raise Invalid(_message(err, where, []), field=where) from None


def parse_all(model: type[M], data: Any, problems: Problems) -> M | None:
    """`parse`, for a validation that goes on past the shape: its problems go to `problems`,
    and the request is validated again without the values at fault (a bad range left out of
    its object, a bad number left to its default), so the checks that need the shape still
    run on the rest. None when even that fails (a required field is wrong).

    Problems of the containers a value was taken out of (`hyperparameter_ranges` once its
    one bad range is gone) are not reported on top of the value's own."""
    if isinstance(data, model):
        return data
    try:
        return parse(model, data)
    except Invalid as exc:
        problems.add(exc)
        if not isinstance(data, Mapping):
            return None
    rest: Any = copy.deepcopy(dict(data))
    for _ in range(3):
        try:
            return model.model_validate(rest)
        except ValidationError as again:
            locs = [tuple(p for p in e["loc"] if isinstance(p, int) or not _UNION_MEMBER.search(p)) for e in again.errors()]
            removed = False
            for loc in sorted(set(locs), key=_sort_key, reverse=True):  # later list items first
                removed = _remove(rest, loc) or removed
                problems.quiet(_location(loc[:-1], None))
            if not removed:
                return None
        except RecursionError:
            return None
    return None


def _sort_key(loc: tuple[int | str, ...]) -> list[tuple[int, Any]]:
    return [(0, p) if isinstance(p, int) else (1, p) for p in loc]


def _remove(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Delete the value at `loc` (a key of an object, an item of a list); False when absent."""
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = loc[-1] if loc else None
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        del parent[last]
        return True
    return False
