"""What the CLI of every job kind shares: `<group> list|describe|logs [-f]|stop` and the
"submit, print the name, maybe follow" of `labstudio train|process|transform`.

Every kind runs on the job engine, so the commands that only read or stop a job differ in
nothing but the kind (its registry entry in jobs/kinds.py names the group, the describe keys
`<Stem>Name`/`<Stem>Status` and the service) and how a job is printed: its `JobKindCli`, or,
for a kind without one, the describe answer as JSON. `register_groups` (called by
cli/__init__.py) gives every registered kind its group; this module is not a command module.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..answer import to_json
from ..jobs import kinds
from ..jobs.kinds import JobKind
from ..status import JobStatus
from .output import print_json, print_table

STATUSES = [status.value for status in JobStatus]


def core() -> Any:
    """The Core of this environment (imported late: `labstudio --help` should not pay for it)."""
    from ..core import Core

    return Core.from_env()


def fmt_time(value: str | None) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM:SS' for tables; empty when there is none."""
    return value.replace("T", " ").replace("Z", "")[:19] if value else ""


def kind_seconds(job: Mapping[str, Any], prefix: str) -> float | None:
    """How long a job of a later kind ran (or has run), as humanize.job_seconds counts a
    training job's: `prefix` names its keys ("Processing": ProcessingStartTime, ...)."""
    from ..humanize import job_seconds

    return job_seconds(
        {
            "TrainingStartTime": job.get(f"{prefix}StartTime"),
            "TrainingEndTime": job.get(f"{prefix}EndTime"),
            "TrainingJobStatus": job.get(f"{prefix}JobStatus"),
            "LastModifiedTime": job.get("LastModifiedTime"),
        }
    )


@dataclass(frozen=True)
class JobKindCli:
    """How the CLI prints one job kind (a registry entry's `cli_path` names it). The names —
    group, describe keys, what help texts call a job — are the registry entry's."""

    kind: str  # the registry's name of the kind
    group_help: str
    columns: Sequence[str]
    row: Callable[[Mapping[str, Any]], list[Any]]
    empty: str  # what `list` prints when there are no jobs, with how to start one
    print_describe: Callable[[Mapping[str, Any]], None]
    summary: Callable[[Mapping[str, Any]], str]  # one line on how a job ended (after --wait)
    # `follow(name)`: stream a job's log to its end and return its describe (the kind module's
    # own follow_logs, so tests and the SDK can swap it); None: jobkind.follow_logs.
    follow: Callable[[str], dict[str, Any]] | None = None

    @property
    def entry(self) -> JobKind:
        return kinds.get(self.kind)

    @property
    def noun(self) -> str:
        """The describe keys' stem: "TrainingJob" gives TrainingJobName, TrainingJobStatus."""
        return self.entry.stem

    @property
    def group(self) -> str:
        return self.entry.group

    @property
    def label(self) -> str:
        return self.entry.help_label

    @property
    def name_key(self) -> str:
        return self.entry.name_key

    @property
    def status_key(self) -> str:
        return self.entry.status_key

    def service(self, core: Any) -> Any:
        return core.job_service(self.kind)

    def follow_job(self, name: str) -> dict[str, Any]:
        if self.follow is not None:
            return self.follow(name)
        return follow_logs(self.service(core()), name)


def plain(kind: JobKind) -> JobKindCli:
    """The CLI of a kind without a presentation of its own: name, status, created and ended
    in the table; describe prints the answer's JSON."""
    stem = kind.stem

    def row(j: Mapping[str, Any]) -> list[Any]:
        ended = j.get(f"{stem.removesuffix('Job')}EndTime") or j.get("EndTime")
        return [j[kind.name_key], j[kind.status_key], fmt_time(j.get("CreationTime")), fmt_time(ended)]

    def summary(d: Mapping[str, Any]) -> str:
        reason = f"; reason: {d['FailureReason']}" if d.get("FailureReason") else ""
        return f"{kind.noun} {d[kind.name_key]}: {d[kind.status_key]}{reason}"

    return JobKindCli(
        kind=kind.name,
        group_help=f"list, describe, follow and stop {kind.help_label}s",
        columns=["NAME", "STATUS", "CREATED", "ENDED"],
        row=row,
        empty=f"No {kind.help_label}s.",
        print_describe=print_json,
        summary=summary,
    )


def presentation(kind: JobKind) -> JobKindCli:
    """The kind's CLI: its own presentation, or the plain one."""
    return kind.cli or plain(kind)


def follow_logs(service: Any, name: str, out: Any = None, poll: float = 0.2, host: str | None = None) -> dict[str, Any]:
    """Stream the log until the job is terminal and everything is printed; returns its describe.
    `host` (algo-k) prints only that host's lines of a multi-host job.

    Also notices, by itself, a supervisor that died (no server need run): the job is then
    marked Failed and the loop ends like any other.
    """
    out = out or sys.stdout
    offset = 0
    supervisor_dead = service.liveness_check(name)
    while True:
        chunk = service.logs(name, offset, host=host)
        if chunk.text:
            out.write(chunk.text)
            out.flush()
        moved = chunk.next_offset != offset
        offset = chunk.next_offset
        if chunk.complete:
            described: dict[str, Any] = to_json(service.describe(name))
            return described
        if not moved and not supervisor_dead():
            service.pause(name, poll)  # woken by the job's end, not a poll later


