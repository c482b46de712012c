"""`labstudio monitor baseline DATASET | schedule NAME --endpoint EP ... | schedules | describe NAME |
executions [NAME] | violations NAME | start NAME | stop NAME | delete NAME` (Model Monitor)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .output import print_json, print_table


def _core():  # type: ignore[no-untyped-def]
    from ..core import Core

    return Core.from_env()


def _json(value: Any) -> Any:
    from ..answer import to_json

    return to_json(value)


def _time(value: str | None) -> str:
    return (value or "").replace("T", " ")[:19]


def _format(args: argparse.Namespace) -> dict[str, Any]:
    if args.json_lines:
        return {"json": {"lines": True}}
    return {"csv": {"header": not args.no_header, "output_columns_position": "START"}}


def _cmd_baseline(args: argparse.Namespace) -> int:
    core = _core()
    request: dict[str, Any] = {"BaselineDataset": args.dataset, "DatasetFormat": _format(args)}
    if args.output:
        request["OutputS3Uri"] = args.output
    if args.name:
        request["JobName"] = args.name
    described = core.monitoring.suggest_baseline(request, base_dir=Path.cwd())
    name = described.ProcessingJobName
    output = described.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri
    if not args.wait:
        print(name)
        return 0
    final = core.processing.wait(name)
    if final.ProcessingJobStatus != "Completed":
        print(f"Baselining job {name}: {final.ProcessingJobStatus}. {final.FailureReason or ''} "
              f"(log: labstudio processing logs {name})", file=sys.stderr)
        return 1
    print(f"Baselining job {name} completed: {output}/statistics.json and {output}/constraints.json")
    return 0


def _cmd_schedule(args: argparse.Namespace) -> int:
    expression = "NOW" if args.now else (args.cron or "cron(0 * ? * * *)")
    job: dict[str, Any] = {"MonitoringInputs": [{"EndpointInput": {"EndpointName": args.endpoint}}],
                           "BaselineConfig": {"ConstraintsResource": {"S3Uri": args.constraints}}}
    if args.statistics:
        job["BaselineConfig"]["StatisticsResource"] = {"S3Uri": args.statistics}
    if args.output:
        job["MonitoringOutputConfig"] = {"MonitoringOutputs": [{"S3Output": {"S3Uri": args.output}}]}
    schedule: dict[str, Any] = {"ScheduleExpression": expression}
    if args.start:
        schedule["DataAnalysisStartTime"] = args.start
    if args.end:
        schedule["DataAnalysisEndTime"] = args.end
    request = {"MonitoringScheduleName": args.name,
               "MonitoringScheduleConfig": {"ScheduleConfig": schedule, "MonitoringJobDefinition": job, "MonitoringType": "DataQuality"}}
    core = _core()
    core.monitoring.create_schedule(request, base_dir=Path.cwd())
    described = core.monitoring.describe_schedule(args.name)
    print(f"Monitoring schedule {args.name} created on endpoint {args.endpoint} ({expression}); next run {_time(described.NextRunTime)}")
    return 0


def _cmd_schedules(args: argparse.Namespace) -> int:
    result = _core().monitoring.list_schedules(endpoint_name=args.endpoint, max_results=args.max_results)
    if args.json:
        print_json(_json(result))
        return 0
    rows = [[s.MonitoringScheduleName, s.EndpointName, s.MonitoringType, s.MonitoringScheduleStatus, _time(s.NextRunTime), _time(s.CreationTime)]
            for s in result.MonitoringScheduleSummaries]
    print_table(["SCHEDULE", "ENDPOINT", "TYPE", "STATUS", "NEXT RUN", "CREATED"], rows, empty="(no monitoring schedules)")
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    described = _core().monitoring.describe_schedule(args.name)
    if args.json:
        print_json(_json(described))
        return 0
    config = described.MonitoringScheduleConfig
    print(f"Schedule:   {described.MonitoringScheduleName} ({described.MonitoringType})")
    print(f"Endpoint:   {described.EndpointName}")
    print(f"Status:     {described.MonitoringScheduleStatus}" + (f"   next run {_time(described.NextRunTime)}" if described.NextRunTime else ""))
    print(f"Expression: {config['ScheduleConfig']['ScheduleExpression']}")
    baseline = config["MonitoringJobDefinition"].get("BaselineConfig") or {}
    for key in ("ConstraintsResource", "StatisticsResource"):
        if key in baseline:
            print(f"{key[:-8] + ':':<11} {baseline[key]['S3Uri']}")
    last = described.LastMonitoringExecutionSummary
    if last is not None:
        print(f"Last run:   {_time(last.ScheduledTime)} {last.MonitoringExecutionStatus} ({last.ProcessingJobName})"
              + (f": {last.FailureReason}" if last.FailureReason else ""))
    return 0


def _cmd_executions(args: argparse.Namespace) -> int:
    result = _core().monitoring.list_executions(schedule_name=args.name, endpoint_name=args.endpoint, max_results=args.max_results)
    if args.json:
        print_json(_json(result))
        return 0
    rows = [[e.MonitoringScheduleName, _time(e.ScheduledTime), e.MonitoringExecutionStatus, e.ProcessingJobName or "",
             (e.ExitMessage or e.FailureReason or "")[:70]] for e in result.MonitoringExecutionSummaries]
    print_table(["SCHEDULE", "SCHEDULED", "STATUS", "PROCESSING JOB", "MESSAGE"], rows, empty="(no executions)")
    return 0


def _cmd_violations(args: argparse.Namespace) -> int:
    from ..sdk.storage import read_bytes

    core = _core()
    executions = core.monitoring.list_executions(schedule_name=args.name, max_results=100).MonitoringExecutionSummaries
    done = [e for e in executions if e.MonitoringExecutionStatus in ("Completed", "CompletedWithViolations")]
    if not done:
        print(f"labstudio: error: monitoring schedule {args.name!r} has no completed execution yet", file=sys.stderr)
        return 1
    latest = done[0]
    body = json.loads(read_bytes(f"{latest.OutputUri}/constraint_violations.json"))
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    print(f"Execution {latest.ProcessingJobName} ({_time(latest.ScheduledTime)}): {latest.MonitoringExecutionStatus}")
    rows = [[v["feature_name"], v["constraint_check_type"], v["description"][:100]] for v in body.get("violations", [])]
    print_table(["FEATURE", "CHECK", "DESCRIPTION"], rows, empty="(no violations)")
    return 0


def _control(action: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        service = _core().monitoring
        {"start": service.start_schedule, "stop": service.stop_schedule, "delete": service.delete_schedule}[action](args.name)
        print({"start": "Started", "stop": "Stopped", "delete": "Deleted"}[action] + f" monitoring schedule {args.name}")
        return 0

    return run


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    monitor = sub.add_parser("monitor", help="Model Monitor: baselines, monitoring schedules of endpoints, their executions and violations")
    msub = monitor.add_subparsers(dest="monitor_command", metavar="ACTION", parser_class=type(monitor))
    msub.required = True
    bl = msub.add_parser("baseline", help="run a baselining job over a dataset (statistics.json, constraints.json)")
    bl.add_argument("dataset", metavar="DATASET", help="the baseline file or folder, e.g. the training CSV")
    bl.add_argument("--no-header", action="store_true", help="the CSV has no header row (columns are named _c0, _c1, ...)")
    bl.add_argument("--json-lines", action="store_true", help="the dataset is JSON lines, not CSV")
    bl.add_argument("--output", help="where the two files go (default: the artifact store)")
    bl.add_argument("--name", help="the job's name")
    bl.add_argument("--wait", action="store_true", help="wait for the job and print where its files are")
    bl.set_defaults(func=_cmd_baseline)
    sc = msub.add_parser("schedule", help="create a monitoring schedule of an endpoint")
    sc.add_argument("name", metavar="NAME")
    sc.add_argument("--endpoint", required=True, help="the endpoint (it must capture its traffic)")
    sc.add_argument("--constraints", required=True, help="the baseline's constraints.json")
    sc.add_argument("--statistics", help="the baseline's statistics.json (for the drift checks)")
    when = sc.add_mutually_exclusive_group()
    when.add_argument("--cron", help="cron(0 * ? * * *) (hourly, the default), cron(0 0 ? * * *) (daily) or a five-field cron")
    when.add_argument("--now", action="store_true", help="one run, at once")
    sc.add_argument("--start", help="DataAnalysisStartTime, e.g. -PT1H")
    sc.add_argument("--end", help="DataAnalysisEndTime, e.g. -PT0H")
    sc.add_argument("--output", help="where the reports go (default: the artifact store)")
    sc.set_defaults(func=_cmd_schedule)
    ls = msub.add_parser("schedules", help="monitoring schedules, newest first")
    ls.add_argument("--endpoint", help="only this endpoint's")
    ls.add_argument("--max-results", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_schedules)
    de = msub.add_parser("describe", help="a monitoring schedule and its last execution")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--json", action="store_true", help="DescribeMonitoringSchedule's shape")
    de.set_defaults(func=_cmd_describe)
    ex = msub.add_parser("executions", help="executions, newest first (of one schedule, an endpoint's, or all)")
    ex.add_argument("name", metavar="NAME", nargs="?")
    ex.add_argument("--endpoint", help="only this endpoint's schedules")
    ex.add_argument("--max-results", type=int, default=100)
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=_cmd_executions)
    vi = msub.add_parser("violations", help="the constraint violations the schedule's latest completed execution found")
    vi.add_argument("name", metavar="NAME")
    vi.add_argument("--json", action="store_true", help="constraint_violations.json as written")
    vi.set_defaults(func=_cmd_violations)
    for action, text in (("start", "start a stopped schedule"), ("stop", "stop a schedule (no further run starts)"),
                         ("delete", "delete a schedule and its execution records")):
        p = msub.add_parser(action, help=text)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(func=_control(action))
