"""Endpoints hardening (issue 9): what REST may name, unknown fields, deleted job archives,
and a model that hangs. Real Jupyter server (jp_fetch), real endpoint processes on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import wait_for
from httpjson import body as _body
from httpjson import error as _error
from labstudio import procs
from labstudio.errors import Invalid
from labstudio.shapes import to_json
from serving_helpers import FOUR_HANDLERS, get, post, write_source

pytestmark = pytest.mark.slow

# Imported by an endpoint worker, it leaves a mark: the test proves it never ran.
OUTSIDE_SCRIPT = """
import os
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "RAN"), "w").close()

def transform_fn(model, body, content_type, accept):
    return "outside", "text/plain"
"""

# A model that cannot be interrupted: it swallows any exception (as C code ignores signals).
HANGING = """
import json
import os
import time


def model_fn(model_dir):
    return "model"


def transform_fn(model, body, content_type, accept):
    seconds = json.loads(body).get("sleep", 0)
    if seconds:
        with open(os.environ["HANG_MARK"], "a") as mark:  # which workers hung
            mark.write(f"{os.getpid()}\\n")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            time.sleep(0.05)
        except BaseException:
            pass
    return json.dumps({"slept": seconds, "pid": os.getpid()}), "application/json"
"""


@pytest.fixture
def cleanup(labstudio_home):
    yield
    from labstudio.core import Core

    core = Core.from_env()
    for item in core.endpoints.list()["Endpoints"]:
        core.endpoints.delete(item["EndpointName"], timeout=10)


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"not an archive")

    do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def http_recorder() -> Iterator[tuple[str, list[str]]]:
    """A tiny HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def _servers_of(endpoints_dir: Path) -> list[int]:
    """Endpoint supervisors started for this home (their command line names its folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "labstudio.serving.server" in cmdline and str(endpoints_dir) in cmdline:
            found.append(int(entry.name))
    return found


def _nothing_created(core, endpoints_dir: Path) -> None:  # type: ignore[no-untyped-def]
    assert core.endpoints.list()["Endpoints"] == []
    assert not endpoints_dir.exists() or list(endpoints_dir.iterdir()) == []
    assert _servers_of(endpoints_dir) == []


async def _post(jp_fetch, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    return await _error(jp_fetch, "labstudio", "api", "endpoints", method="POST", body=json.dumps(body))


async def test_rest_entry_point_must_stay_in_its_source_folder(jp_fetch, jp_root_dir: Path, core, diabetes_model, tmp_path: Path, cleanup) -> None:  # type: ignore[no-untyped-def]
    elsewhere = write_source(tmp_path / "elsewhere", OUTSIDE_SCRIPT)
    outside = elsewhere / "inference.py"
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "m")
    write_source(jp_root_dir / "models" / "m" / "code", FOUR_HANDLERS)  # a model folder with its own code/
    write_source(jp_root_dir / "inf", FOUR_HANDLERS)
    (jp_root_dir / "inf" / "link.py").symlink_to(outside)
    climb = "../" * 12 + str(outside).lstrip("/")
    bad_variants = [
        {"Source": "models/m", "EntryPoint": str(outside)},
        {"Source": "models/m", "SourceDir": "inf", "EntryPoint": climb},
        {"Source": "models/m", "SourceDir": "inf", "EntryPoint": str(outside)},
        {"Source": "models/m", "SourceDir": "inf", "EntryPoint": "link.py"},
        {"Source": "models/m", "EntryPoint": "../../../" + str(outside).lstrip("/")},
        {"Source": "models/m", "EntryPoint": "~/inference.py"},
    ]
    for variant in bad_variants:
        code, err = await _post(jp_fetch, {"EndpointName": "escape", "ProductionVariants": [{"VariantName": "main", **variant}]})
        assert code == 400 and err["field"] == "EntryPoint", (variant, err)
    code, err = await _post(jp_fetch, {"EndpointName": "escape", "Source": "models/m", "EntryPoint": str(outside)})
    assert code == 400 and err["field"] == "EntryPoint", err
    _nothing_created(core, core.settings.endpoints_dir)

    # a relative entry point inside the source folder is served (a folder with no link out of the root)
    write_source(jp_root_dir / "inf-clean", FOUR_HANDLERS)
    resp = await jp_fetch(
        "labstudio", "api", "endpoints", method="POST", params={"wait": "true"},
        body=json.dumps({"EndpointName": "inside", "ProductionVariants": [{"VariantName": "main", "Source": "models/m", "SourceDir": "inf-clean", "EntryPoint": "inference.py"}]}),
    )
    created = _body(resp)
    assert resp.code == 201 and created["EndpointStatus"] == "InService", created
    assert created["Pid"] in _servers_of(core.settings.endpoints_dir)  # what _nothing_created looks for

    # the same checks on update; the endpoint keeps serving what it served
    for variant in bad_variants:
        code, err = await _error(
            jp_fetch, "labstudio", "api", "endpoints", "inside", method="PATCH",
            body=json.dumps({"ProductionVariants": [{"VariantName": "main", **variant}]}),
        )
        assert code == 400 and err["field"] == "EntryPoint", (variant, err)
    code, err = await _error(
        jp_fetch, "labstudio", "api", "endpoints", "inside", method="PATCH",
        body=json.dumps({"ProductionVariants": [{"VariantName": "main", "EntryPoint": "link.py"}]}),
    )
    assert code == 400 and err["field"] == "EntryPoint" and "give its Source too" in err["message"], err
    described = _body(await jp_fetch("labstudio", "api", "endpoints", "inside"))
    assert described["EndpointStatus"] == "InService" and described["ProductionVariants"][0]["EntryPoint"] == "inference.py"
    assert not (elsewhere / "RAN").exists()

    # a duplicate name is still a conflict
    code, err = await _post(jp_fetch, {"EndpointName": "inside", "ProductionVariants": [{"Source": "models/m", "SourceDir": "inf-clean"}]})
    assert code == 409, err


async def test_rest_refuses_symlinks_that_leave_the_root(jp_fetch, jp_root_dir: Path, core, diabetes_model, tmp_path: Path, cleanup) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("outside the root")
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "m")
    (jp_root_dir / "models" / "m" / "secret").symlink_to(secret)
    code, err = await _post(jp_fetch, {"EndpointName": "leak", "Source": "models/m"})
    assert code == 400 and err["field"] == "Source", err
    assert "secret" in err["message"] and str(secret) in err["message"], err

    write_source(tmp_path / "lib", FOUR_HANDLERS)
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "clean")
    write_source(jp_root_dir / "inf", FOUR_HANDLERS)
    (jp_root_dir / "inf" / "lib").symlink_to(tmp_path / "lib", target_is_directory=True)
    code, err = await _post(jp_fetch, {"EndpointName": "leak", "Source": "models/clean", "SourceDir": "inf", "EntryPoint": "inference.py"})
    assert code == 400 and err["field"] == "SourceDir", err
    assert "lib" in err["message"] and str(tmp_path / "lib") in err["message"], err
    _nothing_created(core, core.settings.endpoints_dir)

    # a link that stays inside the root is served
    shared = jp_root_dir / "shared.txt"
    shared.write_text("inside the root")
    (jp_root_dir / "models" / "clean" / "shared").symlink_to(shared)
    resp = await jp_fetch(
        "labstudio", "api", "endpoints", method="POST", params={"wait": "true"},
        body=json.dumps({"EndpointName": "linked", "Source": "models/clean"}),
    )
    created = _body(resp)
    assert resp.code == 201 and created["EndpointStatus"] == "InService", created
    # an update to a source with an outside link is refused too; the endpoint keeps serving
    code, err = await _error(
        jp_fetch, "labstudio", "api", "endpoints", "linked", method="PATCH",
        body=json.dumps({"ProductionVariants": [{"VariantName": created["ProductionVariants"][0]["VariantName"], "Source": "models/m"}]}),
    )
    assert code == 400 and err["field"] == "Source" and str(secret) in err["message"], err
    assert _body(await jp_fetch("labstudio", "api", "endpoints", "linked"))["EndpointStatus"] == "InService"
    await jp_fetch("labstudio", "api", "endpoints", "linked", method="DELETE")
    assert core.endpoints.list()["Endpoints"] == []


def test_sdk_entry_point_may_be_absolute_inside_its_folder_only(endpoints, diabetes_model, tmp_path: Path) -> None:
    src = write_source(tmp_path / "src", FOUR_HANDLERS)
    elsewhere = write_source(tmp_path / "elsewhere", OUTSIDE_SCRIPT)
    with pytest.raises(Invalid) as err:
        endpoints.deploy(str(diabetes_model["dir"]), name="sdk-escape", source_dir=str(src), entry_point=str(elsewhere / "inference.py"))
    assert err.value.field == "EntryPoint"
    with pytest.raises(Invalid) as err:
        endpoints.deploy(str(diabetes_model["dir"]), name="sdk-escape", source_dir=str(src), entry_point="../elsewhere/inference.py")
    assert err.value.field == "EntryPoint"
    assert endpoints.list()["Endpoints"] == []
    d = endpoints.deploy(str(diabetes_model["dir"]), name="sdk-abs", source_dir=str(src), entry_point=str(src / "inference.py"), wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    assert d["ProductionVariants"][0]["EntryPoint"] == "inference.py"
    assert not (elsewhere / "RAN").exists()


async def test_rest_sources_stay_in_the_root_or_the_artifact_store(jp_fetch, jp_root_dir: Path, core, diabetes_model, tmp_path: Path, http_recorder, cleanup) -> None:  # type: ignore[no-untyped-def]
    host, hits = http_recorder
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    archive = outside / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(diabetes_model["dir"] / "model.joblib", arcname="model.joblib")
    write_source(jp_root_dir / "inf", FOUR_HANDLERS)
    sources = [
        f"local://{archive}",
        f"http://{host}/x.tar.gz",
        f"https://{host}/x.tar.gz",
        f"s3://some-bucket/{host}/x.tar.gz",
        f"file://{archive}",
        f"file://{jp_root_dir}/../{archive.relative_to(jp_root_dir.parent)}",
        f"gopher://{host}/x.tar.gz",
    ]
    for source in sources:
        for body in (
            {"EndpointName": "fetched", "ProductionVariants": [{"Source": source, "SourceDir": "inf"}]},
            {"EndpointName": "fetched", "Source": source},
        ):
            code, err = await _post(jp_fetch, body)
            assert code == 400 and err["field"] == "Source", (source, err)
            assert "Jupyter root" in err["message"], err
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "m")
    write_source(outside / "code", FOUR_HANDLERS)
    code, err = await _post(jp_fetch, {"EndpointName": "fetched", "ProductionVariants": [{"Source": "models/m", "SourceDir": f"file://{outside}/code"}]})
    assert code == 400 and err["field"] == "SourceDir" and "Jupyter root" in err["message"], err
    assert hits == []
    _nothing_created(core, core.settings.endpoints_dir)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    import labstudio

    env = dict(os.environ)
    package_root = str(Path(labstudio.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return subprocess.run([sys.executable, "-m", "labstudio.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_cli_keeps_local_paths_but_refuses_unknown_schemes(endpoints, diabetes_model, tmp_path: Path) -> None:
    bad = _cli("deploy", "gopher://example.invalid/model.tar.gz", "--name", "gopher", cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "gopher://" in bad.stderr, bad.stderr
    assert endpoints.list()["Endpoints"] == []
    # a local user may deploy any folder of theirs, and choose the endpoint's request timeout
    src = write_source(tmp_path / "src", FOUR_HANDLERS)
    ok = _cli("deploy", str(diabetes_model["dir"]), "--name", "cli-local", "--source-dir", str(src), "--model-timeout", "7", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert endpoints.describe("cli-local")["ModelServerTimeout"] == 7


async def test_unknown_fields_are_refused(jp_fetch, jp_root_dir: Path, core, diabetes_model, cleanup) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "m")
    write_source(jp_root_dir / "inf", FOUR_HANDLERS)
    variant = {"VariantName": "main", "Source": "models/m", "SourceDir": "inf"}
    for body, field, listed in (
        ({"EndpointName": "u", "ProductionVariants": [variant], "Colour": "blue"}, "Colour", "ProductionVariants"),
        ({"endpointname": "u", "ProductionVariants": [variant]}, "endpointname", "EndpointName"),
        ({"EndpointName": "u", "ProductionVariants": [{**variant, "instances": 2}]}, "ProductionVariants[0].instances", "InitialInstanceCount"),
        ({"EndpointName": "u", "ProductionVariants": [{**variant, "Initial_Instance_Count": 2}]}, "ProductionVariants[0].Initial_Instance_Count", "InitialInstanceCount"),
        ({"EndpointName": "u", "variants": [variant]}, "variants", "ProductionVariants"),
        ({"EndpointName": "u", "ProductionVariants": [variant], "DataCaptureConfig": {"EnableCapture": True, "Percent": 5}}, "DataCaptureConfig.Percent", "InitialSamplingPercentage"),
    ):
        code, err = await _post(jp_fetch, body)
        assert code == 400 and err["field"] == field, (body, err)
        assert "allowed fields" in err["message"] and listed in err["message"], err
    code, err = await _post(jp_fetch, {"EndpointName": "u", "ProductionVariants": [variant], "Source": "models/m"})
    assert code == 400 and err["field"] == "Source" and "inside ProductionVariants" in err["message"], err
    _nothing_created(core, core.settings.endpoints_dir)

    resp = await jp_fetch(
        "labstudio", "api", "endpoints", method="POST", params={"wait": "true"},
        body=json.dumps({"EndpointName": "u", "ProductionVariants": [variant], "ModelServerTimeout": 30, "MaxPayloadBytes": 1000000}),
    )
    assert _body(resp)["EndpointStatus"] == "InService"
    for body, field in (
        ({"ProductionVariants": [{"VariantName": "main", "InitialVariantWeight": 2}], "EndpointName": "u"}, "EndpointName"),
        ({"ProductionVariants": [{"VariantName": "main", "DesiredWeight": 2}]}, "ProductionVariants[0].DesiredWeight"),
        ({"production_variants": [{"VariantName": "main"}]}, "production_variants"),
    ):
        code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", "u", method="PATCH", body=json.dumps(body))
        assert code == 400 and err["field"] == field, (body, err)
    described = _body(await jp_fetch("labstudio", "api", "endpoints", "u"))
    assert described["ProductionVariants"][0]["CurrentWeight"] == 1


TRAIN = """
import os
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("1")
"""


async def test_deploying_a_job_whose_archive_was_deleted_is_refused(jp_fetch, core, tmp_path: Path, cleanup) -> None:  # type: ignore[no-untyped-def]
    src = write_source(tmp_path / "job-src", TRAIN, name="train.py")
    job = to_json(core.jobs.submit({"name": "gone-job", "entry_point": "train.py", "source_dir": str(src), "experiment_name": "gone-exp"}))
    done = to_json(await asyncio.to_thread(core.jobs.wait, job["TrainingJobName"], timeout=180))
    assert done["TrainingJobStatus"] == "Completed", done
    archive = done["ModelArtifacts"]["S3ModelArtifacts"]
    assert Path(archive).is_file()
    core.experiments.delete_experiment("gone-exp")
    assert not Path(archive).exists()

    code, err = await _post(jp_fetch, {"EndpointName": "from-gone", "ProductionVariants": [{"Source": "gone-job"}]})
    assert code == 400 and err["field"] == "Source", err
    assert "was deleted with its run/experiment" in err["message"] and "gone-job" in err["message"]
    with pytest.raises(Invalid, match="was deleted with its run/experiment"):
        core.endpoints.deploy("gone-job", name="from-gone")
    _nothing_created(core, core.settings.endpoints_dir)


async def test_a_hanging_model_answers_504_and_ping_keeps_answering(jp_fetch, jp_root_dir: Path, core, tmp_path: Path, monkeypatch, cleanup) -> None:  # type: ignore[no-untyped-def]
    mark = tmp_path / "hang-started"
    model = jp_root_dir / "models" / "slow"
    model.mkdir(parents=True)
    (model / "weights.txt").write_text("0")
    write_source(jp_root_dir / "slow-src", HANGING)
    resp = await jp_fetch(
        "labstudio", "api", "endpoints", method="POST", params={"wait": "true"},
        body=json.dumps({
            "EndpointName": "slow",
            "ProductionVariants": [{"Source": "models/slow", "SourceDir": "slow-src", "Environment": {"HANG_MARK": str(mark)}}],
            "ModelServerTimeout": 2,
        }),
    )
    created = _body(resp)
    assert created["EndpointStatus"] == "InService", created
    url = created["EndpointUrl"]
    first_workers = created["ProductionVariants"][0]["WorkerPids"]

    # Two requests to a one-worker endpoint whose model hangs for 10 minutes; the client
    # would wait 120 s: a 504 can only come from the endpoint's own 2 s timeout.
    hang = json.dumps({"sleep": 600})
    first = asyncio.ensure_future(asyncio.to_thread(post, url, hang, timeout=120))
    await asyncio.to_thread(wait_for, mark.exists, 60, 0.05, "the hanging prediction to start")
    second = asyncio.ensure_future(asyncio.to_thread(post, url, hang, timeout=120))
    assert await asyncio.to_thread(get, url, "/ping", 10) == 200  # the loop is not blocked by the model
    code, _, body = await first
    assert code == 504 and "timeout" in json.loads(body)["message"], body
    code, _, body = await second
    assert code in (200, 504), body

    # through the authenticated proxy: the endpoint's 504 and its JSON message
    err_code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", "slow", "invocations", method="POST", body=hang, headers={"Content-Type": "application/json"}, request_timeout=120)
    assert err_code == 504 and "ModelServerTimeout" in err["message"], err

    # every stuck worker is replaced (each hanging request may have stuck a replacement too:
    # the mark names them all); the endpoint serves again
    def stuck() -> set[int]:
        return set(first_workers) | {int(pid) for pid in mark.read_text().split()}

    await asyncio.to_thread(wait_for, lambda: not any(procs.is_alive(p, None) for p in stuck()), 90, 0.2, "the stuck workers to exit")

    def replaced() -> bool:
        workers = core.endpoints.describe("slow")["ProductionVariants"][0]["WorkerPids"]
        return bool(workers) and not set(workers) & stuck()

    await asyncio.to_thread(wait_for, replaced, 60, 0.2, "a new worker")
    code, _, body = await asyncio.to_thread(post, url, json.dumps({"sleep": 0}), timeout=60)
    answer = json.loads(body)
    assert code == 200 and answer["slept"] == 0 and answer["pid"] not in stuck(), answer

    # an endpoint that does not answer at all (its only worker frozen): the proxy answers 504 itself, not 502
    os.kill(answer["pid"], signal.SIGSTOP)
    try:
        err_code, err = await _error(
            jp_fetch, "labstudio", "api", "endpoints", "slow", "invocations", method="POST",
            body=json.dumps({"sleep": 0}), headers={"Content-Type": "application/json"}, request_timeout=120,
        )
        assert err_code == 504 and "endpoint 'slow' did not answer within" in err["message"], err
    finally:
        os.kill(answer["pid"], signal.SIGCONT)
