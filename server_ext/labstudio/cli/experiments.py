"""`labstudio experiments list|create|rename|delete` and `labstudio runs list|show|compare`."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from ..errors import Invalid, NotFound
from ..humanize import format_duration, format_number
from . import parse_pairs
from .output import print_json, print_table

MAX_METRIC_COLUMNS = 6


def _service() -> Any:  # the experiments service, imported late (`labstudio --help` loads no store)
    from ..core import Core

    return Core.from_env().experiments


def _when(ts: float | None) -> str:
    return "" if ts is None else dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


# -- experiments -------------------------------------------------------------------------------

def _experiments_list(args: argparse.Namespace) -> int:
    exps = _service().list_experiments()
    if args.json:
        print_json(exps)
        return 0
    print_table(
        ["NAME", "RUNS", "IN PROGRESS", "LAST ACTIVITY", "CREATED"],
        [[e["name"], e["run_count"], e["in_progress_count"], _when(e["last_run_time"]), _when(e["created_time"])] for e in exps],
        empty="(no experiments)",
    )
    return 0


def _experiments_create(args: argparse.Namespace) -> int:
    exp = _service().create_experiment(args.name, args.description or "", parse_pairs(args.tag, "--tag"))
    print(f"created experiment {exp['name']} ({exp['id']})")
    return 0


def _experiments_rename(args: argparse.Namespace) -> int:
    exp = _service().update_experiment(args.name, new_name=args.new_name)
    print(f"renamed experiment {args.name} to {exp['name']}")
    return 0


def _experiments_delete(args: argparse.Namespace) -> int:
    service = _service()
    exp = service.get_experiment(args.name)
    if not args.yes:
        raise Invalid(
            f"deleting experiment {exp['name']!r} removes its {exp['run_count']} run(s) and their stored artifacts; "
            "run again with --yes to confirm"
        )
    result = service.delete_experiment(args.name, skip_running=args.skip_running)
    if args.json:
        print_json(result)
        return 0
    print(f"deleted {result['deleted_runs']} run(s) of experiment {result['experiment']} ({result['deleted_files']} stored artifact(s))")
    if result["skipped_running_runs"]:
        print(f"kept {result['skipped_running_runs']} run(s) of running training jobs, and so the experiment")
    return 0


# -- runs -------------------------------------------------------------------------------------------

def _runs_list(args: argparse.Namespace) -> int:
    service = _service()
    if args.csv:
        sys.stdout.write(service.export_csv(experiment=args.experiment, filter=args.filter, order_by=args.order_by))
        return 0
    page = service.search_runs(experiment=args.experiment, filter=args.filter, order_by=args.order_by, limit=args.limit)
    runs = page["runs"]
    if args.json:
        print_json(page)
        return 0
    metrics = sorted({k for r in runs for k in r["metrics"]})
    shown = metrics[:MAX_METRIC_COLUMNS]
    print_table(
        ["ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "DURATION", *shown],
        [
            [r["id"], r["name"], r["experiment"], r["status"], _when(r["start_time"]), format_duration(r["duration"]),
             *[format_number(r["metrics"][m]["last"]) if m in r["metrics"] else "" for m in shown]]
            for r in runs
        ],
        empty="(no runs match)",
    )
    notes = []
    if len(metrics) > len(shown):
        notes.append(f"{len(metrics) - len(shown)} more metric(s) not shown; use --json or --csv")
    if page["next_token"]:
        notes.append(f"showing {len(runs)} of {page['total']} runs; raise --limit to see more")
    for note in notes:
        print(f"({note})", file=sys.stderr)
    return 0


def _resolve(service: Any, ref: str) -> Any:
    """A run id, or a unique prefix of one (at least 4 characters): the run as a `store.entities.Run`."""
    if len(ref) < 4 or not all(c in "0123456789abcdefABCDEF" for c in ref):
        raise Invalid(f"{ref!r} is not a run id (32 hex characters, or a unique prefix of at least 4)")
    found = service.search_records(filter=f"id like '{ref.lower()}%'", limit=2)
    if not found:
        raise NotFound(f"no run id starts with {ref!r}")
    if len(found) > 1:
        raise Invalid(f"{ref!r} matches several runs; give more characters")
    return found[0]


def _runs_show(args: argparse.Namespace) -> int:
    service = _service()
    run = service.get_run(_resolve(service, args.run).id)
    if args.json:
        print_json(run)
        return 0
    print(f"{run['name']}  ({run['id']})")
    print(f"experiment: {run['experiment']}   status: {run['status']}   started: {_when(run['start_time'])}   duration: {format_duration(run['duration'])}")
    if run["job"]:
        print(f"{run['job'].get('kind', 'training')} job: {run['job']['name']} ({run['job']['status']})")
    print()
    print_table(["PARAMETER", "VALUE"], sorted(run["params"].items()), empty="(no parameters)")
    print()
    print_table(
        ["METRIC", "LAST", "MIN", "MAX", "AVG", "COUNT"],
        [[k, format_number(s["last"]), format_number(s["min"]), format_number(s["max"]), format_number(s["avg"]), s["count"]] for k, s in sorted(run["metrics"].items())],
        empty="(no metrics)",
    )
    print()
    print_table(
        ["ARTIFACT", "DIRECTION", "MEDIA TYPE", "URI"],
        [[a["name"], "output" if a["is_output"] else "input", a["media_type"] or "", a["uri"]] for a in run["artifacts"]],
        empty="(no artifacts)",
    )
    return 0


def _runs_compare(args: argparse.Namespace) -> int:
    service = _service()
    records = [_resolve(service, ref) for ref in args.runs]
    from ..tracking.service import run_json

    runs = [run_json(r) for r in records]
    if args.json:
        print_json(runs)
        return 0
    names = [r["name"] for r in runs]
    headers = ["", *[f"{r['name']} ({r['id'][:8]})" if names.count(r["name"]) > 1 else r["name"] for r in runs]]
    rows: list[list[Any]] = [["experiment", *[r["experiment"] for r in runs]], ["status", *[r["status"] for r in runs]]]
    for key in sorted({k for r in runs for k in r["params"]}):
        values = [r["params"].get(key, "") for r in runs]
        mark = " *" if len(set(values)) > 1 else ""
        rows.append([f"params.{key}{mark}", *values])
    metrics = args.metric or sorted({k for r in runs for k in r["metrics"]})
    missing = [m for m in metrics if not any(m in r["metrics"] for r in runs)]
    if missing:
        raise NotFound(f"none of these runs has the metric(s) {', '.join(missing)}")
    for key in metrics:
        for stat in ("last", "min", "max"):
            rows.append([f"{key} ({stat})", *[format_number(r["metrics"][key][stat]) if key in r["metrics"] else "" for r in runs]])
    print_table(headers, rows)
    return 0


def register(subparsers: Any) -> None:
    exp = subparsers.add_parser("experiments", help="list, create, rename and delete experiments")
    exp_sub = exp.add_subparsers(dest="experiments_command", metavar="ACTION", parser_class=type(exp))
    exp_sub.required = True

    p = exp_sub.add_parser("list", help="experiments with their run counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_experiments_list)

    p = exp_sub.add_parser("create", help="create an empty experiment")
    p.add_argument("name")
    p.add_argument("--description", default="")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE")
    p.set_defaults(func=_experiments_create)

    p = exp_sub.add_parser("rename", help="rename an experiment")
    p.add_argument("name")
    p.add_argument("new_name")
    p.set_defaults(func=_experiments_rename)

    p = exp_sub.add_parser("delete", help="delete an experiment, its runs and their stored artifacts")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="confirm the deletion")
    p.add_argument("--skip-running", action="store_true", help="keep runs of running training jobs instead of refusing")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_experiments_delete)

    runs = subparsers.add_parser("runs", help="search, show and compare runs")
    runs_sub = runs.add_subparsers(dest="runs_command", metavar="ACTION", parser_class=type(runs))
    runs_sub.required = True

    p = runs_sub.add_parser("list", help="search runs (newest first)")
    p.add_argument("--experiment", "-e", help="experiment name or id")
    p.add_argument("--filter", "-f", help="e.g. \"metrics.acc > 0.9 and (params.opt = 'adam' or params.lr < 0.01)\"")
    p.add_argument("--order-by", "-o", help="e.g. 'metrics.loss asc'")
    p.add_argument("--limit", "-n", type=int, default=100, help="at most this many runs (default 100)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print every matching run as CSV")
    p.set_defaults(func=_runs_list)

    p = runs_sub.add_parser("show", help="one run: parameters, metrics, artifacts")
    p.add_argument("run", help="run id or a unique prefix")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_runs_show)

    p = runs_sub.add_parser("compare", help="runs side by side: parameters and metric summaries")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run ids or unique prefixes")
    p.add_argument("--metric", "-m", action="append", help="only this metric (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_runs_compare)
