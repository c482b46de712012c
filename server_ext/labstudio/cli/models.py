"""`labstudio models groups | list GROUP | describe REF | register JOB --group G | approve REF |
reject REF | delete REF | history REF | reproduce REF` (REF: GROUP/VERSION or a model package's
ARN). Deploying a package is `labstudio deploy GROUP/VERSION` (cli/endpoints.py).

A reference that names nothing (an unknown group, a version out of range) is bad input here:
one line and exit 2, like any other mistake in the command's arguments.

Also home of the options `register` and `%register` share (`add_register_options`,
`register_kwargs`), so the two never drift.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Invalid, NotFound
from . import parse_pairs
from .jobkind import fmt_time
from .output import print_json, print_table

STATUSES = ("Approved", "Rejected", "PendingManualApproval")
_STATUS_WORDS = {"approved": "Approved", "rejected": "Rejected", "pending": "PendingManualApproval",
                 "pendingmanualapproval": "PendingManualApproval"}


def _core():  # type: ignore[no-untyped-def]
    from ..core import Core

    return Core.from_env()


def bad_reference(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A group or version the command names that does not exist is bad input: exit 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except NotFound as exc:
            print(f"labstudio: error: {exc.message}", file=sys.stderr)
            return 2

    return run


def approval_status(raw: str) -> str:
    """Approved, Rejected, PendingManualApproval (or approved/rejected/pending in any case)."""
    status = _STATUS_WORDS.get(raw.replace("_", "").replace("-", "").lower())
    if status is None:
        raise Invalid(f"--approval must be one of {', '.join(STATUSES)} (or approved, rejected, pending), got {raw!r}", field="--approval")
    return status


# -- register: shared with %register ------------------------------------------------------------------


def add_register_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", metavar="JOB", help="a Completed training job")
    parser.add_argument("--group", "-g", required=True, help="the model package group (created when it does not exist)")
    parser.add_argument("--approval", default="PendingManualApproval", metavar="STATUS",
                        help="Approved, Rejected or PendingManualApproval (default)")
    parser.add_argument("--metrics", metavar="FILE", help="a model-quality statistics JSON (ModelMetrics.ModelQuality.Statistics)")
    parser.add_argument("--description", help="the package's description")
    parser.add_argument("--content-type", action="append", metavar="TYPE", help="a supported request content type (repeatable)")
    parser.add_argument("--response-type", action="append", metavar="TYPE", help="a supported response content type (repeatable)")
    parser.add_argument("--metadata", action="append", metavar="KEY=VALUE", help="a CustomerMetadataProperties entry (repeatable)")
    parser.add_argument("--entry-point", help="inference script (default: the job's entry point)")
    parser.add_argument("--source-dir", help="folder of the inference code (default: the job's code snapshot)")


def register_kwargs(args: argparse.Namespace, base: Path) -> dict[str, Any]:
    """RegistryService.register_job's arguments from the register options."""
    from ..registry.metrics import metrics_file

    kwargs: dict[str, Any] = {"approval_status": approval_status(args.approval), "base_dir": base}
    if args.metrics:
        kwargs["model_metrics"] = metrics_file(args.metrics, base)
    if args.description is not None:
        kwargs["description"] = args.description
    if args.content_type:
        kwargs["content_types"] = list(args.content_type)
    if args.response_type:
        kwargs["response_types"] = list(args.response_type)
    if args.metadata:
        kwargs["customer_metadata"] = parse_pairs(args.metadata, "--metadata")
    if args.entry_point:
        kwargs["entry_point"] = args.entry_point
    if args.source_dir:
        kwargs["source_dir"] = str((base / Path(args.source_dir).expanduser()).resolve())
    return kwargs


def _cmd_register(args: argparse.Namespace) -> int:
    described = _core().registry.register_job(args.job, args.group, **register_kwargs(args, Path.cwd()))
    if args.json:
        print_json(described)
        return 0
    print(described["ModelPackageArn"])
    print(f"{described['ModelPackageGroupName']}/{described['ModelPackageVersion']} registered from {args.job}: "
          f"{described['ModelApprovalStatus']}", file=sys.stderr)
    return 0


# -- reading -----------------------------------------------------------------------------------------


def _metric_text(values: dict[str, Any], limit: int = 3) -> str:
    items = list(values.items())[:limit]
    text = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in items)
    return text + (" ..." if len(values) > limit else "")


