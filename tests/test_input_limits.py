"""Input that used to be accepted and then fail (or answer 500), on SQLite and on PostgreSQL:
each is a 400/409 JSON answer naming the field and the fix, before anything is created.

Issue 19's findings 5 and 6, against a real Jupyter server over real HTTP: paths longer than
the file system allows in every path field, filters nested 500 deep, NUL characters (which
PostgreSQL text cannot hold) in names, descriptions, run ids and query arguments, an endpoint
token that would break the HTTP header it travels in, a TRACE on the events socket, runtimes of
10**20 or text, 200,000-character tags and categorical values, destinations thousands of
folders deep, an empty entrypoint, an endpoint asking for Jupyter's own port, an unknown
endpoint status, and the documented tuning page size.
"""
from __future__ import annotations

import http.client
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from servers import JupyterProcess

pytestmark = pytest.mark.slow

API = "/labstudio/api"


def _start(tmp_path_factory: pytest.TempPathFactory, db_url: str | None) -> JupyterProcess:
    base = tmp_path_factory.mktemp("limits")
    root = base / "root"
    (root / "src").mkdir(parents=True)
    (root / "train.py").write_text("print('loss=0.5')\n")
    (root / "src" / "train.py").write_text("print('loss=0.5')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    env.update(LABSTUDIO_HOME=str(base / "home"), LABSTUDIO_MAX_CONCURRENT_JOBS="1", LABSTUDIO_STOP_GRACE_SECONDS="2")
    if db_url:
        env["LABSTUDIO_DB_URL"] = db_url
    return JupyterProcess(root, env).start()


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterProcess]:
    jp = _start(tmp_path_factory, None)
    yield jp
    jp.stop()


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[JupyterProcess]:
    from sqlalchemy import create_engine, text

    name = "limits_" + uuid.uuid4().hex[:10]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    jp = _start(tmp_path_factory, postgres_url.rsplit("/", 1)[0] + "/" + name)
    try:
        yield jp
    finally:
        jp.stop()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> JupyterProcess:
    return request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}_server")


