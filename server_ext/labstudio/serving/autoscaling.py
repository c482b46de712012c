"""Autoscaling in Application Auto Scaling's shape: a variant's worker count between a minimum and
a maximum, by target tracking on invocations per worker.

``register_scalable_target`` (ServiceNamespace ``sagemaker``, ResourceId
``endpoint/<endpoint>/variant/<variant>``, ScalableDimension
``sagemaker:variant:DesiredInstanceCount``, MinCapacity, MaxCapacity) and ``put_scaling_policy``
(``TargetTrackingScaling`` on the predefined metric ``SageMakerVariantInvocationsPerInstance``:
requests per worker per minute) are kept in the endpoint's record and handed to its supervisor
in the spec (``EndpointSpec.scaling``); the supervisor does the scaling itself
(runtime/autoscale.py), forking or draining workers of the variant's pool without restarting the
others. Everything is checked first: a bad request changes nothing.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import Invalid, NotFound
from ..store import endpoints as store

NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
METRIC = "SageMakerVariantInvocationsPerInstance"
RESOURCE_RE = re.compile(r"^endpoint/([^/]+)/variant/([^/]+)$")
MAX_CAPACITY = 64


def parse_resource(service_namespace: str, resource_id: str, dimension: str) -> tuple[str, str]:
    """(endpoint, variant) of a ResourceId; raises ``Invalid`` naming the parameter."""
    if service_namespace != NAMESPACE:
        raise Invalid(f"ServiceNamespace must be {NAMESPACE!r} (an endpoint's variant), got {service_namespace!r}", field="ServiceNamespace")
    if dimension != DIMENSION:
        raise Invalid(f"ScalableDimension must be {DIMENSION!r}, got {dimension!r}", field="ScalableDimension")
    match = RESOURCE_RE.match(resource_id or "")
    if not match:
        raise Invalid(f"ResourceId must be endpoint/<endpoint name>/variant/<variant name>, got {resource_id!r}", field="ResourceId")
    return match.group(1), match.group(2)


def check_target(min_capacity: Any, max_capacity: Any, current: Mapping[str, Any] | None) -> dict[str, int]:
    """MinCapacity and MaxCapacity (each may be left out to keep the registered one)."""
    given = {
        "MinCapacity": min_capacity if min_capacity is not None else (current or {}).get("MinCapacity"),
        "MaxCapacity": max_capacity if max_capacity is not None else (current or {}).get("MaxCapacity"),
    }
    checked: dict[str, int] = {}
    for field, value in given.items():
        if value is None:
            raise Invalid(f"{field} is required to register a scalable target", field=field)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
            raise Invalid(f"{field} must be a whole number from 1 to {MAX_CAPACITY} (workers), got {value!r}", field=field)
        checked[field] = value
    low, high = checked["MinCapacity"], checked["MaxCapacity"]
    if low > high:
        raise Invalid(f"MinCapacity ({low}) must not be above MaxCapacity ({high})", field="MinCapacity")
    return checked


def check_policy(policy_type: str | None, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A TargetTrackingScaling configuration on invocations per instance; raises ``Invalid``."""
    if policy_type != "TargetTrackingScaling":
        raise Invalid("PolicyType must be 'TargetTrackingScaling' (StepScaling is not supported here)", field="PolicyType")
    if not isinstance(config, Mapping):
        raise Invalid("TargetTrackingScalingPolicyConfiguration is required", field="TargetTrackingScalingPolicyConfiguration")
    target = config.get("TargetValue")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or target <= 0:
        raise Invalid("TargetValue must be a number above 0 (requests per worker per minute)", field="TargetValue")
    metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    if metric != METRIC:
        raise Invalid(f"PredefinedMetricSpecification.PredefinedMetricType must be {METRIC!r}, got {metric!r}", field="PredefinedMetricType")
    out: dict[str, Any] = {"TargetValue": float(target), "PredefinedMetricSpecification": {"PredefinedMetricType": METRIC}}
    for key, default in (("ScaleOutCooldown", 300), ("ScaleInCooldown", 300)):
        value = config.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Invalid(f"{key} must be a whole number of seconds of at least 0", field=key)
        out[key] = value
    out["DisableScaleIn"] = bool(config.get("DisableScaleIn", False))
    return out


