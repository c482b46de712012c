"""`labstudio pipelines list | describe NAME | definition NAME | start NAME [-p KEY=VALUE] [--wait]
| executions NAME | steps EXECUTION | stop EXECUTION`.

Also home of what the %pipeline magic prints: the steps table and the one-line summary of
an execution, so the two never drift apart.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ..humanize import format_duration
from ..store.pipelines import EXECUTION_TERMINAL
from . import parse_pairs
from .output import print_json, print_table


def _core():  # type: ignore[no-untyped-def]
    from ..core import Core

    return Core.from_env()


def _time(value: str | None) -> str:
    return (value or "").replace("T", " ")[:19]


def execution_summary(described: dict[str, Any]) -> str:
    """One line: how an execution ended (or where it is)."""
    line = f"Pipeline execution {described['PipelineExecutionId']} of {described['PipelineName']}: {described['PipelineExecutionStatus']}"
    start, end = described.get("CreationTime"), described.get("EndTime")
    if start and end:
        from datetime import datetime

        seconds = (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
        line += f" in {format_duration(seconds)}"
    if described.get("FailureReason"):
        line += f". {described['FailureReason']}"
    return line


def step_rows(steps: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for step in steps:
        metadata = step.get("Metadata") or {}
        what = step.get("JobName") or ""
        if "Condition" in metadata:
            what = f"outcome {metadata['Condition']['Outcome']}"
        elif "Model" in metadata:
            what = metadata["Model"]["Arn"].rsplit("/", 1)[-1]
        elif "RegisterModel" in metadata:
            what = "/".join(metadata["RegisterModel"]["Arn"].rsplit("/", 2)[-2:])
        cached = "cached" if step.get("CacheHitResult") else ""
        rows.append([step["StepName"], step.get("StepType", ""), step["StepStatus"], _time(step.get("StartTime")), _time(step.get("EndTime")),
                     what, cached, (step.get("FailureReason") or "")[:80]])
    return rows


STEP_HEADERS = ["STEP", "TYPE", "STATUS", "STARTED", "ENDED", "JOB / RESULT", "CACHE", "FAILURE"]


def _parameters(values: list[str] | None) -> dict[str, str] | None:
    pairs = parse_pairs(values, "-p")
    return pairs or None


def _cmd_list(args: argparse.Namespace) -> int:
    result = _core().pipelines.list(prefix=args.prefix, max_results=args.max_results)
    if args.json:
        print_json(result)
        return 0
    rows = []
    for p in result["PipelineSummaries"]:
        last = p.get("LastExecution") or {}
        rows.append([p["PipelineName"], _time(p["CreationTime"]), last.get("PipelineExecutionId", ""), last.get("PipelineExecutionStatus", ""),
                     _time(last.get("StartTime"))])
    print_table(["PIPELINE", "CREATED", "LAST EXECUTION", "STATUS", "STARTED"], rows, empty="(no pipelines)")
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    described = _core().pipelines.describe(args.name)
    if args.json:
        print_json(described)
        return 0
    print(f"Pipeline:     {described['PipelineName']}")
    print(f"ARN:          {described['PipelineArn']}")
    if described.get("PipelineDescription"):
        print(f"Description:  {described['PipelineDescription']}")
    print(f"Created:      {_time(described['CreationTime'])}   modified {_time(described['LastModifiedTime'])}")
    last = described.get("LastExecution")
    if last:
        print(f"Last run:     {last['PipelineExecutionId']} {last['PipelineExecutionStatus']} ({_time(last['StartTime'])})")
    print("Parameters:")
    for p in described["Parameters"] or []:
        default = "" if p["DefaultValue"] is None else f" = {p['DefaultValue']}"
        print(f"  {p['Name']} ({p['Type']}){default}")
    print("Steps:")
    for node in described["Graph"]["Nodes"]:
        deps = sorted(e["Source"] for e in described["Graph"]["Edges"] if e["Target"] == node["Name"])
        where = f" [{node['Branch']} of {node['Parent']}]" if node.get("Parent") else ""
        print(f"  {node['Name']} ({node['Type']}){where}" + (f" after {', '.join(deps)}" if deps else ""))
    return 0


def _cmd_definition(args: argparse.Namespace) -> int:
    described = _core().pipelines.describe(args.name)
    print(json.dumps(json.loads(described["PipelineDefinition"]), indent=2))
    return 0


def follow(core: Any, execution_id: str, out: Any = None, poll: float = 0.25) -> dict[str, Any]:
    """Print each step's status change until the execution ends (resuming a dead runner); its describe."""
    out = out or sys.stdout
    seen: dict[str, str] = {}
    next_check = 0.0
    while True:
        described = core.pipelines.describe_execution(execution_id, with_graph=False)
        steps = core.pipelines.list_steps(execution_id, sort_order="Ascending", max_results=1000)["PipelineExecutionSteps"]
        for step in steps:
            status = step["StepStatus"] + (" (cached)" if step.get("CacheHitResult") else "")
            if seen.get(step["StepName"]) != status:
                seen[step["StepName"]] = status
                reason = f": {step['FailureReason']}" if step.get("FailureReason") and step["StepStatus"] == "Failed" else ""
                print(f"{_time(step.get('EndTime') or step.get('StartTime'))}  {step['StepName']}  {status}{reason}", file=out, flush=True)
        if described["PipelineExecutionStatus"] in EXECUTION_TERMINAL:
            return described
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + 1.0
            core.pipelines.check(execution_id)
        time.sleep(poll)


