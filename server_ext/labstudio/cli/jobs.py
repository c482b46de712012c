"""`labstudio train` and `labstudio jobs list|describe|logs|stop`."""
from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..humanize import format_duration, format_number, job_seconds, job_summary, status_label
from . import jobkind, parse_pairs

_core = jobkind.core


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
    if getattr(args, "output_path", None):
        request["output_path"] = args.output_path
    if args.name:
        request["name"] = args.name
    if args.max_run is not None:
        request["max_runtime_seconds"] = args.max_run
    if args.experiment:
        request["experiment_name"] = args.experiment
    if getattr(args, "trial", None):
        request["trial_name"] = args.trial
    if getattr(args, "no_requirements", False):
        request["install_requirements"] = False
    if getattr(args, "instance_count", None) is not None:
        request["instance_count"] = args.instance_count
    if getattr(args, "distribution", None):
        request["distribution"] = {args.distribution: {"enabled": True}}
    return request


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """The options `labstudio train` and `%train` share."""
    parser.add_argument("--source-dir", help="folder to snapshot as the job's code (entry point relative to it)")
    parser.add_argument("-p", "--hyperparameter", action="append", metavar="KEY=VALUE", help="hyperparameter (repeatable)")
    parser.add_argument("-c", "--channel", action="append", metavar="NAME=PATH",
                        help="input channel: a local path, file:// URI or s3:// URL (repeatable)")
    parser.add_argument("--output-path", metavar="URL", help="put model.tar.gz/output.tar.gz under URL/<job>/output/ (s3:// or a folder)")
    parser.add_argument("--metric", action="append", metavar="NAME=REGEX", help="capture a metric from log lines; the first group is the value")
    parser.add_argument("--env", action="append", metavar="KEY=VALUE", help="environment variable for the script (repeatable)")
    parser.add_argument("--tag", action="append", metavar="KEY=VALUE", help="tag (repeatable)")
    parser.add_argument("--name", help="job name (default: entry point + timestamp)")
    parser.add_argument("--max-run", type=int, metavar="SECONDS", help="stop the job after this many seconds")
    parser.add_argument("--experiment", help="experiment to record the run in (default: Default)")
    parser.add_argument("--trial", help="trial (run group) within the experiment")
    parser.add_argument("--instance-count", type=int, metavar="N", help="train on N hosts algo-1..algo-N (1 to 64; default 1)")
    parser.add_argument("--distribution", choices=("torch_distributed", "pytorchddp"),
                        help="launch the entry point with torchrun on every host (PyTorch DDP)")


def follow_logs(core: Any, name: str, out: Any = None, poll: float = 0.2) -> dict[str, Any]:
    """Stream a training job's log until the job is terminal and everything is printed;
    returns its describe. Notices a dead supervisor by itself (jobkind.follow_logs)."""
    return jobkind.follow_logs(core.jobs, name, out, poll)


def _cmd_train(args: argparse.Namespace) -> int:
    core = _core()
    described = core.jobs.submit(build_request(args), base_dir=Path.cwd())
    return jobkind.run_submitted(KIND, described, args.wait, lambda name: follow_logs(core, name))


_fmt_time = jobkind.fmt_time


def _duration(job: Mapping[str, Any]) -> str:
    return format_duration(job_seconds(job))


def _row(j: Mapping[str, Any]) -> list[Any]:
    return [j["TrainingJobName"], status_label(j["TrainingJobStatus"], j["SecondaryStatus"]), _fmt_time(j["CreationTime"]), _duration(j), j["ExperimentName"]]


def _print_describe(d: Mapping[str, Any]) -> None:
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


KIND = jobkind.JobKindCli(
    kind="training",
    group_help="list, describe, follow and stop training jobs",
    columns=["NAME", "STATUS", "CREATED", "DURATION", "EXPERIMENT"],
    row=_row,
    empty="No training jobs. Start one with: labstudio train script.py",
    print_describe=_print_describe,
    summary=job_summary,
    follow=lambda name: follow_logs(_core(), name),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = sub.add_parser("train", help="run a training script as a supervised local job")
    train.add_argument("entry_point", metavar="ENTRY_POINT", help="the training script (relative to --source-dir if given)")
    add_train_options(train)
    train.add_argument("--no-requirements", action="store_true",
                       help="do not pip install the source dir's requirements.txt before the script (installed by default)")
    jobkind.add_wait_options(train, log="the logs")
    train.set_defaults(func=_cmd_train)
    jobkind.register_group(sub, KIND)


__all__ = ["add_train_options", "build_request", "follow_logs", "register"]