def to_spec(scaling: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What the supervisor acts on: per variant, its capacities and its one target-tracking policy."""
    out = {}
    for variant, entry in scaling.items():
        policies = entry.get("Policies") or {}
        if not policies:
            continue
        policy = next(iter(policies.values()))["TargetTrackingScalingPolicyConfiguration"]
        out[variant] = {
            "min": entry["MinCapacity"], "max": entry["MaxCapacity"], "target": policy["TargetValue"],
            "scale_out_cooldown": policy["ScaleOutCooldown"], "scale_in_cooldown": policy["ScaleInCooldown"],
            "scale_in": not policy["DisableScaleIn"],
        }
    return out


def require_variant(scaling: Mapping[str, Any], endpoint: str, variant: str) -> Mapping[str, Any]:
    entry = scaling.get(variant)
    if entry is None:
        raise NotFound(f"endpoint/{endpoint}/variant/{variant} is not a registered scalable target: register_scalable_target first")
    return entry


class AutoscalingService:
    """Application Auto Scaling's calls for endpoints' variants (the SDK's client and the CLI use it)."""

    def __init__(self, endpoints: Any) -> None:
        self.endpoints = endpoints
        self.db = endpoints.db

    def _scaling(self, endpoint: str) -> dict[str, Any]:
        return dict(self.endpoints.get(endpoint).config.get("scaling") or {})

    def _save(self, endpoint: str, scaling: dict[str, Any]) -> None:
        self.db.run_write(lambda conn: store.merge_config(conn, endpoint, {"scaling": scaling}))
        self.endpoints.push_scaling(endpoint)

    def register_scalable_target(self, ServiceNamespace: str, ResourceId: str, ScalableDimension: str, MinCapacity: int | None = None,
                                 MaxCapacity: int | None = None, **ignored: Any) -> dict[str, Any]:
        endpoint, variant = parse_resource(ServiceNamespace, ResourceId, ScalableDimension)
        described = self.endpoints.describe(endpoint)
        if variant not in [v["VariantName"] for v in described["ProductionVariants"]]:
            raise Invalid(f"endpoint {endpoint!r} has no variant {variant!r}", field="ResourceId")
        scaling = self._scaling(endpoint)
        current = scaling.get(variant)
        entry = {**(current or {}), **check_target(MinCapacity, MaxCapacity, current)}
        entry.setdefault("Policies", {})
        scaling[variant] = entry
        self._save(endpoint, scaling)
        return {"ScalableTargetARN": f"arn:labstudio:application-autoscaling:local:scalable-target/{ResourceId}"}

    def deregister_scalable_target(self, ServiceNamespace: str, ResourceId: str, ScalableDimension: str) -> dict[str, Any]:
        endpoint, variant = parse_resource(ServiceNamespace, ResourceId, ScalableDimension)
        scaling = self._scaling(endpoint)
        require_variant(scaling, endpoint, variant)
        del scaling[variant]
        self._save(endpoint, scaling)
        return {}

    def put_scaling_policy(self, PolicyName: str, ServiceNamespace: str, ResourceId: str, ScalableDimension: str, PolicyType: str | None = None,
                           TargetTrackingScalingPolicyConfiguration: Mapping[str, Any] | None = None, **ignored: Any) -> dict[str, Any]:
        endpoint, variant = parse_resource(ServiceNamespace, ResourceId, ScalableDimension)
        if not PolicyName or len(PolicyName) > 256:
            raise Invalid("PolicyName must be 1 to 256 characters", field="PolicyName")
        config = check_policy(PolicyType or "TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration)
        scaling = self._scaling(endpoint)
        entry = dict(require_variant(scaling, endpoint, variant))
        others = [n for n in entry.get("Policies") or {} if n != PolicyName]
        if others:
            raise Invalid(f"variant {variant!r} already has the policy {others[0]!r}: one target-tracking policy per variant here "
                          "(delete it first, or put this one under its name)", field="PolicyName")
        entry["Policies"] = {PolicyName: {"PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": config}}
        scaling[variant] = entry
        self._save(endpoint, scaling)
        arn = f"arn:labstudio:autoscaling:local:scalingPolicy:{ResourceId}:policyName/{PolicyName}"
        return {"PolicyARN": arn, "Alarms": []}

    def delete_scaling_policy(self, PolicyName: str, ServiceNamespace: str, ResourceId: str, ScalableDimension: str) -> dict[str, Any]:
        endpoint, variant = parse_resource(ServiceNamespace, ResourceId, ScalableDimension)
        scaling = self._scaling(endpoint)
        entry = dict(require_variant(scaling, endpoint, variant))
        if PolicyName not in (entry.get("Policies") or {}):
            raise NotFound(f"{ResourceId} has no scaling policy {PolicyName!r}")
        entry["Policies"] = {}
        scaling[variant] = entry
        self._save(endpoint, scaling)
        return {}

    def describe_scalable_targets(self, ServiceNamespace: str = NAMESPACE, ResourceIds: list[str] | None = None, **ignored: Any) -> dict[str, Any]:
        targets = []
        for item in self.endpoints.list()["Endpoints"]:
            endpoint = self.endpoints.get(item["EndpointName"])
            for variant, entry in (endpoint.config.get("scaling") or {}).items():
                resource = f"endpoint/{endpoint.name}/variant/{variant}"
                if ResourceIds and resource not in ResourceIds:
                    continue
                targets.append({"ServiceNamespace": NAMESPACE, "ResourceId": resource, "ScalableDimension": DIMENSION,
                                "MinCapacity": entry["MinCapacity"], "MaxCapacity": entry["MaxCapacity"]})
        return {"ScalableTargets": targets}

    def describe_scaling_policies(self, ServiceNamespace: str = NAMESPACE, ResourceId: str | None = None, **ignored: Any) -> dict[str, Any]:
        policies = []
        for target in self.describe_scalable_targets(ResourceIds=[ResourceId] if ResourceId else None)["ScalableTargets"]:
            endpoint, variant = parse_resource(NAMESPACE, target["ResourceId"], DIMENSION)
            entry = self._scaling(endpoint).get(variant) or {}
            for name, policy in (entry.get("Policies") or {}).items():
                policies.append({"PolicyName": name, "ServiceNamespace": NAMESPACE, "ResourceId": target["ResourceId"],
                                 "ScalableDimension": DIMENSION, **policy})
        return {"ScalingPolicies": policies}
