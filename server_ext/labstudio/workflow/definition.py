"""A pipeline definition (SageMaker's JSON) read and checked before anything runs.

`parse` turns the JSON into a `Definition`: its parameters, its steps flattened (the steps of
a condition's IfSteps/ElseSteps included, each knowing its condition and branch) and each
step's dependencies (DependsOn, the steps its arguments refer to, its condition). Everything
that can be known before the run is checked here and reported as `Invalid` naming the step
and the field: unknown step types, duplicate names, a DependsOn or property reference to a
step the pipeline does not have, an unknown parameter or execution variable, a JsonGet of a
property file the step does not declare, a condition comparing a string with a number, a
cycle, a malformed CacheConfig or RetryPolicy.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Invalid
from . import expressions as ex

STEP_TYPES = ("Training", "Processing", "Transform", "Tuning", "Model", "RegisterModel", "Condition", "Fail")
# The job kind each job step runs as (jobs/kinds.py's names; tuning runs its trials as training jobs).
JOB_KINDS = {"Training": "training", "Processing": "processing", "Transform": "transform", "Tuning": "tuning"}
PARAMETER_TYPES = {"String": str, "Integer": int, "Float": float, "Boolean": bool}
STEP_NAME_RE = re.compile(r"^[A-Za-z0-9\-_]{1,64}\Z")
PIPELINE_NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}\Z")
MAX_DEFINITION_BYTES = 1024 * 1024
RETRY_EXCEPTIONS = (
    "Step.SERVICE_FAULT",
    "Step.THROTTLING",
    "SageMaker.JOB_INTERNAL_ERROR",
    "SageMaker.CAPACITY_ERROR",
    "SageMaker.RESOURCE_LIMIT",
)
_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?\Z",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any = None
    enum_values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RetryPolicy:
    exception_types: tuple[str, ...]
    interval_seconds: float
    backoff_rate: float
    max_attempts: int | None
    expire_after_min: float | None


@dataclass
class StepDef:
    name: str
    type: str
    arguments: dict[str, Any]
    raw: dict[str, Any]  # the step's request as the definition holds it
    depends_on: list[str] = field(default_factory=list)
    display_name: str | None = None
    description: str | None = None
    retry_policies: list[RetryPolicy] = field(default_factory=list)
    cache_enabled: bool = False
    cache_expire_seconds: float | None = None
    property_files: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> {OutputName, FilePath}
    parent: str | None = None  # the condition step whose branch holds this step
    branch: str | None = None  # "IfSteps" or "ElseSteps"
    deps: set[str] = field(default_factory=set)  # every step this one waits for
    order: int = 0  # position in the definition (depth first)

    @property
    def job_kind(self) -> str | None:
        return JOB_KINDS.get(self.type)


@dataclass
class Definition:
    raw: dict[str, Any]
    parameters: dict[str, Parameter]
    steps: dict[str, StepDef]
    experiment_config: dict[str, Any] | None

    def children(self, name: str) -> list[str]:
        """The steps that wait for `name` (the DAG's outgoing edges)."""
        return [s.name for s in self.steps.values() if name in s.deps]

    def edges(self) -> list[tuple[str, str]]:
        return sorted((dep, s.name) for s in self.steps.values() for dep in s.deps)


def _bad(message: str, field_name: str) -> Invalid:
    return Invalid(message, field=field_name)


def parse_duration(text: Any, where: str) -> float:
    """An ISO-8601 duration (P30D, PT12H, P4DT12H; lower case too, and SageMaker's 'T12H') in seconds."""
    if not isinstance(text, str) or not text.strip():
        raise _bad(f"{where} must be an ISO-8601 duration such as 'P30D' or 'PT12H', got {text!r}", where)
    value = text.strip()
    if value[:1] in ("T", "t"):
        value = "P" + value
    match = _DURATION.match(value)
    if not match or value.upper() in ("P", "PT"):
        raise _bad(f"{where} {text!r} is not an ISO-8601 duration; write e.g. 'P30D' (30 days), 'PT12H' (12 hours) or 'P4DT12H'", where)
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return (
        parts.get("y", 0) * 365 * 86400
        + parts.get("mo", 0) * 30 * 86400
        + parts.get("w", 0) * 7 * 86400
        + parts.get("d", 0) * 86400
        + parts.get("h", 0) * 3600
        + parts.get("mi", 0) * 60
        + parts.get("s", 0)
    )


def load(definition: str | Mapping[str, Any], field_name: str = "PipelineDefinition") -> dict[str, Any]:
    if isinstance(definition, Mapping):
        return dict(definition)
    if not isinstance(definition, str) or not definition.strip():
        raise _bad("The pipeline definition is empty: give SageMaker's JSON definition (pipeline.definition()).", field_name)
    if len(definition.encode("utf-8", "surrogatepass")) > MAX_DEFINITION_BYTES:
        raise _bad(f"The pipeline definition is larger than {MAX_DEFINITION_BYTES} bytes.", field_name)
    try:
        data = json.loads(definition)
    except ValueError as exc:
        raise _bad(f"The pipeline definition is not valid JSON: {exc}.", field_name) from None
    if not isinstance(data, dict):
        raise _bad("The pipeline definition must be a JSON object with Version, Parameters and Steps.", field_name)
    return data


def parse(definition: str | Mapping[str, Any], field_name: str = "PipelineDefinition") -> Definition:
    """The definition, checked in full. Raises Invalid naming the step and the field."""
    data = load(definition, field_name)
    parameters = _parameters(data.get("Parameters") or [])
    steps: dict[str, StepDef] = {}
    raw_steps = data.get("Steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise _bad("The pipeline definition has no Steps: give at least one step.", "Steps")
    counter = [0]
    for i, raw in enumerate(raw_steps):
        _add_step(raw, f"Steps[{i}]", steps, None, None, counter)
    experiment = data.get("PipelineExperimentConfig")
    if experiment is not None and not isinstance(experiment, Mapping):
        raise _bad("PipelineExperimentConfig must be an object with ExperimentName and TrialName.", "PipelineExperimentConfig")
    out = Definition(raw=data, parameters=parameters, steps=steps, experiment_config=dict(experiment) if experiment else None)
    for step in steps.values():
        _dependencies(out, step)
    if experiment:
        _check_refs(out, None, experiment, "PipelineExperimentConfig")
    _check_cycles(out)
    return out


def _parameters(items: Any) -> dict[str, Parameter]:
    if not isinstance(items, list):
        raise _bad("Parameters must be a list of {Name, Type, DefaultValue}.", "Parameters")
    out: dict[str, Parameter] = {}
    for i, item in enumerate(items):
        where = f"Parameters[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("Name"), str) or not item["Name"]:
            raise _bad(f"{where} needs a Name.", where)
        name = item["Name"]
        kind = item.get("Type", "String")
        if kind not in PARAMETER_TYPES:
            raise _bad(f"Parameter {name!r} has Type {kind!r}; use one of {', '.join(PARAMETER_TYPES)}.", f"{where}.Type")
        if name in out:
            raise _bad(f"Parameter {name!r} is defined twice; give each parameter one definition.", f"{where}.Name")
        default = item.get("DefaultValue")
        enum = item.get("EnumValues")
        if default is not None:
            default = coerce_parameter(Parameter(name, kind), default, f"{where}.DefaultValue")
        if enum is not None and (not isinstance(enum, list) or not all(isinstance(v, str) for v in enum)):
            raise _bad(f"Parameter {name!r}: EnumValues must be a list of strings.", f"{where}.EnumValues")
        out[name] = Parameter(name, kind, default, tuple(enum) if enum else None)
    return out


def coerce_parameter(param: Parameter, value: Any, where: str) -> Any:
    """A parameter's value in its type: SageMaker sends every value as a string, SDKs send typed
    values; both are accepted. Raises Invalid naming the parameter."""
    kind = param.type
    if kind == "String":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _bad(f"Parameter {param.name!r} is a String; got {value!r}.", where)
        text = value if isinstance(value, str) else str(value)
        if param.enum_values and text not in param.enum_values:
            raise _bad(f"Parameter {param.name!r} must be one of {', '.join(param.enum_values)}; got {text!r}.", where)
        return text
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise _bad(f"Parameter {param.name!r} is a Boolean: give true or false, got {value!r}.", where)
    if isinstance(value, bool):
        raise _bad(f"Parameter {param.name!r} is {'an Integer' if kind == 'Integer' else 'a Float'}; got {value!r}.", where)
    try:
        if kind == "Integer":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            number: Any = int(value) if not isinstance(value, str) else int(value.strip())
        else:
            number = float(value)
    except (TypeError, ValueError):
        article = "an Integer" if kind == "Integer" else "a Float"
        raise _bad(f"Parameter {param.name!r} is {article}; {value!r} is not a number of that type.", where) from None
    return number


def _add_step(raw: Any, where: str, steps: dict[str, StepDef], parent: str | None, branch: str | None, counter: list[int]) -> None:
    if not isinstance(raw, Mapping):
        raise _bad(f"{where} must be an object with Name, Type and Arguments.", where)
    name = raw.get("Name")
    if not isinstance(name, str) or not STEP_NAME_RE.match(name):
        raise _bad(f"{where}: step Name {name!r} is not valid; use 1 to 64 letters, digits, '-' or '_'.", f"{where}.Name")
    kind = raw.get("Type")
    if kind not in STEP_TYPES:
        raise _bad(
            f"Step {name!r} has Type {kind!r}, which labstudio does not run; it runs {', '.join(STEP_TYPES)} steps.", f"{name}.Type"
        )
    if name in steps:
        raise _bad(f"Two steps are named {name!r}; step names must be unique in a pipeline (the steps of a condition's branches included).",
                   f"{name}.Name")
    args = raw.get("Arguments")
    if not isinstance(args, Mapping):
        raise _bad(f"Step {name!r} needs Arguments (an object).", f"{name}.Arguments")
    depends = raw.get("DependsOn") or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise _bad(f"Step {name!r}: DependsOn must be a list of step names.", f"{name}.DependsOn")
    counter[0] += 1
    step = StepDef(
        name=name, type=kind, arguments=dict(args), raw=dict(raw), depends_on=list(depends),
        display_name=raw.get("DisplayName"), description=raw.get("Description"), parent=parent, branch=branch, order=counter[0],
    )
    step.retry_policies = _retry_policies(name, raw.get("RetryPolicies"))
    cache = raw.get("CacheConfig")
    if cache is not None:
        if not isinstance(cache, Mapping) or not isinstance(cache.get("Enabled", False), bool):
            raise _bad(f"Step {name!r}: CacheConfig must be {{'Enabled': true, 'ExpireAfter': 'P30D'}}.", f"{name}.CacheConfig")
        step.cache_enabled = bool(cache.get("Enabled"))
        if step.cache_enabled:
            if cache.get("ExpireAfter") is None:
                raise _bad(f"Step {name!r}: CacheConfig enables caching without ExpireAfter; give a duration such as 'P30D'.",
                           f"{name}.CacheConfig.ExpireAfter")
            step.cache_expire_seconds = parse_duration(cache.get("ExpireAfter"), f"{name}.CacheConfig.ExpireAfter")
    files = raw.get("PropertyFiles") or []
    if files and kind != "Processing":
        raise _bad(f"Step {name!r}: only Processing steps have PropertyFiles.", f"{name}.PropertyFiles")
    for i, item in enumerate(files):
        if not isinstance(item, Mapping) or not all(isinstance(item.get(k), str) and item.get(k) for k in ("PropertyFileName", "OutputName", "FilePath")):
            raise _bad(f"Step {name!r}: PropertyFiles[{i}] needs PropertyFileName, OutputName and FilePath.", f"{name}.PropertyFiles[{i}]")
        outputs = [o.get("OutputName") for o in ((args.get("ProcessingOutputConfig") or {}).get("Outputs") or []) if isinstance(o, Mapping)]
        if item["OutputName"] not in outputs:
            raise _bad(
                f"Step {name!r}: property file {item['PropertyFileName']!r} reads output {item['OutputName']!r}, which the step does not "
                f"have (its outputs: {', '.join(map(str, outputs)) or 'none'}).",
                f"{name}.PropertyFiles[{i}].OutputName",
            )
        step.property_files[item["PropertyFileName"]] = {"OutputName": item["OutputName"], "FilePath": item["FilePath"]}
    steps[name] = step
    if kind == "Condition":
        conditions = args.get("Conditions")
        if not isinstance(conditions, list) or not conditions:
            raise _bad(f"Condition step {name!r} needs Conditions (a non-empty list).", f"{name}.Arguments.Conditions")
        for key in ("IfSteps", "ElseSteps"):
            children = args.get(key) or []
            if not isinstance(children, list):
                raise _bad(f"Condition step {name!r}: {key} must be a list of steps.", f"{name}.Arguments.{key}")
            for i, child in enumerate(children):
                _add_step(child, f"{name}.Arguments.{key}[{i}]", steps, name, key, counter)
    if kind == "Fail" and "ErrorMessage" in args and not isinstance(args["ErrorMessage"], (str, Mapping)):
        raise _bad(f"Fail step {name!r}: ErrorMessage must be a string or an expression.", f"{name}.Arguments.ErrorMessage")


def _retry_policies(name: str, items: Any) -> list[RetryPolicy]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise _bad(f"Step {name!r}: RetryPolicies must be a list.", f"{name}.RetryPolicies")
    out = []
    for i, item in enumerate(items):
        where = f"{name}.RetryPolicies[{i}]"
        if not isinstance(item, Mapping):
            raise _bad(f"Step {name!r}: RetryPolicies[{i}] must be an object.", where)
        types = item.get("ExceptionType") or []
        if not isinstance(types, list) or not types or any(t not in RETRY_EXCEPTIONS for t in types):
            raise _bad(f"Step {name!r}: RetryPolicies[{i}].ExceptionType must list some of {', '.join(RETRY_EXCEPTIONS)}.", f"{where}.ExceptionType")
        attempts, expire = item.get("MaxAttempts"), item.get("ExpireAfterMin")
        if (attempts is None) == (expire is None):
            raise _bad(f"Step {name!r}: RetryPolicies[{i}] needs exactly one of MaxAttempts and ExpireAfterMin.", where)
        if attempts is not None and (not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 20):
            raise _bad(f"Step {name!r}: RetryPolicies[{i}].MaxAttempts must be a whole number from 1 to 20.", f"{where}.MaxAttempts")
        try:
            interval = float(item.get("IntervalSeconds", 1))
            backoff = float(item.get("BackoffRate", 2.0))
        except (TypeError, ValueError):
            raise _bad(f"Step {name!r}: RetryPolicies[{i}] IntervalSeconds and BackoffRate must be numbers.", where) from None
        if interval < 0 or backoff < 0:
            raise _bad(f"Step {name!r}: RetryPolicies[{i}] IntervalSeconds and BackoffRate must not be negative.", where)
        out.append(RetryPolicy(tuple(types), interval, backoff, attempts, float(expire) if expire is not None else None))
    return out


def _step_field(step: StepDef, where: str) -> str:
    return f"{step.name}.Arguments.{where}" if where else f"{step.name}.Arguments"


def _check_refs(definition: Definition, step: StepDef | None, tree: Any, prefix: str) -> set[str]:
    """The steps a tree refers to; unknown parameters, steps and property files are Invalid."""
    found: set[str] = set()
    owner = f"Step {step.name!r}" if step is not None else "The pipeline"
    try:
        refs = ex.references(tree)
    except ex.ExpressionError as exc:
        raise _bad(f"{owner}: {exc.message}.", f"{prefix}.{exc.field}" if exc.field else prefix) from None
    for where, ref in refs:
        field_name = f"{prefix}.{where}" if where else prefix
        if ref.kind == "Parameters" and ref.name not in definition.parameters:
            known = ", ".join(definition.parameters) or "none"
            raise _bad(f"{owner} uses parameter {ref.name!r}, which the pipeline does not define (its parameters: {known}).", field_name)
        if ref.kind != "Steps":
            continue
        target = definition.steps.get(ref.name)
        if target is None:
            raise _bad(
                f"{owner} refers to step {ref.name!r} ({ref.text}), which is not in the pipeline: add that step to the pipeline's steps "
                "(or to a condition's branch) or remove the reference.",
                field_name,
            )
        if step is not None and target.name == step.name:
            raise _bad(f"Step {step.name!r} refers to its own properties ({ref.text}); a step can only use earlier steps' properties.", field_name)
        if ref.property_file is not None:
            if ref.property_file not in target.property_files:
                declared = ", ".join(target.property_files) or "none"
                raise _bad(
                    f"{owner}: JsonGet reads property file {ref.property_file!r} of step {ref.name!r}, which that step does not declare "
                    f"(its property files: {declared}).",
                    field_name,
                )
        elif ref.path and ref.path[0] == "PropertyFiles":
            raise _bad(f"{owner}: {ref.text} can only be read with JsonGet.", field_name)
        found.add(ref.name)
    return found


def _static_type(definition: Definition, value: Any) -> str | None:
    """String, Number or Boolean when the type of an operand is known before the run."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if ex.is_expression(value):
        key, body = next(iter(value.items()))
        if key == "Std:Join":
            return "String"
        if key == "Get":
            try:
                ref = ex.parse_get(body)
            except ex.ExpressionError:
                return None
            if ref.kind == "Parameters" and ref.name in definition.parameters:
                kind = definition.parameters[ref.name].type
                return {"String": "String", "Integer": "Number", "Float": "Number", "Boolean": "Boolean"}[kind]
            if ref.kind == "Execution":
                return "String"
    return None


def _check_condition(definition: Definition, step: StepDef, condition: Any, where: str) -> None:
    if not isinstance(condition, Mapping):
        raise _bad(f"Condition step {step.name!r}: each condition must be an object with Type.", where)
    kind = condition.get("Type")
    if kind not in ex.CONDITION_TYPES:
        raise _bad(f"Condition step {step.name!r}: condition Type {kind!r} is not one of {', '.join(ex.CONDITION_TYPES)}.", f"{where}.Type")
    if kind in ex.COMPARISONS:
        for side in ("LeftValue", "RightValue"):
            if side not in condition:
                raise _bad(f"Condition step {step.name!r}: {kind} needs {side}.", f"{where}.{side}")
        left, right = _static_type(definition, condition["LeftValue"]), _static_type(definition, condition["RightValue"])
        if {left, right} == {"String", "Number"}:
            raise _bad(
                f"Condition step {step.name!r}: {kind} compares a {left.lower() if left else '?'} (LeftValue) with a "
                f"{right.lower() if right else '?'} (RightValue); compare values of one type.",
                f"{where}.{'RightValue' if right == 'String' else 'LeftValue'}" if left == "Number" else f"{where}.LeftValue",
            )
    elif kind == "In":
        if not isinstance(condition.get("Values"), list):
            raise _bad(f"Condition step {step.name!r}: In needs Values (a list).", f"{where}.Values")
    elif kind == "Not":
        _check_condition(definition, step, condition.get("Condition") or condition.get("Expression"), f"{where}.Condition")
    elif kind == "Or":
        items = condition.get("Conditions")
        if not isinstance(items, list) or not items:
            raise _bad(f"Condition step {step.name!r}: Or needs Conditions (a non-empty list).", f"{where}.Conditions")
        for i, item in enumerate(items):
            _check_condition(definition, step, item, f"{where}.Conditions[{i}]")


def _dependencies(definition: Definition, step: StepDef) -> None:
    for i, dep in enumerate(step.depends_on):
        if dep not in definition.steps:
            raise _bad(f"Step {step.name!r} depends on {dep!r}, which is not a step of the pipeline.", f"{step.name}.DependsOn[{i}]")
        if dep == step.name:
            raise _bad(f"Step {step.name!r} depends on itself.", f"{step.name}.DependsOn[{i}]")
    own = dict(step.arguments)
    if step.type == "Condition":
        own = {"Conditions": step.arguments.get("Conditions")}
        for i, condition in enumerate(step.arguments.get("Conditions") or []):
            _check_condition(definition, step, condition, f"{step.name}.Arguments.Conditions[{i}]")
    step.deps = set(step.depends_on) | _check_refs(definition, step, own, f"{step.name}.Arguments")
    if step.parent is not None:
        step.deps.add(step.parent)


def _check_cycles(definition: Definition) -> None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in sorted(definition.steps[name].deps):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise _bad(
                    "The pipeline's steps form a cycle: " + " -> ".join(reversed(cycle)) + "; a step cannot wait for a step that "
                    "waits for it. Remove one of these dependencies (DependsOn or a property reference).",
                    f"{name}.DependsOn",
                )
            if state.get(dep) is None:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in definition.steps:
        if state.get(name) is None:
            visit(name)


def resolve_parameters(definition: Definition, given: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    """The execution's parameter values: given ones (a name -> value mapping, or SageMaker's
    [{Name, Value}] list) checked and typed, defaults for the rest. Raises Invalid naming the
    parameter (unknown, wrong type, missing without a default)."""
    values: dict[str, Any] = {}
    items: list[tuple[str, Any]]
    if given is None:
        items = []
    elif isinstance(given, Mapping):
        items = list(given.items())
    else:
        items = []
        for i, item in enumerate(given):
            if not isinstance(item, Mapping) or "Name" not in item or "Value" not in item:
                raise _bad(f"PipelineParameters[{i}] must be {{'Name': ..., 'Value': ...}}.", f"PipelineParameters[{i}]")
            items.append((item["Name"], item["Value"]))
    for name, value in items:
        param = definition.parameters.get(name)
        if param is None:
            known = ", ".join(definition.parameters) or "none"
            raise _bad(f"Unknown parameter {name!r}: the pipeline's parameters are {known}.", f"PipelineParameters.{name}")
        if value == "" and param.type == "String":
            raise _bad(f"Parameter {name!r} is empty; give a value of at least one character.", f"PipelineParameters.{name}")
        values[name] = coerce_parameter(param, value, f"PipelineParameters.{name}")
    for name, param in definition.parameters.items():
        if name not in values:
            if param.default is None:
                raise _bad(f"Parameter {name!r} has no default value: give it when starting the execution.", f"PipelineParameters.{name}")
            values[name] = param.default
    return values


def topological(definition: Definition) -> list[str]:
    """Steps in an order where every step comes after the steps it waits for (ties: definition order)."""
    done: list[str] = []
    placed: set[str] = set()
    pending = sorted(definition.steps.values(), key=lambda s: s.order)
    while pending:
        ready = [s for s in pending if s.deps <= placed]
        for s in ready:
            done.append(s.name)
            placed.add(s.name)
        pending = [s for s in pending if s.name not in placed]
    return done