def send(jp: JupyterProcess, method: str, path: str, body: Any = None) -> tuple[int, str, Any]:
    """One request as a client sends it (any method, any bytes); (status, content type, JSON or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", jp.port, timeout=120)
    data = json.dumps(body).encode() if body is not None else None
    try:
        conn.request(method, path, body=data, headers={"Authorization": f"token {jp.token}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        raw, ctype = resp.read(), resp.getheader("Content-Type") or ""
    finally:
        conn.close()
    try:
        return resp.status, ctype, json.loads(raw)
    except ValueError:
        return resp.status, ctype, raw.decode(errors="replace")


def refused(answer: tuple[int, str, Any], field: str, *words: str, status: int = 400) -> dict[str, Any]:
    code, ctype, body = answer
    assert code == status and ctype.startswith("application/json"), answer
    assert body.get("field") == field, body
    for word in words:
        assert word in body["message"], body
    return body


def nothing_created(jp: JupyterProcess) -> None:
    for collection, key in (("jobs", "TrainingJobSummaries"), ("processing-jobs", "ProcessingJobSummaries"),
                            ("transform-jobs", "TransformJobSummaries"), ("tuning-jobs", "HyperParameterTuningJobSummaries"),
                            ("endpoints", "Endpoints")):
        code, _, listed = send(jp, "GET", f"{API}/{collection}")
        assert code == 200 and listed[key] == [], (collection, listed)


# -- paths past the file system's limits (finding 5) ------------------------------------------

NAME_TOO_LONG = "a" * 300  # one folder name over NAME_MAX (255 bytes)
PATH_TOO_LONG = "/".join(["abcdefgh"] * 600)  # 5,399 characters: over PATH_MAX, far over 1024
TUNE = {"objective_metric_name": "loss", "hyperparameter_ranges": {"a": {"type": "Categorical", "values": ["x"]}}, "max_jobs": 1}
METRICS = [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]

# (method, route, body for a path value, the field the answer names)
PATH_FIELDS = [
    ("POST", "/jobs", lambda p: {"entry_point": p}, "entry_point"),
    ("POST", "/jobs", lambda p: {"entry_point": "train.py", "source_dir": p}, "source_dir"),
    ("POST", "/jobs", lambda p: {"entry_point": "train.py", "channels": {"train": p}}, "channels"),
    ("POST", "/jobs", lambda p: {"entry_point": "train.py", "output_path": p}, "output_path"),
    ("POST", "/processing-jobs", lambda p: {"code": p}, "code"),
    ("POST", "/processing-jobs", lambda p: {"code": "train.py", "source_dir": p}, "source_dir"),
    ("POST", "/processing-jobs", lambda p: {"code": "train.py", "inputs": [{"source": p, "destination": "/opt/ml/processing/in"}]}, "inputs[0].source"),
    ("POST", "/processing-jobs", lambda p: {"code": "train.py", "inputs": [{"source": "train.py", "destination": "/opt/ml/processing/" + p}]},
     "inputs[0].destination"),
    ("POST", "/processing-jobs", lambda p: {"code": "train.py", "outputs": [{"source": "/opt/ml/processing/" + p}]}, "outputs[0].source"),
    ("POST", "/processing-jobs", lambda p: {"code": "train.py", "outputs": [{"source": "/opt/ml/processing/out", "destination": p}]},
     "outputs[0].destination"),
    ("POST", "/transform-jobs", lambda p: {"model": p, "input": "train.py", "output_path": "out"}, "model"),
    ("POST", "/transform-jobs", lambda p: {"model": "src", "input": p, "output_path": "out"}, "input"),
    ("POST", "/transform-jobs", lambda p: {"model": "src", "input": "train.py", "output_path": p}, "output_path"),
    ("POST", "/transform-jobs", lambda p: {"model": "src", "input": "train.py", "output_path": "out", "entry_point": p}, "entry_point"),
    ("POST", "/transform-jobs", lambda p: {"model": "src", "input": "train.py", "output_path": "out", "source_dir": p}, "source_dir"),
    ("POST", "/tuning-jobs", lambda p: {"training": {"entry_point": p, "metric_definitions": METRICS}, **TUNE}, "training.entry_point"),
    ("POST", "/tuning-jobs", lambda p: {"training": {"entry_point": "train.py", "channels": {"t": p}, "metric_definitions": METRICS}, **TUNE},
     "training.channels"),
    ("POST", "/endpoints", lambda p: {"EndpointName": "long", "Source": p}, "Source"),
    ("POST", "/endpoints", lambda p: {"EndpointName": "long", "Source": "src", "EntryPoint": p}, "EntryPoint"),
    ("POST", "/endpoints", lambda p: {"EndpointName": "long", "Source": "src", "SourceDir": p}, "SourceDir"),
    ("POST", "/endpoints", lambda p: {"EndpointName": "long", "ProductionVariants": [{"Source": p}]}, "ProductionVariants[0].Source"),
    ("POST", "/endpoints", lambda p: {"EndpointName": "long", "Source": "src", "DataCaptureConfig": {"DestinationS3Uri": p}},
     "DataCaptureConfig.DestinationS3Uri"),
    ("PUT", "/endpoints/long", lambda p: {"ProductionVariants": [{"VariantName": "AllTraffic", "Source": p}]}, "ProductionVariants[0].Source"),
]


@pytest.mark.parametrize("method, route, make, field", PATH_FIELDS, ids=[f"{r}:{f}" for _, r, _, f in PATH_FIELDS])
def test_paths_past_the_file_systems_limits_name_the_field(sqlite_server: JupyterProcess, method: str, route: str, make: Any, field: str) -> None:
    for value in (NAME_TOO_LONG, PATH_TOO_LONG):  # each a path no file system takes (OSError 36 before)
        refused(send(sqlite_server, method, API + route, make(value)), field, "at most", "shorten it")
    nothing_created(sqlite_server)


# -- filters (finding 5) ------------------------------------------------------------------------

DEEP = "(" * 500 + "name = 'x'" + ")" * 500


@pytest.mark.parametrize("route", ["/runs?filter=", "/runs?format=csv&filter=", "/runs/export.csv?filter="])
def test_filters_nested_500_deep_are_a_400(server: JupyterProcess, route: str) -> None:
    refused(send(server, "GET", API + route + quote(DEEP)), "filter", "32 levels deep")
    many = " and ".join(["metrics.loss > 0"] * 150)
    refused(send(server, "GET", API + route + quote(many)), "filter", "more than 100 comparisons")
    listed = " or ".join(["name = 'x'"] * 20) + " and status in (" + ",".join(f"'s{i}'" for i in range(200)) + ")"
    refused(send(server, "GET", API + route + quote(listed)), "filter", "each value of an 'in' list counts")
    assert send(server, "GET", API + "/runs?order_by=" + quote(", ".join(["metrics.loss"] * 150)))[0] == 400
    # a filter within the limits still answers, on every store
    fine = " and ".join(["metrics.loss > 0"] * 50) + " or (" + "not " * 20 + "name = 'x')"
    assert send(server, "GET", API + route + quote(fine))[0] == 200


# -- NUL, which PostgreSQL text cannot hold (finding 5) ------------------------------------------

NUL = "a\u0000b"


@pytest.mark.parametrize(
    "method, route, body, field",
    [
        ("POST", "/experiments", {"name": NUL}, "name"),
        ("POST", "/experiments", {"name": "nul-description", "description": NUL}, "description"),
        ("POST", "/experiments", {"name": "nul-tag", "tags": {"team": NUL}}, "tags.team"),
        ("POST", "/experiments", {"name": "nul-tag-name", "tags": {NUL: "x"}}, "tags"),
        ("PATCH", "/experiments/Default", {"description": NUL}, "description"),
        ("POST", "/experiments/Default/tags", {"tags": {"k": NUL}}, "tags.k"),
        ("PATCH", "/runs/0123456789abcdef", {"name": NUL}, "name"),
        ("POST", "/runs/compare", {"runs": [NUL]}, "runs[0]"),
        ("POST", "/runs/compare", {"runs": ["0123456789abcdef"], "metrics": [NUL]}, "metrics[0]"),
        ("POST", "/endpoints", {"EndpointName": "nul-env", "Source": "src", "Environment": {"MODE": NUL}}, "Environment.MODE"),
        ("POST", "/endpoints", {"EndpointName": "nul-accept", "Source": "src", "DefaultAccept": NUL}, "DefaultAccept"),
        ("POST", "/tuning-jobs", {"training": {"entry_point": "train.py", "metric_definitions": METRICS}, **TUNE, "objective_metric_name": NUL},
         "objective_metric_name"),
    ],
)
def test_nul_in_any_text_is_a_400_naming_the_field(server: JupyterProcess, method: str, route: str, body: dict[str, Any], field: str) -> None:
    refused(send(server, method, API + route, body), field, "NUL")
    code, _, listed = send(server, "GET", API + "/experiments")
    assert code == 200 and {e["name"] for e in listed["experiments"]} <= {"Default"}
    nothing_created(server)


@pytest.mark.parametrize(
    "path, field",
    [("/experiments/a%00b", "name"), ("/jobs/a%00b", "name"), ("/runs?experiment=a%00b", "experiment"),
     ("/runs?filter=" + quote("name = 'a\u0000b'"), "filter"), ("/jobs?name_contains=a%00b", "name_contains"),
     ("/experiments/Default/tags?key=a%00b", "key")],
)
def test_nul_in_path_and_query_arguments_is_a_400(server: JupyterProcess, path: str, field: str) -> None:
    method = "DELETE" if path.endswith("key=a%00b") else "GET"
    refused(send(server, method, API + path), field, "NUL")


def test_the_sdk_refuses_nul_in_run_and_experiment_names(pg_core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run
    from labstudio.errors import Invalid

    for make in (lambda: Run(experiment_name="e", run_name=NUL), lambda: Run(experiment_name=NUL),
                 lambda: pg_core.experiments.create_experiment("ok", description=NUL),
                 lambda: pg_core.experiments.compare([NUL])):
        with pytest.raises(Invalid, match="NUL") as err:
            make()
        assert isinstance(err.value, ValueError)
    with Run(experiment_name="e", run_name="fine") as run:
        with pytest.raises(ValueError, match="NUL"):
            run.set_tags({"k": NUL})
        with pytest.raises(ValueError, match="NUL"):
            run.log_metric(NUL, 1.0)
    assert pg_core.experiments.get_run(run.run_id)["tags"] == {}


# -- endpoints (findings 5 and 6) ----------------------------------------------------------------

def test_an_auth_token_that_would_break_its_header_is_a_400(server: JupyterProcess) -> None:
    for token in ("a\r\nX-Injected: 1", "two words", "x" * 2000):
        refused(send(server, "POST", API + "/endpoints", {"EndpointName": "token", "Source": "src", "AuthToken": token}), "AuthToken")
    nothing_created(server)


def test_an_endpoint_cannot_ask_for_jupyters_own_port(sqlite_server: JupyterProcess) -> None:
    body = refused(send(sqlite_server, "POST", API + "/endpoints", {"EndpointName": "clash", "Source": "src", "Port": sqlite_server.port}),
                   "Port", "Jupyter server's own port", status=409)
    assert "leave Port out" in body["message"]
    nothing_created(sqlite_server)


def test_listing_endpoints_by_an_unknown_status_is_a_400_like_other_lists(sqlite_server: JupyterProcess) -> None:
    refused(send(sqlite_server, "GET", API + "/endpoints?status=Foo"), "status", "InService")
    refused(send(sqlite_server, "GET", API + "/jobs?status=Foo"), "status")
    assert send(sqlite_server, "GET", API + "/endpoints?status=InService")[0] == 200


def test_trace_on_the_events_socket_answers_json_and_logs_no_error(sqlite_server: JupyterProcess) -> None:
    for method in ("TRACE", "CONNECT", "OPTIONS", "PATCH"):
        code, ctype, body = send(sqlite_server, method, API + "/events")
        assert code == 405 and ctype.startswith("application/json") and "WebSocket" in body["message"], (method, code, body)
    assert send(sqlite_server, "GET", API + "/jobs")[0] == 200
    assert "Uncaught exception in write_error" not in sqlite_server.log.read_text()


# -- numbers, tags and commands past SageMaker's limits (finding 6) ------------------------------

TRAIN = {"entry_point": "train.py"}


@pytest.mark.parametrize(
    "route, body, field, words",
    [
        ("/jobs", {**TRAIN, "max_runtime_seconds": 10**20}, "max_runtime_seconds", "at most 2419200"),
        ("/jobs", {**TRAIN, "max_runtime_seconds": "3600"}, "max_runtime_seconds", "whole number"),
        ("/processing-jobs", {"code": "train.py", "max_runtime_seconds": 10**20}, "max_runtime_seconds", "at most 777600"),
        ("/tuning-jobs", {"training": {**TRAIN, "metric_definitions": METRICS}, **TUNE, "max_runtime_in_seconds": 10**20},
         "max_runtime_in_seconds", "at most 15768000"),
        ("/tuning-jobs", {"training": {**TRAIN, "metric_definitions": METRICS}, **TUNE, "max_runtime_in_seconds": "600"},
         "max_runtime_in_seconds", "whole number"),
        ("/tuning-jobs", {"training": {**TRAIN, "metric_definitions": METRICS}, **TUNE, "max_runtime_in_seconds": 60},
         "max_runtime_in_seconds", "at least 120"),
        ("/jobs", {**TRAIN, "tags": {"team": "x" * 200_000}}, "tags", "at most 256 characters"),
        ("/jobs", {**TRAIN, "tags": {f"t{i}": "x" for i in range(51)}}, "tags", "at most 50"),
        ("/processing-jobs", {"code": "train.py", "tags": {"team": "x" * 200_000}}, "tags.team", "at most 256 characters"),
        ("/transform-jobs", {"model": "src", "input": "train.py", "output_path": "out", "tags": {"team": "x" * 200_000}}, "tags.team", "256"),
        ("/experiments", {"name": "big-tags", "tags": {"team": "x" * 200_000}}, "tags.team", "at most 256 characters"),
        ("/tuning-jobs", {"training": {**TRAIN, "metric_definitions": METRICS}, **TUNE, "tags": {"team": "x" * 200_000}}, "tags.team", "256"),
        ("/tuning-jobs", {"training": {**TRAIN, "metric_definitions": METRICS}, **TUNE,
                          "hyperparameter_ranges": {"a": {"type": "Categorical", "values": ["x" * 200_000]}}},
         "hyperparameter_ranges.a", "at most 256 characters"),
        ("/processing-jobs", {"code": "train.py", "outputs": [{"source": "/opt/ml/processing/out", "destination": "/".join(["d"] * 3000)}]},
         "outputs[0].destination", "at most 1024"),
        ("/processing-jobs", {"entrypoint": [""]}, "entrypoint", "first word is empty"),
        ("/processing-jobs", {"code": "train.py", "command": [" "]}, "command", "first word is empty"),
    ],
)
def test_values_that_would_fail_later_are_refused_with_the_limit(server: JupyterProcess, route: str, body: dict[str, Any], field: str, words: str) -> None:
    refused(send(server, "POST", API + route, body), field, words)
    nothing_created(server)


def test_the_documented_tuning_page_size_is_accepted(sqlite_server: JupyterProcess) -> None:
    code, _, listed = send(sqlite_server, "GET", API + "/tuning-jobs?status=InProgress&max_results=1000")
    assert code == 200 and listed["HyperParameterTuningJobSummaries"] == []
    document = send(sqlite_server, "GET", API + "/openapi.json")[2]
    params = {p["name"]: p for p in document["paths"][API + "/tuning-jobs"]["get"]["parameters"]}
    assert params["max_results"]["schema"]["maximum"] == 1000
    refused(send(sqlite_server, "GET", API + "/tuning-jobs?max_results=1001"), "max_results", "1000")
