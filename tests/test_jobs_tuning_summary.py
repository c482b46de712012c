"""The training job list names the tuning job of a trial (its labstudio:tuning-job tag), so
the panel's jobs section can show trials as such without reading every tuning job."""
from __future__ import annotations

import json
from pathlib import Path

from httpjson import body as _body


async def test_list_names_the_tuning_job_of_a_trial(jp_fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "train.py").write_text("print('ok')\n")
    for name, tags in (("plain-job", {}), ("trial-job", {"labstudio:tuning-job": "sweep-1"})):
        resp = await jp_fetch(
            "labstudio", "api", "jobs", method="POST",
            body=json.dumps({"entry_point": "train.py", "name": name, "tags": tags}),
        )
        assert resp.code == 201
    page = _body(await jp_fetch("labstudio", "api", "jobs"))
    by_name = {j["TrainingJobName"]: j for j in page["TrainingJobSummaries"]}
    assert by_name["trial-job"]["TuningJobName"] == "sweep-1"
    assert by_name["plain-job"]["TuningJobName"] is None
