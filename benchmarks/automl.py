"""AutoML's best candidate against untuned scikit-learn baselines and FLAML, on the tabular data
sets scikit-learn ships (breast_cancer, wine, digits: classification, scored by accuracy;
diabetes: regression, scored by R2), each on the same held-out quarter of its rows.

  * baselines — scaled logistic (or linear) regression, a random forest and histogram gradient
                boosting, each with scikit-learn's defaults, fitted on the training rows
  * labstudio — an AutoML job (`AutoMLService.create`, ENSEMBLING) on the training rows with a
                time budget of `--budget` seconds; its best candidate's model predicts the held-out rows
  * FLAML     — `flaml.AutoML().fit(..., time_budget=--budget)` on the same rows (the `bench` extra)

Goals (issue 24): labstudio's held-out score at least the best baseline's, and within 1 % of
FLAML's with the same budget. The load average is printed at the start and the end: the job
runs its candidates as parallel processes, FLAML in this one, so a busy machine costs
labstudio more.

    python benchmarks/automl.py [--budget 120] [--datasets breast_cancer,wine,digits,diabetes] [--quick]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from _common import print_load, table, verdict

DATASETS = ("breast_cancer", "wine", "digits", "diabetes")


def load(name: str) -> tuple[Any, Any, str]:
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True, as_frame=True)
    task = "regression" if name == "diabetes" else "classification"
    return X, y, task


def score(task: str, y_true: Any, y_pred: Any) -> float:
    from sklearn.metrics import accuracy_score, r2_score

    return float(accuracy_score(y_true, y_pred) if task == "classification" else r2_score(y_true, y_pred))


def baselines(task: str, X_train: Any, y_train: Any, X_test: Any, y_test: Any) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "classification":
        models = {"scaled logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
                  "random forest": RandomForestClassifier(random_state=0), "hist gradient boosting": HistGradientBoostingClassifier(random_state=0)}
    else:
        models = {"scaled linear": make_pipeline(StandardScaler(), LinearRegression()),
                  "random forest": RandomForestRegressor(random_state=0), "hist gradient boosting": HistGradientBoostingRegressor(random_state=0)}
    return {name: score(task, y_test, model.fit(X_train, y_train).predict(X_test)) for name, model in models.items()}


def labstudio_run(core: Any, name: str, task: str, X_train: Any, y_train: Any, X_test: Any, y_test: Any, budget: int, work: Path) -> tuple[float, str]:
    from labstudio.automl.explain import load_candidate

    frame = X_train.copy()
    frame["target"] = y_train.to_numpy()
    data = work / f"{name}.csv"
    frame.to_csv(data, index=False)
    job = f"bench-{name.replace('_', '-')}-{int(time.time()) % 100000}"
    core.automl.create({
        "AutoMLJobName": job,
        "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3Uri": str(data)}}, "TargetAttributeName": "target"}],
        "ProblemType": "Regression" if task == "regression" else ("BinaryClassification" if y_train.nunique() == 2 else "MulticlassClassification"),
        "AutoMLJobObjective": {"MetricName": "R2" if task == "regression" else "Accuracy"},
        "AutoMLJobConfig": {"CompletionCriteria": {"MaxAutoMLJobRuntimeInSeconds": budget, "MaxCandidates": 250}, "Mode": "ENSEMBLING"},
    })
    described = core.automl.wait(job, timeout=budget * 3 + 120)
    best = described.get("BestCandidate")
    if described["AutoMLJobStatus"] != "Completed" or not best:
        raise RuntimeError(f"{job} ended {described['AutoMLJobStatus']}: {described.get('FailureReason')}")
    with tempfile.TemporaryDirectory() as tmp:
        model = load_candidate(best["InferenceContainers"][0]["ModelDataUrl"], Path(tmp))
    predicted = model["pipeline"].predict(X_test)
    if model["labels"]:  # class indices into the job's labels (text): compare as text
        predicted = [model["labels"][int(i)] for i in predicted]
        y_test = y_test.astype(str)
    count = len(core.automl.list_candidates(job, max_results=100)["Candidates"])
    return score(task, y_test, predicted), f"{best['Algorithm']} of {count}"


def flaml_run(task: str, X_train: Any, y_train: Any, X_test: Any, y_test: Any, budget: int) -> float:
    from flaml import AutoML

    automl = AutoML()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(X_train, y_train, task=task, time_budget=budget, metric="accuracy" if task == "classification" else "r2", verbose=0, seed=0)
    return score(task, y_test, automl.predict(X_test))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=120, help="seconds for labstudio's job and for FLAML, each")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--quick", action="store_true", help="a 30 s budget: checks the script, not the goals")
    args = parser.parse_args()
    budget = 30 if args.quick else args.budget
    names = [n for n in args.datasets.split(",") if n]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {', '.join(DATASETS)}")
    has_flaml = importlib.util.find_spec("flaml") is not None
    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-automl-"))
    os.environ["LABSTUDIO_HOME"] = str(work / "home")
    for key in ("LABSTUDIO_DB_URL", "LABSTUDIO_ARTIFACT_URI"):
        os.environ.pop(key, None)
    from sklearn.model_selection import train_test_split

    from labstudio.core import Core

    core = Core.from_env()
    print_load("start")
    if not has_flaml:
        print("FLAML is not installed (pip install -e '.[bench]'): its column is left out.")
    rows = []
    for name in names:
        X, y, task = load(name)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                            stratify=y if task == "classification" else None)
        base = baselines(task, X_train, y_train, X_test, y_test)
        best_base = max(base.values())
        ours, what = labstudio_run(core, name, task, X_train, y_train, X_test, y_test, budget, work)
        peer = flaml_run(task, X_train, y_train, X_test, y_test, budget) if has_flaml else None
        goal_base = ours >= best_base - 1e-12
        goal_peer = peer is None or ours >= peer - 0.01 * abs(peer)
        rows.append([name, "accuracy" if task == "classification" else "R2", f"{best_base:.4f} ({max(base, key=base.get)})",
                     f"{ours:.4f} ({what})", "-" if peer is None else f"{peer:.4f}",
                     "-" if peer is None else f"{ours / peer:.3f}x", verdict(goal_base), "-" if peer is None else verdict(goal_peer)])
    print(f"\nHeld-out scores, {budget} s budget each (labstudio = the AutoML job's best candidate; floor = the best untuned baseline)")
    table(["data set", "metric", "floor: best baseline", "labstudio", "FLAML", "labstudio/FLAML", ">= baseline", "within 1% of FLAML"], rows)
    print_load("end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
