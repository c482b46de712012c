"""The same tracking code over PostgreSQL: ingestion, filters (numeric params, tags, or), compare, delete."""
from __future__ import annotations

import math
import uuid

import numpy as np
import pytest


@pytest.fixture
def pg_core(postgres_url, labstudio_home, monkeypatch):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text

    name = "ls_" + uuid.uuid4().hex[:12]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    monkeypatch.setenv("LABSTUDIO_DB_URL", url)
    from labstudio.core import Core

    core = Core.from_env()
    yield core
    core.db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_tracking_on_postgres(pg_core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import ExperimentAnalytics, Run, search_runs

    ids = []
    for i, (lr, opt) in enumerate([(0.1, "adam"), (0.01, "sgd"), (0.001, "adam")]):
        with Run(experiment_name="pg", run_name=f"p{i}", tags={"team": "a" if i else "b"}) as run:
            run.log_parameters({"lr": lr, "optimizer": opt, "width": 64 * (i + 1)})
            for step in range(300):
                run.log_metric("loss", 1.0 / (step + 1) + i)
            values = np.sin(np.arange(20_000) / 300.0)
            values[10] = np.nan
            values[20] = np.inf
            run.log_series("wave", values)
        ids.append(run.run_id)
    svc = pg_core.experiments
    names = lambda f: sorted(r["name"] for r in svc.search_runs(filter=f)["runs"])  # noqa: E731
    assert names("params.lr < 0.05 and params.optimizer = 'adam'") == ["p2"]
    assert names("params.width >= 128 or tags.team = 'b'") == ["p0", "p1", "p2"]
    assert names("(tags.team = 'a' and metrics.loss > 1.5) or name like 'P0'") == ["p0", "p2"]
    assert names("tags.team = 'a' and metrics.loss > 1.5") == ["p2"]
    assert names("tags.team = 'a' and min(metrics.loss) >= 2") == ["p2"]
    assert names("max(metrics.wave) = inf and count(metrics.wave) = 20000") == ["p0", "p1", "p2"]
    assert [r["name"] for r in svc.search_runs(order_by="params.width desc")["runs"]] == ["p2", "p1", "p0"]
    detail = svc.get_run(ids[0])
    assert detail["metrics"]["wave"]["max"] == "Infinity" and detail["metrics"]["loss"]["count"] == 300
    result = svc.compare(ids, ["wave"], max_points=200)
    for s in result["series"]:
        assert s["downsampled"] and len(s["steps"]) <= 200 and "Infinity" in s["values"] and "NaN" in s["values"]
    history = _attached(ids[0]).metric_history("wave")
    assert len(history) == 20_000 and math.isnan(history["value"][10]) and history["value"][20] == math.inf
    df = search_runs("pg")
    assert len(df) == 3 and df["params.width"].dtype.kind == "i"
    frame = ExperimentAnalytics("pg").dataframe()
    assert "loss - Avg" in frame.columns and "Experiments" in frame.columns
    assert svc.delete_experiment("pg")["deleted_runs"] == 3


def _attached(run_id):  # type: ignore[no-untyped-def]
    from labstudio import load_run

    return load_run(run_id=run_id)
