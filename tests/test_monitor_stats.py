"""Model Monitor's analysis without processes: statistics and suggested constraints in SageMaker's
formats, every check type on small tables, the captured record laid out output-then-input,
schedule expressions and windows, and the baseline checks that run before a job is started."""
from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstudio.errors import Invalid
from labstudio.monitor import cron
from labstudio.monitor.datasets import check_baseline, read_capture, read_dataset, rows_of
from labstudio.monitor.stats import cdf_distance, statistics, suggest_constraints, violations


def _analyse(baseline: pd.DataFrame, current: pd.DataFrame, **config: object) -> list[dict[str, str]]:
    base_stats, _ = statistics(baseline)
    constraints = suggest_constraints(base_stats)
    constraints["monitoring_config"].update(config)
    names = [f["name"] for f in constraints["features"]]
    current = current.copy()
    current.columns = [names[i] if i < len(names) else f"_c{i}" for i in range(current.shape[1])]
    stats, columns = statistics(current, {f["name"]: f["inferred_type"] for f in constraints["features"]})
    return violations(list(columns.values()), stats, constraints, base_stats, item_count=len(current))


def test_statistics_and_constraints_have_sagemakers_shape() -> None:
    frame = pd.DataFrame({"n": [1, 2, 3, None], "f": [0.5, 1.5, -2.0, 3.0], "s": ["a", "b", "a", ""], "e": [None, None, None, None]})
    stats, _ = statistics(frame.astype({"s": "object"}))
    assert stats["version"] == 0.0 and stats["dataset"] == {"item_count": 4}
    n, f, s, e = stats["features"]
    assert (n["inferred_type"], f["inferred_type"], s["inferred_type"], e["inferred_type"]) == ("Integral", "Fractional", "String", "Unknown")
    assert n["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    assert (n["numerical_statistics"]["min"], n["numerical_statistics"]["max"], n["numerical_statistics"]["sum"]) == (1.0, 3.0, 6.0)
    kll = f["numerical_statistics"]["distribution"]["kll"]
    assert kll["sketch"]["data"] == [[-2.0, 0.5, 1.5, 3.0]] and kll["sketch"]["parameters"]["k"] == 2048.0
    assert sum(b["count"] for b in kll["buckets"]) == 4 and kll["buckets"][0]["lower_bound"] == -2.0
    assert s["string_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    assert s["string_statistics"]["distribution"]["categorical"]["buckets"] == [{"value": "a", "count": 2.0}, {"value": "b", "count": 1.0}]
    constraints = suggest_constraints(stats)
    by_name = {c["name"]: c for c in constraints["features"]}
    assert by_name["n"]["completeness"] == 0.75 and by_name["f"]["num_constraints"] == {"is_non_negative": False}
    assert by_name["s"]["string_constraints"] == {"domains": ["a", "b"]}
    assert constraints["monitoring_config"]["distribution_constraints"]["comparison_method"] == "Robust"
    json.dumps(stats, allow_nan=False)


def test_a_large_column_keeps_a_sketch_of_2048_quantiles() -> None:
    values = np.random.default_rng(0).normal(size=100_000)
    stats, _ = statistics(pd.DataFrame({"x": values}))
    data = stats["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"][0]
    assert len(data) == 2048 and data == sorted(data)
    assert abs(np.median(data) - np.median(values)) < 0.01
    assert cdf_distance(data, values[:5000]) < 0.05 and cdf_distance(data, values[:5000] + 1.0) > 0.3


def test_every_check_type_is_found() -> None:
    rng = np.random.default_rng(1)
    baseline = pd.DataFrame({"y": rng.normal(size=500), "k": rng.integers(0, 5, size=500), "c": rng.choice(["a", "b"], size=500)})
    same = baseline.sample(200, random_state=2).reset_index(drop=True).astype(str)
    assert _analyse(baseline, same) == []

    drifted = same.copy()
    drifted["y"] = (rng.normal(size=200) + 2).astype(str)
    assert [(v["feature_name"], v["constraint_check_type"]) for v in _analyse(baseline, drifted)] == [("y", "baseline_drift_check")]

    typed = same.copy()
    typed.loc[0, "k"] = "2.5"
    typed.loc[1, "k"] = "many"
    found = _analyse(baseline, typed)
    assert [(v["feature_name"], v["constraint_check_type"]) for v in found] == [("k", "data_type_check")]
    assert "Integral" in found[0]["description"] and "99.0%" in found[0]["description"]
    assert _analyse(baseline, typed, datatype_check_threshold=0.9) == []

    holes = same.copy()
    holes.loc[:9, "c"] = ""
    assert ("c", "completeness_check") in {(v["feature_name"], v["constraint_check_type"]) for v in _analyse(baseline, holes)}

    unknown = same.copy()
    unknown.loc[:4, "c"] = "z"
    found = _analyse(baseline, unknown)
    assert ("c", "categorical_values_check") in {(v["feature_name"], v["constraint_check_type"]) for v in found}
    assert any("'z'" in v["description"] for v in found)

    narrow = same[["y", "k"]]
    assert [(v["feature_name"], v["constraint_check_type"]) for v in _analyse(baseline, narrow)] == [("c", "missing_column_check")]
    wide = same.assign(extra="1")
    assert [(v["feature_name"], v["constraint_check_type"]) for v in _analyse(baseline, wide)] == [("_c3", "extra_column_check")]
    assert _analyse(baseline, drifted, evaluate_constraints="Disabled") == []


def test_bad_monitoring_config_is_named() -> None:
    stats, columns = statistics(pd.DataFrame({"x": [1.0, 2.0]}))
    constraints = suggest_constraints(stats)
    constraints["monitoring_config"]["distribution_constraints"]["categorical_drift_method"] = "Hellinger"
    with pytest.raises(ValueError, match="categorical_drift_method"):
        violations(list(columns.values()), stats, constraints, stats, item_count=2)


def _record(inputs: str, output: str, when: dt.datetime, *, base64_input: bool = False, inference_id: str | None = None) -> str:
    endpoint_input = ({"observedContentType": "text/csv", "mode": "INPUT", "data": base64.b64encode(inputs.encode()).decode(), "encoding": "BASE64"}
                      if base64_input else {"observedContentType": "text/csv", "mode": "INPUT", "data": inputs, "encoding": "CSV"})
    meta = {"eventId": "e", "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), **({"inferenceId": inference_id} if inference_id else {})}
    return json.dumps({"captureData": {"endpointInput": endpoint_input,
                                       "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": output, "encoding": "CSV"}},
                       "eventMetadata": meta, "eventVersion": "0"})


def test_captured_records_are_laid_out_output_then_input_within_the_window(tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 8, 1, 30, tzinfo=dt.timezone.utc)
    lines = [_record("1,2\n3,4", "10\n20", now - dt.timedelta(minutes=10)),
             _record("5,6", "30", now - dt.timedelta(minutes=5), base64_input=True, inference_id="i-1"),
             _record("7,8", "40", now - dt.timedelta(hours=2)),  # before the window
             _record("9,9\n9,9", "1", now - dt.timedelta(minutes=1))]  # one output for two rows: skipped
    path = tmp_path / "capture.jsonl"
    path.write_text("\n".join(lines) + "\n")
    found = read_capture([str(path)], now - dt.timedelta(hours=1), now)
    assert found.rows == [["10", "1", "2"], ["20", "3", "4"], ["30", "5", "6"]]
    assert found.records == 3 and found.unpaired == 1 and found.inference_ids == [None, None, "i-1"]
    assert rows_of({"observedContentType": "application/json", "data": '{"predictions": [0.1, 0.9]}', "encoding": "JSON"}) == [["0.1", "0.9"]]
    assert rows_of({"observedContentType": "application/json", "data": "[[1, 2], [3, 4]]", "encoding": "JSON"}) == [["1", "2"], ["3", "4"]]


def test_baseline_files_are_checked_and_read(tmp_path: Path) -> None:
    fmt = {"csv": {"header": True}}
    (tmp_path / "ok.csv").write_text("a,b\n1,x\n2,y\n")
    check_baseline(str(tmp_path / "ok.csv"), fmt)
    assert list(read_dataset(str(tmp_path / "ok.csv"), fmt).columns) == ["a", "b"]
    assert list(read_dataset(str(tmp_path / "ok.csv"), {"csv": {"header": False}}).columns) == ["_c0", "_c1"]
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="no data rows"):
        check_baseline(str(tmp_path / "empty.csv"), fmt)
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    with pytest.raises(ValueError, match="different numbers of columns"):
        check_baseline(str(tmp_path / "ragged.csv"), {"csv": {"header": False}})
    (tmp_path / "dup.csv").write_text("a,a\n1,2\n")
    with pytest.raises(ValueError, match="repeated"):
        check_baseline(str(tmp_path / "dup.csv"), fmt)
    (tmp_path / "rows.jsonl").write_text('{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n')
    check_baseline(str(tmp_path / "rows.jsonl"), {"json": {"lines": True}})
    assert read_dataset(str(tmp_path / "rows.jsonl"), {"json": {"lines": True}}).shape == (2, 2)
    (tmp_path / "bad.jsonl").write_text("not json\n")
    with pytest.raises(ValueError, match="not JSON"):
        check_baseline(str(tmp_path / "bad.jsonl"), {"json": {"lines": True}})
    with pytest.raises(ValueError, match="dataset_format"):
        check_baseline(str(tmp_path / "ok.csv"), {"xml": {}})


def test_schedule_expressions_and_windows() -> None:
    assert cron.to_cron("cron(0 * ? * * *)") == "0 * * * *"
    assert cron.to_cron("cron(0 6 ? * 2-6 *)") == "0 6 * * 1-5"  # AWS's Monday-Friday
    assert cron.to_cron("cron(0 0/4 ? * * *)") == "0 0/4 * * *"
    assert cron.to_cron("*/5 * * * *") == "*/5 * * * *"
    assert cron.to_cron("NOW") is None
    for bad in ("cron(0 * * *)", "cron(61 * ? * * *)", "hourly", "cron(0 * ? * * 2027)", ""):
        with pytest.raises(Invalid) as err:
            cron.to_cron(bad)
        assert err.value.field == "ScheduleExpression"
    at = dt.datetime(2026, 12, 8, 1, 20, tzinfo=dt.timezone.utc).timestamp()
    assert cron.next_time("0 * * * *", at) == dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.timezone.utc).timestamp()
    hour = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.timezone.utc).timestamp()
    assert cron.window(hour, None, None, "0 * * * *") == (hour - 3600, hour)
    assert cron.window(hour, "-PT2H", "-PT1H", None) == (hour - 7200, hour - 3600)
    assert cron.offset_seconds("-P1DT30M", "x") == -(86400 + 1800)
    with pytest.raises(Invalid, match="DataAnalysisStartTime"):
        cron.check_window("-PT0H", "-PT1H")
    with pytest.raises(Invalid, match="ISO 8601"):
        cron.offset_seconds("PT1H", "DataAnalysisEndTime")


