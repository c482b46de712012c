"""The expressions of a pipeline definition (SageMaker's JSON), found and evaluated.

A step's arguments are SageMaker request dictionaries in which any value may be an expression:

* ``{"Get": "Parameters.Name"}``, ``{"Get": "Execution.PipelineExecutionId"}``,
  ``{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}`` (a path with ``.Member``,
  ``[0]`` and ``['Name']`` parts: a list indexed by a string picks the element whose
  ``...Name`` member equals it, as ``Outputs['train']`` picks the output named train);
* ``{"Std:Join": {"On": "/", "Values": [...]}}``;
* ``{"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"}, "Path": "a.b[0]"}}``.

`references` lists what an argument tree refers to (for validation and the DAG's edges);
`evaluate` replaces every expression by its value when the step runs. Errors are
`ExpressionError`s carrying the field (the path inside the step) so the message can name it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

EXECUTION_VARIABLES = (
    "StartDateTime",
    "CurrentDateTime",
    "PipelineName",
    "PipelineArn",
    "PipelineExecutionId",
    "PipelineExecutionArn",
    "TrainingJobName",
    "ProcessingJobName",
)
_EXPRESSION_KEYS = ("Get", "Std:Join", "Std:JsonGet")
_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_:\-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]")
_STEP_NAME = re.compile(r"[A-Za-z0-9_\-]+")


class ExpressionError(ValueError):
    """An expression that is malformed, or that cannot be evaluated now; `field` says where."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Ref:
    """What a `Get` names: ("Parameters", name), ("Execution", variable) or ("Steps", step, path)."""

    kind: str
    name: str
    path: tuple[str | int, ...] = ()
    text: str = ""

    @property
    def property_file(self) -> str | None:
        """`Steps.X.PropertyFiles.F`: F; None for any other reference."""
        if self.kind == "Steps" and len(self.path) == 2 and self.path[0] == "PropertyFiles" and isinstance(self.path[1], str):
            return self.path[1]
        return None


def is_expression(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _EXPRESSION_KEYS


def parse_get(text: Any, where: str = "") -> Ref:
    """A `Get` target as a Ref. Raises ExpressionError for anything else."""
    if not isinstance(text, str) or not text:
        raise ExpressionError(f"{{'Get': {text!r}}} must name Parameters.<name>, Execution.<variable> or Steps.<step>.<property>", where)
    head, _, rest = text.partition(".")
    if head == "Parameters":
        if not rest:
            raise ExpressionError(f"{text!r} names no parameter", where)
        return Ref("Parameters", rest, text=text)
    if head == "Execution":
        if rest not in EXECUTION_VARIABLES:  # (PipelineExperimentConfig.* are Execution refs too, parsed above)
            raise ExpressionError(f"{text!r}: Execution has no variable {rest!r}; use one of {', '.join(EXECUTION_VARIABLES)}", where)
        return Ref("Execution", rest, text=text)
    if head == "PipelineExperimentConfig":
        if rest not in ("ExperimentName", "TrialName"):
            raise ExpressionError(f"{text!r}: PipelineExperimentConfig has ExperimentName and TrialName", where)
        return Ref("Execution", f"PipelineExperimentConfig.{rest}", text=text)
    if head == "Steps":
        match = _STEP_NAME.match(rest)
        if not match:
            raise ExpressionError(f"{text!r} names no step", where)
        step = match.group(0)
        return Ref("Steps", step, parse_path(rest[match.end():], text, where), text=text)
    raise ExpressionError(f"{text!r} must start with Parameters., Execution. or Steps.", where)


def parse_path(rest: str, text: str = "", where: str = "") -> tuple[str | int, ...]:
    """`.A.B[0]['x']` as ("A", "B", 0, "x")."""
    out: list[str | int] = []
    at = 0
    while at < len(rest):
        match = _TOKEN.match(rest, at)
        if not match:
            raise ExpressionError(f"{text or rest!r}: cannot read the property path at {rest[at:]!r}", where)
        name, index, quoted, dquoted = match.groups()
        if name is not None:
            out.append(name)
        elif index is not None:
            out.append(int(index))
        else:
            out.append((quoted if quoted is not None else dquoted or "").replace("\\'", "'").replace('\\"', '"'))
        at = match.end()
    return tuple(out)


def json_path(path: Any, where: str = "") -> tuple[str | int, ...]:
    """A JsonGet `Path` such as `regression_metrics.mse.value` or `a[0].b` as its parts."""
    if not isinstance(path, str) or not path.strip():
        raise ExpressionError("JsonGet needs a Path such as 'metrics.accuracy.value'", where)
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    if not text.startswith((".", "[")):
        text = "." + text
    parts: list[str | int] = []
    at = 0
    while at < len(text):
        match = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]").match(text, at)
        if not match:
            raise ExpressionError(f"JsonGet Path {path!r} cannot be read at {text[at:]!r}", where)
        name, index, quoted = match.groups()
        parts.append(int(index) if index is not None else (name if name is not None else quoted))
        at = match.end()
    return tuple(parts)


