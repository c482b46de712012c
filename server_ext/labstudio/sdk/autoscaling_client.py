"""``session.boto_session.client("application-autoscaling")``: Application Auto Scaling's calls for an
endpoint's variants, answered locally (serving/autoscaling.py; the scaling itself is done by the
endpoint's supervisor)."""
from __future__ import annotations

from typing import Any

from .boto_errors import operation

_TARGET = {"ServiceNamespace": "str", "ResourceId": "str", "ScalableDimension": "str"}


class LocalAutoscalingClient:
    def __init__(self, session: Any) -> None:
        self._session = session

    def _service(self) -> Any:
        return self._session.core.endpoints.autoscaling

    @operation("RegisterScalableTarget", {**_TARGET, "MinCapacity": "int", "MaxCapacity": "int", "RoleARN": "str",
                                          "SuspendedState": "dict", "Tags": "dict"}, required=tuple(_TARGET))
    def register_scalable_target(self, **kwargs: Any) -> dict[str, Any]:
        return dict(self._service().register_scalable_target(**kwargs))

    @operation("DeregisterScalableTarget", _TARGET, required=tuple(_TARGET))
    def deregister_scalable_target(self, **kwargs: Any) -> dict[str, Any]:
        return dict(self._service().deregister_scalable_target(**kwargs))

    @operation("PutScalingPolicy", {"PolicyName": "str", **_TARGET, "PolicyType": "str", "TargetTrackingScalingPolicyConfiguration": "dict",
                                    "StepScalingPolicyConfiguration": "dict"}, required=("PolicyName", *_TARGET))
    def put_scaling_policy(self, **kwargs: Any) -> dict[str, Any]:
        if kwargs.pop("StepScalingPolicyConfiguration", None) is not None:
            from ..errors import Invalid

            raise Invalid("StepScalingPolicyConfiguration is not supported here: use TargetTrackingScaling", field="PolicyType")
        return dict(self._service().put_scaling_policy(**kwargs))

    @operation("DeleteScalingPolicy", {"PolicyName": "str", **_TARGET}, required=("PolicyName", *_TARGET))
    def delete_scaling_policy(self, **kwargs: Any) -> dict[str, Any]:
        return dict(self._service().delete_scaling_policy(**kwargs))

    @operation("DescribeScalableTargets", {"ServiceNamespace": "str", "ResourceIds": "list", "ScalableDimension": "str", "MaxResults": "int"},
               required=("ServiceNamespace",))
    def describe_scalable_targets(self, ServiceNamespace: str, ResourceIds: list[str] | None = None, **ignored: Any) -> dict[str, Any]:
        return dict(self._service().describe_scalable_targets(ServiceNamespace=ServiceNamespace, ResourceIds=ResourceIds))

    @operation("DescribeScalingPolicies", {"ServiceNamespace": "str", "ResourceId": "str", "ScalableDimension": "str", "PolicyNames": "list",
                                           "MaxResults": "int"}, required=("ServiceNamespace",))
    def describe_scaling_policies(self, ServiceNamespace: str, ResourceId: str | None = None, **ignored: Any) -> dict[str, Any]:
        return dict(self._service().describe_scaling_policies(ServiceNamespace=ServiceNamespace, ResourceId=ResourceId))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(f"application-autoscaling.{name} has no local equivalent in labstudio")
