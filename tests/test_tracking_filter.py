"""The filter language: every field kind, or/and/not with parentheses, and errors with positions."""
from __future__ import annotations

import math

import pytest

from labstudio.store.search import compile_filter, compile_order_by
from labstudio.tracking.analytics import sagemaker_expression_to_filter
from labstudio.tracking.filter_grammar import FilterError, parse


@pytest.fixture
def sweep(core):  # type: ignore[no-untyped-def]
    from labstudio import Run

    rows = [
        # name, lr, optimizer, batch-size, acc, loss series, tags
        ("a", 0.1, "adam", 32, 0.70, [1.0, 0.5], {"team": "vision"}),
        ("b", 0.01, "sgd", 64, 0.80, [0.9, 0.4], {"team": "nlp"}),
        ("c", 0.001, "adam", 128, 0.90, [0.8, math.nan], {}),
        ("d", 0.0001, "sgd", 256, 0.95, [0.7, math.inf], {"team": "vision"}),
    ]
    ids = {}
    for name, lr, opt, bs, acc, losses, tags in rows:
        with Run(experiment_name="sweep" if name != "d" else "other", run_name=name, tags=tags) as run:
            run.log_parameters({"lr": lr, "optimizer": opt, "batch-size": bs, "note with space": f"n-{name}"})
            run.log_metric("acc", acc)
            for v in losses:
                run.log_metric("val loss", v)
        ids[name] = run.run_id
    return ids


def names(core, f, **kw):  # type: ignore[no-untyped-def]
    return sorted(r["name"] for r in core.experiments.search_runs(filter=f, **kw)["runs"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("metrics.acc > 0.75", ["b", "c", "d"]),
        ("metrics.acc >= 0.8 and metrics.acc <= 0.9", ["b", "c"]),
        ("metrics.acc = 0.7 or metrics.acc = 0.95", ["a", "d"]),
        ("(params.optimizer = 'adam' or params.lr < 0.005) and metrics.acc > 0.8", ["c", "d"]),
        ("params.optimizer = 'adam' or (params.lr < 0.005 and metrics.acc > 0.8)", ["a", "c", "d"]),
        ("not params.optimizer = 'adam'", ["b", "d"]),
        ("params.lr = 0.01", ["b"]),
        ("params.`batch-size` in (32, 256)", ["a", "d"]),
        ("params.`batch-size` not in (32, 256)", ["b", "c"]),
        ("params.`note with space` like 'n-%'", ["a", "b", "c", "d"]),
        ("params.optimizer != 'adam'", ["b", "d"]),
        ("params.missing is null", ["a", "b", "c", "d"]),
        ("params.lr is not null and tags.team is null", ["c"]),
        ("tags.team = 'vision'", ["a", "d"]),
        ('tags."team" in ("nlp")', ["b"]),
        ("metrics.`val loss` = nan", ["c"]),
        ("metrics.`val loss` = inf", ["d"]),
        ("max(metrics.`val loss`) >= 1", ["a", "d"]),
        ("min(metrics.`val loss`) < 0.45", ["b"]),
        ("count(metrics.`val loss`) = 2", ["a", "b", "c", "d"]),
        ("avg(metrics.`val loss`) = 0.75", ["a"]),
        ("experiment = 'other'", ["d"]),
        ("attributes.status = 'COMPLETED' and name like 'A%'", ["a"]),
        ("name in ('a', 'b') and start_time > '2000-01-01'", ["a", "b"]),
        ("end_time < 1000", []),
        ("duration >= 0", ["a", "b", "c", "d"]),
        ("source_type = 'Run'", ["a", "b", "c", "d"]),
    ],
)
def test_filters(core, sweep, text, expected) -> None:  # type: ignore[no-untyped-def]
    assert names(core, text) == expected


def test_filter_combined_with_experiment_and_order(core, sweep) -> None:  # type: ignore[no-untyped-def]
    page = core.experiments.search_runs(experiment="sweep", filter="metrics.acc > 0.6 or params.lr > 1", order_by="metrics.acc desc")
    assert [r["name"] for r in page["runs"]] == ["c", "b", "a"]
    page = core.experiments.search_runs(order_by="params.lr asc")
    assert [r["name"] for r in page["runs"]] == ["d", "c", "b", "a"]  # numerically, not as text
    page = core.experiments.search_runs(order_by="params.`batch-size` desc, name")
    assert [r["name"] for r in page["runs"]] == ["d", "c", "b", "a"]
    page = core.experiments.search_runs(order_by="max(metrics.`val loss`) desc")
    assert [r["name"] for r in page["runs"]][:1] == ["d"]


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("metrics.acc >", 13, "expected a value"),
        ("metrics.acc > 0.5 and (params.x = 1", 35, "expected ')'"),
        ("metrics.acc > 0.5)", 17, "unbalanced ')'"),
        ("foo = 1", 0, "unknown field 'foo'"),
        ("metrics.acc like 'x%'", 17, "metrics are numbers"),
        ("params.a = 'x' extra", 15, "expected 'and', 'or'"),
        ("metrics.acc ! 3", 12, "unexpected character"),
        ("params.a = 'unterminated", 11, "unterminated"),
        ("metrics.acc 3", 12, "expected an operator"),
        ("params.a in 1", 12, "expected '('"),
        ("params. = 1", 0, "needs a name"),
        ("bogus.x = 1", 0, "unknown field prefix"),
        ("start_time > 'yesterday'", 13, "not a time"),
        ("metrics.acc > 1 or", 18, "expected a field"),
        ("", 0, "empty"),
        ("metrics.acc < nan", 14, "NaN can only be compared"),
    ],
)
def test_errors_name_the_position(core, text, position, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FilterError) as info:
        compile_filter(text, "sqlite") if text else parse(text)
    err = info.value
    assert err.position == position, err.message
    assert words in err.message
    assert err.field == "filter" and err.to_json()["position"] == position
    assert isinstance(err, ValueError)  # an Invalid: HTTP 400, CLI exit 2


def test_order_by_errors(core) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FilterError) as info:
        compile_order_by("metrics.acc sideways", "sqlite")
    assert info.value.field == "order_by" and info.value.position == 12
    assert len(compile_order_by(["metrics.acc desc", "name"], "sqlite")) == 4


def test_sagemaker_search_expression_translates() -> None:
    text = sagemaker_expression_to_filter(
        {
            "Filters": [{"Name": "Metrics.acc.Max", "Operator": "GreaterThan", "Value": "0.8"}],
            "SubExpressions": [
                {
                    "Operator": "Or",
                    "Filters": [
                        {"Name": "Parameters.optimizer", "Operator": "Equals", "Value": "adam"},
                        {"Name": "DisplayName", "Operator": "Contains", "Value": "b"},
                    ],
                }
            ],
        }
    )
    assert text == "max(metrics.`acc`) > 0.8 and (params.`optimizer` = 'adam' or name like '%b%')"
    parse(text)
