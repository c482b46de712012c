"""Metric alarms in CloudWatch's shape over an endpoint's own figures (PutMetricAlarm / DescribeAlarms).

An alarm names an endpoint (the ``EndpointName`` dimension, optionally ``VariantName``) and one of
the figures its workers keep: ``Invocation5XXErrors`` and ``Invocation4XXErrors`` (counted, the
Sum statistic) or ``ModelLatency`` (the p99, ``ExtendedStatistic`` "p99", in microseconds as
CloudWatch has it). A guarded deployment (serving/deployment.py) evaluates its alarms over the
requests of the step in progress and rolls back when one is in ALARM.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from ..errors import Invalid, NotFound
from ..store import Database
from ..store import alarms as store
from ..store.util import iso

METRICS = ("Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency")
OPERATORS = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
SYMBOLS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}
NAMESPACE = "AWS/SageMaker"
ALLOWED = {
    "AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName", "Namespace",
    "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
    "ComparisonOperator", "TreatMissingData", "Tags",
}


def _bad(message: str, field: str) -> Invalid:
    return Invalid(message, field=field)


def check(params: Mapping[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm's parameters, checked; raises ``Invalid`` naming the parameter."""
    unknown = sorted(set(params) - ALLOWED)
    if unknown:
        raise _bad(f"unknown parameter {unknown[0]!r}: PutMetricAlarm takes {', '.join(sorted(ALLOWED))}", unknown[0])
    for key in ("AlarmName", "MetricName", "Threshold", "ComparisonOperator", "EvaluationPeriods"):
        if params.get(key) is None:
            raise _bad(f"{key} is required", key)
    name = params["AlarmName"]
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise _bad("AlarmName must be 1 to 255 characters", "AlarmName")
    metric = params["MetricName"]
    if metric not in METRICS:
        raise _bad(f"MetricName {metric!r} is not a figure an endpoint keeps: use one of {', '.join(METRICS)}", "MetricName")
    namespace = params.get("Namespace") or NAMESPACE
    if namespace != NAMESPACE:
        raise _bad(f"Namespace must be {NAMESPACE} (an endpoint's figures), got {namespace!r}", "Namespace")
    if params["ComparisonOperator"] not in OPERATORS:
        raise _bad(f"ComparisonOperator must be one of {', '.join(OPERATORS)}", "ComparisonOperator")
    threshold = params["Threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise _bad("Threshold must be a number", "Threshold")
    dimensions = {d.get("Name"): d.get("Value") for d in params.get("Dimensions") or []}
    if not dimensions.get("EndpointName"):
        raise _bad("Dimensions must name the endpoint: [{'Name': 'EndpointName', 'Value': NAME}] (and optionally VariantName)", "Dimensions")
    if set(dimensions) - {"EndpointName", "VariantName"}:
        raise _bad("Dimensions may be EndpointName and VariantName only", "Dimensions")
    if metric == "ModelLatency":
        if params.get("ExtendedStatistic", "p99") != "p99" or params.get("Statistic"):
            raise _bad("ModelLatency is watched at its p99: give ExtendedStatistic 'p99' (and no Statistic)", "ExtendedStatistic")
    elif params.get("Statistic", "Sum") != "Sum" or params.get("ExtendedStatistic"):
        raise _bad(f"{metric} is counted: give Statistic 'Sum'", "Statistic")
    return {
        **{k: v for k, v in params.items() if v is not None},
        "Namespace": namespace,
        "Threshold": float(threshold),
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
    }


def dimensions(definition: Mapping[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in definition.get("Dimensions") or []}


def put(db: Database, params: Mapping[str, Any]) -> None:
    definition = check(params)
    db.run_write(lambda conn: store.put(conn, definition["AlarmName"], definition))


def describe(alarm: store.Alarm) -> dict[str, Any]:
    d = alarm.definition
    return {
        **d,
        "AlarmArn": f"arn:labstudio:cloudwatch:local:alarm:{alarm.name}",
        "StateValue": alarm.state,
        "StateReason": alarm.state_reason,
        "StateUpdatedTimestamp": iso(alarm.state_updated_time),
        "AlarmConfigurationUpdatedTimestamp": iso(alarm.creation_time),
    }


def describe_all(db: Database, names: list[str] | None = None, prefix: str | None = None, state: str | None = None) -> dict[str, Any]:
    with db.read() as conn:
        found = store.list_all(conn, names, prefix, state)
    return {"MetricAlarms": [describe(a) for a in found], "CompositeAlarms": []}


def require(db: Database, names: list[str], endpoint: str) -> list[store.Alarm]:
    """The alarms a deployment watches: each must exist and watch this endpoint (raises ``Invalid``)."""
    with db.read() as conn:
        found = {a.name: a for a in store.list_all(conn, names)}
    for name in names:
        alarm = found.get(name)
        if alarm is None:
            raise Invalid(f"alarm {name!r} does not exist: create it with put_metric_alarm first", field="AutoRollbackConfiguration.Alarms")
        if dimensions(alarm.definition).get("EndpointName") != endpoint:
            raise Invalid(f"alarm {name!r} watches endpoint {dimensions(alarm.definition).get('EndpointName')!r}, not {endpoint!r}",
                          field="AutoRollbackConfiguration.Alarms")
    return [found[n] for n in names]


def value_of(definition: Mapping[str, Any], figures: Mapping[str, Any]) -> float | None:
    """The alarm's metric over a window's figures (``stats.window``); ModelLatency in microseconds."""
    metric = definition["MetricName"]
    if metric == "ModelLatency":
        p99 = figures.get("LatencyP99Ms")
        return None if p99 is None else float(p99) * 1000.0
    return float(figures.get(metric, 0))


def evaluate(definition: Mapping[str, Any], figures: Mapping[str, Any]) -> tuple[str, str, float | None]:
    """(state, reason, value) of an alarm over a window's figures."""
    value = value_of(definition, figures)
    metric, op, threshold = definition["MetricName"], definition["ComparisonOperator"], definition["Threshold"]
    unit = " us" if metric == "ModelLatency" else ""
    if value is None:
        return "INSUFFICIENT_DATA", f"no requests yet to measure {metric}", None
    shown = f"{metric} = {value:g}{unit} ({figures.get('Invocations', 0)} requests)"
    if OPERATORS[op](value, threshold):
        return "ALARM", f"Threshold Crossed: {shown} {SYMBOLS[op]} {threshold:g}{unit}", value
    return "OK", f"{shown}, not {SYMBOLS[op]} {threshold:g}{unit}", value


def record(db: Database, name: str, state: str, reason: str, value: float | None) -> None:
    db.run_write(lambda conn: store.set_state(conn, name, state, reason, value, time.time()))


def delete(db: Database, names: list[str]) -> None:
    with db.read() as conn:
        missing = [n for n in names if store.get(conn, n) is None]
    if missing:
        raise NotFound(f"alarm {missing[0]!r} does not exist")
    db.run_write(lambda conn: store.remove(conn, names))


def parse_rule(raw: str, endpoint: str, index: int) -> dict[str, Any]:
    """The CLI's ``METRIC>THRESHOLD`` (``ModelLatency`` in ms) as PutMetricAlarm parameters."""
    match = re.fullmatch(r"\s*([A-Za-z0-9]+)\s*(>=|>|<=|<)\s*([0-9.]+)\s*", raw)
    if not match:
        raise Invalid(f"--rollback-on {raw!r}: expected METRIC>THRESHOLD, e.g. Invocation5XXErrors>0 or ModelLatency>500 (ms)", field="--rollback-on")
    metric, symbol, number = match.groups()
    if metric not in METRICS:
        raise Invalid(f"--rollback-on {raw!r}: {metric!r} is not a figure an endpoint keeps: use one of {', '.join(METRICS)}", field="--rollback-on")
    operator = {v: k for k, v in SYMBOLS.items()}[symbol]
    threshold = float(number) * (1000.0 if metric == "ModelLatency" else 1.0)
    params: dict[str, Any] = {
        "AlarmName": f"{endpoint}-rollback-{index}-{metric}", "MetricName": metric, "Namespace": NAMESPACE,
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}], "Period": 10, "EvaluationPeriods": 1,
        "Threshold": threshold, "ComparisonOperator": operator,
    }
    params["ExtendedStatistic" if metric == "ModelLatency" else "Statistic"] = "p99" if metric == "ModelLatency" else "Sum"
    return params