def _cmd_groups(args: argparse.Namespace) -> int:
    result = _core().registry.list_groups(name_contains=args.name_contains, max_results=args.limit)
    groups = result["ModelPackageGroupSummaryList"]
    if args.json:
        print_json(groups)
        return 0
    rows = [(g["ModelPackageGroupName"], g["VersionCount"], g["LatestVersion"] or "-", g["LatestApprovedVersion"] or "-",
             g["PendingApprovalCount"], fmt_time(g["CreationTime"]), g["ModelPackageGroupDescription"][:40]) for g in groups]
    print_table(["GROUP", "VERSIONS", "LATEST", "APPROVED", "PENDING", "CREATED", "DESCRIPTION"], rows,
                empty="No model package groups. Register a model with: labstudio models register JOB --group NAME")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    status = approval_status(args.status) if args.status else None
    result = _core().registry.list_packages(group=args.group, approval_status=status, max_results=args.limit)
    packages = result["ModelPackageSummaryList"]
    if args.json:
        print_json(packages)
        return 0
    rows = [(p["ModelPackageVersion"], p["ModelApprovalStatus"], fmt_time(p["CreationTime"]), p["TrainingJobName"] or "-",
             _metric_text(p["MetricValues"]) or "-") for p in packages]
    print_table(["VERSION", "STATUS", "CREATED", "TRAINING JOB", "METRICS"], rows, empty=f"No model packages in {args.group}.")
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    d = _core().registry.describe_package(args.ref)
    if args.json:
        print_json(d)
        return 0
    container = d["InferenceSpecification"]["Containers"][0]
    env = container.get("Environment") or {}
    print(f"Package:     {d['ModelPackageGroupName']}/{d['ModelPackageVersion']}  ({d['ModelPackageArn']})")
    print(f"Status:      {d['ModelApprovalStatus']}" + (f"  ({d['ApprovalDescription']})" if d.get("ApprovalDescription") else ""))
    print(f"Created:     {fmt_time(d['CreationTime'])} by {d['CreatedBy'].get('UserProfileName') or '-'}")
    if d.get("ModelPackageDescription"):
        print(f"Description: {d['ModelPackageDescription']}")
    print(f"Model:       {container['ModelDataUrl']}")
    print(f"Code:        {env.get('SAGEMAKER_SUBMIT_DIRECTORY', '-')}  entry point: {env.get('SAGEMAKER_PROGRAM', '-')}")
    source = d.get("TrainingJobName") or "-"
    if d.get("TuningJobName"):
        source += f" (tuning job {d['TuningJobName']})"
    print(f"Training:    {source}")
    if d.get("DerivedFromModelPackageArn"):
        print(f"Reproduces:  {d['DerivedFromModelPackageArn']}")
    for m in d.get("FinalMetricDataList") or []:
        print(f"  final {m['MetricName']} = {m['Value']}")
    for name, value in (d.get("MetricValues") or {}).items():
        print(f"  metric {name} = {value}")
    for section, docs in (d.get("ModelMetrics") or {}).items():
        for doc, source_ in docs.items():
            print(f"  {section}.{doc}: {source_.get('S3Uri')}")
    for key, value in (d.get("CustomerMetadataProperties") or {}).items():
        print(f"  metadata {key} = {value}")
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    registry = _core().registry
    if _is_package(args.ref):
        package = registry.get_package(args.ref)
        result = registry.activity(package.group_name, package.version)
    else:
        result = registry.activity(args.ref)
    entries = result["Activity"]
    if args.json:
        print_json(entries)
        return 0
    rows = [(fmt_time(e["Time"]), e["ModelPackageVersion"] or "-", e["Action"],
             f"{e['FromStatus'] or ''} -> {e['ToStatus']}" if e["ToStatus"] else "", e["Actor"] or "-", e["Comment"] or "") for e in entries]
    print_table(["TIME", "VERSION", "ACTION", "STATUS", "BY", "COMMENT"], rows, empty="No history.")
    return 0


# -- changing ------------------------------------------------------------------------------------------


