"""REST for metric alarms (/labstudio/api/alarms[/{name}]) and an endpoint variant's autoscaling
(/labstudio/api/endpoints/{name}/variants/{variant}/scaling): thin over serving/alarms.py and
serving/autoscaling.py."""
from __future__ import annotations

from tornado import web

from ..errors import NotFound
from ..serving import alarms
from ..serving.autoscaling import DIMENSION, NAMESPACE
from ..shapes import parse
from ..shapes.alarms import DescribeAlarmsResponse, MetricAlarm, PutMetricAlarmRequest, VariantScaling, VariantScalingRequest
from ..shapes.openapi import Operation, Param, Reply
from .base import LabstudioHandler


class AlarmsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        prefix = self.get_query_argument("prefix", None) or None
        state = self.get_query_argument("state", None) or None
        self.reply(await self.call(alarms.describe_all, self.core.db, None, prefix, state))


class AlarmHandler(LabstudioHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        found = (await self.call(alarms.describe_all, self.core.db, [name]))["MetricAlarms"]
        if not found:
            raise NotFound(f"alarm {name!r} does not exist")
        self.reply(found[0])

    @web.authenticated
    async def put(self, name: str) -> None:
        body = parse(PutMetricAlarmRequest, self.json_body()).model_dump(exclude_none=True)
        await self.call(alarms.put, self.core.db, {"AlarmName": name, **body})
        self.reply((await self.call(alarms.describe_all, self.core.db, [name]))["MetricAlarms"][0])

    @web.authenticated
    async def delete(self, name: str) -> None:
        await self.call(alarms.delete, self.core.db, [name])
        self.set_status(204)
        self.finish()


class ScalingHandler(LabstudioHandler):
    def _target(self, name: str, variant: str) -> dict[str, str]:
        return {"ServiceNamespace": NAMESPACE, "ResourceId": f"endpoint/{name}/variant/{variant}", "ScalableDimension": DIMENSION}

    async def _describe(self, name: str, variant: str) -> dict[str, object]:
        target = self._target(name, variant)
        service = self.core.endpoints.autoscaling
        found = (await self.call(service.describe_scalable_targets, ResourceIds=[target["ResourceId"]]))["ScalableTargets"]
        if not found:
            raise NotFound(f"{target['ResourceId']} is not a registered scalable target")
        policies = (await self.call(service.describe_scaling_policies, ResourceId=target["ResourceId"]))["ScalingPolicies"]
        return {"ResourceId": target["ResourceId"], "MinCapacity": found[0]["MinCapacity"], "MaxCapacity": found[0]["MaxCapacity"],
                "ScalingPolicies": policies}

    @web.authenticated
    async def get(self, name: str, variant: str) -> None:
        self.reply(await self._describe(name, variant))

    @web.authenticated
    async def put(self, name: str, variant: str) -> None:
        body = parse(VariantScalingRequest, self.json_body())
        service = self.core.endpoints.autoscaling
        target = self._target(name, variant)
        await self.call(service.register_scalable_target, **target, MinCapacity=body.MinCapacity, MaxCapacity=body.MaxCapacity)
        if body.TargetTrackingScalingPolicyConfiguration is not None:
            config = body.TargetTrackingScalingPolicyConfiguration.model_dump(exclude_none=True)
            await self.call(service.put_scaling_policy, PolicyName=body.PolicyName or f"{name}-{variant}-target", **target,
                            PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=config)
        self.reply(await self._describe(name, variant))

    @web.authenticated
    async def delete(self, name: str, variant: str) -> None:
        await self.call(self.core.endpoints.autoscaling.deregister_scalable_target, **self._target(name, variant))
        self.set_status(204)
        self.finish()


def routes() -> list[tuple[str, type]]:
    return [
        (r"/alarms", AlarmsHandler),
        (r"/alarms/(?P<name>[^/]+)", AlarmHandler),
        (r"/endpoints/(?P<name>[^/]+)/variants/(?P<variant>[^/]+)/scaling", ScalingHandler),
    ]


_NAME = Param("name", "path")
_VARIANT = Param("variant", "path")

OPENAPI = [
    Operation("get", "/alarms", "DescribeAlarms: metric alarms over endpoints' figures, with their state", {200: Reply("Alarms", DescribeAlarmsResponse)},
              errors=(400,), params=(Param("prefix"), Param("state", schema={"type": "string", "enum": ["OK", "ALARM", "INSUFFICIENT_DATA"]}))),
    Operation("get", "/alarms/{name}", "One alarm", {200: Reply("The alarm", MetricAlarm)}, errors=(404,), params=(_NAME,)),
    Operation("put", "/alarms/{name}", "PutMetricAlarm: create or replace an alarm", {200: Reply("The alarm", MetricAlarm)},
              errors=(400,), params=(_NAME,), request=PutMetricAlarmRequest),
    Operation("delete", "/alarms/{name}", "DeleteAlarms: one alarm", {204: Reply("Deleted")}, errors=(404,), params=(_NAME,)),
    Operation("get", "/endpoints/{name}/variants/{variant}/scaling", "A variant's autoscaling (scalable target and policy)",
              {200: Reply("Its autoscaling", VariantScaling)}, errors=(404,), params=(_NAME, _VARIANT)),
    Operation("put", "/endpoints/{name}/variants/{variant}/scaling", "Register the variant as a scalable target, with a target-tracking policy",
              {200: Reply("Its autoscaling", VariantScaling)}, errors=(400, 404, 409), params=(_NAME, _VARIANT), request=VariantScalingRequest),
    Operation("delete", "/endpoints/{name}/variants/{variant}/scaling", "Deregister the scalable target (the worker count stays as it is)",
              {204: Reply("Deregistered")}, errors=(404,), params=(_NAME, _VARIANT)),
]
