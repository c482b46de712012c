"""``session.cloudwatch_client`` (and ``session.boto_session.client("cloudwatch")``): metric alarms
over endpoints' figures, in CloudWatch's shape, which guarded deployments watch (serving/alarms.py)."""
from __future__ import annotations

from typing import Any

from .boto_errors import operation


class LocalCloudWatchClient:
    def __init__(self, session: Any) -> None:
        self._session = session

    @operation(
        "PutMetricAlarm",
        {"AlarmName": "str", "AlarmDescription": "str", "ActionsEnabled": "bool", "OKActions": "list", "AlarmActions": "list",
         "InsufficientDataActions": "list", "MetricName": "str", "Namespace": "str", "Statistic": "str", "ExtendedStatistic": "str",
         "Dimensions": "list", "Period": "int", "Unit": "str", "EvaluationPeriods": "int", "DatapointsToAlarm": "int", "Threshold": "time",
         "ComparisonOperator": "str", "TreatMissingData": "str", "Tags": "list"},
        required=("AlarmName", "EvaluationPeriods", "ComparisonOperator"),
    )
    def put_metric_alarm(self, **kwargs: Any) -> dict[str, Any]:
        from ..serving import alarms

        alarms.put(self._session.core.db, kwargs)
        return {"ResponseMetadata": {"HTTPStatusCode": 200}}

    @operation("DescribeAlarms", {"AlarmNames": "list", "AlarmNamePrefix": "str", "StateValue": "str", "AlarmTypes": "list", "MaxRecords": "int"})
    def describe_alarms(self, AlarmNames: list[str] | None = None, AlarmNamePrefix: str | None = None, StateValue: str | None = None,
                        **kwargs: Any) -> dict[str, Any]:
        from ..serving import alarms

        return alarms.describe_all(self._session.core.db, list(AlarmNames or []) or None, AlarmNamePrefix, StateValue)

    @operation("DeleteAlarms", {"AlarmNames": "list"}, required=("AlarmNames",))
    def delete_alarms(self, AlarmNames: list[str]) -> dict[str, Any]:
        from ..serving import alarms

        alarms.delete(self._session.core.db, list(AlarmNames))
        return {"ResponseMetadata": {"HTTPStatusCode": 200}}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(f"cloudwatch_client.{name} has no local equivalent in labstudio: put_metric_alarm, describe_alarms and delete_alarms do")
