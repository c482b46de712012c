"""Tuned hyperparameter ranges: the CLI's `int:2:8` syntax, validation, and their search space.

One frozen `ParameterRange` per tuned hyperparameter. Every client reaches it through the
request shape (`shapes.tuning.ParameterRange`, which refuses empty, inverted and badly
scaled ranges) and `from_request`, so a wrong range is refused with the same words, naming
`hyperparameter_ranges.<name>`, before any trial starts. Optuna is imported only where a
distribution is built (by the tuner process), never on the submit path.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import Invalid, Problems
from ..jobs.spec import RESERVED_HYPERPARAMETERS
from ..shapes import parse
from ..shapes.tuning import ParameterRange as RangeShape

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution

TYPES = ("Integer", "Continuous", "Categorical")
SCALINGS = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")
MAX_RANGES = 30  # SageMaker's limit on tuned hyperparameters per tuning job
MAX_CATEGORICAL_VALUES = 30  # and on the values of one categorical range
_CLI_TYPES = {"int": "Integer", "integer": "Integer", "float": "Continuous", "continuous": "Continuous", "cat": "Categorical", "categorical": "Categorical"}
_CLI_SCALINGS = {
    "auto": "Auto",
    "linear": "Linear",
    "lin": "Linear",
    "log": "Logarithmic",
    "logarithmic": "Logarithmic",
    "reverselog": "ReverseLogarithmic",
    "reverse-log": "ReverseLogarithmic",
    "reverselogarithmic": "ReverseLogarithmic",
}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
RANGE_SYNTAX = "NAME=int:MIN:MAX[:log], NAME=float:MIN:MAX[:log|:linear|:reverselog] or NAME=cat:A,B,C"

Value = str | int | float


def field_of(name: str) -> str:
    return f"hyperparameter_ranges.{name}"


@dataclass(frozen=True)
class ParameterRange:
    """A validated range. `scaling` is how the search samples it: Auto means Linear here
    (SageMaker's Auto may pick log scaling by itself; a predictable sweep is worth more)."""

    name: str
    type: str
    min_value: float | int | None = None
    max_value: float | int | None = None
    values: tuple[Value, ...] | None = None
    scaling_type: str = "Auto"

    # -- stored form ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "min_value": self.min_value,
            "max_value": self.max_value,
            "values": list(self.values) if self.values is not None else None,
            "scaling_type": self.scaling_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParameterRange:
        values = data.get("values")
        return cls(
            name=data["name"],
            type=data["type"],
            min_value=data.get("min_value"),
            max_value=data.get("max_value"),
            values=tuple(values) if values is not None else None,
            scaling_type=data.get("scaling_type") or "Auto",
        )

    # -- values ----------------------------------------------------------------------

    def contains(self, value: Any) -> bool:
        """Whether a value (a parent trial's, for warm start) lies in this range."""
        if self.type == "Categorical":
            return any(_same(value, v) for v in self.values or ())
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if self.type == "Integer" and not float(value).is_integer():
            return False
        assert self.min_value is not None and self.max_value is not None
        return self.min_value <= value <= self.max_value

    def coerce(self, value: Any) -> Value:
        """A value as this range's type (an Integer range's 3.0 is 3), for hyperparameters."""
        if self.type == "Integer":
            return int(value)
        if self.type == "Continuous":
            return float(value)
        for v in self.values or ():
            if _same(value, v):
                return v
        return value  # contains() was checked by the caller

    def grid_values(self) -> list[Value]:
        """Every value a grid search tries. A Continuous range has no grid: Invalid."""
        if self.type == "Continuous":
            raise Invalid(
                f"Grid search needs a finite set of values, but hyperparameter range '{self.name}' is Continuous; "
                "make it Integer or Categorical, or use the Bayesian or Random strategy.",
                field="strategy",
            )
        if self.type == "Integer":
            assert self.min_value is not None and self.max_value is not None
            return list(range(int(self.min_value), int(self.max_value) + 1))
        return list(self.values or ())

    @staticmethod
    def text(value: Any) -> str:
        """A tuned value as SageMaker shows it in TunedHyperParameters (a string)."""
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
            return repr(value)
        return str(value)

    # -- search space (the tuner process only) ---------------------------------------------

    def distribution(self) -> BaseDistribution:
        """The Optuna distribution sampled for this range. ReverseLogarithmic samples 1 - x
        on a log scale (see `to_search`/`from_search`), which is what SageMaker's scaling means:
        dense near 1."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.type == "Categorical":
            return CategoricalDistribution(list(self.values or ()))
        assert self.min_value is not None and self.max_value is not None
        log = self.scaling_type == "Logarithmic"
        if self.type == "Integer":
            return IntDistribution(int(self.min_value), int(self.max_value), log=log)
        if self.scaling_type == "ReverseLogarithmic":
            return FloatDistribution(1.0 - float(self.max_value), 1.0 - float(self.min_value), log=True)
        return FloatDistribution(float(self.min_value), float(self.max_value), log=log)

    def to_search(self, value: Any) -> Any:
        """A hyperparameter value as the search holds it."""
        value = self.coerce(value)
        if self.type == "Continuous" and self.scaling_type == "ReverseLogarithmic":
            return 1.0 - float(value)
        return value

    def from_search(self, value: Any) -> Value:
        if self.type == "Continuous" and self.scaling_type == "ReverseLogarithmic":
            return 1.0 - float(value)
        return self.coerce(value)


def _same(a: Any, b: Any) -> bool:
    """Categorical values match by value and kind ("1" is not 1; 1 is 1.0)."""
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return not isinstance(a, bool) and not isinstance(b, bool) and a == b


def check_name(name: str, static: Mapping[str, Any] | None = None) -> None:
    """A tuned hyperparameter's name: it becomes a command-line flag and SM_HP_<NAME>."""
    where = field_of(name) if name.strip() else "hyperparameter_ranges"
    if not name.strip():
        raise Invalid("hyperparameter range names must be non-empty strings.", field=where)
    if "\0" in name or "=" in name:
        raise Invalid(f"hyperparameter range name {name!r} cannot hold '=' or a NUL byte (it becomes an environment variable name).", field=where)
    if name in RESERVED_HYPERPARAMETERS:
        raise Invalid(f"'{name}' is set by labstudio for every job and cannot be tuned; tune another hyperparameter.", field=where)
    if static is not None and name in static:
        raise Invalid(
            f"'{name}' is both a static hyperparameter (training.hyperparameters) and a tuned range; keep only one of them.",
            field=where,
        )


def from_request(name: str, raw: RangeShape | Mapping[str, Any]) -> ParameterRange:
    """Validate one range (a shape or its dict) into a ParameterRange; Invalid names the range."""
    check_name(name)
    get = raw.get if isinstance(raw, Mapping) else lambda key: getattr(raw, key, None)
    if get("type") == "Integer" and get("scaling_type") == "ReverseLogarithmic":
        raise Invalid(
            f"hyperparameter range '{name}' is Integer: ReverseLogarithmic scaling is for Continuous ranges only; use Linear or Logarithmic.",
            field=field_of(name),
        )
    try:
        shape = parse(RangeShape, raw)
    except Invalid as exc:
        detail = exc.message
        if exc.field and exc.field != "body":
            detail = detail.replace(f"'{exc.field}'", f"'{exc.field}' of hyperparameter range '{name}'", 1)
        else:
            detail = detail.replace("The request", f"Hyperparameter range '{name}'", 1)
        raise Invalid(detail, field=field_of(name)) from None
    if shape.type == "Categorical":
        values = tuple(shape.values or ())
        if len(values) > MAX_CATEGORICAL_VALUES:
            raise Invalid(f"hyperparameter range '{name}' has {len(values)} values; at most {MAX_CATEGORICAL_VALUES} are allowed.", field=field_of(name))
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise Invalid(f"hyperparameter range '{name}' has a value that is not a finite number.", field=field_of(name))
            if isinstance(v, str) and "\0" in v:
                raise Invalid(f"hyperparameter range '{name}' has a value with a NUL byte.", field=field_of(name))
        if shape.scaling_type not in ("Auto", "Linear"):
            raise Invalid(f"hyperparameter range '{name}' is Categorical: scaling_type does not apply; leave it Auto.", field=field_of(name))
        return ParameterRange(name=name, type="Categorical", values=values)
    if shape.type == "Integer":
        assert shape.min_value is not None and shape.max_value is not None
        return ParameterRange(name=name, type="Integer", min_value=int(shape.min_value), max_value=int(shape.max_value), scaling_type=shape.scaling_type)
    assert shape.min_value is not None and shape.max_value is not None
    return ParameterRange(
        name=name, type="Continuous", min_value=float(shape.min_value), max_value=float(shape.max_value), scaling_type=shape.scaling_type
    )


def ranges_from_request(raw: Mapping[str, RangeShape | Mapping[str, Any]], static: Mapping[str, Any] | None = None) -> tuple[ParameterRange, ...]:
    """Every range of a request, in the order given; at least one, at most MAX_RANGES."""
    if not raw:
        raise Invalid("'hyperparameter_ranges' needs at least one range to tune.", field="hyperparameter_ranges")
    if len(raw) > MAX_RANGES:
        raise Invalid(f"'hyperparameter_ranges' has {len(raw)} ranges; at most {MAX_RANGES} hyperparameters can be tuned at once.", field="hyperparameter_ranges")
    problems = Problems()
    out = []
    for name, item in raw.items():
        one = problems.check(_one_range, name, item, static)
        if one is not None:
            out.append(one)
    problems.raise_any()  # every faulty range at once
    return tuple(out)


def _one_range(name: str, item: RangeShape | Mapping[str, Any], static: Mapping[str, Any] | None) -> ParameterRange:
    check_name(name, static)
    return from_request(name, item)


def _number(text: str, name: str, what: str) -> int | float:
    text = text.strip()
    if not _NUMBER.match(text):
        raise Invalid(f"--range {name}: {what} {text!r} is not a number. Use {RANGE_SYNTAX}.", field=field_of(name))
    value = float(text)
    return int(value) if re.fullmatch(r"[+-]?\d+", text) else value


def parse_range_option(text: str) -> tuple[str, dict[str, Any]]:
    """`max_depth=int:2:8`, `eta=float:0.01:0.3:log`, `booster=cat:gbtree,dart` (the CLI's and
    the %tune magic's --range) as (name, request range dict), validated like a REST request.

    Categorical values stay strings, as typed on a command line. Raises Invalid naming
    `hyperparameter_ranges.<name>` (or `hyperparameter_ranges` when there is no name)."""
    name, sep, body = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise Invalid(f"--range {text!r} needs a name: use {RANGE_SYNTAX}.", field="hyperparameter_ranges")
    check_name(name)
    kind, colon, rest = body.partition(":")
    type_ = _CLI_TYPES.get(kind.strip().lower())
    if type_ is None or not colon:
        raise Invalid(f"--range {name}: unknown range type {kind.strip()!r}; use {RANGE_SYNTAX}.", field=field_of(name))
    raw: dict[str, Any]
    if type_ == "Categorical":
        values = [v.strip() for v in rest.split(",")]
        if not rest.strip() or any(not v for v in values):
            raise Invalid(f"--range {name}: a categorical range needs comma-separated values, e.g. {name}=cat:a,b.", field=field_of(name))
        raw = {"type": "Categorical", "values": values}
    else:
        parts = rest.split(":")
        if len(parts) not in (2, 3):
            raise Invalid(f"--range {name}: expected MIN:MAX[:SCALING] after '{kind}:'; use {RANGE_SYNTAX}.", field=field_of(name))
        low, high = _number(parts[0], name, "the minimum"), _number(parts[1], name, "the maximum")
        scaling = "Auto"
        if len(parts) == 3:
            scaling_key = parts[2].strip().lower()
            if scaling_key not in _CLI_SCALINGS:
                raise Invalid(f"--range {name}: unknown scaling {parts[2]!r}; use log, linear, reverselog or auto.", field=field_of(name))
            scaling = _CLI_SCALINGS[scaling_key]
        raw = {"type": type_, "min_value": low, "max_value": high, "scaling_type": scaling}
    from_request(name, raw)  # the same checks as a REST request
    return name, raw
