"""Model Monitor over REST on a real Jupyter server with authentication on: a baselining job,
schedules created, listed, described, stopped, started and deleted, every bad input a 400
naming its field; and the store's scheduler, killed with SIGKILL, resumed by the server."""
from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status
from labstudio import procs
from labstudio.monitor.service import LEASE
from labstudio.store import leases
from monitor_helpers import summing_model, training_csv

API = ("labstudio", "api")
pytestmark = pytest.mark.slow


def _schedule(name: str, endpoint: str, expression: str = "cron(0 * ? * * *)", constraints: str = "baseline/constraints.json") -> str:
    return json.dumps({
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": {
            "ScheduleConfig": {"ScheduleExpression": expression},
            "MonitoringJobDefinition": {
                "BaselineConfig": {"ConstraintsResource": {"S3Uri": constraints}, "StatisticsResource": {"S3Uri": "baseline/statistics.json"}},
                "MonitoringInputs": [{"EndpointInput": {"EndpointName": endpoint}}],
                "RoleArn": "arn:aws:iam::000000000000:role/x",
            },
            "MonitoringType": "DataQuality",
        },
    })


def _lease(core):  # type: ignore[no-untyped-def]
    with core.db.read() as conn:
        return leases.get(conn, LEASE)


async def _until(predicate, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.1)


async def test_baselines_and_schedules_over_rest(jp_fetch, jp_root_dir: Path, core) -> None:  # type: ignore[no-untyped-def]
    folder = summing_model(jp_root_dir / "summing")
    training_csv(jp_root_dir / "train.csv")
    variant = {"VariantName": "AllTraffic", "Source": str(folder / "model"), "SourceDir": str(folder / "code")}
    watched = core.endpoints.create({"EndpointName": "watched", "ProductionVariants": [variant],
                                     "DataCaptureConfig": {"EnableCapture": True, "InitialSamplingPercentage": 100}}, wait=True, timeout=120)
    assert watched["EndpointStatus"] == "InService", watched
    blind = core.endpoints.create({"EndpointName": "blind", "ProductionVariants": [variant]}, wait=True, timeout=120)
    assert blind["EndpointStatus"] == "InService", blind

    created = await jp_fetch(*API, "monitoring-baselines", method="POST", body=json.dumps(
        {"BaselineDataset": "train.csv", "DatasetFormat": {"csv": {"header": True}}, "OutputS3Uri": "baseline"}))
    assert created.code == 201
    job = _body(created)["ProcessingJobName"]
    assert _body(created)["AppSpecification"]["ContainerEntrypoint"] == ["python3", "-m", "labstudio.monitor.analyzer"]
    done = await wait_status(jp_fetch, "processing-jobs", job, "ProcessingJobStatus", timeout=120)
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    assert done["ExitMessage"].startswith("Completed: ")
    assert json.loads((jp_root_dir / "baseline" / "constraints.json").read_text())["features"][3]["name"] == "color"

    (jp_root_dir / "empty.csv").write_text("label,x1\n")
    status, err = await _error(jp_fetch, *API, "monitoring-baselines", method="POST",
                               body=json.dumps({"BaselineDataset": "empty.csv", "DatasetFormat": {"csv": {"header": True}}}))
    assert status == 400 and err["field"] == "BaselineDataset" and "no data rows" in err["message"]
    status, err = await _error(jp_fetch, *API, "monitoring-baselines", method="POST",
                               body=json.dumps({"BaselineDataset": "/etc/hostname", "DatasetFormat": {"csv": {"header": False}}}))
    assert status == 400 and err["field"] == "BaselineDataset"

    status, err = await _error(jp_fetch, *API, "monitoring-schedules", method="POST", body=_schedule("s1", "watched", "cron(0 * *)"))
    assert status == 400 and err["field"] == "ScheduleExpression"
    status, err = await _error(jp_fetch, *API, "monitoring-schedules", method="POST", body=_schedule("s1", "blind"))
    assert status == 400 and "capture" in err["message"] and err["field"] == "MonitoringInputs[0].EndpointInput.EndpointName"
    status, err = await _error(jp_fetch, *API, "monitoring-schedules", method="POST", body=_schedule("s1", "watched", constraints="nope.json"))
    assert status == 400 and err["field"] == "BaselineConfig.ConstraintsResource.S3Uri"
    status, err = await _error(jp_fetch, *API, "monitoring-schedules", method="POST", body=json.dumps({"MonitoringScheduleName": "s1"}))
    assert status == 400 and "MonitoringScheduleConfig" in err["field"]
    assert _lease(core) is None  # nothing scheduled, no scheduler

    created = await jp_fetch(*API, "monitoring-schedules", method="POST", body=_schedule("hourly", "watched"))
    assert created.code == 201 and _body(created)["MonitoringScheduleArn"].endswith("monitoring-schedule/hourly")
    status, err = await _error(jp_fetch, *API, "monitoring-schedules", method="POST", body=_schedule("hourly", "watched"))
    assert status == 409
    listed = _body(await jp_fetch(*API, "monitoring-schedules", params={"endpoint_name": "watched"}))["MonitoringScheduleSummaries"]
    assert [(s["MonitoringScheduleName"], s["MonitoringScheduleStatus"], s["MonitoringType"]) for s in listed] == [("hourly", "Scheduled", "DataQuality")]
    assert listed[0]["NextRunTime"].endswith(":00:00.000Z")
    described = _body(await jp_fetch(*API, "monitoring-schedules", "hourly"))
    definition = described["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
    assert definition["BaselineConfig"]["ConstraintsResource"]["S3Uri"] == str((jp_root_dir / "baseline" / "constraints.json").resolve())
    assert described["EndpointName"] == "watched" and described["LastMonitoringExecutionSummary"] is None
    assert _body(await jp_fetch(*API, "monitoring-schedules", "hourly", "executions"))["MonitoringExecutionSummaries"] == []

    # The store's scheduler holds its lease; killed outright, the server's reconcile starts another.
    await _until(lambda: _lease(core) is not None and procs.is_alive(_lease(core).pid, _lease(core).start_ticks), "no scheduler took the lease")
    first = _lease(core)
    os.kill(first.pid, signal.SIGKILL)
    await _until(lambda: _lease(core).holder != first.holder and procs.is_alive(_lease(core).pid, _lease(core).start_ticks),
                 "the server did not resume the scheduler")
    assert _lease(core).pid != first.pid

    assert _body(await jp_fetch(*API, "monitoring-schedules", "hourly", "stop", method="POST", body=""))["MonitoringScheduleArn"]
    assert _body(await jp_fetch(*API, "monitoring-schedules", "hourly"))["MonitoringScheduleStatus"] == "Stopped"
    await jp_fetch(*API, "monitoring-schedules", "hourly", "start", method="POST", body="")
    assert _body(await jp_fetch(*API, "monitoring-schedules", "hourly"))["MonitoringScheduleStatus"] == "Scheduled"
    assert _body(await jp_fetch(*API, "monitoring-executions", params={"endpoint_name": "watched"}))["MonitoringExecutionSummaries"] == []
    await jp_fetch(*API, "monitoring-schedules", "hourly", method="DELETE")
    status, err = await _error(jp_fetch, *API, "monitoring-schedules", "hourly")
    assert status == 404 and "hourly" in err["message"]
    status, _ = await _error(jp_fetch, *API, "monitoring-schedules", params={"status": "Sleeping"})
    assert status == 400
