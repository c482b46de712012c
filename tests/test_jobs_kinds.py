"""A new kind of job is one entry in the registry (labstudio/jobs/kinds.py) and nothing else.

tests/extra_kind.py holds a kind labstudio does not ship ("echo": print a text), written the
way the registry's guide says: shapes, a spec and a definition. Registered in this process,
its jobs run end to end through the engine and its own supervisor process, and every client
offers it — the REST collection /echo-jobs (and GET /jobs?kind=echo, and the OpenAPI
document), `labstudio echo list|describe|logs|stop`, core.job_kinds — without a line of code
for it anywhere else.
"""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import pytest

import extra_kind
from conftest import wait_for
from labstudio.errors import Conflict, Invalid, NameTaken, NotFound
from labstudio.jobs import kinds
from labstudio.shapes import to_json
from labstudio.status import JobStatus
from labstudio.store import runs as runs_store

pytestmark = pytest.mark.slow


@pytest.fixture
def echo_kind() -> Iterator[kinds.JobKind]:
    kind = kinds.register(extra_kind.KIND)
    try:
        yield kind
    finally:
        kinds.unregister(kind.name)


def test_a_job_of_a_registered_kind_runs_end_to_end(echo_kind, core) -> None:
    service = core.job_kinds["echo"]
    described = service.submit({"text": "hello from a new kind", "name": "echo-one", "experiment_name": "kinds"})
    assert described.EchoJobName == "echo-one" and described.EchoJobStatus == JobStatus.IN_PROGRESS
    final = service.wait("echo-one", timeout=60)
    # The engine's own Supervisor ran it, in its own process, and said so in the kind's words.
    assert final.EchoJobStatus == JobStatus.COMPLETED and final.ExitCode == 0, final
    assert final.StatusMessage == "Echo job completed"
    assert service.logs("echo-one").text == "hello from a new kind\n"
    # Its run was recorded with the parameters the definition gave.
    with core.db.read() as conn:
        run = runs_store.get_run(conn, final.RunId)
    assert run is not None and run.params == {"text": "hello from a new kind"} and run.status == "Completed"

    # Listed alone, and among every kind, newest first, with its Kind.
    assert [row.EchoJobName for row in service.list().EchoJobSummaries] == ["echo-one"]
    core.jobs.wait(core.jobs.submit({"entry_point": "x.py", "source_dir": str(_script(core))}).TrainingJobName, timeout=60)
    rows = to_json(core.engine.list_kinds(["echo", "training"]))["JobSummaries"]
    assert [row["Kind"] for row in rows] == ["training", "echo"] and rows[1]["EchoJobName"] == "echo-one"

    # The engine's rules hold for it as for any kind.
    with pytest.raises(Conflict, match="Echo job 'echo-one' is already Completed"):
        service.stop("echo-one")
    with pytest.raises(NotFound, match="Echo job 'nope' does not exist"):
        service.describe("nope")
    with pytest.raises(NotFound, match="Training job 'echo-one' does not exist"):
        core.jobs.describe("echo-one")  # a job of one kind is not found as another
    with pytest.raises(NameTaken) as taken:
        service.submit({"text": "again", "name": "echo-one"})
    assert taken.value.field == "name"
    with pytest.raises(Invalid) as bad:
        service.submit({"text": ""})
    assert bad.value.field == "text"


def test_a_registered_kind_is_stopped_by_the_engine(echo_kind, core) -> None:
    service = core.job_service("echo")
    service.submit({"text": "waiting", "seconds": 120, "name": "echo-stop"})
    wait_for(lambda: service.logs("echo-stop").text == "waiting\n", timeout=60, message="the echo job to print")
    assert service.stop("echo-stop").EchoJobStatus == JobStatus.STOPPING
    final = service.wait("echo-stop", timeout=60)
    assert final.EchoJobStatus == JobStatus.STOPPED and final.StatusMessage == "Echo job stopped by request"


def test_cli_offers_a_group_for_a_registered_kind(echo_kind, core) -> None:
    from labstudio.cli import main

    core.job_service("echo").submit({"text": "from the cli test", "name": "echo-cli"})
    core.job_service("echo").wait("echo-cli", timeout=60)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["echo", "list"]) == 0
    assert "echo-cli" in out.getvalue() and "Completed" in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["echo", "describe", "echo-cli"]) == 0
    assert json.loads(out.getvalue())["Text"] == "from the cli test"
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["echo", "logs", "echo-cli"]) == 0
    assert out.getvalue() == "from the cli test\n"


async def test_rest_serves_a_registered_kind(echo_kind, jp_fetch: Any, core) -> None:
    resp = await jp_fetch("labstudio", "api", "echo-jobs", method="POST", body=json.dumps({"text": "over REST", "name": "echo-rest"}))
    assert resp.code == 201 and resp.headers["Location"].endswith("/labstudio/api/echo-jobs/echo-rest")
    assert json.loads(resp.body)["EchoJobName"] == "echo-rest"
    core.job_service("echo").wait("echo-rest", timeout=60)
    described = json.loads((await jp_fetch("labstudio", "api", "echo-jobs", "echo-rest")).body)
    assert described["EchoJobStatus"] == "Completed" and described["Text"] == "over REST"
    logs = json.loads((await jp_fetch("labstudio", "api", "echo-jobs", "echo-rest", "logs")).body)
    assert logs["text"] == "over REST\n" and logs["complete"] is True
    listed = json.loads((await jp_fetch("labstudio", "api", "jobs", params={"kind": "echo"})).body)
    assert [(row["Kind"], row["EchoJobName"]) for row in listed["JobSummaries"]] == [("echo", "echo-rest")]
    # The OpenAPI document describes it: its routes, its shapes and its row in the list of every kind.
    document = json.loads((await jp_fetch("labstudio", "api", "openapi.json")).body)
    assert {"/labstudio/api/echo-jobs", "/labstudio/api/echo-jobs/{name}/stop"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert "CreateEchoJobRequest" in schemas and "DescribeEchoJobResponse" in schemas
    rows = schemas["ListJobsResponse"]["properties"]["JobSummaries"]["anyOf"][0]["items"]
    assert rows["discriminator"]["mapping"]["echo"] == "#/components/schemas/EchoJobEntry" and "EchoJobEntry" in schemas
    (kind,) = [p for p in document["paths"]["/labstudio/api/jobs"]["get"]["parameters"] if p["name"] == "kind"]
    assert "echo" in kind["schema"]["items"]["enum"]


def test_registering_a_clashing_kind_is_refused(echo_kind) -> None:
    with pytest.raises(ValueError, match="collection 'jobs' is already 'training'"):
        kinds.register(kinds.JobKind(name="other", stem="OtherJob", noun="Other job", collection="jobs", group="other", definition_path="x:y"))


def _script(core: Any) -> Any:
    folder = core.settings.home / "src"
    folder.mkdir(exist_ok=True)
    (folder / "x.py").write_text("print('x')\n")
    return folder
