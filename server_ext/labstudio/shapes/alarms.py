"""Metric alarms in CloudWatch's PascalCase (PutMetricAlarm / DescribeAlarms), over endpoints' figures,
and an endpoint variant's autoscaling (Application Auto Scaling's target and policy)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from .common import Int, Number, Request, Response


class AlarmDimension(Request):
    Name: Literal["EndpointName", "VariantName"]
    Value: str = Field(min_length=1, max_length=255)


class PutMetricAlarmRequest(Request):
    """PutMetricAlarm without AlarmName (it is the route's): Invocation5XXErrors, Invocation4XXErrors (Sum) or ModelLatency (p99, microseconds)."""

    MetricName: str
    Namespace: str | None = Field(default=None, description="AWS/SageMaker")
    Statistic: str | None = None
    ExtendedStatistic: str | None = None
    Dimensions: list[AlarmDimension]
    Period: Int | None = Field(default=None, ge=1)
    EvaluationPeriods: Int = Field(ge=1)
    DatapointsToAlarm: Int | None = Field(default=None, ge=1)
    Threshold: Number
    ComparisonOperator: Literal["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]
    AlarmDescription: str | None = Field(default=None, max_length=1024)
    ActionsEnabled: StrictBool | None = None
    TreatMissingData: str | None = None
    Unit: str | None = None


class AlarmDimensionDescription(Response):
    Name: str
    Value: str


class MetricAlarm(Response):
    AlarmName: str
    AlarmArn: str
    MetricName: str
    Namespace: str
    Dimensions: list[AlarmDimensionDescription]
    Threshold: float
    ComparisonOperator: str
    EvaluationPeriods: int
    StateValue: Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
    StateReason: str | None
    StateUpdatedTimestamp: str = Field(json_schema_extra={"format": "date-time"})


class DescribeAlarmsResponse(Response):
    MetricAlarms: list[MetricAlarm]
    CompositeAlarms: list[dict[str, str]]


class PredefinedMetric(Request):
    PredefinedMetricType: Literal["SageMakerVariantInvocationsPerInstance"]


class TargetTrackingConfiguration(Request):
    TargetValue: Number = Field(gt=0, description="Requests per worker per minute.")
    PredefinedMetricSpecification: PredefinedMetric
    ScaleOutCooldown: Int | None = Field(default=None, ge=0)
    ScaleInCooldown: Int | None = Field(default=None, ge=0)
    DisableScaleIn: StrictBool | None = None


class VariantScalingRequest(Request):
    """Register the variant as a scalable target and, with a policy, put its target-tracking policy."""

    MinCapacity: Int = Field(ge=1, le=64)
    MaxCapacity: Int = Field(ge=1, le=64)
    PolicyName: str | None = Field(default=None, min_length=1, max_length=256)
    TargetTrackingScalingPolicyConfiguration: TargetTrackingConfiguration | None = None


class VariantScaling(Response):
    ResourceId: str
    MinCapacity: int
    MaxCapacity: int
    ScalingPolicies: list[dict[str, object]]
