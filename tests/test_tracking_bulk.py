"""The bulk ingestion path (`ExperimentService.import_runs`) and comparisons of any number of
runs (`compare` pages instead of refusing more than 500), on the service and over REST."""
from __future__ import annotations

import json

import numpy as np
import pytest

from httpjson import body as _body
from httpjson import error as _error
from labstudio.errors import Invalid, NotFound


def _runs(n: int, points: int = 10) -> list[dict]:
    return [
        {
            "name": f"r{i:05d}",
            "start_time": 1000.0 + i,
            "end_time": 1060.0 + i,
            "params": {"lr": 10 ** (-1 - i % 4), "optimizer": "adam" if i % 2 else "sgd", "depth": i % 7},
            "metrics": {"loss": [1.0 / (i + s + 1) for s in range(points)], "acc": [s / points for s in range(points)]},
        }
        for i in range(n)
    ]


def test_imported_runs_read_back_like_logged_ones(core) -> None:  # type: ignore[no-untyped-def]
    """Summaries, params, series and search of an imported run equal those of the same run logged by `Run`."""
    from labstudio import Run

    values = [0.5, float("nan"), 0.25, 0.125, float("inf")]
    with Run(experiment_name="logged", run_name="same") as run:
        run.log_parameters({"lr": 0.01, "optimizer": "adam", "layers": [64, 32]})
        run.log_series("loss", values)
    ids = core.experiments.import_runs("imported", [
        {"name": "same", "params": {"lr": 0.01, "optimizer": "adam", "layers": [64, 32]}, "metrics": {"loss": values}},
        {"name": "long", "metrics": {"loss": list(np.sin(np.arange(5000) / 50))}},  # past 32 points: with buckets
    ])
    logged = core.experiments.get_run(run.run_id)
    imported = core.experiments.get_run(ids[0])
    assert imported["status"] == "Completed" and imported["params"] == logged["params"]
    for key in ("last", "min", "max", "avg", "std", "count", "last_step"):
        assert imported["metrics"]["loss"][key] == logged["metrics"]["loss"][key], key
    history = core.experiments.metric_history(ids[0], "loss")
    assert history["steps"] == [0, 1, 2, 3, 4] and history["values"] == [0.5, "NaN", 0.25, 0.125, "Infinity"]
    found = core.experiments.search_runs(experiment="imported", filter="count(metrics.loss) = 5000")
    assert [r["name"] for r in found["runs"]] == ["long"]
    long = core.experiments.compare([ids[1]], ["loss"], max_points=100)["series"][0]
    assert long["downsampled"] and len(long["steps"]) <= 100 and max(long["values"]) == pytest.approx(1.0, abs=1e-3)
    # a short imported series (no buckets) still downsamples, from its points
    short = core.experiments.compare([ids[0]], ["loss"], max_points=2)["series"][0]
    assert short["downsampled"] and len(short["steps"]) <= 2


def test_import_keeps_the_order_and_says_so_once(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio.store import events as events_store

    with core.db.read() as conn:
        before = len(events_store.tail(conn, 0))
    ids = core.experiments.import_runs("ordered", _runs(1200, points=3))
    listed = core.experiments.search_runs(experiment="ordered", limit=1200)
    assert listed["total"] == 1200 and [r["id"] for r in listed["runs"]] == ids[::-1]  # newest first
    with core.db.read() as conn:
        new = events_store.tail(conn, 0)[before:]
    assert [e["kind"] for e in new] == ["run.created"] and new[0]["payload"]["run_id"] == ids[-1]
    exp = core.experiments.get_experiment("ordered")
    assert exp["run_count"] == 1200 and exp["param_names"] == ["depth", "lr", "optimizer"]


def test_import_names_every_faulty_run(core) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as info:
        core.experiments.import_runs("bad", [
            {"name": "ok"}, {"name": ""}, {"name": "x", "status": "Done"}, {"name": "y", "metrics": {"loss": ["a"]}}, {"name": "z", "colour": 1},
        ])
    assert [f for _, f in info.value.problems] == ["runs[1].name", "runs[2].status", "runs[3].metrics", "runs[4].colour"]
    assert core.experiments.search_runs(experiment=None, filter="name = 'ok'")["total"] == 0  # nothing written


def test_compare_pages_through_any_number_of_runs(core) -> None:  # type: ignore[no-untyped-def]
    ids = core.experiments.import_runs("many", _runs(1200))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.experiments.compare(ids, ["loss"], max_points=50, limit=500, next_token=token)
        assert page["total"] == 1200 and len(page["runs"]) <= 500
        assert [s["run_id"] for s in page["series"]] == [r["id"] for r in page["runs"]]  # every run's curve
        seen += [r["id"] for r in page["runs"]]
        pages += 1
        token = page["next_token"]
        if token is None:
            break
    assert pages == 3 and seen == ids
    # whole experiments, less a few runs
    whole = core.experiments.compare(None, ["loss"], experiments=["many"], exclude=ids[:10], limit=500)
    assert whole["total"] == 1190 and whole["runs"][0]["id"] == ids[-1]
    # whole experiment, no exclusions: paged by the store
    pages_ids: list[str] = []
    token = None
    while True:
        page = core.experiments.compare(None, ["acc"], experiments=["many"], limit=500, next_token=token)
        pages_ids += [r["id"] for r in page["runs"]]
        token = page["next_token"]
        if token is None:
            break
    assert pages_ids == ids[::-1]
    # in-process callers get everything at once
    assert len(core.experiments.compare(ids, ["loss"], max_points=2)["runs"]) == 1200


def test_compare_refuses_what_it_cannot_page(core) -> None:  # type: ignore[no-untyped-def]
    ids = core.experiments.import_runs("few", _runs(3))
    page = core.experiments.compare(ids, limit=2)
    with pytest.raises(Invalid) as info:
        core.experiments.compare(ids[:2], limit=2, next_token=page["next_token"])  # another selection
    assert info.value.field == "next_token"
    with pytest.raises(Invalid) as info:
        core.experiments.compare(ids, limit=501)
    assert info.value.field == "limit"
    with pytest.raises(NotFound) as missing:
        core.experiments.compare(ids + ["f" * 32])
    assert missing.value.field == "runs"
    with pytest.raises(NotFound):
        core.experiments.compare(None, experiments=["nope"])
    with pytest.raises(Invalid) as info:
        core.experiments.compare([], experiments=[])
    assert info.value.field == "runs"


async def test_compare_over_rest_pages_past_500_runs(jp_fetch, core) -> None:  # type: ignore[no-untyped-def]
    ids = core.experiments.import_runs("rest-many", _runs(750, points=4))

    async def compare(body: dict) -> dict:
        return _body(await jp_fetch("labstudio", "api", "runs", "compare", method="POST", body=json.dumps(body)))

    first = await compare({"runs": ids, "metrics": ["loss"], "max_points": 20})
    assert first["total"] == 750 and len(first["runs"]) == 500 and first["next_token"]
    second = await compare({"runs": ids, "metrics": ["loss"], "max_points": 20, "next_token": first["next_token"]})
    assert len(second["runs"]) == 250 and second["next_token"] is None
    assert [r["id"] for r in first["runs"] + second["runs"]] == ids
    whole = await compare({"experiments": ["rest-many"], "metrics": ["loss"], "limit": 100})
    assert whole["total"] == 750 and len(whole["series"]) == 100
    code, err = await _error(jp_fetch, "labstudio", "api", "runs", "compare", method="POST", body=json.dumps({"runs": ids, "limit": 0}))
    assert code == 400 and err["field"] == "limit"