def _approval(status: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        d = _core().registry.set_approval(args.ref, status, args.comment)
        print(f"{d['ModelPackageGroupName']}/{d['ModelPackageVersion']} {d['ModelApprovalStatus']}")
        return 0

    return run


def _is_package(ref: str) -> bool:
    """GROUP/VERSION or a model package's ARN (a group is its name or its ARN)."""
    from ..arns import parse

    parsed = parse(ref)
    return parsed[0] == "model-package" if parsed is not None else "/" in ref


def _cmd_delete(args: argparse.Namespace) -> int:
    registry = _core().registry
    if _is_package(args.ref):
        package = registry.get_package(args.ref)
        registry.delete_package(args.ref)
        print(f"Deleted model package {package.group_name}/{package.version}")
        return 0
    registry.delete_group(args.ref, force=args.force)
    print(f"Deleted model package group {args.ref}")
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from . import jobkind
    from .jobs import KIND, follow_logs

    core = _core()
    started = core.registry.reproduce(args.ref, allow_changed=args.allow_changed, job_name=args.name)
    for check in started["Inputs"]:
        note = {"Unchanged": "unchanged", "Changed": "CHANGED", "Missing": "MISSING",
                "Unverified": "not verified (remote, or recorded without a fingerprint)"}[check["Status"]]
        print(f"input {check['Name']}: {check['Uri']} {note}", file=sys.stderr)
    name = started["TrainingJobName"]
    code = jobkind.run_submitted(KIND, {"TrainingJobName": name}, not args.no_wait, lambda job: follow_logs(core, job))
    if args.no_wait:
        print(f"labstudio: when {name} completes, register it with: labstudio models register {name} --group "
              f"{started['ReproducesModelPackageArn'].rsplit('/', 2)[-2]}", file=sys.stderr)
        return code
    if code != 0:
        return code
    group = started["ReproducesModelPackageArn"].rsplit("/", 2)[-2]
    described = core.registry.register_job(name, group, base_dir=Path.cwd())
    print(described["ModelPackageArn"])
    print(f"{group}/{described['ModelPackageVersion']} registered, derived from {started['ReproducesModelPackageArn']}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = sub.add_parser("models", help="the model registry: groups, versions, approval, reproduce")
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", parser_class=type(models))
    msub.required = True

    groups = msub.add_parser("groups", help="model package groups, with their latest approved version and pending count")
    groups.add_argument("--name-contains")
    groups.add_argument("--limit", type=int, default=100)
    groups.add_argument("--json", action="store_true")
    groups.set_defaults(func=_cmd_groups)

    ls = msub.add_parser("list", help="a group's versions, newest first")
    ls.add_argument("group", metavar="GROUP")
    ls.add_argument("--status", help="only versions in this approval status")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=bad_reference(_cmd_list))

    de = msub.add_parser("describe", help="DescribeModelPackage of GROUP/VERSION or an ARN")
    de.add_argument("ref", metavar="REF")
    de.add_argument("--json", action="store_true")
    de.set_defaults(func=bad_reference(_cmd_describe))

    reg = msub.add_parser("register", help="register a Completed training job's model as the group's next version")
    add_register_options(reg)
    reg.add_argument("--json", action="store_true", help="print the package, described")
    reg.set_defaults(func=bad_reference(_cmd_register))

    for verb, status in (("approve", "Approved"), ("reject", "Rejected")):
        cmd = msub.add_parser(verb, help=f"set a version {status}, with a comment")
        cmd.add_argument("ref", metavar="REF")
        cmd.add_argument("--comment", "-m", help="why (kept in the history and as ApprovalDescription)")
        cmd.set_defaults(func=bad_reference(_approval(status)))

    rm = msub.add_parser("delete", help="delete a version (GROUP/VERSION or ARN), or a group (refused while it holds versions)")
    rm.add_argument("ref", metavar="REF")
    rm.add_argument("--force", action="store_true", help="delete a group's versions with it")
    rm.set_defaults(func=bad_reference(_cmd_delete))

    hi = msub.add_parser("history", help="who changed what and when: a version (GROUP/VERSION) or a whole group")
    hi.add_argument("ref", metavar="REF")
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(func=bad_reference(_cmd_history))

    rp = msub.add_parser("reproduce", help="re-train a version from its recorded code, hyperparameters and inputs, and register the result")
    rp.add_argument("ref", metavar="REF")
    rp.add_argument("--allow-changed", action="store_true", help="re-train even when an input's content changed")
    rp.add_argument("--name", help="the new training job's name")
    rp.add_argument("--no-wait", action="store_true", help="submit and return (register the job yourself once it completes)")
    rp.set_defaults(func=bad_reference(_cmd_reproduce))
