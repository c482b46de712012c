"""`labstudio train` and `labstudio jobs list|describe|logs|stop`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..humanize import format_duration, format_number, job_seconds, job_summary, status_label
from . import parse_pairs
from .output import print_json, print_table


def _core():  # type: ignore[no-untyped-def]
    from ..core import Core

    return Core.from_env()


def _hp_value(raw: str) -> Any:
    """-p epochs=10 gives the number 10, -p optimizer=adam the string 'adam' (JSON when it parses)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _metric_definitions(values: list[str] | None) -> list[dict[str, str]]:
    return [{"Name": k, "Regex": v} for k, v in parse_pairs(values, "--metric").items()]


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    request: dict[str, Any] = {
        "entry_point": args.entry_point,
        "hyperparameters": {k: _hp_value(v) for k, v in parse_pairs(args.hyperparameter, "--hyperparameter").items()},
        "channels": parse_pairs(args.channel, "--channel"),
        "environment": parse_pairs(args.env, "--env"),
        "metric_definitions": _metric_definitions(args.metric),
        "tags": parse_pairs(args.tag, "--tag"),
    }
    if args.source_dir:
        request["source_dir"] = args.source_dir
    if args.name:
        request["name"] = args.name
    if args.max_run is not None:
        request["max_runtime_seconds"] = args.max_run
    if args.experiment:
        request["experiment_name"] = args.experiment
    if getattr(args, "trial", None):
        request["trial_name"] = args.trial
    return request


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """The options `labstudio train` and `%train` share."""
    parser.add_argument("--source-dir", help="folder to snapshot as the job's code (entry point relative to it)")
    parser.add_argument("-p", "--hyperparameter", action="append", metavar="KEY=VALUE", help="hyperparameter (repeatable)")
    parser.add_argument("-c", "--channel", action="append", metavar="NAME=PATH", help="input channel: a local path or file:// URI (repeatable)")
    parser.add_argument("--metric", action="append", metavar="NAME=REGEX", help="capture a metric from log lines; the first group is the value")
    parser.add_argument("--env", action="append", metavar="KEY=VALUE", help="environment variable for the script (repeatable)")
    parser.add_argument("--tag", action="append", metavar="KEY=VALUE", help="tag (repeatable)")
    parser.add_argument("--name", help="job name (default: entry point + timestamp)")
    parser.add_argument("--max-run", type=int, metavar="SECONDS", help="stop the job after this many seconds")
    parser.add_argument("--experiment", help="experiment to record the run in (default: Default)")
    parser.add_argument("--trial", help="trial (run group) within the experiment")


def follow_logs(core: Any, name: str, out: Any = None, poll: float = 0.2) -> dict[str, Any]:
    """Stream the log until the job is terminal and everything is printed; returns its describe.

    Also notices, by itself, a supervisor that died (no server need run): the job is then
    marked Failed and the loop ends like any other.
    """
    out = out or sys.stdout
    offset = 0
    supervisor_dead = core.jobs.liveness_check(name)
    while True:
        chunk = core.jobs.logs(name, offset)
        if chunk["text"]:
            out.write(chunk["text"])
            out.flush()
        offset = chunk["next_offset"]
        if chunk["complete"]:
            return core.jobs.describe(name)
        if not chunk["text"] and not supervisor_dead():
            time.sleep(poll)


def _cmd_train(args: argparse.Namespace) -> int:
    core = _core()
    described = core.jobs.submit(build_request(args), base_dir=Path.cwd())
    name = described["TrainingJobName"]
    print(name, flush=True)
    if not args.wait:
        return 0
    try:
        final = follow_logs(core, name)
    except KeyboardInterrupt:
        print(f"\nlabstudio: stopped following; the job goes on. Stop it with: labstudio jobs stop {name}", file=sys.stderr)
        return 130
    print(job_summary(final), file=sys.stderr, flush=True)
    return 0 if final["TrainingJobStatus"] == "Completed" else 1


def _fmt_time(value: str | None) -> str:
    if not value:
        return ""
    return value.replace("T", " ").replace("Z", "")[:19]


def _duration(job: dict[str, Any]) -> str:
    return format_duration(job_seconds(job))


