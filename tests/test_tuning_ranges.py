"""Tuning: range syntax and validation, request validation, and the strategies' mapping onto Optuna."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from labstudio.errors import Invalid
from labstudio.shapes import to_json
from labstudio.tuning.ranges import ParameterRange, from_request, parse_range_option
from labstudio.tuning.spec import parse_tuning_request

# -- the CLI's --range syntax --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name, expected",
    [
        ("max_depth=int:2:8", "max_depth", {"type": "Integer", "min_value": 2, "max_value": 8, "scaling_type": "Auto"}),
        ("eta=float:0.01:0.3:log", "eta", {"type": "Continuous", "min_value": 0.01, "max_value": 0.3, "scaling_type": "Logarithmic"}),
        ("booster=cat:gbtree,dart", "booster", {"type": "Categorical", "values": ["gbtree", "dart"]}),
        ("momentum=float:0.5:0.99:reverselog", "momentum", {"type": "Continuous", "min_value": 0.5, "max_value": 0.99, "scaling_type": "ReverseLogarithmic"}),
        ("layers=int:1:64:log", "layers", {"type": "Integer", "min_value": 1, "max_value": 64, "scaling_type": "Logarithmic"}),
        ("lr=float:1e-4:1e-1:linear", "lr", {"type": "Continuous", "min_value": 1e-4, "max_value": 1e-1, "scaling_type": "Linear"}),
    ],
)
def test_range_option_parses(text: str, name: str, expected: dict[str, Any]) -> None:
    got_name, raw = parse_range_option(text)
    assert got_name == name and raw == expected
    assert from_request(name, raw).type == expected["type"]


@pytest.mark.parametrize(
    "text, field, words",
    [
        ("int:2:8", "hyperparameter_ranges", "needs a name"),
        ("=int:2:8", "hyperparameter_ranges", "needs a name"),
        ("depth=integerish:2:8", "hyperparameter_ranges.depth", "unknown range type"),
        ("depth=int:2", "hyperparameter_ranges.depth", "MIN:MAX"),
        ("depth=int:a:8", "hyperparameter_ranges.depth", "not a number"),
        ("depth=int:8:2", "hyperparameter_ranges.depth", "inverted"),
        ("depth=int:2.5:8", "hyperparameter_ranges.depth", "whole numbers"),
        ("eta=float:0.3:0.3", "hyperparameter_ranges.eta", "empty"),
        ("eta=float:0:0.3:log", "hyperparameter_ranges.eta", "min_value > 0"),
        ("eta=float:-1:0.3:log", "hyperparameter_ranges.eta", "min_value > 0"),
        ("eta=float:0.1:0.3:cubic", "hyperparameter_ranges.eta", "unknown scaling"),
        ("m=float:0.5:1.5:reverselog", "hyperparameter_ranges.m", "max_value < 1"),
        ("depth=int:1:8:reverselog", "hyperparameter_ranges.depth", "Continuous ranges only"),
        ("booster=cat:", "hyperparameter_ranges.booster", "comma-separated"),
        ("booster=cat:a,,b", "hyperparameter_ranges.booster", "comma-separated"),
        ("booster=cat:a,a", "hyperparameter_ranges.booster", "repeats"),
        ("sagemaker_program=cat:a", "hyperparameter_ranges.sagemaker_program", "cannot be tuned"),
    ],
)
def test_bad_range_option_names_the_range(text: str, field: str, words: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_range_option(text)
    assert info.value.field == field
    assert words in info.value.message


def test_range_values_and_grid() -> None:
    depth = from_request("depth", {"type": "Integer", "min_value": 2, "max_value": 4})
    assert depth.grid_values() == [2, 3, 4]
    assert depth.contains(3) and depth.contains(3.0) and not depth.contains(5) and not depth.contains(2.5) and not depth.contains("3")
    booster = from_request("booster", {"type": "Categorical", "values": ["a", 1]})
    assert booster.contains("a") and booster.contains(1) and not booster.contains("1") and not booster.contains(True)
    eta = from_request("eta", {"type": "Continuous", "min_value": 0.1, "max_value": 0.2})
    with pytest.raises(Invalid) as info:
        eta.grid_values()
    assert info.value.field == "strategy"
    assert ParameterRange.from_dict(eta.to_dict()) == eta
    # ReverseLogarithmic: the search holds 1 - x, the trial gets x back
    m = from_request("m", {"type": "Continuous", "min_value": 0.5, "max_value": 0.99, "scaling_type": "ReverseLogarithmic"})
    assert m.from_search(m.to_search(0.9)) == pytest.approx(0.9)
    dist = m.distribution()
    assert dist.low == pytest.approx(0.01) and dist.high == pytest.approx(0.5) and dist.log  # type: ignore[attr-defined]


# -- the whole request ---------------------------------------------------------------------


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "train.py").write_text("print('loss: 1')\n")
    return folder


def _request(src: Path, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "training": {
            "entry_point": "train.py",
            "source_dir": str(src),
            "hyperparameters": {"epochs": 3},
            "metric_definitions": [{"Name": "validation:rmse", "Regex": "rmse: ([0-9.]+)"}],
        },
        "objective_metric_name": "validation:rmse",
        "objective_type": "Minimize",
        "hyperparameter_ranges": {
            "max_depth": {"type": "Integer", "min_value": 2, "max_value": 8},
            "eta": {"type": "Continuous", "min_value": 0.01, "max_value": 0.3, "scaling_type": "Logarithmic"},
            "booster": {"type": "Categorical", "values": ["gbtree", "dart"]},
        },
        "strategy": "Bayesian",
        "max_jobs": 4,
        "max_parallel_jobs": 2,
    }
    body.update(changes)
    return body


def test_a_valid_request_becomes_a_frozen_spec(src: Path) -> None:
    spec = parse_tuning_request(_request(src, random_seed=7, early_stopping_type="Auto"))
    assert spec.name.startswith("train-") and len(spec.name) <= 32
    assert [r.name for r in spec.ranges] == ["max_depth", "eta", "booster"]
    assert spec.minimize and spec.max_jobs == 4 and spec.max_parallel_jobs == 2 and spec.random_seed == 7
    assert spec.experiment_name == spec.name
    assert spec.template.hyperparameters == {"epochs": 3}
    assert type(spec).from_dict(spec.to_dict()) == spec
    with pytest.raises(AttributeError):
        spec.max_jobs = 5  # type: ignore[misc]


def _ranges(**items: dict[str, Any]) -> dict[str, Any]:
    return items


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"objective_metric_name": "validation:auc"}, "objective_metric_name", "not among the metric definitions"),
        ({"hyperparameter_ranges": _ranges(max_depth={"type": "Integer", "min_value": 8, "max_value": 2})}, "hyperparameter_ranges.max_depth", "inverted"),
        ({"hyperparameter_ranges": _ranges(eta={"type": "Continuous", "min_value": 0.1, "max_value": 0.1})}, "hyperparameter_ranges.eta", "empty"),
        ({"hyperparameter_ranges": _ranges(b={"type": "Categorical", "values": []})}, "hyperparameter_ranges.b", "empty"),
        (
            {"hyperparameter_ranges": _ranges(eta={"type": "Continuous", "min_value": 0, "max_value": 0.3, "scaling_type": "Logarithmic"})},
            "hyperparameter_ranges.eta",
            "min_value > 0",
        ),
        ({"hyperparameter_ranges": _ranges(epochs={"type": "Integer", "min_value": 1, "max_value": 3})}, "hyperparameter_ranges.epochs", "static"),
        ({"hyperparameter_ranges": {}}, "hyperparameter_ranges", ""),
        ({"strategy": "Annealing"}, "strategy", "Annealing"),
        ({"strategy": "Grid"}, "strategy", "Continuous"),
        ({"max_parallel_jobs": 5}, "max_parallel_jobs", "more than the 4"),
        ({"max_jobs": None}, "max_jobs", "required"),
        ({"random_seed": -1}, "random_seed", "between"),
        ({"name": "x" * 33}, "name", ""),
        ({"training": {"entry_point": "train.py", "source_dir": "nowhere", "metric_definitions": []}}, "training.source_dir", ""),
        (
            {"training": {"entry_point": "train.py", "name": "fixed", "metric_definitions": [{"Name": "validation:rmse", "Regex": "r: ([0-9]+)"}]}},
            "training.name",
            "left unset",
        ),
    ],
)
def test_bad_requests_name_the_field(src: Path, changes: dict[str, Any], field: str, words: str) -> None:
    body = _request(src, **changes)
    if "training" in changes and changes["training"].get("source_dir") is None:
        body["training"]["source_dir"] = str(src)
    with pytest.raises(Invalid) as info:
        parse_tuning_request(body)
    assert info.value.field is not None and info.value.field.startswith(field), info.value.to_json()
    assert words in info.value.message


def test_grid_size_is_the_default_max_jobs_and_caps_it(src: Path) -> None:
    grid = {"depth": {"type": "Integer", "min_value": 1, "max_value": 3}, "booster": {"type": "Categorical", "values": ["a", "b"]}}
    spec = parse_tuning_request(_request(src, strategy="Grid", hyperparameter_ranges=grid, max_jobs=None))
    assert spec.max_jobs == 6 and spec.max_jobs_requested is None
    assert parse_tuning_request(_request(src, strategy="Grid", hyperparameter_ranges=grid, max_jobs=50)).max_jobs == 6
    with pytest.raises(Invalid) as info:
        parse_tuning_request(_request(src, strategy="Grid", hyperparameter_ranges=grid, max_jobs=None, max_parallel_jobs=7))
    assert info.value.field == "max_parallel_jobs"


def test_an_unknown_warm_start_parent_is_refused_before_anything_runs(core, src: Path) -> None:
    body = _request(src, warm_start={"parents": ["never-was"], "type": "TransferLearning"})
    with pytest.raises(Invalid) as info:
        core.tuning.submit(body)
    assert info.value.field == "warm_start.parents" and "never-was" in info.value.message
    assert to_json(core.tuning.list())["HyperParameterTuningJobSummaries"] == []
    assert not (core.settings.home / "tuning").exists() or not any((core.settings.home / "tuning").iterdir())


# -- strategies ----------------------------------------------------------------------------


def _spec(src: Path, **changes: Any):  # type: ignore[no-untyped-def]
    return parse_tuning_request(_request(src, **changes))


def test_each_strategy_maps_to_its_optuna_sampler(src: Path) -> None:
    import optuna

    from labstudio.tuning.strategy import make_pruner, make_sampler

    assert isinstance(make_sampler(_spec(src, strategy="Bayesian")), optuna.samplers.TPESampler)
    assert isinstance(make_sampler(_spec(src, strategy="Random")), optuna.samplers.RandomSampler)
    hyperband = _spec(src, strategy="Hyperband")
    assert isinstance(make_sampler(hyperband), optuna.samplers.TPESampler)
    assert isinstance(make_pruner(hyperband), optuna.pruners.HyperbandPruner)
    grid = _spec(src, strategy="Grid", hyperparameter_ranges={"d": {"type": "Integer", "min_value": 1, "max_value": 2}})
    assert isinstance(make_sampler(grid), optuna.samplers.GridSampler)


def test_a_seeded_search_is_reproducible(src: Path) -> None:
    from labstudio.tuning.strategy import Search

    def points(seed: int) -> list[dict[str, Any]]:
        search = Search(_spec(src, strategy="Random", random_seed=seed))
        return [search.ask(n)[0] for n in range(1, 4)]

    assert points(3) == points(3)
    assert points(3) != points(4)
    for p in points(3):
        assert 2 <= p["max_depth"] <= 8 and isinstance(p["max_depth"], int)
        assert 0.01 <= p["eta"] <= 0.3 and p["booster"] in ("gbtree", "dart")


def test_a_rebuilt_grid_never_repeats_a_point(src: Path) -> None:
    """The grid point of a trial recorded before a restart is not handed out again."""
    from labstudio.tuning.strategy import Outcome, Search

    spec = _spec(src, strategy="Grid", random_seed=1, hyperparameter_ranges={"d": {"type": "Integer", "min_value": 1, "max_value": 4}})
    first = Search(spec)
    asked = [first.ask(n) for n in (1, 2)]
    rebuilt = Search(spec)
    rebuilt.add(1, Outcome(params=asked[0][0], state="complete", value=1.0, system_attrs=asked[0][1]))
    rebuilt.add(2, Outcome(params=asked[1][0], state="running", system_attrs=asked[1][1]))
    rest = [rebuilt.ask(n)[0]["d"] for n in (3, 4)]
    assert sorted([a[0]["d"] for a in asked] + rest) == [1, 2, 3, 4]


def test_warm_start_adds_the_parents_points_that_fit(src: Path) -> None:
    from labstudio.tuning.strategy import Search

    spec = _spec(src, strategy="Bayesian", random_seed=0)
    search = Search(spec)
    parents = [
        ({"max_depth": 3, "eta": 0.1, "booster": "gbtree"}, 0.5),  # fits
        ({"max_depth": 9, "eta": 0.1, "booster": "gbtree"}, 0.4),  # max_depth out of the new range
        ({"max_depth": 4, "eta": 0.2, "booster": "other"}, 0.3),  # a value the new range lacks
        ({"max_depth": 5, "eta": 0.05}, 0.2),  # a tuned hyperparameter the parent did not have
        ({"max_depth": 6, "eta": 0.02, "booster": "dart", "gamma": 1}, 0.6),  # extra ones are dropped
        ({"max_depth": 6, "eta": 0.02, "booster": "dart"}, math.nan),  # no objective
    ]
    assert search.add_parent_points(parents) == 2
    trials = search.study.get_trials(deepcopy=False)
    assert [t.params for t in trials] == [
        {"max_depth": 3, "eta": 0.1, "booster": "gbtree"},
        {"max_depth": 6, "eta": 0.02, "booster": "dart"},
    ]
    assert [t.value for t in trials] == [0.5, 0.6] and search.study.best_value == 0.5