def walk(value: Any, where: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every expression in an argument tree, outermost first, with its field path."""
    if is_expression(value):
        yield where, value
        key, body = next(iter(value.items()))
        if key == "Std:Join" and isinstance(body, Mapping):
            for i, item in enumerate(body.get("Values") or []):
                yield from walk(item, f"{where}.Values[{i}]")
        elif key == "Std:JsonGet" and isinstance(body, Mapping):
            yield from walk(body.get("PropertyFile"), f"{where}.PropertyFile")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from walk(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{where}[{i}]")


def references(value: Any, where: str = "") -> list[tuple[str, Ref]]:
    """Every `Get` in an argument tree, with its field path. Raises ExpressionError when one is malformed."""
    out: list[tuple[str, Ref]] = []
    for path, expr in walk(value, where):
        key, body = next(iter(expr.items()))
        if key == "Get":
            out.append((path, parse_get(body, path)))
        elif key == "Std:Join":
            if not isinstance(body, Mapping) or not isinstance(body.get("Values"), list):
                raise ExpressionError("Std:Join needs On (a string) and Values (a list)", path)
            if not isinstance(body.get("On", ""), str):
                raise ExpressionError("Std:Join's On must be a string", path)
        elif key == "Std:JsonGet":
            if not isinstance(body, Mapping):
                raise ExpressionError("Std:JsonGet needs PropertyFile and Path", path)
            json_path(body.get("Path"), path)
            target: Any = body.get("PropertyFile")
            if not (is_expression(target) and "Get" in target):
                raise ExpressionError("Std:JsonGet's PropertyFile must be {'Get': 'Steps.<step>.PropertyFiles.<name>'}", path)
            ref = parse_get(target["Get"], path)
            if ref.property_file is None:
                raise ExpressionError(f"Std:JsonGet's PropertyFile {ref.text!r} must be Steps.<step>.PropertyFiles.<name>", path)
    return out


# -- evaluation --------------------------------------------------------------------------------


@dataclass
class Context:
    """What expressions evaluate against when a step runs."""

    parameters: Mapping[str, Any]
    execution: Mapping[str, Any]
    # a step's properties (its describe answer, or a condition's outcome); None when not available
    step_properties: Callable[[str], Mapping[str, Any] | None]
    # (step, property file name) -> the parsed JSON that step's property file held
    property_file: Callable[[str, str], Any]
    missing: list[str] = field(default_factory=list)


def _member(value: Any, part: str | int, shown: str) -> Any:
    if isinstance(part, int):
        if isinstance(value, list) and -len(value) <= part < len(value):
            return value[part]
        raise KeyError(shown)
    if isinstance(value, Mapping):
        if part in value:
            return value[part]
        raise KeyError(shown)
    if isinstance(value, list):  # Outputs['train']: the element whose ...Name is 'train'
        for item in value:
            if isinstance(item, Mapping) and any(k.endswith("Name") and item.get(k) == part for k in item):
                return item
    raise KeyError(shown)


def follow(value: Any, path: tuple[str | int, ...]) -> Any:
    """The member at `path` (raises KeyError naming the first part that is not there)."""
    shown = ""
    for part in path:
        shown += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.fullmatch(r"[A-Za-z_]\w*", part) else f"['{part}']")
        value = _member(value, part, shown)
    return value


def to_text(value: Any) -> str:
    """How Join writes a value: strings as they are, booleans as true/false, numbers as Python writes them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def evaluate(value: Any, ctx: Context, where: str = "") -> Any:
    """The argument tree with every expression replaced by its value. Raises ExpressionError
    naming the field when a value is not available (a step with no such property, a JsonGet
    path missing from its file)."""
    if is_expression(value):
        return _evaluate_expression(value, ctx, where)
    if isinstance(value, Mapping):
        return {k: evaluate(v, ctx, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, ctx, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _evaluate_expression(expr: Mapping[str, Any], ctx: Context, where: str) -> Any:
    key, body = next(iter(expr.items()))
    if key == "Get":
        ref = parse_get(body, where)
        if ref.kind == "Parameters":
            if ref.name not in ctx.parameters:
                raise ExpressionError(f"{ref.text}: the pipeline has no parameter {ref.name!r}", where)
            return ctx.parameters[ref.name]
        if ref.kind == "Execution":
            if ref.name not in ctx.execution:
                raise ExpressionError(f"{ref.text} is not available in this step", where)
            return ctx.execution[ref.name]
        props = ctx.step_properties(ref.name)
        if props is None:
            raise ExpressionError(f"{ref.text}: step {ref.name!r} has not succeeded, so its properties are not available", where)
        try:
            return follow(props, ref.path)
        except KeyError as exc:
            raise ExpressionError(f"{ref.text}: step {ref.name!r} has no property {exc.args[0]!r} (it ran, but its description holds no such member)", where) from None
    if key == "Std:Join":
        values = [evaluate(v, ctx, f"{where}.Values[{i}]") for i, v in enumerate(body.get("Values") or [])]
        return str(body.get("On", "")).join(to_text(v) for v in values)
    # Std:JsonGet
    target: Any = body["PropertyFile"]
    ref = parse_get(target["Get"], f"{where}.PropertyFile")
    document = ctx.property_file(ref.name, ref.property_file or "")
    parts = json_path(body.get("Path"), f"{where}.Path")
    try:
        return follow(document, parts)
    except KeyError as exc:
        raise ExpressionError(
            f"JsonGet: the property file {ref.property_file!r} of step {ref.name!r} has no {body.get('Path')!r} "
            f"({exc.args[0]!r} is missing)",
            f"{where}.Path",
        ) from None


# -- conditions ---------------------------------------------------------------------------------

COMPARISONS = {
    "Equals": lambda a, b: a == b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanOrEqualTo": lambda a, b: a >= b,
    "LessThan": lambda a, b: a < b,
    "LessThanOrEqualTo": lambda a, b: a <= b,
}
CONDITION_TYPES = (*COMPARISONS, "In", "Not", "Or")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    return type(value).__name__


def evaluate_condition(condition: Mapping[str, Any], ctx: Context, where: str, record: list[dict[str, Any]]) -> bool:
    """One condition's outcome; every comparison made is appended to `record` (the panel shows
    the values a condition step compared). Raises ExpressionError for a comparison of a string
    with a number, naming the field."""
    kind = condition.get("Type")
    if kind in COMPARISONS:
        left = evaluate(condition.get("LeftValue"), ctx, f"{where}.LeftValue")
        right = evaluate(condition.get("RightValue"), ctx, f"{where}.RightValue")
        if {_kind(left), _kind(right)} == {"String", "Number"}:
            raise ExpressionError(
                f"{kind} compares {_kind(left).lower()} {left!r} with {_kind(right).lower()} {right!r}; compare values of one type "
                "(a parameter of the right type, or a JsonGet of a number)",
                where,
            )
        try:
            outcome = bool(COMPARISONS[kind](left, right))
        except TypeError:
            raise ExpressionError(f"{kind} cannot compare {left!r} with {right!r}", where) from None
        record.append({"Field": where, "Type": kind, "LeftValue": left, "RightValue": right, "Outcome": outcome})
        return outcome
    if kind == "In":
        query = evaluate(condition.get("QueryValue"), ctx, f"{where}.QueryValue")
        values = [evaluate(v, ctx, f"{where}.Values[{i}]") for i, v in enumerate(condition.get("Values") or [])]
        outcome = query in values
        record.append({"Field": where, "Type": "In", "QueryValue": query, "Values": values, "Outcome": outcome})
        return outcome
    if kind == "Not":
        inner = condition.get("Condition") or condition.get("Expression")
        outcome = not evaluate_condition(inner or {}, ctx, f"{where}.Condition", record)
        record.append({"Field": where, "Type": "Not", "Outcome": outcome})
        return outcome
    if kind == "Or":
        parts = [evaluate_condition(c, ctx, f"{where}.Conditions[{i}]", record) for i, c in enumerate(condition.get("Conditions") or [])]
        outcome = any(parts)
        record.append({"Field": where, "Type": "Or", "Outcome": outcome})
        return outcome
    raise ExpressionError(f"condition Type {kind!r} is not one of {', '.join(CONDITION_TYPES)}", where)
