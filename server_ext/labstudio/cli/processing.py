"""`labstudio process` and `labstudio processing list|describe|logs|stop`."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import Invalid
from ..humanize import ended_word, format_duration, status_label
from ..status import JobStatus
from . import jobkind, parse_pairs

_core = jobkind.core


def _split_spec(raw: str, option: str, container_first: bool) -> dict[str, Any]:
    """NAME=SRC:DEST (NAME= optional). The container side (/opt/ml/...) never holds ':', so an
    input splits at its last ':' and an output at its first: local paths may hold one."""
    name, sep, rest = raw.partition("=")
    if not sep or "/" in name:
        name, rest = "", raw
    src, colon, dest = rest.partition(":") if container_first else rest.rpartition(":")
    if not src or (not container_first and not colon):
        form = "NAME=/opt/ml/processing/SRC[:DEST]" if container_first else "NAME=SRC:/opt/ml/processing/DEST"
        raise Invalid(f"{option} expects {form}, got {raw!r}", field=option)
    out: dict[str, Any] = {"source": src}
    if container_first:
        if dest:
            out["destination"] = dest
        if name:
            out["output_name"] = name
    else:
        out["destination"] = dest
        if name:
            out["input_name"] = name
    return out


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    request: dict[str, Any] = {
        "code": args.script,
        "inputs": [_split_spec(v, "--input", False) for v in args.input or []],
        "outputs": [_split_spec(v, "--output", True) for v in args.output or []],
        "arguments": list(args.argument or []),
        "environment": parse_pairs(args.env, "--env"),
        "tags": parse_pairs(args.tag, "--tag"),
    }
    for key, value in (
        ("source_dir", args.source_dir),
        ("name", args.name),
        ("max_runtime_seconds", args.max_run),
        ("experiment_name", args.experiment),
        ("trial_name", args.trial),
    ):
        if value is not None and value != "":
            request[key] = value
    if args.command:
        request["command"] = args.command.split()
    if getattr(args, "no_requirements", False):
        request["install_requirements"] = False
    return request


SCRIPT_ARGUMENT_FLAGS = ("-a", "--argument")


def join_script_arguments(words: Sequence[str]) -> list[str]:
    """`-a --test-split` as `-a=--test-split`: a script's arguments usually start with '-', which
    argparse refuses as an option's value ("expected one argument"), so the word after -a is
    always the script's. Words after a bare `--` are left alone."""
    out: list[str] = []
    rest = iter(words)
    for word in rest:
        if word == "--":
            out.append(word)
            out.extend(rest)
            break
        following = next(rest, None) if word in SCRIPT_ARGUMENT_FLAGS else None
        out.append(word if following is None else f"{word}={following}")
    return out


