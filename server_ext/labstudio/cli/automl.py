"""`labstudio automl create DATA --target COLUMN [...] [--wait] | list | describe NAME | candidates NAME
| best NAME | deploy NAME [--candidate C] | stop NAME | notebooks NAME`.

Also home of what the %automl magic prints (the leaderboard rows), so the two never drift apart.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from .output import print_json, print_table

LEADERBOARD = ["RANK", "CANDIDATE", "ALGORITHM", "STATUS", "OBJECTIVE", "TRAINING TIME"]


def _core():  # type: ignore[no-untyped-def]
    from ..core import Core

    return Core.from_env()


def _time(value: str | None) -> str:
    return (value or "").replace("T", " ")[:19]


def _seconds(start: str | None, end: str | None) -> str:
    if not start or not end:
        return ""
    from datetime import datetime

    delta = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    return f"{delta.total_seconds():.1f} s"


def leaderboard_rows(candidates: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for rank, c in enumerate(candidates, start=1):
        metric = c.get("FinalAutoMLJobObjectiveMetric")
        value = f"{metric['StandardMetricName']} {metric['Value']:.5g}" if metric else ""
        status = c["CandidateStatus"] + (" (early stop)" if c.get("EarlyStopped") else "")
        rows.append([rank, c["CandidateName"], c.get("Algorithm", ""), status, value, _seconds(c.get("CreationTime"), c.get("EndTime"))])
    return rows


def summary_line(described: dict[str, Any]) -> str:
    line = f"AutoML job {described['AutoMLJobName']}: {described['AutoMLJobStatus']} ({described['AutoMLJobSecondaryStatus']})"
    best = described.get("BestCandidate")
    if best and best.get("FinalAutoMLJobObjectiveMetric"):
        metric = best["FinalAutoMLJobObjectiveMetric"]
        line += f"; best {best['CandidateName']} ({best.get('Algorithm')}), {metric['StandardMetricName']} {metric['Value']:.5g}"
    if described.get("FailureReason"):
        line += f". {described['FailureReason']}"
    return line


def create_request(args: argparse.Namespace) -> dict[str, Any]:
    criteria: dict[str, Any] = {}
    if args.max_candidates is not None:
        criteria["MaxCandidates"] = args.max_candidates
    if args.max_job_seconds is not None:
        criteria["MaxRuntimePerTrainingJobInSeconds"] = args.max_job_seconds
    if args.max_seconds is not None:
        criteria["MaxAutoMLJobRuntimeInSeconds"] = args.max_seconds
    config: dict[str, Any] = {"CompletionCriteria": criteria}
    if args.mode:
        config["Mode"] = args.mode
    if args.validation_fraction is not None:
        config["DataSplitConfig"] = {"ValidationFraction": args.validation_fraction}
    name = args.name or "automl-" + time.strftime("%m%d-%H%M%S", time.gmtime())
    request: dict[str, Any] = {"AutoMLJobName": name, "AutoMLJobConfig": config,
                               "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": args.data}},
                                                    "TargetAttributeName": args.target}]}
    if args.problem_type:
        request["ProblemType"] = args.problem_type
    if args.objective:
        request["AutoMLJobObjective"] = {"MetricName": args.objective}
    if args.output:
        request["OutputDataConfig"] = {"S3OutputPath": args.output}
    return request


def follow(core: Any, name: str, out: Any = None) -> dict[str, Any]:
    """Print each stage and each finished candidate until the job ends; its describe."""
    out = out or sys.stdout
    stage = None
    said: set[str] = set()
    while True:
        try:
            described = core.automl.wait(name, timeout=1.0)
            done = True
        except TimeoutError:
            described = core.automl.describe(name)
            done = False
        if described["AutoMLJobSecondaryStatus"] != stage:
            stage = described["AutoMLJobSecondaryStatus"]
            print(f"{_time(described['LastModifiedTime'])}  {stage}", file=out, flush=True)
        for c in core.automl.list_candidates(name, max_results=100)["Candidates"]:
            if c["ObjectiveStatus"] != "Pending" and c["CandidateName"] not in said:
                said.add(c["CandidateName"])
                print("  " + "  ".join(str(x) for x in leaderboard_rows([c])[0][1:]), file=out, flush=True)
        if done:
            return dict(described)


def _cmd_create(args: argparse.Namespace) -> int:
    core = _core()
    from pathlib import Path

    request = create_request(args)
    core.automl.create(request, base_dir=Path.cwd())
    name = request["AutoMLJobName"]
    if not args.wait:
        print(name)
        return 0
    print(f"Created {name}", flush=True)
    final = follow(core, name)
    print(summary_line(final))
    return 0 if final["AutoMLJobStatus"] == "Completed" else 1


def _cmd_list(args: argparse.Namespace) -> int:
    result = _core().automl.list(max_results=args.max_results)
    if args.json:
        print_json(result)
        return 0
    rows = [[j["AutoMLJobName"], j["AutoMLJobStatus"], j["AutoMLJobSecondaryStatus"], j.get("ProblemType") or "", _time(j["CreationTime"]),
             j.get("BestCandidateName") or ""] for j in result["AutoMLJobSummaries"]]
    print_table(["AUTOML JOB", "STATUS", "STAGE", "PROBLEM", "CREATED", "BEST CANDIDATE"], rows, empty="(no AutoML jobs)")
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    described = _core().automl.describe(args.name)
    if args.json:
        print_json(described)
        return 0
    print(summary_line(described))
    resolved = described.get("ResolvedAttributes") or {}
    print(f"Problem:      {resolved.get('ProblemType')}   objective {(resolved.get('AutoMLJobObjective') or {}).get('MetricName')}"
          f"   mode {resolved.get('Mode')}")
    print(f"Data:         {described['InputDataConfig'][0]['DataSource']['S3DataSource']['S3Uri']}"
          f"   target {described['InputDataConfig'][0]['TargetAttributeName']}")
    for warning in (described.get("DataAnalysis") or {}).get("warnings") or []:
        print(f"Warning:      {warning}")
    artifacts = described.get("AutoMLJobArtifacts") or {}
    for key, label in (("DataExplorationNotebookLocation", "Exploration:"), ("CandidateDefinitionNotebookLocation", "Candidates:")):
        if artifacts.get(key):
            print(f"{label:<13} {artifacts[key]}")
    importance = ((described.get("Explainability") or {}).get("FeatureImportance") or [])[:10]
    if importance:
        print("Feature importance (permutation, held-out split):")
        for item in importance:
            print(f"  {item['FeatureName']:<30} {item['Importance']:.4g} ± {item['Std']:.2g}")
    return 0


def _cmd_candidates(args: argparse.Namespace) -> int:
    result = _core().automl.list_candidates(args.name, sort_by="FinalObjectiveMetricValue", max_results=args.max_results)
    if args.json:
        print_json(result)
        return 0
    print_table(LEADERBOARD, leaderboard_rows(result["Candidates"]), empty="(no candidates yet)")
    return 0


def _cmd_best(args: argparse.Namespace) -> int:
    best = _core().automl.best(args.name)
    if best is None:
        print(f"labstudio: error: AutoML job {args.name!r} has no completed candidate yet", file=sys.stderr)
        return 1
    if args.json:
        print_json(best)
        return 0
    print_table(LEADERBOARD, leaderboard_rows([best]))
    return 0


def _cmd_deploy(args: argparse.Namespace) -> int:
    keys = [k.strip() for k in args.keys.split(",") if k.strip()] if args.keys else None
    described = _core().automl.deploy(args.name, candidate=args.candidate, endpoint_name=args.endpoint_name, inference_response_keys=keys)
    print(f"Endpoint {described['EndpointName']}: {described['EndpointStatus']}")
    return 0 if described["EndpointStatus"] == "InService" else 1


def _cmd_stop(args: argparse.Namespace) -> int:
    _core().automl.stop(args.name)
    print(f"Stopping {args.name}: its running candidates are being stopped")
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    described = _core().automl.describe(args.name)
    artifacts = described.get("AutoMLJobArtifacts") or {}
    if not artifacts:
        print(f"labstudio: error: AutoML job {args.name!r} has not written its notebooks yet ({described['AutoMLJobSecondaryStatus']})",
              file=sys.stderr)
        return 1
    print(artifacts["DataExplorationNotebookLocation"])
    print(artifacts["CandidateDefinitionNotebookLocation"])
    return 0


def add_create_options(cr: argparse.ArgumentParser) -> None:
    """The options of `labstudio automl create` and `%automl create`."""
    cr.add_argument("data", metavar="DATA", help="a CSV or Parquet file, or a folder of them")
    cr.add_argument("--target", required=True, help="the column to predict")
    cr.add_argument("--name", help="the job's name (1 to 32 letters, digits, hyphens)")
    cr.add_argument("--problem-type", choices=["BinaryClassification", "MulticlassClassification", "Regression"])
    cr.add_argument("--objective", help="Accuracy, BalancedAccuracy, F1, F1macro, AUC, LogLoss, MSE, RMSE, MAE or R2")
    cr.add_argument("--max-candidates", type=int)
    cr.add_argument("--max-job-seconds", type=int, help="each candidate's time limit")
    cr.add_argument("--max-seconds", type=int, help="the whole job's time limit")
    cr.add_argument("--mode", choices=["AUTO", "ENSEMBLING", "HYPERPARAMETER_TUNING"])
    cr.add_argument("--validation-fraction", type=float)
    cr.add_argument("--output", help="where the notebooks and archives go")
    cr.add_argument("--wait", action="store_true")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    automl = sub.add_parser("automl", help="AutoML (SageMaker Autopilot): create, follow, rank, deploy and stop AutoML jobs")
    asub = automl.add_subparsers(dest="automl_command", metavar="ACTION", parser_class=type(automl))
    asub.required = True
    cr = asub.add_parser("create", help="start an AutoML job on a CSV (with a header row) or Parquet file (prints its name; --wait follows it)")
    add_create_options(cr)
    cr.set_defaults(func=_cmd_create)
    ls = asub.add_parser("list", help="AutoML jobs, newest first")
    ls.add_argument("--max-results", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_list)
    for action, helptext, func in (("describe", "a job: stage, best candidate, warnings, notebooks, feature importance", _cmd_describe),
                                   ("best", "the best candidate", _cmd_best)):
        p = asub.add_parser(action, help=helptext)
        p.add_argument("name", metavar="NAME")
        p.add_argument("--json", action="store_true", help="SageMaker's shape")
        p.set_defaults(func=func)
    ca = asub.add_parser("candidates", help="the leaderboard: candidates, best first")
    ca.add_argument("name", metavar="NAME")
    ca.add_argument("--max-results", type=int, default=100)
    ca.add_argument("--json", action="store_true", help="ListCandidatesForAutoMLJob's shape")
    ca.set_defaults(func=_cmd_candidates)
    de = asub.add_parser("deploy", help="serve the best candidate (or --candidate) as an endpoint")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--candidate")
    de.add_argument("--endpoint-name")
    de.add_argument("--keys", help="inference response keys, e.g. predicted_label,probability")
    de.set_defaults(func=_cmd_deploy)
    so = asub.add_parser("stop", help="stop a running job")
    so.add_argument("name", metavar="NAME")
    so.set_defaults(func=_cmd_stop)
    nb = asub.add_parser("notebooks", help="the data exploration and candidate definition notebooks' paths")
    nb.add_argument("name", metavar="NAME")
    nb.set_defaults(func=_cmd_notebooks)
