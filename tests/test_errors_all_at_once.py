"""Every problem of a request in one answer (`errors: [{message, field}]`), through a real
Jupyter server: the launch form, the tuning form and the batch transform form hear of all
their mistakes at once; the first problem stays `message` and `field`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from httpjson import error as _error

pytestmark = pytest.mark.usefixtures("labstudio_home")


def _fields(err: dict) -> list[str | None]:
    return [e.get("field") for e in err["errors"]]


async def _post(jp_fetch, collection: str, body: dict) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return await _error(jp_fetch, "labstudio", "api", collection, method="POST", body=json.dumps(body))


async def test_a_training_job_with_several_mistakes_hears_of_all_of_them(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    code, err = await _post(jp_fetch, "jobs", {
        "entry_point": "missing.py",
        "channels": {"train": "no/such/folder"},
        "metric_definitions": [{"Name": "loss", "Regex": "loss=[0-9.]+"}, {"Name": "acc", "Regex": "acc=(["}],
        "experiment_name": "   ",
    })
    assert code == 400
    assert _fields(err) == ["entry_point", "experiment_name", "channels", "metric_definitions", "metric_definitions"]
    # the first problem is also the answer's own message and field (clients that read only those)
    assert (err["message"], err["field"]) == (err["errors"][0]["message"], "entry_point")
    messages = [e["message"] for e in err["errors"]]
    assert "metric_definitions[0].Regex" in messages[3] and "capture group" in messages[3]
    assert "metric_definitions[1].Regex" in messages[4] and "not a valid regular expression" in messages[4]


async def test_type_errors_and_checks_of_other_fields_come_together(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (jp_root_dir / "train.py").write_text("print('hi')\n")
    code, err = await _post(jp_fetch, "jobs", {
        "entry_point": "train.py", "max_runtime_seconds": "soon", "instance_count": "two", "channels": {"train": "nowhere"},
    })
    assert code == 400
    assert sorted(f for f in _fields(err) if f) == ["channels", "instance_count", "max_runtime_seconds"]


async def test_a_tuning_job_names_every_faulty_range(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (jp_root_dir / "train.py").write_text("print('hi')\n")
    code, err = await _post(jp_fetch, "tuning-jobs", {
        "training": {"entry_point": "train.py", "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]},
        "objective_metric_name": "accuracy",
        "hyperparameter_ranges": {
            "eta0": {"type": "Continuous", "min_value": 1, "max_value": 0.1},
            "depth": {"type": "Integer", "min_value": 5, "max_value": 2},
            "booster": {"type": "Categorical", "values": ["gbtree"]},
        },
        "max_jobs": 4, "max_parallel_jobs": 9,
    })
    assert code == 400
    fields = _fields(err)
    assert {"objective_metric_name", "hyperparameter_ranges.eta0", "hyperparameter_ranges.depth", "max_parallel_jobs"} <= set(fields)
    assert "hyperparameter_ranges.booster" not in fields


async def test_a_tuning_job_names_the_template_fields_under_training(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    code, err = await _post(jp_fetch, "tuning-jobs", {
        "training": {"entry_point": "missing.py", "metric_definitions": [{"Name": "loss", "Regex": "loss"}]},
        "objective_metric_name": "loss",
        "hyperparameter_ranges": {"lr": {"type": "Continuous", "min_value": 0.1, "max_value": 1}},
        "max_jobs": 2,
    })
    assert code == 400
    assert _fields(err)[:2] == ["training.entry_point", "training.metric_definitions"]
    assert "'training.entry_point'" in err["errors"][0]["message"]


async def test_a_transform_with_no_input_blames_the_input(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """An empty input is not the Jupyter root (which would then hold the output folder)."""
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "a.csv").write_text("1,2\n")
    code, err = await _post(jp_fetch, "transform-jobs", {"model": "some-job", "input": "", "output_path": "scored"})
    assert code == 400
    assert _fields(err) == ["input"] and "'input' is required" in err["message"]
    code, err = await _post(jp_fetch, "transform-jobs", {"model": "some-job", "input": " ", "output_path": "", "max_payload": 0})
    assert code == 400
    assert _fields(err) == ["input", "output_path", "max_payload"]


async def test_every_error_answer_has_the_list(jp_fetch) -> None:  # type: ignore[no-untyped-def]
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "no-such-job")
    assert code == 404 and err["errors"] == [{"message": err["message"]}]
    code, err = await _error(jp_fetch, "labstudio", "api", "runs", params={"filter": "metrics.acc >"})
    assert code == 400 and "position" in err and err["errors"] == [{"message": err["message"], "field": "filter"}]


async def test_a_processing_job_hears_of_every_mistake(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Every kind's create route (the engine's generic handler) validates field by field."""
    code, err = await _post(jp_fetch, "processing-jobs", {
        "code": "missing.py",
        "inputs": [{"source": "no/such/data", "destination": "/opt/ml/processing/input"}],
        "experiment_name": "   ",
        "max_runtime_seconds": "soon",
    })
    assert code == 400
    assert _fields(err) == ["max_runtime_seconds", "code", "inputs[0].source", "experiment_name"]
    assert (err["message"], err["field"]) == (err["errors"][0]["message"], "max_runtime_seconds")
    assert "missing.py" in err["errors"][1]["message"] and "no/such/data" in err["errors"][2]["message"]