def test_model_quality_metrics_and_their_checks() -> None:
    from labstudio.monitor import quality

    y_true = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    y_pred = np.array([1, 1, 0, 0, 0, 1, 1, 0])
    score = np.array([0.9, 0.8, 0.4, 0.3, 0.2, 0.6, 0.7, 0.1])
    stats = quality.statistics("BinaryClassification", y_true, y_pred, score)
    found = stats["binary_classification_metrics"]
    assert found["accuracy"]["value"] == 0.75 and found["precision"]["value"] == 0.75 and found["recall"]["value"] == 0.75
    assert found["auc"]["value"] == 15 / 16 and found["confusion_matrix"] == {"0": {"0": 3, "1": 1}, "1": {"0": 1, "1": 3}}
    constraints = quality.suggest_constraints("BinaryClassification", stats)["binary_classification_constraints"]
    assert constraints["accuracy"] == {"threshold": pytest.approx(0.675), "comparison_operator": "LessThanThreshold"}
    worse = quality.statistics("BinaryClassification", y_true, 1 - y_true, None)
    broken = quality.violations("BinaryClassification", worse, {"binary_classification_constraints": constraints})
    assert {v["metric_name"] for v in broken} == {"accuracy", "precision", "recall", "f1"}
    assert all(v["constraint_check_type"] == "LessThanThreshold" and "was LessThanThreshold" in v["description"] for v in broken)
    regression = quality.point_metrics("Regression", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), None)
    assert regression["mae"] == pytest.approx(2 / 3) and regression["mse"] == pytest.approx(4 / 3) and regression["r2"] == pytest.approx(-1.0)
    multi = quality.point_metrics("MulticlassClassification", np.array(["a", "b", "c", "a"]), np.array(["a", "b", "b", "a"]), None)
    assert multi["accuracy"] == 0.75 and multi["weighted_recall"] == 0.75
