"""The monitoring-schedule calls of boto3's SageMaker client (``session.sagemaker_client``),
answered by the local monitoring service with boto3's names and shapes."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..shapes.common import to_json
from .boto_errors import operation

if TYPE_CHECKING:
    from ..core import Core

_PAGE = {"MaxResults": "int", "NextToken": "str", "SortBy": "str", "SortOrder": "str"}


class MonitoringClientMethods:
    """Mixed into LocalSagemakerClient; `_core()` is the store the session points at."""

    def _core(self) -> Core:
        raise NotImplementedError

    @operation("CreateMonitoringSchedule", {"MonitoringScheduleName": "str", "MonitoringScheduleConfig": "dict", "Tags": "list"},
               required=("MonitoringScheduleName", "MonitoringScheduleConfig"))
    def create_monitoring_schedule(self, **kw: Any) -> dict[str, Any]:
        result: dict[str, Any] = to_json(self._core().monitoring.create_schedule(kw))
        return result

    @operation("DescribeMonitoringSchedule", {"MonitoringScheduleName": "str"}, required=("MonitoringScheduleName",))
    def describe_monitoring_schedule(self, **kw: Any) -> dict[str, Any]:
        result: dict[str, Any] = to_json(self._core().monitoring.describe_schedule(kw["MonitoringScheduleName"]))
        return result

    @operation("ListMonitoringSchedules", {**_PAGE, "EndpointName": "str", "NameContains": "str", "StatusEquals": "str"})
    def list_monitoring_schedules(self, **kw: Any) -> dict[str, Any]:
        result: dict[str, Any] = to_json(self._core().monitoring.list_schedules(
            endpoint_name=kw.get("EndpointName"), name_contains=kw.get("NameContains"), status=kw.get("StatusEquals"),
            sort_order=kw.get("SortOrder"), max_results=kw.get("MaxResults"), next_token=kw.get("NextToken")))
        return result

    @operation("ListMonitoringExecutions", {**_PAGE, "MonitoringScheduleName": "str", "EndpointName": "str", "ScheduledTimeAfter": "time",
                                            "ScheduledTimeBefore": "time"})
    def list_monitoring_executions(self, **kw: Any) -> dict[str, Any]:
        from ..pages import time_filter

        result: dict[str, Any] = to_json(self._core().monitoring.list_executions(
            schedule_name=kw.get("MonitoringScheduleName"), endpoint_name=kw.get("EndpointName"), sort_order=kw.get("SortOrder"),
            max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"),
            scheduled_after=time_filter(kw.get("ScheduledTimeAfter"), "ScheduledTimeAfter"),
            scheduled_before=time_filter(kw.get("ScheduledTimeBefore"), "ScheduledTimeBefore")))
        return result

    @operation("StartMonitoringSchedule", {"MonitoringScheduleName": "str"}, required=("MonitoringScheduleName",))
    def start_monitoring_schedule(self, **kw: Any) -> dict[str, Any]:
        self._core().monitoring.start_schedule(kw["MonitoringScheduleName"])
        return {}

    @operation("StopMonitoringSchedule", {"MonitoringScheduleName": "str"}, required=("MonitoringScheduleName",))
    def stop_monitoring_schedule(self, **kw: Any) -> dict[str, Any]:
        self._core().monitoring.stop_schedule(kw["MonitoringScheduleName"])
        return {}

    @operation("DeleteMonitoringSchedule", {"MonitoringScheduleName": "str"}, required=("MonitoringScheduleName",))
    def delete_monitoring_schedule(self, **kw: Any) -> dict[str, Any]:
        self._core().monitoring.delete_schedule(kw["MonitoringScheduleName"])
        return {}


__all__ = ["MonitoringClientMethods"]