def _accept_dash_script_arguments(parser: argparse.ArgumentParser) -> None:
    """Make `parser` read `-a WORD` with join_script_arguments. Wrapping this parser's own
    parse_known_args reaches both entries: `labstudio process` (argparse hands a subcommand's
    words to it) and `%process` (parse_args calls it)."""
    parse = parser.parse_known_args

    def parse_known_args(args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        return parse(join_script_arguments(sys.argv[1:] if args is None else args), namespace)

    setattr(parser, "parse_known_args", parse_known_args)  # noqa: B010 -- mypy refuses assigning to a method; this instance only


def add_process_options(parser: argparse.ArgumentParser) -> None:
    """The options `labstudio process` and `%process` share."""
    _accept_dash_script_arguments(parser)
    parser.add_argument("--source-dir", help="folder snapshotted with the script (SCRIPT relative to it)")
    parser.add_argument(
        "--input", action="append", metavar="NAME=SRC:DEST",
        help="copy local SRC to DEST (under /opt/ml/processing/) before the script starts; NAME= is optional (repeatable)",
    )
    parser.add_argument(
        "--output", action="append", metavar="NAME=SRC:DEST",
        help="copy SRC (under /opt/ml/processing/) to local folder DEST after the script succeeds; "
        "without :DEST it goes to the artifact store (repeatable)",
    )
    parser.add_argument(
        "-a", "--argument", action="append", metavar="ARG",
        help="argument for the script, in order (repeatable; -a takes the next word even when it starts with '-')",
    )
    parser.add_argument("-e", "--env", action="append", metavar="KEY=VALUE", help="environment variable for the script (repeatable)")
    parser.add_argument("--no-requirements", action="store_true",
                        help="do not pip install the source dir's requirements.txt before the script (installed by default)")
    parser.add_argument("--command", help='what runs the script (default "python3": this Python environment)')
    parser.add_argument("--tag", action="append", metavar="KEY=VALUE", help="tag (repeatable)")
    parser.add_argument("--name", help="job name (default: script + timestamp)")
    parser.add_argument("--max-run", type=int, metavar="SECONDS", help="stop the job after this many seconds")
    parser.add_argument("--experiment", help="experiment to record the run in (default: Default)")
    parser.add_argument("--trial", help="trial (run group) within the experiment")


def processing_summary(described: Mapping[str, Any]) -> str:
    """One line saying how a processing job ended: status, duration, where the outputs went, or why it failed."""
    status = described["ProcessingJobStatus"]
    line = f"Processing job {described['ProcessingJobName']}: {status_label(status, described.get('SecondaryStatus'))}"
    seconds = _seconds(described)
    if seconds is not None:
        line += f" {ended_word(status)} {format_duration(seconds)}"
    parts = [line]
    outputs = (described.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    if status == JobStatus.COMPLETED and outputs:
        parts.append("outputs: " + ", ".join(f"{o['OutputName']} -> {o['S3Output']['S3Uri']}" for o in outputs))
    if described.get("FailureReason"):
        parts.append(f"reason: {described['FailureReason']}")
    return "; ".join(parts)


def _seconds(job: Mapping[str, Any]) -> float | None:
    return jobkind.kind_seconds(job, "Processing")


def follow_logs(core: Any, name: str, out: Any = None, poll: float = 0.2) -> dict[str, Any]:
    """Stream the log until the job is terminal and all of it is printed; returns its describe.
    Notices a dead supervisor by itself (no server need run), like `labstudio train --wait`."""
    return jobkind.follow_logs(core.processing, name, out, poll)


def _cmd_process(args: argparse.Namespace) -> int:
    core = _core()
    described = core.processing.submit(build_request(args), base_dir=Path.cwd())
    return jobkind.run_submitted(KIND, described, args.wait, lambda name: follow_logs(core, name))


_fmt_time = jobkind.fmt_time


def _row(j: Mapping[str, Any]) -> list[Any]:
    return [j["ProcessingJobName"], j["ProcessingJobStatus"], _fmt_time(j["CreationTime"]), _fmt_time(j["ProcessingEndTime"]), j["ExperimentName"]]


def _print_describe(d: Mapping[str, Any]) -> None:
    app = d["AppSpecification"]
    print(f"Name:        {d['ProcessingJobName']}")
    print(f"Status:      {status_label(d['ProcessingJobStatus'], d.get('SecondaryStatus'))}: {d['StatusMessage']}")
    if d.get("FailureReason"):
        print(f"Failure:     {d['FailureReason']}")
    if d.get("ExitMessage"):
        print(f"Exit message: {d['ExitMessage']}")
    print(f"Command:     {' '.join([*app['ContainerEntrypoint'], *app['ContainerArguments']])}")
    print(f"Experiment:  {d['ExperimentName']}  run {d['RunId']}")
    print(f"Created:     {_fmt_time(d['CreationTime'])}  duration {format_duration(_seconds(d))}")
    if d["ProcessingInputs"]:
        print("Inputs:")
        for item in d["ProcessingInputs"]:
            print(f"  {item['InputName']}: {item['S3Input']['S3Uri']} -> {item['S3Input']['LocalPath']}")
    if d["ProcessingOutputConfig"]["Outputs"]:
        print("Outputs:")
        for item in d["ProcessingOutputConfig"]["Outputs"]:
            print(f"  {item['OutputName']}: {item['S3Output']['LocalPath']} -> {item['S3Output']['S3Uri']}")


KIND = jobkind.JobKindCli(
    kind="processing",
    group_help="list, describe, follow and stop processing jobs",
    columns=["NAME", "STATUS", "CREATED", "ENDED", "EXPERIMENT"],
    row=_row,
    empty="No processing jobs. Start one with: labstudio process script.py",
    print_describe=_print_describe,
    summary=processing_summary,
    follow=lambda name: follow_logs(_core(), name),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    proc = sub.add_parser("process", help="run a processing script as a supervised local job (inputs in, outputs out)")
    proc.add_argument("script", metavar="SCRIPT", help="the processing script (relative to --source-dir if given)")
    add_process_options(proc)
    jobkind.add_wait_options(proc)
    proc.set_defaults(func=_cmd_process)
    jobkind.register_group(sub, KIND)


__all__ = ["add_process_options", "build_request", "follow_logs", "processing_summary", "register"]
