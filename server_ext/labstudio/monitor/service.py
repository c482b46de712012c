"""MonitoringService: Model Monitor's API over the store — baselining jobs, monitoring schedules
(create, describe, list, start, stop, delete) and their executions. No tornado here.

A baseline and every monitoring execution is a processing job on the job engine, whose script
is labstudio's analyzer (`python3 -m labstudio.monitor.analyzer`, monitor/analyzer.py): its
log, status, outputs and ExitMessage are a processing job's like any other.

Schedules run while no one watches: each keeps its next run time in the store, and the
monitoring scheduler (monitor/scheduler.py: one detached process per store, holding the store
lease `monitoring-scheduler`) starts each execution when its time comes. Whoever creates or
starts a schedule, and every server's periodic reconcile, starts a scheduler when none holds
the lease (or its holder on this machine died), and the new one resumes from the store.
"""
from __future__ import annotations

import builtins
import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import procs as procutil
from ..config import Settings
from ..errors import Conflict, Invalid, NameTaken, NotFound
from ..jobs.spec import ENV_KEY_RE, _resolve_path, generate_name
from ..pages import decode_token, encode_token, page_size
from ..shapes.common import NAME_RE, NAME_RULE
from ..shapes.monitoring import (
    CreateMonitoringScheduleRequest,
    DescribeMonitoringScheduleResponse,
    ListMonitoringExecutionsResponse,
    ListMonitoringSchedulesResponse,
    MonitoringExecutionReport,
    MonitoringExecutionSummary,
    MonitoringScheduleArnResponse,
    MonitoringScheduleSummary,
    SuggestBaselineRequest,
)
from ..shapes.validate import parse
from ..store import Database
from ..store import leases as leases_store
from ..store import monitoring as store
from ..store.util import iso
from . import cron

if TYPE_CHECKING:
    from ..coordinator_lease import CoordinatorLease
    from ..core import Core
    from ..shapes.processing import DescribeProcessingJobResponse

LEASE = "monitoring-scheduler"
START_GRACE_SECONDS = 15.0  # a scheduler just started has this long to take its lease
ANALYZER = ["python3", "-m", "labstudio.monitor.analyzer"]
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_PATH = "/opt/ml/processing/output"
BASELINE_INPUT = "baseline_dataset_input"
OUTPUT_NAME = "monitoring_output"
CAPTURE_FORMAT = {"sagemaker_capture_json": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}


def schedule_arn(name: str) -> str:
    return f"arn:labstudio:local:monitoring-schedule/{name}"


def processing_arn(name: str) -> str:
    return f"arn:labstudio:local:processing-job/{name}"


