"""The tuning-jobs REST API through a real Jupyter server with authentication on: a real sweep
followed to Completed, the SageMaker shapes it answers, stop, and every bad input refused
with a 400 naming the field before anything runs."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from httpjson import body as _body
from httpjson import error as _error

# A trial in about 0.1 s: the loss is smallest at level=3 with kind a; --sleep keeps one running (stop test).
TRAIN = """
import argparse, time
p = argparse.ArgumentParser()
p.add_argument("--level", type=float, default=0.0)
p.add_argument("--kind", default="a")
p.add_argument("--sleep", type=float, default=0.0)
a, _ = p.parse_known_args()
time.sleep(a.sleep)
print(f"loss={(a.level - 3) ** 2 + (0.5 if a.kind == 'b' else 0.0)}", flush=True)
"""
METRICS = [{"Name": "loss", "Regex": "loss=([0-9.eE+-]+)"}]
TRIAL_NAME = re.compile(r"^(?P<base>.+)-(?P<n>\d{3})-[0-9a-f]{8}$")


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    src = jp_root_dir / "project"
    src.mkdir(parents=True, exist_ok=True)
    (src / "train.py").write_text(TRAIN)
    return src


def _request(**overrides) -> dict:
    body = {
        "name": "sweep-1",
        "training": {"entry_point": "train.py", "source_dir": "project", "metric_definitions": METRICS},
        "objective_metric_name": "loss",
        "objective_type": "Minimize",
        "hyperparameter_ranges": {
            "level": {"type": "Continuous", "min_value": 0, "max_value": 6},
            "kind": {"type": "Categorical", "values": ["a", "b"]},
        },
        "strategy": "Random",
        "random_seed": 7,
        "max_jobs": 4,
        "max_parallel_jobs": 2,
    }
    body.update(overrides)
    return body


async def _post(jp_fetch, body: dict):
    return await jp_fetch("labstudio", "api", "tuning-jobs", method="POST", body=json.dumps(body))


async def _wait(jp_fetch, name: str, statuses=("Completed", "Failed", "Stopped"), timeout=90.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        d = _body(await jp_fetch("labstudio", "api", "tuning-jobs", name))
        if d["HyperParameterTuningJobStatus"] in statuses:
            return d
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"tuning job {name} still {d['HyperParameterTuningJobStatus']}: {d['TrainingJobStatusCounters']}")
        await asyncio.sleep(0.2)


async def test_a_sweep_runs_to_completed_with_sagemaker_shapes(jp_fetch, project) -> None:
    resp = await _post(jp_fetch, _request())
    assert resp.code == 201
    assert resp.headers["Location"].endswith("/labstudio/api/tuning-jobs/sweep-1")
    created = _body(resp)
    assert created["HyperParameterTuningJobName"] == "sweep-1"
    assert created["HyperParameterTuningJobStatus"] == "InProgress"
    config = created["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Random" and config["RandomSeed"] == 7
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Minimize", "MetricName": "loss"}
    assert config["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 4 and config["ResourceLimits"]["MaxParallelTrainingJobs"] == 2
    ranges = config["ParameterRanges"]
    [level] = ranges["ContinuousParameterRanges"]
    assert level["Name"] == "level" and level["ScalingType"] == "Auto"
    assert (float(level["MinValue"]), float(level["MaxValue"])) == (0, 6) and isinstance(level["MinValue"], str)
    assert ranges["CategoricalParameterRanges"] == [{"Name": "kind", "Values": ["a", "b"]}]
    assert ranges["IntegerParameterRanges"] == []
    assert config["TrainingJobEarlyStoppingType"] == "Off"

    final = await _wait(jp_fetch, "sweep-1")
    assert final["HyperParameterTuningJobStatus"] == "Completed", final
    assert final["TrainingJobStatusCounters"] == {"Completed": 4, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
    assert final["ObjectiveStatusCounters"] == {"Succeeded": 4, "Pending": 0, "Failed": 0}
    assert final["HyperParameterTuningEndTime"] and final["FailureReason"] is None
    assert final["ExperimentName"] == "sweep-1"
    assert final["TrainingJobDefinition"]["EntryPoint"] == "train.py"
    assert final["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"] == METRICS

    page = _body(await jp_fetch("labstudio", "api", "tuning-jobs", "sweep-1", "training-jobs", params={"sort_by": "FinalObjectiveMetricValue", "sort_order": "Ascending"}))
    trials = page["TrainingJobSummaries"]
    assert len(trials) == 4 and page["NextToken"] is None
    values = [t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in trials]
    assert values == sorted(values)
    for t in trials:
        match = TRIAL_NAME.match(t["TrainingJobName"])
        assert match and match["base"] == "sweep-1", t["TrainingJobName"]
        assert t["TrainingJobStatus"] == "Completed" and t["ObjectiveStatus"] == "Succeeded" and t["EarlyStopped"] is False
        tuned = t["TunedHyperParameters"]
        assert set(tuned) == {"level", "kind"} and all(isinstance(v, str) for v in tuned.values())
        x, kind = float(tuned["level"]), tuned["kind"]
        assert 0 <= x <= 6 and kind in ("a", "b")
        metric = t["FinalHyperParameterTuningJobObjectiveMetric"]
        assert metric["MetricName"] == "loss"
        assert metric["Value"] == pytest.approx((x - 3) ** 2 + (0.5 if kind == "b" else 0.0), rel=1e-6)
        # each trial is an ordinary training job, in the tuning job's experiment
        job = _body(await jp_fetch("labstudio", "api", "jobs", t["TrainingJobName"]))
        assert job["TrainingJobStatus"] == "Completed" and job["ExperimentName"] == "sweep-1" and job["RunId"] == t["RunId"]
        assert {"Key": "labstudio:tuning-job", "Value": "sweep-1"} in job["Tags"]
    best = final["BestTrainingJob"]
    assert best["TrainingJobName"] == trials[0]["TrainingJobName"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == values[0]
    assert sorted(int(TRIAL_NAME.match(t["TrainingJobName"])["n"]) for t in trials) == [1, 2, 3, 4]

    listed = _body(await jp_fetch("labstudio", "api", "tuning-jobs"))
    [summary] = listed["HyperParameterTuningJobSummaries"]
    assert summary["HyperParameterTuningJobName"] == "sweep-1" and summary["HyperParameterTuningJobStatus"] == "Completed"
    assert summary["Strategy"] == "Random" and summary["TrainingJobStatusCounters"]["Completed"] == 4
    done = _body(await jp_fetch("labstudio", "api", "tuning-jobs", params={"status": "InProgress"}))
    assert done["HyperParameterTuningJobSummaries"] == []
    found = _body(await jp_fetch("labstudio", "api", "tuning-jobs", params={"name_contains": "eep-"}))
    assert [j["HyperParameterTuningJobName"] for j in found["HyperParameterTuningJobSummaries"]] == ["sweep-1"]
    code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", method="POST", body=json.dumps(_request()))
    assert code == 409 and err["field"] == "name"


async def test_stop_stops_every_running_trial(jp_fetch, project) -> None:
    body = _request(name="sweep-stop", max_jobs=4, max_parallel_jobs=2)
    body["training"]["hyperparameters"] = {"sleep": 60}
    await _post(jp_fetch, body)

    async def running() -> list:
        page = _body(await jp_fetch("labstudio", "api", "tuning-jobs", "sweep-stop", "training-jobs", params={"status": "InProgress"}))
        return page["TrainingJobSummaries"]

    deadline = asyncio.get_running_loop().time() + 60
    while len(await running()) < 2:
        assert asyncio.get_running_loop().time() < deadline, "two trials never ran at once"
        await asyncio.sleep(0.2)
    resp = await jp_fetch("labstudio", "api", "tuning-jobs", "sweep-stop", "stop", method="POST", body=b"")
    assert resp.code == 202
    assert _body(resp)["HyperParameterTuningJobStatus"] in ("Stopping", "Stopped")
    final = await _wait(jp_fetch, "sweep-stop")
    assert final["HyperParameterTuningJobStatus"] == "Stopped"
    trials = _body(await jp_fetch("labstudio", "api", "tuning-jobs", "sweep-stop", "training-jobs"))["TrainingJobSummaries"]
    assert len(trials) == 2 and {t["TrainingJobStatus"] for t in trials} == {"Stopped"}
    assert final["TrainingJobStatusCounters"]["Stopped"] == 2 and final["TrainingJobStatusCounters"]["InProgress"] == 0
    code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", "sweep-stop", "stop", method="POST", body=b"")
    assert code == 409 and "already Stopped" in err["message"]


def _range(body: dict, name: str, spec: dict) -> dict:
    body["hyperparameter_ranges"] = {**body["hyperparameter_ranges"], name: spec}
    return body


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b.update(objective_metric_name="accuracy"), "objective_metric_name"),
        (lambda b: _range(b, "level", {"type": "Continuous", "min_value": 6, "max_value": 0}), "hyperparameter_ranges.level"),
        (lambda b: _range(b, "kind", {"type": "Categorical", "values": []}), "hyperparameter_ranges.kind"),
        (lambda b: _range(b, "level", {"type": "Continuous", "min_value": 0, "max_value": 6, "scaling_type": "Logarithmic"}), "hyperparameter_ranges.level"),
        (lambda b: _range(b, "depth", {"type": "Integer", "min_value": 5, "max_value": 2}), "hyperparameter_ranges.depth"),
        (lambda b: b.update(strategy="Genetic"), "strategy"),
        (lambda b: b.update(strategy="Grid"), "strategy"),  # level is Continuous: no grid
        (lambda b: b.update(max_jobs=2, max_parallel_jobs=3), "max_parallel_jobs"),
        (lambda b: b.update(warm_start={"parents": ["no-such-sweep"], "type": "TransferLearning"}), "warm_start.parents"),
        (lambda b: b.update(name="level" * 33), "name"),
        (lambda b: b.update(estimator_class="os.system('x')"), "estimator_class"),
        (lambda b: b.update(max_jobs=10**20), "max_jobs"),
        (lambda b: b.update(random_seed=2**40), "random_seed"),
        (lambda b: b.update(random_seed=-1), "random_seed"),
        (lambda b: b.update(colour="blue"), "colour"),
        (lambda b: b["training"].update(name="fixed"), "training.name"),
    ],
)
async def test_bad_requests_are_400_naming_the_field_and_create_nothing(jp_fetch, project, change, field) -> None:
    body = _request()
    change(body)
    code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", method="POST", body=json.dumps(body))
    assert code == 400 and err["field"] == field and err["message"], err
    assert _body(await jp_fetch("labstudio", "api", "tuning-jobs"))["HyperParameterTuningJobSummaries"] == []
    assert _body(await jp_fetch("labstudio", "api", "jobs"))["TrainingJobSummaries"] == []  # no trial ran


@pytest.mark.parametrize("source_dir, entry", [("/etc", "hostname"), ("../..", "train.py"), ("project", "../../../etc/hostname")])
async def test_code_paths_stay_inside_the_jupyter_root(jp_fetch, project, source_dir, entry) -> None:
    body = _request()
    body["training"].update(source_dir=source_dir, entry_point=entry)
    code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", method="POST", body=json.dumps(body))
    assert code == 400 and err["field"].rsplit(".", 1)[-1] in ("source_dir", "entry_point"), err
    assert _body(await jp_fetch("labstudio", "api", "tuning-jobs"))["HyperParameterTuningJobSummaries"] == []


async def test_unknown_names_are_404_and_bad_queries_400(jp_fetch, project) -> None:
    for parts, method in ((("nope",), "GET"), (("nope", "training-jobs"), "GET"), (("nope", "stop"), "POST")):
        code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", *parts, method=method, **({"body": b""} if method == "POST" else {}))
        assert code == 404 and "nope" in err["message"], (parts, err)
    for params, field in (({"status": "Running"}, "status"), ({"max_results": "0"}, "max_results"), ({"next_token": "garbage!"}, "next_token")):
        code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", params=params)
        assert code == 400 and err["field"] == field, (params, err)
    code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", "nope", "training-jobs", params={"sort_by": "Colour"})
    assert code == 400 and err["field"] == "sort_by"
    code, err = await _error(jp_fetch, "labstudio", "api", "tuning-jobs", method="POST", body="{not json")
    assert code == 400 and "JSON" in err["message"]


async def test_requests_without_a_token_are_refused(jp_fetch, project, http_server_client, jp_base_url) -> None:
    base = jp_base_url.rstrip("/") + "/labstudio/api/tuning-jobs"
    for url, method, body in ((base, "GET", None), (base, "POST", json.dumps(_request())), (f"{base}/sweep-1", "GET", None),
                              (f"{base}/sweep-1/training-jobs", "GET", None), (f"{base}/sweep-1/stop", "POST", "")):
        with pytest.raises(HTTPClientError) as err:
            await http_server_client.fetch(url, method=method, body=body, raise_error=True, headers={"Content-Type": "application/json"},
                                           follow_redirects=False)
        assert err.value.code in (401, 403), (method, url, err.value.code)
    assert _body(await jp_fetch("labstudio", "api", "tuning-jobs"))["HyperParameterTuningJobSummaries"] == []
