"""The AutoML REST API through a real Jupyter server with authentication on: create (the data
checked first: a 400 naming the field), describe while it runs and once it ended, the candidates
(leaderboard), list, stop, and the errors of each route."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from automl_helpers import regression_csv, request
from httpjson import body as _body
from httpjson import error as _error

API = ("labstudio", "api")
pytestmark = pytest.mark.slow


async def _until(jp_fetch, name: str, done, timeout: float = 300) -> dict:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        described = _body(await jp_fetch(*API, "automl-jobs", name))
        if done(described):
            return described
        assert loop.time() < deadline, f"AutoML job {name} still {described['AutoMLJobStatus']} ({described['AutoMLJobSecondaryStatus']})"
        await asyncio.sleep(0.3)


@pytest.mark.timeout(600)
async def test_create_follow_rank_and_stop_over_rest(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    data = regression_csv(jp_root_dir / "data" / "prices.csv")
    body = request("prices", Path("data/prices.csv"), "price", MaxCandidates=2, Mode="HYPERPARAMETER_TUNING")
    created = await jp_fetch(*API, "automl-jobs", method="POST", body=json.dumps(body))
    assert created.code == 201 and _body(created)["AutoMLJobArn"].endswith(":automl-job/prices")
    code, err = await _error(jp_fetch, *API, "automl-jobs", method="POST", body=json.dumps(body))
    assert code == 409 and err["field"] == "AutoMLJobName"

    final = await _until(jp_fetch, "prices", lambda d: d["AutoMLJobStatus"] in ("Completed", "Failed", "Stopped"))
    assert final["AutoMLJobStatus"] == "Completed", final.get("FailureReason")
    assert final["ProblemType"] is None and final["ResolvedAttributes"]["ProblemType"] == "Regression"
    assert final["ResolvedAttributes"]["AutoMLJobObjective"] == {"MetricName": "MSE"}
    assert Path(final["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]).resolve() == data.resolve()
    best = final["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["Type"] == "Minimize" and best["FinalAutoMLJobObjectiveMetric"]["StandardMetricName"] == "MSE"
    assert best["InferenceContainers"][0]["Environment"]["SAGEMAKER_INFERENCE_SUPPORTED"] == "predicted_label"
    metrics = {(m["MetricName"], m["Set"]) for m in best["CandidateProperties"]["CandidateMetrics"]}
    assert {("R2", "Validation"), ("R2", "Test"), ("RMSE", "Test")} <= metrics
    assert {i["FeatureName"] for i in final["Explainability"]["FeatureImportance"]} == {"a", "b", "kind"}
    assert final["Explainability"]["FeatureImportance"][0]["FeatureName"] == "a"  # 3 a against 2 b and 4 for one kind

    ranked = _body(await jp_fetch(*API, "automl-jobs", "prices", "candidates", params={"sort_by": "FinalObjectiveMetricValue"}))["Candidates"]
    values = [c["FinalAutoMLJobObjectiveMetric"]["Value"] for c in ranked]
    assert len(ranked) == 2 and values == sorted(values) and ranked[0]["CandidateName"] == best["CandidateName"]  # lower MSE first
    listed = _body(await jp_fetch(*API, "automl-jobs"))["AutoMLJobSummaries"]
    assert [(j["AutoMLJobName"], j["AutoMLJobStatus"], j["BestCandidateName"]) for j in listed] == [("prices", "Completed", best["CandidateName"])]
    code, err = await _error(jp_fetch, *API, "automl-jobs", "prices", "stop", method="POST", body="")
    assert code == 409 and "already Completed" in err["message"]

    # A long job, stopped once its first candidates run: they are stopped and the job ends Stopped.
    long = request("prices-long", Path("data/prices.csv"), "price", MaxCandidates=40, Mode="HYPERPARAMETER_TUNING")
    assert (await jp_fetch(*API, "automl-jobs", method="POST", body=json.dumps(long))).code == 201
    for _ in range(1500):
        running = _body(await jp_fetch(*API, "automl-jobs", "prices-long", "candidates"))["Candidates"]
        if running:
            break
        await asyncio.sleep(0.2)
    stopped = await jp_fetch(*API, "automl-jobs", "prices-long", "stop", method="POST", body="")
    assert stopped.code == 202
    final = await _until(jp_fetch, "prices-long", lambda d: d["AutoMLJobStatus"] in ("Completed", "Failed", "Stopped"))
    assert final["AutoMLJobStatus"] == "Stopped" and final["AutoMLJobSecondaryStatus"] == "Stopped"
    left = _body(await jp_fetch(*API, "automl-jobs", "prices-long", "candidates"))["Candidates"]
    assert 1 <= len(left) < 40 and all(c["CandidateStatus"] in ("Completed", "Stopped", "Failed") for c in left)


async def test_bad_requests_name_their_field(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    regression_csv(jp_root_dir / "prices.csv")
    headless = jp_root_dir / "headless.csv"
    headless.write_text("1,2,3\n4,5,6\n" * 20)
    cases = [
        (request("x", Path("headless.csv"), "price"), "InputDataConfig", "no header row"),
        (request("x", Path("prices.csv"), "cost"), "InputDataConfig[0].TargetAttributeName", "not a column"),
        (request("x", Path("prices.csv"), "price", MaxAutoMLJobRuntimeInSeconds=3), "AutoMLJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds",
         "too small"),
        (request("x", Path("/etc/passwd"), "price"), "InputDataConfig", "inside the Jupyter root"),
        ({**request("x", Path("prices.csv"), "price"), "Surprise": 1}, "Surprise", ""),
    ]
    for body, field, words in cases:
        code, err = await _error(jp_fetch, *API, "automl-jobs", method="POST", body=json.dumps(body))
        assert code == 400 and err["field"] == field, err
        assert words.lower() in err["message"].lower(), err["message"]
    assert _body(await jp_fetch(*API, "automl-jobs"))["AutoMLJobSummaries"] == []
    for path in (("automl-jobs", "nope"), ("automl-jobs", "nope", "candidates")):
        code, err = await _error(jp_fetch, *API, *path)
        assert code == 404 and "nope" in err["message"]
    code, err = await _error(jp_fetch, *API, "automl-jobs", params={"sort_by": "Size"})
    assert code == 400 and err["field"] == "sort_by"
