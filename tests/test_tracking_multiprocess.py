"""Twenty processes logging into one SQLite store at once: every point arrives, none twice."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

WRITER = textwrap.dedent(
    """
    import sys
    from labstudio import Run

    index, points = int(sys.argv[1]), int(sys.argv[2])
    with Run(experiment_name="crowd", run_name=f"p{index}", flush_interval=0.05, batch_size=500) as run:
        for i in range(points):
            run.log_metric("loss", i * 0.5)
            if i % 3 == 0:
                run.log_metric("acc", float(i), step=i)
        run.log_parameter("index", index)
    """
)


def test_twenty_processes_lose_no_point(core) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    points = 3000
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(i), str(points)], env=env, stderr=subprocess.PIPE) for i in range(20)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    per_run = points + len(range(0, points, 3))
    with core.db.read() as conn:
        total = conn.execute(text("SELECT count(*) FROM run_metrics")).scalar()
        distinct = conn.execute(text("SELECT count(*) FROM (SELECT DISTINCT run_id, key, step FROM run_metrics) AS d")).scalar()
        sums = conn.execute(text("SELECT key, sum(count) FROM run_metric_summaries GROUP BY key")).all()
        buckets = conn.execute(text("SELECT key, sum(count) FROM run_metric_buckets WHERE level = 5 GROUP BY key")).all()
    assert total == 20 * per_run
    assert distinct == total  # no duplicate (run, metric, step)
    assert dict(sums) == {"loss": 20 * points, "acc": 20 * len(range(0, points, 3))}
    assert dict(buckets) == dict(sums)
    page = core.experiments.search_runs(experiment="crowd", limit=100)
    assert page["total"] == 20 and all(r["status"] == "Completed" for r in page["runs"])
    assert all(r["metrics"]["loss"]["last_step"] == points - 1 for r in page["runs"])