def execution_job_name(schedule: str, scheduled: float) -> str:
    """The processing job of the run of `schedule` at `scheduled`: unique per run, and the same
    for a scheduler resumed half-way through starting it."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(scheduled))
    if len(schedule) + 1 + len(stamp) <= 63:
        return f"{schedule}-{stamp}"
    digest = hashlib.sha1(schedule.encode()).hexdigest()[:6]
    return f"{schedule[:40].rstrip('-')}-{digest}-{stamp}"


def scheduler_log(settings: Settings) -> Path:
    return settings.home / "monitoring" / "scheduler.log"


class MonitoringService:
    def __init__(self, settings: Settings, db: Database, core: Core) -> None:
        self.settings = settings
        self.db = db
        self.core = core
        self._spawned_at = 0.0

    # -- baselines ------------------------------------------------------------------------------

    def suggest_baseline(
        self, request: SuggestBaselineRequest | Mapping[str, Any], *, base_dir: Path | None = None, root_dir: Path | None = None,
        analysis_type: str = "BASELINE", extra_env: Mapping[str, str] | None = None,
    ) -> DescribeProcessingJobResponse:
        """Start a baselining job over a dataset: statistics.json and constraints.json land in
        OutputS3Uri (or the artifact store). The dataset is checked first (rows, header)."""
        from .datasets import check_baseline, format_kind  # pandas: only a baseline needs it, not the server's reconcile

        req = parse(SuggestBaselineRequest, request)
        try:
            kind, _ = format_kind(req.DatasetFormat)
        except ValueError as exc:
            raise Invalid(str(exc), field="DatasetFormat") from None
        if kind == "sagemaker_capture_json":
            raise Invalid("a baseline is made from a dataset: DatasetFormat.csv(...) or DatasetFormat.json(...)", field="DatasetFormat")
        dataset = req.BaselineDataset
        if "://" not in dataset or dataset.startswith("file://"):
            raw = dataset[len("file://"):] if dataset.startswith("file://") else dataset
            path = _resolve_path(raw, "BaselineDataset", (base_dir or root_dir or Path.cwd()).resolve(), root_dir)
            try:
                check_baseline(str(path), req.DatasetFormat, "BaselineDataset")
            except ValueError as exc:
                raise Invalid(str(exc), field="BaselineDataset") from None
            dataset = str(path)
        env = {
            "dataset_format": json.dumps(req.DatasetFormat),
            "dataset_source": f"{INPUT_ROOT}/{BASELINE_INPUT}",
            "output_path": OUTPUT_PATH,
            "publish_cloudwatch_metrics": "Disabled",
            "analysis_type": analysis_type,
            **(req.Environment or {}),
            **(extra_env or {}),
        }
        processing: dict[str, Any] = {
            "name": req.JobName or generate_name("baseline-suggestion-job"),
            "entrypoint": list(ANALYZER),
            "inputs": [{"input_name": BASELINE_INPUT, "source": dataset, "destination": f"{INPUT_ROOT}/{BASELINE_INPUT}"}],
            "outputs": [{"output_name": OUTPUT_NAME, "source": OUTPUT_PATH, **({"destination": req.OutputS3Uri} if req.OutputS3Uri else {})}],
            "environment": env,
            "install_requirements": False,
        }
        if req.MaxRuntimeInSeconds is not None:
            processing["max_runtime_seconds"] = req.MaxRuntimeInSeconds
        return self.core.processing.submit(processing, base_dir=base_dir, root_dir=root_dir)

    # -- schedules ------------------------------------------------------------------------------

    def _get(self, name: str) -> store.Schedule:
        with self.db.read() as conn:
            found = store.get_schedule(conn, name)
        if found is None:
            raise NotFound(f"Monitoring schedule {name!r} does not exist.", field="MonitoringScheduleName")
        return found

    def _capture_root(self, endpoint: str) -> str:
        """The endpoint's data-capture folder (or URI); Invalid when it captures nothing."""
        try:
            described = self.core.endpoints.describe(endpoint)
        except NotFound:
            raise Invalid(f"Endpoint {endpoint!r} does not exist; deploy it first (with data capture enabled).",
                          field="MonitoringInputs[0].EndpointInput.EndpointName") from None
        capture = described.get("DataCaptureConfig") or {}
        if not capture.get("EnableCapture") or not capture.get("DestinationS3Uri"):
            raise Invalid(
                f"Endpoint {endpoint!r} does not capture its traffic, so there is nothing to monitor: deploy it with "
                "data_capture_config=DataCaptureConfig(enable_capture=True, sampling_percentage=100) (or update its DataCaptureConfig).",
                field="MonitoringInputs[0].EndpointInput.EndpointName",
            )
        root = str(capture["DestinationS3Uri"]).rstrip("/")
        suffix = f"/endpoints/{endpoint}/data-capture"
        return root if root.endswith(suffix) else root + suffix

    def _location(self, raw: str, field: str, base_dir: Path | None, root_dir: Path | None, *, must_exist: bool) -> str:
        """A local path made absolute (confined to root_dir over REST), or a remote URI as given."""
        if "://" in raw and not raw.startswith("file://"):
            return raw
        text = raw[len("file://"):] if raw.startswith("file://") else raw
        path = _resolve_path(text, field, (base_dir or root_dir or Path.cwd()).resolve(), root_dir)
        if must_exist and not path.exists():
            raise Invalid(f"{field} {raw!r} does not exist ({path}); give the file a baselining job wrote "
                          "(e.g. my_monitor.suggested_constraints())", field=field)
        return str(path)

    def _check_json(self, location: str, field: str, key: str | None) -> None:
        """The baseline file is JSON (with a `key` list, and a valid monitoring_config for data-quality constraints)."""
        if "://" in location:
            return
        path = Path(location)
        if path.is_dir():
            path = path / ("constraints.json" if "Constraints" in field else "statistics.json")
        try:
            body = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise Invalid(f"{field} {location!r} is not a readable JSON file: {exc}", field=field) from None
        if not isinstance(body, dict) or (key is not None and not isinstance(body.get(key), list)):
            raise Invalid(f"{field} {location!r} has no {key!r} list; give the {path.name} a baselining job wrote", field=field)
        if key == "features" and "Constraints" in field:
            from .stats import check_config

            try:
                check_config(body)
            except ValueError as exc:
                raise Invalid(f"{field}: {exc}", field=field) from None

    def create_schedule(
        self, request: CreateMonitoringScheduleRequest | Mapping[str, Any], *, base_dir: Path | None = None, root_dir: Path | None = None
    ) -> MonitoringScheduleArnResponse:
        """CreateMonitoringSchedule. Everything is checked before anything is recorded: the name,
        the endpoint (it must capture its traffic), the schedule expression, the window, the
        baseline files. The scheduler is started (or found running)."""
        req = parse(CreateMonitoringScheduleRequest, request)
        name = req.MonitoringScheduleName
        config = req.MonitoringScheduleConfig
        job = config.MonitoringJobDefinition
        schedule = config.ScheduleConfig
        cron_expr = cron.to_cron(schedule.ScheduleExpression, "ScheduleExpression")
        cron.check_window(schedule.DataAnalysisStartTime, schedule.DataAnalysisEndTime)
        endpoint_input = job.MonitoringInputs[0].EndpointInput
        capture_root = self._capture_root(endpoint_input.EndpointName)
        baseline = job.BaselineConfig
        constraints = baseline.ConstraintsResource.S3Uri if baseline and baseline.ConstraintsResource else None
        statistics = baseline.StatisticsResource.S3Uri if baseline and baseline.StatisticsResource else None
        quality = config.MonitoringType == "ModelQuality"
        if constraints is None and not quality:
            raise Invalid("BaselineConfig.ConstraintsResource is required: the constraints.json a baselining job suggested "
                          "(my_monitor.suggested_constraints()), which the traffic is checked against", field="BaselineConfig.ConstraintsResource")
        for key in job.Environment or {}:
            if not ENV_KEY_RE.match(key):
                raise Invalid(f"Environment variable name {key!r} is invalid: use letters, digits and '_', not starting with a digit",
                              field="MonitoringJobDefinition.Environment")
        definition: dict[str, Any] = {
            "endpoint": endpoint_input.EndpointName,
            "capture_root": capture_root,
            "environment": dict(job.Environment or {}),
            "max_runtime_seconds": job.StoppingCondition.MaxRuntimeInSeconds if job.StoppingCondition else None,
            "role_arn": job.RoleArn,
            "inference_attribute": endpoint_input.InferenceAttribute,
            "probability_attribute": endpoint_input.ProbabilityAttribute,
            "probability_threshold_attribute": endpoint_input.ProbabilityThresholdAttribute,
            "problem_type": job.ProblemType,
        }
        if constraints is not None:
            definition["constraints"] = self._location(constraints, "BaselineConfig.ConstraintsResource.S3Uri", base_dir, root_dir, must_exist=True)
            self._check_json(definition["constraints"], "BaselineConfig.ConstraintsResource.S3Uri", None if quality else "features")
        if statistics is not None:
            definition["statistics"] = self._location(statistics, "BaselineConfig.StatisticsResource.S3Uri", base_dir, root_dir, must_exist=True)
            self._check_json(definition["statistics"], "BaselineConfig.StatisticsResource.S3Uri", None if quality else "features")
        if job.MonitoringOutputConfig is not None:
            definition["output"] = self._location(job.MonitoringOutputConfig.MonitoringOutputs[0].S3Output.S3Uri,
                                                   "MonitoringOutputConfig.MonitoringOutputs[0].S3Output.S3Uri", base_dir, root_dir, must_exist=False)
        if quality:
            if job.GroundTruthS3Input is None:
                raise Invalid("GroundTruthS3Input is required for a ModelQuality schedule: the folder of ground-truth records "
                              "(JSON lines with eventMetadata.eventId and groundTruthData)", field="GroundTruthS3Input")
            if job.ProblemType is None:
                raise Invalid("ProblemType is required for a ModelQuality schedule: BinaryClassification, MulticlassClassification or Regression",
                              field="ProblemType")
            definition["ground_truth"] = self._location(job.GroundTruthS3Input.S3Uri, "GroundTruthS3Input.S3Uri", base_dir, root_dir, must_exist=False)
        now = time.time()
        first = now if cron_expr is None else cron.next_time(cron_expr, now)

        def body(conn: Any) -> None:
            if store.get_schedule(conn, name) is not None:
                raise NameTaken(f"A monitoring schedule named {name!r} already exists; delete it first or choose another name.",
                                field="MonitoringScheduleName")
            store.insert_schedule(conn, {
                "name": name, "endpoint_name": endpoint_input.EndpointName, "monitoring_type": config.MonitoringType, "status": "Scheduled",
                "schedule_expression": schedule.ScheduleExpression.strip(), "analysis_start": schedule.DataAnalysisStartTime,
                "analysis_end": schedule.DataAnalysisEndTime, "definition": definition,
                "tags": {t.Key: t.Value for t in req.Tags or []}, "next_run_time": first, "failure_reason": None,
                "creation_time": now, "last_modified_time": now,
            })

        self.db.run_write(body)
        self.ensure_scheduler()
        return MonitoringScheduleArnResponse(MonitoringScheduleArn=schedule_arn(name))

    def describe_schedule(self, name: str) -> DescribeMonitoringScheduleResponse:
        s = self._get(name)
        with self.db.read() as conn:
            last = store.last_execution(conn, name)
        d = s.definition
        job_definition: dict[str, Any] = {
            "BaselineConfig": {
                **({"ConstraintsResource": {"S3Uri": d["constraints"]}} if d.get("constraints") else {}),
                **({"StatisticsResource": {"S3Uri": d["statistics"]}} if d.get("statistics") else {}),
            },
            "MonitoringInputs": [{"EndpointInput": {"EndpointName": s.endpoint_name, "LocalPath": f"{INPUT_ROOT}/endpoint",
                                                     "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}}],
            "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {"S3Uri": d.get("output") or self._default_output(s),
                                                                           "LocalPath": OUTPUT_PATH, "S3UploadMode": "EndOfJob"}}]},
            "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "local", "VolumeSizeInGB": 0}},
            "MonitoringAppSpecification": {"ImageUri": "labstudio-local", "ContainerEntrypoint": list(ANALYZER)},
            "Environment": dict(d.get("environment") or {}),
            "RoleArn": d.get("role_arn"),
        }
        if d.get("max_runtime_seconds"):
            job_definition["StoppingCondition"] = {"MaxRuntimeInSeconds": d["max_runtime_seconds"]}
        if d.get("ground_truth"):
            job_definition["GroundTruthS3Input"] = {"S3Uri": d["ground_truth"]}
            job_definition["ProblemType"] = d.get("problem_type")
        schedule_config: dict[str, Any] = {"ScheduleExpression": s.schedule_expression}
        if s.analysis_start is not None:
            schedule_config["DataAnalysisStartTime"] = s.analysis_start
        if s.analysis_end is not None:
            schedule_config["DataAnalysisEndTime"] = s.analysis_end
        return DescribeMonitoringScheduleResponse(
            MonitoringScheduleArn=schedule_arn(s.name),
            MonitoringScheduleName=s.name,
            MonitoringScheduleStatus=s.status,  # type: ignore[arg-type]  # the store holds only the four statuses
            MonitoringType=s.monitoring_type,  # type: ignore[arg-type]  # DataQuality or ModelQuality, checked at create
            FailureReason=s.failure_reason,
            CreationTime=iso(s.creation_time),
            LastModifiedTime=iso(s.last_modified_time),
            MonitoringScheduleConfig={"ScheduleConfig": schedule_config, "MonitoringJobDefinition": job_definition, "MonitoringType": s.monitoring_type},
            EndpointName=s.endpoint_name,
            LastMonitoringExecutionSummary=self._summary(last, s) if last is not None else None,
            NextRunTime=iso(s.next_run_time) if s.status == "Scheduled" else None,
            Tags=[{"Key": k, "Value": v} for k, v in sorted(s.tags.items())],
        )

    def list_schedules(self, *, endpoint_name: str | None = None, name_contains: str | None = None, status: str | None = None,
                       sort_order: str | None = None, max_results: int | None = None, next_token: str | None = None) -> ListMonitoringSchedulesResponse:
        size = page_size(max_results)
        offset = int(decode_token(next_token, 1)[0]) if next_token else 0
        with self.db.read() as conn:
            rows = store.list_schedules(conn, endpoint_name=endpoint_name, name_contains=name_contains, status=status,
                                        newest_first=sort_order != "Ascending", limit=size + 1, offset=offset)
        more = len(rows) > size
        return ListMonitoringSchedulesResponse(
            MonitoringScheduleSummaries=[
                MonitoringScheduleSummary(
                    MonitoringScheduleName=s.name, MonitoringScheduleArn=schedule_arn(s.name), CreationTime=iso(s.creation_time),
                    LastModifiedTime=iso(s.last_modified_time), MonitoringScheduleStatus=s.status,  # type: ignore[arg-type]  # one of the four
                    EndpointName=s.endpoint_name, MonitoringType=s.monitoring_type,  # type: ignore[arg-type]  # checked at create
                    NextRunTime=iso(s.next_run_time) if s.status == "Scheduled" else None,
                )
                for s in rows[:size]
            ],
            NextToken=encode_token([offset + size]) if more else None,
        )

    def start_schedule(self, name: str) -> MonitoringScheduleArnResponse:
        """StartMonitoringSchedule: Scheduled again, its next run the cron's next time (a NOW schedule runs once more)."""
        s = self._get(name)
        now = time.time()
        expression = cron.to_cron(s.schedule_expression)
        nxt = now if expression is None else cron.next_time(expression, now)
        self.db.run_write(lambda conn: store.update_schedule(conn, name, status="Scheduled", next_run_time=nxt, last_modified_time=now))
        self.ensure_scheduler()
        return MonitoringScheduleArnResponse(MonitoringScheduleArn=schedule_arn(name))

    def stop_schedule(self, name: str) -> MonitoringScheduleArnResponse:
        """StopMonitoringSchedule: no further run starts (a running execution finishes)."""
        self._get(name)
        now = time.time()
        self.db.run_write(lambda conn: store.update_schedule(conn, name, status="Stopped", next_run_time=None, last_modified_time=now))
        return MonitoringScheduleArnResponse(MonitoringScheduleArn=schedule_arn(name))

    def delete_schedule(self, name: str) -> MonitoringScheduleArnResponse:
        """DeleteMonitoringSchedule: the schedule and its execution records (their processing jobs stay).
        Refused while one of its executions runs (stop the schedule and wait, or stop the job)."""
        self._get(name)
        for summary in self.list_executions(schedule_name=name, max_results=1000).MonitoringExecutionSummaries:
            if summary.MonitoringExecutionStatus in ("Pending", "InProgress", "Stopping"):
                raise Conflict(f"Monitoring schedule {name!r} has an execution running ({summary.ProcessingJobName}); "
                               "wait for it to end (or stop its processing job), then delete the schedule.")
        self.db.run_write(lambda conn: store.delete_schedule(conn, name))
        return MonitoringScheduleArnResponse(MonitoringScheduleArn=schedule_arn(name))

    # -- executions -----------------------------------------------------------------------------

    def _default_output(self, s: store.Schedule) -> str:
        from ..artifacts import ArtifactStore

        return ArtifactStore(self.settings.artifact_uri).uri_for(f"monitoring/{s.endpoint_name}/{s.name}")

    def _output_of(self, s: store.Schedule, scheduled: float) -> str:
        """Where a run's reports go: <output>/<endpoint>/<schedule>/YYYY/MM/DD/HH, as SageMaker lays them out."""
        hour = time.strftime("%Y/%m/%d/%H", time.gmtime(scheduled))
        base = s.definition.get("output")
        if base:
            return f"{base.rstrip('/')}/{s.endpoint_name}/{s.name}/{hour}"
        return f"{self._default_output(s)}/{hour}"

    def _summary(self, row: store.ExecutionRow, s: store.Schedule | None) -> MonitoringExecutionSummary:
        status, reason, exit_message, modified = "Pending", row.failure_reason, None, row.creation_time
        if row.failure_reason is not None:
            status = "Failed"
        else:
            try:
                described = self.core.processing.describe(row.job_name)
            except NotFound:
                described = None
            if described is not None:
                job_status = described.ProcessingJobStatus
                exit_message = described.ExitMessage
                reason = described.FailureReason
                if job_status == "Completed":
                    status = "CompletedWithViolations" if (exit_message or "").startswith("CompletedWithViolations") else "Completed"
                else:
                    status = job_status
                modified = self.core.processing.get(row.job_name).last_modified_time
        return MonitoringExecutionSummary(
            MonitoringScheduleName=row.schedule_name,
            ScheduledTime=iso(row.scheduled_time),
            CreationTime=iso(row.creation_time),
            LastModifiedTime=iso(modified),
            MonitoringExecutionStatus=status,  # type: ignore[arg-type]  # a processing job's status or one of the execution's own
            ProcessingJobArn=processing_arn(row.job_name),
            ProcessingJobName=row.job_name,
            EndpointName=s.endpoint_name if s is not None else None,
            FailureReason=reason,
            ExitMessage=exit_message,
            MonitoringType=s.monitoring_type if s is not None else None,  # type: ignore[arg-type]  # checked at create
            DataAnalysisStartTime=iso(row.window_start),
            DataAnalysisEndTime=iso(row.window_end),
            OutputUri=self._output_of(s, row.scheduled_time) if s is not None else None,
        )

    def list_executions(self, *, schedule_name: str | None = None, endpoint_name: str | None = None, sort_order: str | None = None,
                        max_results: int | None = None, next_token: str | None = None, scheduled_after: float | None = None,
                        scheduled_before: float | None = None) -> ListMonitoringExecutionsResponse:
        """ListMonitoringExecutions of one schedule, of an endpoint's schedules, or all (newest first by default)."""
        size = page_size(max_results)
        offset = int(decode_token(next_token, 1)[0]) if next_token else 0
        with self.db.read() as conn:
            if schedule_name is not None:
                found = store.get_schedule(conn, schedule_name)
                if found is None:
                    raise NotFound(f"Monitoring schedule {schedule_name!r} does not exist.", field="MonitoringScheduleName")
                schedules = {schedule_name: found}
            else:
                schedules = {s.name: s for s in store.list_schedules(conn, endpoint_name=endpoint_name, limit=100000)}
            rows = store.list_executions(conn, schedule_names=list(schedules), newest_first=sort_order != "Ascending", limit=size + 1,
                                         offset=offset, scheduled_after=scheduled_after, scheduled_before=scheduled_before)
        more = len(rows) > size
        return ListMonitoringExecutionsResponse(
            MonitoringExecutionSummaries=[self._summary(r, schedules.get(r.schedule_name)) for r in rows[:size]],
            NextToken=encode_token([offset + size]) if more else None,
        )

    def describe_execution(self, job_name: str) -> MonitoringExecutionReport:
        """One execution (by its processing job's name) with its statistics and violations, and the baseline's statistics."""
        with self.db.read() as conn:
            row = store.get_execution(conn, job_name)
            s = store.get_schedule(conn, row.schedule_name) if row is not None else None
        if row is None:
            raise NotFound(f"Monitoring execution {job_name!r} does not exist (give its processing job's name).", field="ProcessingJobName")
        summary = self._summary(row, s)
        reports: dict[str, Any] = {}
        if summary.MonitoringExecutionStatus in ("Completed", "CompletedWithViolations") and summary.OutputUri:
            reports["Statistics"] = _read_report(f"{summary.OutputUri}/statistics.json")
            reports["ConstraintViolations"] = _read_report(f"{summary.OutputUri}/constraint_violations.json")
        if s is not None and s.definition.get("statistics"):
            reports["BaselineStatistics"] = _read_report(str(s.definition["statistics"]))
        return MonitoringExecutionReport(Summary=summary, **reports)

    # -- what the scheduler does ----------------------------------------------------------------

    def tick(self, lease: CoordinatorLease | None) -> float | None:
        """Record a run of every due schedule and submit the jobs of recorded runs; the seconds
        until the next run is due (None when nothing is scheduled or waiting)."""
        now = time.time()
        with self.db.read() as conn:
            due = store.due_schedules(conn, now)
        for s in due:
            self._record_run(s, now, lease)
        with self.db.read() as conn:
            waiting = store.unsubmitted(conn)
        for row in waiting:
            self._submit(row, lease)
        with self.db.read() as conn:
            next_due = store.next_due_time(conn)
            pending = bool(store.unsubmitted(conn))
        if pending:
            return 0.0
        return None if next_due is None else max(0.0, next_due - time.time())

    def _record_run(self, s: store.Schedule, now: float, lease: CoordinatorLease | None) -> None:
        scheduled = float(s.next_run_time or now)
        expression = cron.to_cron(s.schedule_expression)
        start, end = cron.window(scheduled, s.analysis_start, s.analysis_end, expression)
        # after a long outage a schedule runs once, for its latest slot, not once per slot missed
        nxt = None if expression is None else cron.next_time(expression, max(now, scheduled))
        job = execution_job_name(s.name, scheduled)

        def body(conn: Any) -> None:
            if lease is not None:
                lease.renew(conn)  # a scheduler that lost the lease records nothing
            current = store.get_schedule(conn, s.name)
            if current is None or current.status != "Scheduled" or current.next_run_time != s.next_run_time:
                return  # stopped, deleted or moved meanwhile
            if store.get_execution(conn, job) is None:
                store.insert_execution(conn, {"job_name": job, "schedule_name": s.name, "scheduled_time": scheduled, "window_start": start,
                                              "window_end": end, "creation_time": now, "submitted_time": None, "failure_reason": None})
            store.update_schedule(conn, s.name, next_run_time=nxt, last_modified_time=now)

        self.db.run_write(body)

    def execution_request(self, s: store.Schedule, row: store.ExecutionRow) -> dict[str, Any]:
        """The processing job of a run: the analyzer over the endpoint's capture in the window."""
        d = s.definition
        inputs: list[dict[str, str]] = []
        env: dict[str, str] = {
            "dataset_format": json.dumps(CAPTURE_FORMAT),
            "dataset_source": d["capture_root"],
            "output_path": OUTPUT_PATH,
            "publish_cloudwatch_metrics": "Disabled",
            "sagemaker_endpoint_name": s.endpoint_name,
            "sagemaker_monitoring_schedule_name": s.name,
            "start_time": iso(row.window_start),
            "end_time": iso(row.window_end),
            "analysis_type": "MODEL_QUALITY" if s.monitoring_type == "ModelQuality" else "MONITORING",
        }
        for key, env_key, folder in (("constraints", "baseline_constraints", "baseline/constraints"), ("statistics", "baseline_statistics", "baseline/stats"),
                                     ("ground_truth", "ground_truth_source", "groundtruth")):
            if d.get(key):
                inputs.append({"input_name": key, "source": d[key], "destination": f"{INPUT_ROOT}/{folder}"})
                name = Path(str(d[key])).name
                is_file = "://" not in str(d[key]) and Path(d[key]).is_file()
                env[env_key] = f"{INPUT_ROOT}/{folder}/{name}" if is_file else f"{INPUT_ROOT}/{folder}"
        for key in ("problem_type", "inference_attribute", "probability_attribute", "probability_threshold_attribute"):
            if d.get(key) is not None:
                env[key] = str(d[key])
        env.update(d.get("environment") or {})
        request: dict[str, Any] = {
            "name": row.job_name,
            "entrypoint": list(ANALYZER),
            "inputs": inputs,
            "outputs": [{"output_name": OUTPUT_NAME, "source": OUTPUT_PATH, "destination": self._output_of(s, row.scheduled_time)}],
            "environment": env,
            "tags": {"labstudio:monitoring-schedule": s.name, **s.tags},
            "install_requirements": False,
        }
        if d.get("max_runtime_seconds"):
            request["max_runtime_seconds"] = d["max_runtime_seconds"]
        return request

    def _submit(self, row: store.ExecutionRow, lease: CoordinatorLease | None) -> None:
        """Submit a recorded run's job (a job already there — the dead scheduler's — is kept)."""
        with self.db.read() as conn:
            s = store.get_schedule(conn, row.schedule_name)
        if s is None:
            return
        reason: str | None = None
        try:
            request = self.execution_request(s, row)
            layout = self.core.processing.layout(row.job_name)
            if layout.job_dir.exists() and not self._job_exists(row.job_name) and not layout.pid_file.exists():
                shutil.rmtree(layout.job_dir, ignore_errors=True)  # a half-prepared folder a dead scheduler left
            self.core.processing.submit(request)
        except NameTaken:
            pass  # submitted before the scheduler died
        except Invalid as exc:
            reason = f"ClientError: {exc.message}" + (f" (field {exc.field})" if exc.field else "")
        now = time.time()

        def body(conn: Any) -> None:
            if lease is not None:
                lease.renew(conn)
            store.mark_submitted(conn, row.job_name, now, reason)

        self.db.run_write(body)

    def _job_exists(self, name: str) -> bool:
        try:
            self.core.processing.get(name)
        except NotFound:
            return False
        return True

    def release_if_idle(self, lease: CoordinatorLease) -> bool:
        """Drop the lease when nothing is scheduled or waiting, in one transaction with that
        check: a schedule created meanwhile either is seen here or finds no holder and starts
        a new scheduler."""
        def body(conn: Any) -> bool:
            if store.next_due_time(conn) is not None or store.unsubmitted(conn):
                return False
            return leases_store.release(conn, LEASE, holder=lease.holder)

        return bool(self.db.run_write(body))

    # -- the scheduler process ------------------------------------------------------------------

    def scheduler_state(self) -> tuple[str, str | None]:
        """("alive" | "start" | "replace" | "idle", the holder to replace)."""
        with self.db.read() as conn:
            wanted = store.next_due_time(conn) is not None or bool(store.unsubmitted(conn))
            lease = leases_store.get(conn, LEASE)
        now = time.time()
        if lease is not None:
            if lease.machine == self.settings.host_id:
                if procutil.is_alive(lease.pid, lease.start_ticks):
                    return "alive", None
                return ("replace" if wanted else "idle"), lease.holder
            if not lease.expired(now):
                return "alive", None
        if not wanted:
            return "idle", None
        return "start", None

    def ensure_scheduler(self) -> bool:
        """Start the scheduler when something is scheduled and no live one holds the lease. True when started."""
        state, holder = self.scheduler_state()
        if state not in ("start", "replace"):
            return False
        if state == "start" and time.time() - self._spawned_at < START_GRACE_SECONDS:
            return False  # the one this service started is still taking its lease (a second would only exit)
        self._spawned_at = time.time()
        log = scheduler_log(self.settings)
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            procutil.spawn_detached("labstudio.monitor.scheduler", *(["--replacing", holder] if holder else []),
                                    env=self.settings.child_env(), stdout=fd)
        finally:
            os.close(fd)
        return True

    def reconcile(self) -> builtins.list[str]:
        """The server's periodic check: a scheduler for the store when one is needed."""
        return [LEASE] if self.ensure_scheduler() else []


def _read_report(uri: str) -> dict[str, Any] | None:
    """A report file's JSON, or None when it is missing or unreadable (a run that failed half-way)."""
    from ..sdk.storage import read_bytes

    try:
        body = json.loads(read_bytes(uri))
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def check_name(name: Any, field: str = "MonitoringScheduleName") -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise Invalid(f"{field} {name!r} is invalid: {NAME_RULE}.", field=field)
    return name


__all__ = ["LEASE", "MonitoringService", "check_name", "execution_job_name", "schedule_arn"]
