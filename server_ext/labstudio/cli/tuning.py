"""`labstudio tune` and `labstudio tuning list|describe|trials|stop`.

Also home of what every tuning surface shares: the request built from `tune` options (the
%tune magic parses the same options), the follow loop that prints one line per finished
trial (`tune --wait`, the SDK's `wait()` outside a notebook), and the trials table (the CSV
here, the SDK's `analytics().dataframe()`), so the three never drift apart.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from ..answer import to_json
from ..errors import Invalid
from ..humanize import format_duration, format_number
from ..status import JobStatus
from ..tuning.progress import all_trials, objective_value, progress_text
from . import parse_pairs
from .jobs import _fmt_time, _hp_value, _metric_definitions
from .output import print_json, print_table

STRATEGIES = {"bayesian": "Bayesian", "random": "Random", "grid": "Grid", "hyperband": "Hyperband"}
# SageMaker's HyperparameterTuningJobAnalytics columns after the tuned hyperparameters.
TRIAL_COLUMNS = ["TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingStartTime", "TrainingEndTime", "TrainingElapsedTimeSeconds"]
CHECK_INTERVAL = 1.0  # seconds between liveness checks of the tuner process (a dead one is resumed)


def _core() -> Any:  # the Core, imported late (`labstudio --help` loads no store)
    from ..core import Core

    return Core.from_env()


# -- the request --------------------------------------------------------------------------


def add_tune_options(parser: argparse.ArgumentParser) -> None:
    """The options `labstudio tune` and `%tune` share (the issue's list, no more)."""
    parser.add_argument("--source-dir", help="folder to snapshot once as every trial's code (entry point relative to it)")
    parser.add_argument("-c", "--channel", action="append", metavar="NAME=PATH", help="input channel: a local path or file:// URI (repeatable)")
    parser.add_argument("--metric", action="append", metavar="NAME=REGEX", help="capture a metric from log lines; the first group is the value")
    parser.add_argument("--objective", metavar="METRIC", help="the --metric the search optimises (required)")
    parser.add_argument("--minimize", action="store_true", help="lower is better (default: higher is better)")
    parser.add_argument(
        "--range", action="append", metavar="NAME=SPEC",
        help="a tuned hyperparameter (repeatable): NAME=int:MIN:MAX[:log], NAME=float:MIN:MAX[:log], NAME=cat:A,B,C",
    )
    parser.add_argument("-p", "--hyperparameter", action="append", metavar="KEY=VALUE", help="static hyperparameter for every trial (repeatable)")
    parser.add_argument("--strategy", type=str.lower, choices=list(STRATEGIES), default="bayesian", help="search strategy (default: bayesian)")
    parser.add_argument("--max-jobs", type=int, metavar="N", help="number of trials (required unless --strategy grid: the grid's size)")
    parser.add_argument("--max-parallel", type=int, default=1, metavar="N", help="trials running at once (default 1)")
    parser.add_argument("--early-stopping", type=str.lower, choices=["off", "auto"], default="off", help="auto: stop trials worse than the median")
    parser.add_argument("--name", help="tuning job name, at most 32 characters (default: entry point + timestamp)")
    parser.add_argument("--experiment", help="experiment the trials' runs go to (default: the tuning job's name)")


def build_tuning_request(args: argparse.Namespace) -> dict[str, Any]:
    """CreateTuningJobRequest from `tune` options; mistakes name the option, before anything runs."""
    from ..tuning.ranges import parse_range_option

    metrics = _metric_definitions(args.metric)
    if not args.objective:
        raise Invalid("--objective is required: name the --metric to optimise, e.g. --objective validation:rmse", field="--objective")
    names = [m["Name"] for m in metrics]
    if args.objective not in names:
        known = f"the --metric names are {', '.join(names)}" if names else "no --metric is given"
        raise Invalid(f"--objective {args.objective!r} is not a captured metric ({known}); add --metric '{args.objective}=REGEX'", field="--objective")
    if args.max_jobs is not None and args.max_parallel > args.max_jobs:
        raise Invalid(f"--max-parallel {args.max_parallel} is more than --max-jobs {args.max_jobs}; lower it or raise --max-jobs", field="--max-parallel")
    if not args.range:
        raise Invalid("at least one --range is required, e.g. --range max_depth=int:2:8", field="--range")
    ranges: dict[str, Any] = {}
    for text in args.range:
        name, spec = parse_range_option(text)
        if name in ranges:
            raise Invalid(f"--range {name} is given twice; give each hyperparameter one range", field="--range")
        ranges[name] = spec
    training: dict[str, Any] = {
        "entry_point": args.entry_point,
        "hyperparameters": {k: _hp_value(v) for k, v in parse_pairs(args.hyperparameter, "--hyperparameter").items()},
        "channels": parse_pairs(args.channel, "--channel"),
        "metric_definitions": metrics,
    }
    if args.source_dir:
        training["source_dir"] = args.source_dir
    request: dict[str, Any] = {
        "training": training,
        "objective_metric_name": args.objective,
        "objective_type": "Minimize" if args.minimize else "Maximize",
        "hyperparameter_ranges": ranges,
        "strategy": STRATEGIES[args.strategy],
        "max_parallel_jobs": args.max_parallel,
        "early_stopping_type": "Auto" if args.early_stopping == "auto" else "Off",
    }
    if args.max_jobs is not None:
        request["max_jobs"] = args.max_jobs
    if args.name:
        request["name"] = args.name
    if args.experiment:
        request["experiment_name"] = args.experiment
    return request


# -- reading a tuning job -----------------------------------------------------------------


def elapsed_seconds(trial: dict[str, Any]) -> float | None:
    from ..humanize import _parse_iso

    start, end = _parse_iso(trial.get("TrainingStartTime")), _parse_iso(trial.get("TrainingEndTime"))
    return (end - start).total_seconds() if start and end else None


def trial_records(trials: list[dict[str, Any]], tuned: list[str]) -> list[dict[str, Any]]:
    """One row per trial in SageMaker's analytics columns: each tuned hyperparameter (numbers
    as floats, as SageMaker's analytics gives them), then TRIAL_COLUMNS."""
    rows = []
    for t in trials:
        row: dict[str, Any] = {}
        for key in tuned:
            value = (t.get("TunedHyperParameters") or {}).get(key)
            try:
                row[key] = float(value) if value is not None else None
            except ValueError:
                row[key] = value
        row.update(
            TrainingJobName=t["TrainingJobName"], TrainingJobStatus=t["TrainingJobStatus"], FinalObjectiveValue=objective_value(t),
            TrainingStartTime=t.get("TrainingStartTime"), TrainingEndTime=t.get("TrainingEndTime"),
            TrainingElapsedTimeSeconds=elapsed_seconds(t),
        )
        rows.append(row)
    return rows


def tuned_names(described: dict[str, Any]) -> list[str]:
    ranges = described["HyperParameterTuningJobConfig"]["ParameterRanges"]
    return [r["Name"] for kind in ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges") for r in ranges.get(kind) or []]


def tuning_summary(described: dict[str, Any]) -> str:
    """One line saying how a tuning job ended (the last line of `tune --wait` and of the SDK's wait)."""
    from ..humanize import _parse_iso

    c = described["TrainingJobStatusCounters"]
    line = f"Tuning job {described['HyperParameterTuningJobName']}: {described['HyperParameterTuningJobStatus']}"
    start, end = _parse_iso(described.get("CreationTime")), _parse_iso(described.get("HyperParameterTuningEndTime"))
    if start and end:
        line += f" in {format_duration((end - start).total_seconds())}"
    total = c["Completed"] + c["NonRetryableError"] + c["RetryableError"] + c["Stopped"] + c["InProgress"]
    parts = [line, f"{total} trials ({c['Completed']} completed, {c['Stopped']} stopped, {c['NonRetryableError'] + c['RetryableError']} failed)"]
    best = described.get("BestTrainingJob")
    if best:
        metric = described["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"]
        tuned = ", ".join(f"{k}={v}" for k, v in sorted((best.get("TunedHyperParameters") or {}).items()))
        parts.append(f"best {best['TrainingJobName']} {metric}={format_number(objective_value(best))} ({tuned})")
    if described.get("FailureReason"):
        parts.append(f"reason: {described['FailureReason']}")
    return "; ".join(parts)


def trial_line(trial: dict[str, Any], described: dict[str, Any], index: int) -> str:
    """One line per finished trial: which, how it ended, its objective, the best so far."""
    total = described["HyperParameterTuningJobConfig"]["ResourceLimits"].get("MaxNumberOfTrainingJobs")
    metric = described["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"]
    status = trial["TrainingJobStatus"] + (" (early stopped)" if trial.get("EarlyStopped") else "")
    value = objective_value(trial)
    text = f"[{index}/{total if total is not None else '?'}] {trial['TrainingJobName']} {status}"
    text += f" {metric}={format_number(value)}" if value is not None else f" no {metric}"
    tuned = ", ".join(f"{k}={v}" for k, v in sorted((trial.get("TunedHyperParameters") or {}).items()))
    if tuned:
        text += f" ({tuned})"
    best = described.get("BestTrainingJob")
    if best and objective_value(best) is not None:
        text += f"; best so far {format_number(objective_value(best))} ({best['TrainingJobName']})"
    if trial.get("FailureReason") and trial["TrainingJobStatus"] == JobStatus.FAILED:
        text += f"; reason: {trial['FailureReason']}"
    return text


def watch(core: Any, name: str, poll: float = 0.5) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield (describe, newly finished trials) until the tuning job is terminal.

    Checks the tuner process at most once a second, so a tuner that was killed (or died with
    the machine's session) is resumed while someone waits, even with no Jupyter server.
    """
    seen: set[str] = set()
    last_check = 0.0
    while True:
        now = time.monotonic()
        if now - last_check >= CHECK_INTERVAL:
            core.tuning.check(name)
            last_check = now
        trials = all_trials(core, name)
        described = to_json(core.tuning.describe(name))  # after the trials: its best so far covers every trial listed
        terminal = JobStatus(described["HyperParameterTuningJobStatus"]).is_terminal()
        if terminal:
            trials = all_trials(core, name)  # none that ended in between is left out
        # A trial counts once the tuner has read its objective (ObjectiveStatus no longer Pending), so
        # its line shows the value; at the end every trial is shown, whatever its state.
        finished = [
            t for t in trials
            if JobStatus(t["TrainingJobStatus"]).is_terminal() and t["TrainingJobName"] not in seen and (terminal or t.get("ObjectiveStatus") != "Pending")
        ]
        seen.update(t["TrainingJobName"] for t in finished)
        yield described, finished
        if terminal:
            return
        time.sleep(poll)


def follow(core: Any, name: str, out: TextIO | None = None, on_tick: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Print a line per finished trial until the tuning job ends; returns its final describe."""
    out = out or sys.stdout
    count = 0
    described: dict[str, Any] = {}
    for described, finished in watch(core, name):
        for trial in finished:
            count += 1
            print(trial_line(trial, described, count), file=out, flush=True)
        if on_tick is not None:
            on_tick(described)
    return described


# -- commands -----------------------------------------------------------------------------


def _cmd_tune(args: argparse.Namespace) -> int:
    request = build_tuning_request(args)
    core = _core()
    described = core.tuning.submit(request, base_dir=Path.cwd())
    name = described.HyperParameterTuningJobName
    print(name, flush=True)
    if not args.wait:
        return 0
    try:
        final = follow(core, name)
    except KeyboardInterrupt:
        print(f"\nlabstudio: stopped following; the tuning job goes on. Stop it with: labstudio tuning stop {name}", file=sys.stderr)
        return 130
    print(tuning_summary(final), flush=True)
    return 0 if final["HyperParameterTuningJobStatus"] == JobStatus.COMPLETED else 1


def _best_value(summary: dict[str, Any]) -> str:
    value = summary.get("BestObjectiveValue")
    return format_number(value) if value is not None else ""


def _cmd_list(args: argparse.Namespace) -> int:
    result = to_json(_core().tuning.list(status=args.status, name_contains=args.name_contains, max_results=args.max_results))
    jobs = result["HyperParameterTuningJobSummaries"]
    if args.json:
        print_json(jobs)
        return 0
    rows = []
    for j in jobs:
        c = j["TrainingJobStatusCounters"]
        done = c["Completed"] + c["NonRetryableError"] + c["RetryableError"] + c["Stopped"]
        total = j["ResourceLimits"].get("MaxNumberOfTrainingJobs")
        rows.append([j["HyperParameterTuningJobName"], j["HyperParameterTuningJobStatus"], j["Strategy"], f"{done}/{total if total is not None else '?'}",
                     _best_value(j), _fmt_time(j["CreationTime"])])
    print_table(["NAME", "STATUS", "STRATEGY", "TRIALS", "BEST", "CREATED"], rows,
                empty="No tuning jobs. Start one with: labstudio tune train.py --objective METRIC --range NAME=int:1:10 ...")
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    d = to_json(_core().tuning.describe(args.name))
    if args.json:
        print_json(d)
        return 0
    config = d["HyperParameterTuningJobConfig"]
    objective = config["HyperParameterTuningJobObjective"]
    limits = config["ResourceLimits"]
    print(f"Name:        {d['HyperParameterTuningJobName']}")
    print(f"Status:      {d['HyperParameterTuningJobStatus']}: {progress_text(d)}")
    if d.get("FailureReason"):
        print(f"Failure:     {d['FailureReason']}")
    print(f"Objective:   {objective['Type']} {objective['MetricName']}")
    print(f"Strategy:    {config['Strategy']}  early stopping {config['TrainingJobEarlyStoppingType']}"
          f"  max jobs {limits.get('MaxNumberOfTrainingJobs')}  parallel {limits['MaxParallelTrainingJobs']}")
    definition = d["TrainingJobDefinition"]
    print(f"Entry point: {definition['EntryPoint']}  (source {definition.get('SourceDir')})")
    print(f"Experiment:  {d.get('ExperimentName')}")
    print(f"Created:     {_fmt_time(d['CreationTime'])}  ended {_fmt_time(d.get('HyperParameterTuningEndTime')) or '-'}")
    print("Ranges:")
    ranges = config["ParameterRanges"]
    for kind, label in (("IntegerParameterRanges", "int"), ("ContinuousParameterRanges", "float")):
        for r in ranges.get(kind) or []:
            print(f"  {r['Name']} = {label} {r['MinValue']}..{r['MaxValue']} ({r['ScalingType']})")
    for r in ranges.get("CategoricalParameterRanges") or []:
        print(f"  {r['Name']} = one of {', '.join(r['Values'])}")
    if definition.get("StaticHyperParameters"):
        print("Static hyperparameters:")
        for k, v in sorted(definition["StaticHyperParameters"].items()):
            print(f"  {k} = {v}")
    counters = d["TrainingJobStatusCounters"]
    print("Trials:      " + ", ".join(f"{k} {v}" for k, v in counters.items()))
    best = d.get("BestTrainingJob")
    if best:
        tuned = ", ".join(f"{k}={v}" for k, v in sorted((best.get("TunedHyperParameters") or {}).items()))
        print(f"Best:        {best['TrainingJobName']} {objective['MetricName']}={format_number(objective_value(best))} ({tuned})")
    return 0


def _cmd_trials(args: argparse.Namespace) -> int:
    core = _core()
    described = to_json(core.tuning.describe(args.name))
    trials = all_trials(core, args.name)
    if args.json:
        print_json({"TrainingJobSummaries": trials, "NextToken": None})
        return 0
    tuned = tuned_names(described)
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=[*tuned, *TRIAL_COLUMNS, "EarlyStopped"], lineterminator="\n")
        writer.writeheader()
        for trial, row in zip(trials, trial_records(trials, tuned)):
            writer.writerow({**{k: ("" if v is None else v) for k, v in row.items()}, "EarlyStopped": bool(trial.get("EarlyStopped"))})
        return 0
    metric = described["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"]
    rows = []
    for t in trials:
        status = t["TrainingJobStatus"] + (" (early stopped)" if t.get("EarlyStopped") else "")
        rows.append([t["TrainingJobName"], status, format_number(objective_value(t)),
                     *[(t.get("TunedHyperParameters") or {}).get(k, "") for k in tuned], format_duration(elapsed_seconds(t))])
    print_table(["NAME", "STATUS", metric.upper(), *tuned, "DURATION"], rows, empty=f"Tuning job {args.name} has no trials yet.")
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    d = to_json(_core().tuning.stop(args.name))
    print(f"{d['HyperParameterTuningJobName']}: {d['HyperParameterTuningJobStatus']}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tune = sub.add_parser("tune", help="run a hyperparameter tuning job: many training jobs, searched by Optuna")
    tune.add_argument("entry_point", metavar="ENTRY_POINT", help="the training script (relative to --source-dir if given)")
    add_tune_options(tune)
    tune.add_argument("--wait", action="store_true", help="print a line per finished trial and a summary; exit non-zero unless it completes")
    tune.set_defaults(func=_cmd_tune)

    tuning = sub.add_parser("tuning", help="list, describe, inspect trials of and stop tuning jobs")
    tsub = tuning.add_subparsers(dest="tuning_command", metavar="ACTION", parser_class=type(tuning))
    tsub.required = True
    ls = tsub.add_parser("list", help="tuning jobs, newest first")
    ls.add_argument("--status", choices=[s.value for s in JobStatus])
    ls.add_argument("--name-contains")
    ls.add_argument("--max-results", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_list)
    de = tsub.add_parser("describe", help="DescribeHyperParameterTuningJob for one tuning job")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--json", action="store_true")
    de.set_defaults(func=_cmd_describe)
    tr = tsub.add_parser("trials", help="a tuning job's trials: tuned hyperparameters, status, objective")
    tr.add_argument("name", metavar="NAME")
    fmt = tr.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="ListTrainingJobsForHyperParameterTuningJob's shape")
    fmt.add_argument("--csv", action="store_true", help="SageMaker's tuning analytics columns, one row per trial")
    tr.set_defaults(func=_cmd_trials)
    st = tsub.add_parser("stop", help="stop a tuning job and every running trial")
    st.add_argument("name", metavar="NAME")
    st.set_defaults(func=_cmd_stop)


__all__ = ["add_tune_options", "build_tuning_request", "follow", "register", "trial_records", "tuning_summary", "watch"]