def _cmd_list(args: argparse.Namespace) -> int:
    core = _core()
    result = core.jobs.list(status=args.status, name_contains=args.name_contains, limit=args.limit)
    jobs = result["TrainingJobSummaries"]
    if args.json:
        print_json(jobs)
        return 0
    print_table(
        ["NAME", "STATUS", "CREATED", "DURATION", "EXPERIMENT"],
        [
            [j["TrainingJobName"], status_label(j["TrainingJobStatus"], j["SecondaryStatus"]), _fmt_time(j["CreationTime"]), _duration(j), j["ExperimentName"]]
            for j in jobs
        ],
        empty="No training jobs. Start one with: labstudio train script.py",
    )
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    d = _core().jobs.describe(args.name)
    if args.json:
        print_json(d)
        return 0
    print(f"Name:        {d['TrainingJobName']}")
    print(f"Status:      {status_label(d['TrainingJobStatus'], d['SecondaryStatus'])}: {d['StatusMessage']}")
    if d.get("FailureReason"):
        print(f"Failure:     {d['FailureReason']}")
    print(f"Entry point: {d['EntryPoint']}  (source {d['SourceDir']})")
    print(f"Experiment:  {d['ExperimentName']}  run {d['RunId']}")
    print(f"Created:     {_fmt_time(d['CreationTime'])}  duration {_duration(d)}")
    if d["ModelArtifacts"]["S3ModelArtifacts"]:
        print(f"Model:       {d['ModelArtifacts']['S3ModelArtifacts']}")
    user_hps = {k: v for k, v in d["HyperParameters"].items() if not k.startswith("sagemaker_")}
    if user_hps:
        print("Hyperparameters:")
        for k, v in sorted(user_hps.items()):
            print(f"  {k} = {v}")
    if d["FinalMetricDataList"]:
        print("Final metrics:")
        for m in d["FinalMetricDataList"]:
            print(f"  {m['MetricName']} = {format_number(m['Value'])}")
    print("Transitions:")
    for t in d["SecondaryStatusTransitions"]:
        print(f"  {_fmt_time(t['StartTime'])}  {t['Status']:<20} {t['StatusMessage']}")
    return 0


def _cmd_logs(args: argparse.Namespace) -> int:
    core = _core()
    if args.follow:
        try:
            follow_logs(core, args.name)
        except KeyboardInterrupt:
            return 130
        return 0
    offset = 0
    while True:
        chunk = core.jobs.logs(args.name, offset)
        sys.stdout.write(chunk["text"])
        if chunk["next_offset"] == offset or not chunk["text"]:
            break
        offset = chunk["next_offset"]
    sys.stdout.flush()
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    d = _core().jobs.stop(args.name)
    print(f"{d['TrainingJobName']}: {d['TrainingJobStatus']}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = sub.add_parser("train", help="run a training script as a supervised local job")
    train.add_argument("entry_point", metavar="ENTRY_POINT", help="the training script (relative to --source-dir if given)")
    add_train_options(train)
    train.add_argument("--wait", dest="wait", action="store_true", default=False, help="stream the logs and exit non-zero unless the job completes")
    train.add_argument("--no-wait", dest="wait", action="store_false", help="print the job name and return (default)")
    train.set_defaults(func=_cmd_train)

    jobs = sub.add_parser("jobs", help="list, describe, follow and stop training jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", parser_class=type(jobs))
    jobs_sub.required = True
    ls = jobs_sub.add_parser("list", help="list jobs, newest first")
    ls.add_argument("--status", choices=["InProgress", "Completed", "Failed", "Stopping", "Stopped"])
    ls.add_argument("--name-contains")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_list)
    de = jobs_sub.add_parser("describe", help="DescribeTrainingJob for one job")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--json", action="store_true")
    de.set_defaults(func=_cmd_describe)
    lo = jobs_sub.add_parser("logs", help="print a job's log")
    lo.add_argument("name", metavar="NAME")
    lo.add_argument("-f", "--follow", action="store_true", help="keep printing until the job ends")
    lo.set_defaults(func=_cmd_logs)
    st = jobs_sub.add_parser("stop", help="stop a running job (SIGTERM, then SIGKILL after the grace period)")
    st.add_argument("name", metavar="NAME")
    st.set_defaults(func=_cmd_stop)


__all__ = ["add_train_options", "build_request", "follow_logs", "register"]
