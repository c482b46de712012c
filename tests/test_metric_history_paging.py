"""A long metric history is served a page at a time, and the server keeps answering meanwhile.

Issue 19, finding 7: the whole history of a 200,000-point metric was one 9 MB answer that took
16-17 s on a loaded machine and stalled every other request for seconds. Now
`GET /runs/{id}/metrics/{name}` answers pages of at most `limit` points in step order with a
`next_token`; the pages joined are the series as logged. No timing is asserted: the test
checks that a request sent while the history is being read is answered before the reading ends.
"""
from __future__ import annotations

import json
import math
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from servers import JupyterProcess

pytestmark = pytest.mark.slow

POINTS = 200_000


def _get(jp: JupyterProcess, path: str) -> Any:
    req = urllib.request.Request(jp.url + path, headers={"Authorization": f"token {jp.token}"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def test_a_200000_point_history_is_served_in_pages_while_other_requests_are_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, root = tmp_path / "home", tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv("LABSTUDIO_HOME", str(home))
    monkeypatch.delenv("LABSTUDIO_DB_URL", raising=False)
    from labstudio import Run

    values = np.sin(np.arange(POINTS) / 1000.0)
    values[7] = np.nan
    with Run(experiment_name="long", run_name="long-run") as run:
        run.log_series("loss", values)
        run.log_series("acc", values[:100])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    env["LABSTUDIO_HOME"] = str(home)
    jp = JupyterProcess(root, env).start()
    try:
        path = f"/labstudio/api/runs/{run.run_id}/metrics/loss"
        first = _get(jp, path)
        assert first["count"] == POINTS and len(first["steps"]) == 10_000 and first["next_token"]

        pages: list[dict[str, Any]] = []
        first_page_in = threading.Event()

        def read_all() -> None:
            token = None
            while True:
                page = _get(jp, path + (f"?next_token={token}" if token else ""))
                pages.append(page)
                first_page_in.set()
                token = page["next_token"]
                if not token:
                    return

        reader = threading.Thread(target=read_all)
        reader.start()
        assert first_page_in.wait(120)
        # another client's request, sent while the history is still being read, is answered
        # before the reader has had all twenty pages
        listed = _get(jp, "/labstudio/api/experiments")
        pages_when_answered = len(pages)
        reader.join(300)
        assert not reader.is_alive()
        assert [e["name"] for e in listed["experiments"]] == ["long"]
        assert pages_when_answered < len(pages) == 20

        steps = [s for p in pages for s in p["steps"]]
        got = [v for p in pages for v in p["values"]]
        assert steps == list(range(POINTS))
        assert got[7] == "NaN" and all(math.isclose(g, w) for g, w in zip(got[8:200], values[8:200]))
        assert all(len(p["steps"]) <= 10_000 and p["count"] == POINTS for p in pages)

        # a page size of one's own, up to the documented maximum; a token of another series is refused
        big = _get(jp, path + "?limit=100000")
        assert len(big["steps"]) == 100_000 and big["steps"][-1] == 99_999
        rest = _get(jp, path + f"?limit=100000&next_token={big['next_token']}")
        assert rest["steps"][0] == 100_000 and rest["next_token"] is None
        with pytest.raises(urllib.error.HTTPError) as err:
            _get(jp, f"/labstudio/api/runs/{run.run_id}/metrics/acc?next_token={big['next_token']}")
        assert err.value.code == 400 and json.loads(err.value.read())["field"] == "next_token"
        with pytest.raises(urllib.error.HTTPError) as err:
            _get(jp, path + "?limit=100001")
        assert err.value.code == 400 and json.loads(err.value.read())["field"] == "limit"
        # downsampled, it is still one answer with the series' shape
        down = _get(jp, path + "?max_points=500")
        assert down["downsampled"] and len(down["steps"]) <= 500 and down["next_token"] is None
    finally:
        jp.stop()
