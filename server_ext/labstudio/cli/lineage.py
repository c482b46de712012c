"""`labstudio lineage NAME_OR_ARN [--up|--down] [--depth N] [--json]`: the trail around a job,
an endpoint, a model package (GROUP/VERSION), a data set's path, or any lineage ARN."""
from __future__ import annotations

import argparse
from typing import Any

from .models import bad_reference
from .output import print_json, print_table


def _core():  # type: ignore[no-untyped-def]
    from ..core import Core

    return Core.from_env()


def _rows(graph: dict[str, Any], arrow: str) -> list[tuple[Any, ...]]:
    rows = []
    for node in sorted(graph["nodes"], key=lambda n: (n["depth"], n["type"], n["name"])):
        if node["depth"] == 0:
            continue
        detail = node.get("source_uri") or ""
        fingerprint = (node.get("properties") or {}).get("fingerprint")
        if fingerprint:
            detail += f"  [{fingerprint[:19]}]"
        rows.append((f"{arrow}{node['depth']}", node["type"], node["name"], detail))
    return rows


def _cmd_lineage(args: argparse.Namespace) -> int:
    lineage = _core().lineage
    directions = ["Ascendants"] if args.up else ["Descendants"] if args.down else ["Ascendants", "Descendants"]
    graphs = {d: lineage.graph(args.ref, direction=d, max_depth=args.depth) for d in directions}
    if args.json:
        if len(graphs) == 1:
            print_json(next(iter(graphs.values())))
        else:
            print_json(lineage.graph(args.ref, direction="Both", max_depth=args.depth))
        return 0
    first = next(iter(graphs.values()))
    start = next((n for n in first["nodes"] if n["arn"] == first["start"]), None)
    if start is not None:
        print(f"{start['type']} {start['name']}  ({start['arn']})")
    for direction, graph in graphs.items():
        label = "upstream (what it came from)" if direction == "Ascendants" else "downstream (what came from it)"
        print(f"\n{label}:")
        print_table(["HOPS", "TYPE", "NAME", "SOURCE"], _rows(graph, "-" if direction == "Ascendants" else "+"), empty="  (nothing)")
        if graph["truncated"]:
            print("  (more entities were reached than are shown; narrow with --depth)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ..lineage.service import MAX_DEPTH

    lineage = sub.add_parser("lineage", help="the trail from data to endpoint around a job, endpoint, model package or data set")
    lineage.add_argument("ref", metavar="NAME_OR_ARN", help="a job or endpoint name, GROUP/VERSION, a data set's path, or an ARN")
    way = lineage.add_mutually_exclusive_group()
    way.add_argument("--up", action="store_true", help="only upstream: the data, code, jobs and models it came from")
    way.add_argument("--down", action="store_true", help="only downstream: the models, packages and endpoints that came from it")
    lineage.add_argument("--depth", type=int, default=MAX_DEPTH, help=f"hops to follow, 1 to {MAX_DEPTH} (default {MAX_DEPTH})")
    lineage.add_argument("--json", action="store_true", help="nodes and edges, as GET /labstudio/api/lineage answers")
    lineage.set_defaults(func=bad_reference(_cmd_lineage))
