"""`python3 -m labstudio.monitor.analyzer`: what SageMaker's model-monitor container does, as
the script of a local processing job (the engine runs it like any processing job: its log,
its status, its outputs copied out, its ExitMessage from /opt/ml/output/message).

Read from the environment, with the variable names of SageMaker's analyzer where it has them:

- `dataset_format`: the DatasetFormat as JSON ({"csv": {"header": true}}, {"json": {"lines": true}});
- `dataset_source`: the baseline dataset's folder (baselining), or the endpoint's data-capture
  folder or URI (monitoring), read over [`start_time`, `end_time`) (ISO 8601, UTC);
- `output_path`: where statistics.json and constraints.json (baselining) or
  statistics.json and constraint_violations.json (monitoring) are written;
- `baseline_constraints`, `baseline_statistics`: the files a monitoring run checks against;
- `analysis_type`: BASELINE or MONITORING (labstudio's; MODEL_QUALITY for the model-quality monitor).

A run that finds violations still succeeds, with the ExitMessage `CompletedWithViolations:
...`; a window without captured data fails, as SageMaker's does.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

OPT_ML = "/opt/ml"


def local(path: str) -> str:
    """An /opt/ml/... path as this job sees it (its tree, when /opt/ml is not bound)."""
    tree = os.environ.get("LABSTUDIO_OPT_ML")
    if tree and (path == OPT_ML or path.startswith(OPT_ML + "/")) and not os.path.exists(OPT_ML + "/config"):
        return tree + path[len(OPT_ML):]
    return path


class AnalysisError(Exception):
    """The data cannot be analysed: the job fails with this message as its ExitMessage."""


def _write_json(folder: str, name: str, body: Mapping[str, Any]) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as handle:
        json.dump(body, handle, indent=2, allow_nan=False)


def _read_json(path: str, what: str) -> dict[str, Any]:
    path = local(path)
    if os.path.isdir(path):
        names = [n for n in sorted(os.listdir(path)) if n.endswith(".json")]
        if not names:
            raise AnalysisError(f"{what}: no .json file in {path}")
        path = os.path.join(path, names[0])
    try:
        with open(path) as handle:
            body: dict[str, Any] = json.load(handle)
    except (OSError, ValueError) as exc:
        raise AnalysisError(f"{what} {path} cannot be read: {exc}") from None
    return body


def _say(text: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}", flush=True)


def baseline(env: Mapping[str, str]) -> str:
    """Statistics and suggested constraints of the baseline dataset; the exit message."""
    from .datasets import read_dataset
    from .stats import statistics, suggest_constraints

    source = local(env["dataset_source"])
    fmt = json.loads(env.get("dataset_format") or '{"csv": {"header": true}}')
    started = time.time()
    try:
        frame = read_dataset(source, fmt)
    except (ValueError, OSError) as exc:
        raise AnalysisError(f"the baseline dataset cannot be read: {exc}") from None
    if len(frame) == 0:
        raise AnalysisError("the baseline dataset has no rows")
    _say(f"read {len(frame)} rows x {frame.shape[1]} columns in {time.time() - started:.2f} s")
    stats, _ = statistics(frame)
    constraints = suggest_constraints(stats)
    output = local(env["output_path"])
    _write_json(output, "statistics.json", stats)
    _write_json(output, "constraints.json", constraints)
    _say(f"wrote statistics.json and constraints.json for {len(stats['features'])} features in {time.time() - started:.2f} s")
    return "Completed: Job completed successfully with no violations."


def monitoring(env: Mapping[str, str]) -> str:
    """Statistics of the captured traffic in the window and the constraints it breaks."""
    from .datasets import capture_files, parse_time, read_capture
    from .stats import statistics, violations

    start, end = parse_time(env["start_time"]), parse_time(env["end_time"])
    constraints = _read_json(env["baseline_constraints"], "baseline_constraints")
    base_stats = _read_json(env["baseline_statistics"], "baseline_statistics") if env.get("baseline_statistics") else None
    files = capture_files(env["dataset_source"], start, end)
    _say(f"{len(files)} capture files between {start.isoformat()} and {end.isoformat()} under {env['dataset_source']}")
    capture = read_capture(files, start, end)
    if capture.unpaired:
        _say(f"{capture.unpaired} of {capture.records} records skipped: their output and input hold different numbers of rows")
    if not capture.rows:
        raise AnalysisError(f"No data captured between {start.isoformat()} and {end.isoformat()}: the window had no traffic to analyse")
    frame = capture.frame()
    features = list(constraints.get("features") or [])
    frame.columns = [features[i]["name"] if i < len(features) else f"_c{i}" for i in range(frame.shape[1])]
    types = {f["name"]: f.get("inferred_type") for f in features}
    stats, columns = statistics(frame, types)
    try:
        found = violations(list(columns.values()), stats, constraints, base_stats, item_count=len(frame))
    except ValueError as exc:
        raise AnalysisError(f"baseline_constraints: {exc}") from None
    output = local(env["output_path"])
    _write_json(output, "statistics.json", stats)
    _write_json(output, "constraint_violations.json", {"violations": found})
    _say(f"analysed {len(frame)} rows from {capture.records} records: {len(found)} violations")
    for item in found:
        _say(f"violation {item['constraint_check_type']} on {item['feature_name']}: {item['description']}")
    if found:
        return f"CompletedWithViolations: Job completed successfully with {len(found)} violations."
    return "Completed: Job completed successfully with no violations."


def model_quality(env: Mapping[str, str]) -> str:
    from .quality import run

    return run(env, local, _say)


def main() -> int:
    env = dict(os.environ)
    kind = env.get("analysis_type", "BASELINE").upper()
    message_file = local(OPT_ML + "/output/message")
    runners = {"BASELINE": baseline, "MONITORING": monitoring, "MODEL_QUALITY": model_quality}
    try:
        if kind not in runners:
            raise AnalysisError(f"analysis_type must be one of {', '.join(runners)}, got {kind!r}")
        for key in ("dataset_source", "output_path"):
            if not env.get(key):
                raise AnalysisError(f"the environment variable {key} is not set")
        message = runners[kind](env)
        status = 0
    except AnalysisError as exc:
        message, status = str(exc), 1
        print(f"labstudio.monitor.analyzer: {exc}", file=sys.stderr, flush=True)
    os.makedirs(os.path.dirname(message_file), exist_ok=True)
    with open(message_file, "w") as handle:
        handle.write(message)
    return status


if __name__ == "__main__":
    sys.exit(main())
