"""`labstudio transform` and `labstudio transforms list|describe|logs|stop`."""
from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..humanize import format_duration
from ..status import JobStatus
from . import jobkind, parse_pairs

_core = jobkind.core


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    """The create request (shapes.transform.CreateTransformJobRequest) from parsed options."""
    request: dict[str, Any] = {
        "model": args.model,
        "input": args.input,
        "output_path": args.output,
        "environment": parse_pairs(args.env, "--env"),
        "tags": parse_pairs(args.tag, "--tag"),
    }
    for key, value in (
        ("name", args.name),
        ("content_type", args.content_type),
        ("split_type", args.split_type),
        ("compression_type", args.compression),
        ("accept", args.accept),
        ("assemble_with", args.assemble_with),
        ("strategy", args.strategy),
        ("max_payload", args.max_payload),
        ("max_concurrent_transforms", args.max_concurrent),
        ("input_filter", args.input_filter),
        ("output_filter", args.output_filter),
        ("join_source", args.join_source),
        ("entry_point", args.entry_point),
        ("source_dir", args.source_dir),
    ):
        if value is not None and value != "":
            request[key] = value
    if getattr(args, "no_requirements", False):
        request["install_requirements"] = False
    return request


def add_transform_options(parser: argparse.ArgumentParser) -> None:
    """The options `labstudio transform` and `%transform` share."""
    parser.add_argument("model", metavar="MODEL_OR_JOB", help="a Completed training job's name, or a model archive (.tar.gz), folder or file")
    parser.add_argument("--input", required=True, metavar="PATH", help="a file, or a folder whose files are all transformed (in name order)")
    parser.add_argument("--output", required=True, metavar="DIR", help="folder receiving <input file>.out for each input file")
    parser.add_argument("--content-type", metavar="MIME", help="records' type: text/csv, application/json, application/jsonlines...")
    parser.add_argument("--split-type", choices=["None", "Line", "RecordIO"], help="how a file splits into records (default None: a file is one record)")
    parser.add_argument("--compression", choices=["None", "Gzip"], help="input files are gzip-compressed")
    parser.add_argument("--strategy", choices=["SingleRecord", "MultiRecord"], help="one record per request, or as many as fit in --max-payload")
    parser.add_argument("--accept", metavar="MIME", help="output type asked of the model (default: the content type when it can be written)")
    parser.add_argument("--assemble-with", choices=["None", "Line"], help="Line: one output line per record")
    parser.add_argument("--max-payload", type=int, metavar="MB", help="largest request body in MB (default 6)")
    parser.add_argument("--max-concurrent", type=int, metavar="N", help="worker processes (default 1)")
    parser.add_argument("--input-filter", metavar="JSONPATH", help="part of each record the model sees, e.g. '$[1:]'")
    parser.add_argument("--output-filter", metavar="JSONPATH", help="part of each (joined) record written, e.g. '$[0,-1]'")
    parser.add_argument("--join-source", choices=["None", "Input"], help="Input: write each input record with its prediction")
    parser.add_argument("--entry-point", metavar="SCRIPT", help="inference script (model_fn/input_fn/predict_fn/output_fn)")
    parser.add_argument("--source-dir", metavar="DIR", help="folder holding the inference script")
    parser.add_argument("--no-requirements", action="store_true",
                        help="do not pip install requirements.txt of the inference code's folder (installed by default)")
    parser.add_argument("-e", "--env", action="append", metavar="KEY=VALUE", help="environment variable for the model (repeatable)")
    parser.add_argument("--tag", action="append", metavar="KEY=VALUE", help="tag (repeatable)")
    parser.add_argument("--name", help="job name (default: the model's name + timestamp)")


def progress_text(described: Mapping[str, Any]) -> str:
    done, total = described.get("RecordsProcessed") or 0, described.get("RecordsTotal")
    text = f"{done:,}/{total:,} records" if total is not None else f"{done:,} records"
    rate = described.get("RecordsPerSecond")
    return text + (f" ({rate:,.0f}/s)" if rate else "")


def transform_summary(described: Mapping[str, Any]) -> str:
    """One line saying how a transform job ended: status, records, where the output went, or why it failed."""
    status = described["TransformJobStatus"]
    parts = [f"Transform job {described['TransformJobName']}: {status}, {progress_text(described)}"]
    if status == JobStatus.COMPLETED:
        parts.append(f"output: {described['TransformOutput']['S3OutputPath']}")
    if described.get("FailureReason"):
        parts.append(f"reason: {described['FailureReason']}")
    return "; ".join(parts)


def follow_logs(core: Any, name: str, out: Any = None, poll: float = 0.2) -> dict[str, Any]:
    """Stream the log until the job is terminal and all of it is printed; returns its describe.
    Notices a dead supervisor by itself (no server need run), like `labstudio train --wait`."""
    return jobkind.follow_logs(core.transforms, name, out, poll)


def _cmd_transform(args: argparse.Namespace) -> int:
    core = _core()
    described = core.transforms.submit(build_request(args), base_dir=Path.cwd())
    return jobkind.run_submitted(KIND, described, args.wait, lambda name: follow_logs(core, name))


_fmt_time = jobkind.fmt_time


def _row(j: Mapping[str, Any]) -> list[Any]:
    return [j["TransformJobName"], j["TransformJobStatus"], progress_text(j), _fmt_time(j["CreationTime"]), _fmt_time(j["TransformEndTime"])]


def _seconds(job: Mapping[str, Any]) -> float | None:
    return jobkind.kind_seconds(job, "Transform")


def _print_describe(d: Mapping[str, Any]) -> None:
    source, out, proc = d["TransformInput"], d["TransformOutput"], d["DataProcessing"]
    print(f"Name:        {d['TransformJobName']}")
    print(f"Status:      {d['TransformJobStatus']}")
    if d.get("FailureReason"):
        print(f"Failure:     {d['FailureReason']}")
    print(f"Model:       {d['ModelName']}")
    print(f"Progress:    {progress_text(d)}")
    print(f"Input:       {source['DataSource']['S3DataSource']['S3Uri']} ({source['ContentType'] or 'no content type'}, split {source['SplitType']})")
    print(f"Output:      {out['S3OutputPath']} (accept {out['Accept'] or 'default'}, assemble with {out['AssembleWith']})")
    print(f"Strategy:    {d['BatchStrategy']}, payloads up to {d['MaxPayloadInMB']} MB, {d['MaxConcurrentTransforms']} concurrent")
    if (proc["InputFilter"], proc["OutputFilter"], proc["JoinSource"]) != ("$", "$", "None"):
        print(f"Processing:  input filter {proc['InputFilter']}, join {proc['JoinSource']}, output filter {proc['OutputFilter']}")
    print(f"Created:     {_fmt_time(d['CreationTime'])}  duration {format_duration(_seconds(d))}")


KIND = jobkind.JobKindCli(
    kind="transform",
    group_help="list, describe, follow and stop batch transform jobs",
    columns=["NAME", "STATUS", "RECORDS", "CREATED", "ENDED"],
    row=_row,
    empty="No transform jobs. Start one with: labstudio transform MODEL --input DIR --output DIR",
    print_describe=_print_describe,
    summary=transform_summary,
    follow=lambda name: follow_logs(_core(), name),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tr = sub.add_parser("transform", help="batch transform: score a file or folder with a model, as a supervised local job")
    add_transform_options(tr)
    jobkind.add_wait_options(tr)
    tr.set_defaults(func=_cmd_transform)
    jobkind.register_group(sub, KIND)


__all__ = ["add_transform_options", "build_request", "follow_logs", "register", "transform_summary"]