def run_submitted(kind: JobKindCli, described: Any, wait: bool, follow: Callable[[str], dict[str, Any]] | None = None) -> int:
    """After a submit (`described`: the kind's describe answer): print the name; with --wait
    follow the log, print the summary and exit 0 only when the job completed. Ctrl-C stops the
    following, never the job."""
    name = to_json(described)[kind.name_key]  # the typed answer, or its JSON form
    print(name, flush=True)
    if not wait:
        return 0
    try:
        final = follow(name) if follow is not None else kind.follow_job(name)
    except KeyboardInterrupt:
        print(f"\nlabstudio: stopped following; the job goes on. Stop it with: labstudio {kind.group} stop {name}", file=sys.stderr)
        return 130
    print(kind.summary(final), file=sys.stderr, flush=True)
    return 0 if final[kind.status_key] == JobStatus.COMPLETED else 1


def _list(kind: JobKindCli, args: argparse.Namespace) -> int:
    result = to_json(kind.service(core()).list(status=args.status, name_contains=args.name_contains, limit=args.limit))
    jobs = result[f"{kind.noun}Summaries"]
    if args.json:
        print_json(jobs)
        return 0
    print_table(list(kind.columns), [kind.row(j) for j in jobs], empty=kind.empty)
    return 0


def _describe(kind: JobKindCli, args: argparse.Namespace) -> int:
    d = to_json(kind.service(core()).describe(args.name))
    if args.json:
        print_json(d)
        return 0
    kind.print_describe(d)
    return 0


def _logs(kind: JobKindCli, args: argparse.Namespace) -> int:
    host = args.host
    if args.follow:
        try:
            if host is None:
                kind.follow_job(args.name)
            else:
                follow_logs(kind.service(core()), args.name, host=host)
        except KeyboardInterrupt:
            return 130
        return 0
    service = kind.service(core())
    offset = 0
    while True:
        chunk = service.logs(args.name, offset, host=host)
        sys.stdout.write(chunk.text)
        if chunk.next_offset == offset:  # (a host filter may skip a chunk without printing)
            break
        offset = chunk.next_offset
    sys.stdout.flush()
    return 0


def _stop(kind: JobKindCli, args: argparse.Namespace) -> int:
    d = to_json(kind.service(core()).stop(args.name))
    print(f"{d[kind.name_key]}: {d[kind.status_key]}")
    return 0


def register_group(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], kind: JobKindCli
) -> None:
    """`labstudio <group> list|describe|logs [-f]|stop` for one kind."""
    group = sub.add_parser(kind.group, help=kind.group_help)
    group_sub = group.add_subparsers(dest=f"{kind.group}_command", metavar="ACTION", parser_class=type(group))
    group_sub.required = True
    ls = group_sub.add_parser("list", help=f"list {kind.label}s, newest first")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--name-contains")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=lambda args: _list(kind, args))
    de = group_sub.add_parser("describe", help=f"Describe{kind.noun} for one job")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--json", action="store_true")
    de.set_defaults(func=lambda args: _describe(kind, args))
    lo = group_sub.add_parser("logs", help=f"print a {kind.label}'s log")
    lo.add_argument("name", metavar="NAME")
    lo.add_argument("-f", "--follow", action="store_true", help="keep printing until the job ends")
    lo.add_argument("--host", metavar="HOST", help="only this host's lines of a multi-host job (algo-1, algo-2, ...)")
    lo.set_defaults(func=lambda args: _logs(kind, args))
    st = group_sub.add_parser("stop", help=f"stop a running {kind.label} (SIGTERM, then SIGKILL after the grace period)")
    st.add_argument("name", metavar="NAME")
    st.set_defaults(func=lambda args: _stop(kind, args))


def register_groups(sub: argparse._SubParsersAction[Any]) -> None:
    """The group of every registered kind whose group no command module registered already
    (cli/__init__.py calls this after the modules: a kind added to the registry gets its
    `labstudio <group> list|describe|logs|stop` with nothing else)."""
    taken = set(sub.choices)
    for kind in kinds.every():
        if kind.group not in taken:
            register_group(sub, presentation(kind))


def add_wait_options(parser: argparse.ArgumentParser, log: str = "the log") -> None:
    """--wait/--no-wait of the submitting commands (not waiting is the default)."""
    parser.add_argument("--wait", dest="wait", action="store_true", default=False, help=f"stream {log} and exit non-zero unless the job completes")
    parser.add_argument("--no-wait", dest="wait", action="store_false", help="print the job name and return (default)")


__all__ = ["STATUSES", "JobKindCli", "add_wait_options", "core", "fmt_time", "to_json", "follow_logs", "kind_seconds", "plain", "presentation", "register_group", "register_groups", "run_submitted"]
