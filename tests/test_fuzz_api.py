"""Schemathesis over the whole REST API of a real Jupyter server: no 5xx, no answer outside the docs.

Every operation of /labstudio/api/openapi.json is exercised (schemathesis's coverage,
fuzzing and stateful phases) with Jupyter's token, and each answer is checked: not a server
error, a documented status code, the documented content type and headers, a body that
matches the documented schema. Any failure fails the test with schemathesis's report
(each failure comes with a curl command that reproduces it).

It runs twice: on the default SQLite store, and on a PostgreSQL store (a database of its own
on the session's server), where text and numbers meet other limits (no NUL in text, 32/64-bit
integers, a planner that can be made to explode).

The volume is bounded so the suite stays a few minutes long: LABSTUDIO_FUZZ_EXAMPLES test
cases per operation on SQLite (default 150: one to three minutes on two cores) and
LABSTUDIO_FUZZ_PG_EXAMPLES on PostgreSQL (default 50: the same operations, fewer draws, as the
SQLite run has already covered the generator's breadth); LABSTUDIO_FUZZ_SEED replays a run.
The server's home is thrown away afterwards; the jobs fuzzed requests may start are tiny (a
root folder with one train.py) and at most one runs at a time, and whatever is still running or
serving is stopped through the API before the server stops.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers import JupyterProcess

pytestmark = pytest.mark.slow

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> str:
    """The store the fuzzed server uses: "" for the default SQLite one, else a PostgreSQL URL."""
    return "" if request.param == "sqlite" else request.getfixturevalue("fresh_postgres_url")


@pytest.fixture
def fuzzed_server(tmp_path: Path, store: str) -> Iterator[JupyterProcess]:
    home = tmp_path / "home"
    root = tmp_path / "root"
    root.mkdir()
    # so that some fuzzed POST /jobs are valid and really run
    (root / "train.py").write_text("print('loss=0.5')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    env.update(LABSTUDIO_HOME=str(home), LABSTUDIO_MAX_CONCURRENT_JOBS="1", LABSTUDIO_STOP_GRACE_SECONDS="2")
    if store:
        env["LABSTUDIO_DB_URL"] = store
    jp = JupyterProcess(root, env).start()
    try:
        yield jp
    finally:
        try:
            _stop_everything(jp)
        finally:
            jp.stop()


def _stop_everything(jp: JupyterProcess) -> None:
    """Endpoints, jobs and tuning jobs a fuzzed request created must not outlive the test."""
    code, listed = jp.request("GET", "/labstudio/api/endpoints")
    for item in listed.get("Endpoints", []) if code == 200 else []:
        jp.request("DELETE", f"/labstudio/api/endpoints/{item['EndpointName']}")
    # tuning jobs first: a running tuner would start new trials after their jobs are stopped
    code, tuning = jp.request("GET", "/labstudio/api/tuning-jobs?status=InProgress&max_results=1000")
    assert code == 200, tuning  # the documented page size: a refusal here left tuners running before
    for item in tuning.get("HyperParameterTuningJobSummaries", []):
        jp.request("POST", f"/labstudio/api/tuning-jobs/{item['HyperParameterTuningJobName']}/stop")
    for collection, key, name in (
        ("jobs", "TrainingJobSummaries", "TrainingJobName"),
        ("processing-jobs", "ProcessingJobSummaries", "ProcessingJobName"),
        ("transform-jobs", "TransformJobSummaries", "TransformJobName"),
    ):
        for status in ("InProgress", "Stopping"):
            code, jobs = jp.request("GET", f"/labstudio/api/{collection}?status={status}&limit=1000")
            for job in jobs.get(key, []) if code == 200 else []:
                jp.request("POST", f"/labstudio/api/{collection}/{job[name]}/stop")


DEFAULT_SEED = "20261130"


@pytest.mark.timeout(1800)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzzed_server: JupyterProcess, store: str, tmp_path: Path) -> None:
    examples = int(os.environ.get("LABSTUDIO_FUZZ_PG_EXAMPLES", "50") if store else os.environ.get("LABSTUDIO_FUZZ_EXAMPLES", "150"))
    report = tmp_path / "schemathesis.json"
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{fuzzed_server.url}/labstudio/api/openapi.json",
        "--header", f"Authorization: token {fuzzed_server.token}",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(examples),
        "--workers", "2",
        "--request-timeout", "60",
        "--generation-database", "none",
        "--report", "json", "--report-json-path", str(report),
        "--no-color",
    ]
    # A fixed seed by default: the build must not turn red on a draw that trips schemathesis's own
    # generator (seen once: a runtime error while building a strategy, with 0 API failures). Set
    # LABSTUDIO_FUZZ_SEED to explore other draws, or to "random" for a fresh one each run.
    seed = os.environ.get("LABSTUDIO_FUZZ_SEED", DEFAULT_SEED)
    if seed != "random":
        cmd += ["--seed", seed]
    # cwd: schemathesis writes nothing into the repository
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    summary = json.loads(report.read_text()) if report.exists() else {}
    cases = summary.get("test_cases", {})
    operations = summary.get("operations", {})
    print(
        f"schemathesis ({'PostgreSQL' if store else 'SQLite'}): {operations.get('tested')} of {operations.get('total')} operations, "
        f"{cases.get('generated')} test cases, {cases.get('unique_failures')} failures, seed {summary.get('seed')}"
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert operations.get("tested") == operations.get("total") and operations.get("total", 0) >= 25, operations
    assert not summary.get("failures") and not summary.get("errors"), summary
    # the server survived the run and still answers
    assert fuzzed_server.request("GET", "/labstudio/api/jobs")[0] == 200