def _cmd_start(args: argparse.Namespace) -> int:
    core = _core()
    described = core.pipelines.start(args.name, _parameters(args.parameter), display_name=args.display_name, description=args.description)
    execution_id = described["PipelineExecutionId"]
    if not args.wait:
        print(execution_id)
        return 0
    print(f"Started {execution_id}", flush=True)
    final = follow(core, execution_id)
    print(execution_summary(final))
    return 0 if final["PipelineExecutionStatus"] == "Succeeded" else 1


def _cmd_executions(args: argparse.Namespace) -> int:
    result = _core().pipelines.list_executions(args.name, max_results=args.max_results)
    if args.json:
        print_json(result)
        return 0
    rows = []
    for e in result["PipelineExecutionSummaries"]:
        elapsed = format_duration(e["ElapsedSeconds"]) if e.get("ElapsedSeconds") is not None else ""
        params = ", ".join(f"{p['Name']}={p['Value']}" for p in e["PipelineParameters"])
        rows.append([e["PipelineExecutionId"], e["PipelineExecutionStatus"], _time(e["StartTime"]), elapsed, params[:60],
                     (e.get("PipelineExecutionFailureReason") or "")[:60]])
    print_table(["EXECUTION", "STATUS", "STARTED", "DURATION", "PARAMETERS", "FAILURE"], rows, empty="(no executions)")
    return 0


def _cmd_steps(args: argparse.Namespace) -> int:
    result = _core().pipelines.list_steps(args.execution, sort_order="Ascending", max_results=1000)
    if args.json:
        print_json(result)
        return 0
    print_table(STEP_HEADERS, step_rows(result["PipelineExecutionSteps"]), empty="(no step has started)")
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    core = _core()
    core.pipelines.stop(args.execution)
    print(f"Stopping {args.execution}: its running steps' jobs are being stopped")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pipelines = sub.add_parser("pipelines", help="SageMaker Pipelines: list, describe, start, follow and stop pipeline executions")
    psub = pipelines.add_subparsers(dest="pipelines_command", metavar="ACTION", parser_class=type(pipelines))
    psub.required = True
    ls = psub.add_parser("list", help="pipelines, newest first, with their last execution's status")
    ls.add_argument("--prefix", help="only names starting with it")
    ls.add_argument("--max-results", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_list)
    de = psub.add_parser("describe", help="a pipeline: its parameters and steps")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--json", action="store_true", help="DescribePipeline's shape")
    de.set_defaults(func=_cmd_describe)
    df = psub.add_parser("definition", help="a pipeline's definition (SageMaker's JSON)")
    df.add_argument("name", metavar="NAME")
    df.set_defaults(func=_cmd_definition)
    st = psub.add_parser("start", help="start an execution (prints its id; --wait follows it to the end)")
    st.add_argument("name", metavar="NAME")
    st.add_argument("-p", "--parameter", action="append", metavar="KEY=VALUE", help="a parameter's value (repeatable)")
    st.add_argument("--display-name")
    st.add_argument("--description")
    st.add_argument("--wait", action="store_true", help="print each step as it changes; exit non-zero unless it succeeds")
    st.set_defaults(func=_cmd_start)
    ex = psub.add_parser("executions", help="a pipeline's executions, newest first")
    ex.add_argument("name", metavar="NAME")
    ex.add_argument("--max-results", type=int, default=100)
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=_cmd_executions)
    sp = psub.add_parser("steps", help="an execution's steps: status, job, cache hits, failures")
    sp.add_argument("execution", metavar="EXECUTION", help="the execution's id or ARN")
    sp.add_argument("--json", action="store_true", help="ListPipelineExecutionSteps' shape")
    sp.set_defaults(func=_cmd_steps)
    so = psub.add_parser("stop", help="stop an execution and its running steps")
    so.add_argument("execution", metavar="EXECUTION")
    so.set_defaults(func=_cmd_stop)


__all__ = ["STEP_HEADERS", "execution_summary", "follow", "register", "step_rows"]
