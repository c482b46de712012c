"""Bad input a client can send to any labstudio route, against a real Jupyter server over real HTTP.

Each answer must be JSON {"message", "field"} with a 4xx status: never a 500, never Jupyter's
HTML page, never a reset connection. The server must keep serving afterwards.
"""
from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from servers import JupyterProcess
from serving_helpers import CONSTANT, write_source

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterProcess]:
    base = tmp_path_factory.mktemp("hardening")
    home = base / "home"
    root = base / "root"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    env.update(LABSTUDIO_HOME=str(home), LABSTUDIO_MAX_CONCURRENT_JOBS="1", LABSTUDIO_STOP_GRACE_SECONDS="3")
    jp = JupyterProcess(root, env).start()
    try:
        yield jp
    finally:
        try:
            for item in jp.request("GET", "/labstudio/api/endpoints")[1].get("Endpoints", []):
                jp.request("DELETE", f"/labstudio/api/endpoints/{item['EndpointName']}")
        finally:
            jp.stop()


def send(jp: JupyterProcess, method: str, path: str, body: bytes = b"", token: str | None = "test-token", content_type: str = "application/json") -> tuple[int, str, Any]:
    """One raw HTTP request (http.client sends any bytes and any path); (status, content type, JSON or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", jp.port, timeout=120)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"token {token}"
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type") or ""
    finally:
        conn.close()
    try:
        return resp.status, ctype, json.loads(raw)
    except ValueError:
        return resp.status, ctype, raw.decode(errors="replace")


def assert_json_error(answer: tuple[int, str, Any], status: int, field: str | None = None) -> dict[str, Any]:
    code, ctype, body = answer
    assert code == status, answer
    assert ctype.startswith("application/json"), answer
    assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"], answer
    if field is not None:
        assert body.get("field") == field, body
    return body


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("path", ["/labstudio/api/experiments", "/labstudio/api/jobs", "/labstudio/api/runs/compare", "/labstudio/api/endpoints"])
def test_deeply_nested_json_is_a_400_naming_the_body(server: JupyterProcess, path: str) -> None:
    body = assert_json_error(send(server, "POST", path, DEEP), 400, "body")
    assert "too deeply" in body["message"]
    deep_object = b'{"name": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}"
    assert_json_error(send(server, "POST", path, deep_object), 400, "body")
    assert server.request("GET", "/labstudio/api/experiments")[0] == 200


def test_lone_surrogates_are_a_400_naming_the_field(server: JupyterProcess) -> None:
    body = assert_json_error(send(server, "POST", "/labstudio/api/experiments", b'{"name": "a\\ud800b"}'), 400, "name")
    assert "surrogate" in body["message"]
    nested = b'{"name": "surrogate-tags", "tags": {"team": "x\\udc00"}}'
    assert_json_error(send(server, "POST", "/labstudio/api/experiments", nested), 400, "tags.team")
    in_key = b'{"name": "surrogate-keys", "tags": {"\\ud800": "x"}}'
    assert_json_error(send(server, "POST", "/labstudio/api/experiments", in_key), 400, "tags")
    listed = b'{"TrainingJobName": "s", "AlgorithmSpecification": {"TrainingInputMode": "File"}, "Tags": [{"Key": "k", "Value": "\\udfff"}]}'
    assert_json_error(send(server, "POST", "/labstudio/api/jobs", listed), 400, "Tags[0].Value")
    # a surrogate *pair* is ordinary text (an emoji) and is stored as such
    code, _, created = send(server, "POST", "/labstudio/api/experiments", b'{"name": "emoji-tags", "tags": {"mood": "\\ud83d\\ude00"}}')
    assert code == 201, created
    assert server.request("GET", "/labstudio/api/experiments/emoji-tags")[1]["tags"] == {"mood": "\U0001F600"}
    # nothing half-made: the refused experiment does not exist
    assert_json_error(send(server, "GET", "/labstudio/api/experiments/surrogate-tags"), 404)


def test_path_arguments_that_are_not_utf8_are_a_400(server: JupyterProcess) -> None:
    assert_json_error(send(server, "GET", "/labstudio/api/experiments/a%ED%A0%80b"), 400, "name")
    assert_json_error(send(server, "GET", "/labstudio/api/jobs/%FF"), 400, "name")
    assert_json_error(send(server, "GET", "/labstudio/api/jobs?status=%ED%A0%80"), 400, "status")


def test_unknown_paths_and_ids_a_pattern_refuses_answer_json_404(server: JupyterProcess) -> None:
    for method in ("GET", "DELETE", "PATCH", "POST", "PUT"):
        body = assert_json_error(send(server, method, "/labstudio/api/runs/not-hex", b"{}"), 404)
        assert "/labstudio/api/runs/not-hex" in body["message"]
    assert_json_error(send(server, "GET", "/labstudio/api/runs/zz/metrics/loss"), 404)
    assert_json_error(send(server, "GET", "/labstudio/api/no-such-resource"), 404)
    assert_json_error(send(server, "POST", "/labstudio/api/jobs/a/b/c/d"), 404)
    # authenticated like every route: no token, no hint about what exists
    code, _, _ = send(server, "GET", "/labstudio/api/no-such-resource", token=None)
    assert code == 403


def test_a_body_over_the_limit_is_a_413_not_a_reset(server: JupyterProcess) -> None:
    from labstudio.handlers.base import MAX_JSON_BODY_BYTES

    big = b'{"name": "' + b"x" * (MAX_JSON_BODY_BYTES + 1) + b'"}'
    body = assert_json_error(send(server, "POST", "/labstudio/api/experiments", big), 413, "body")
    assert str(MAX_JSON_BODY_BYTES) in body["message"]
    huge = b" " * (26 * 1024 * 1024)
    assert_json_error(send(server, "POST", "/labstudio/api/jobs", huge), 413, "body")
    # the limit is the route's, not a cut connection: the server answers the next request
    assert server.request("GET", "/labstudio/api/jobs")[0] == 200


def test_the_invocation_proxy_answers_413_past_the_endpoints_own_limit(server: JupyterProcess) -> None:
    """Past ~4x its MaxPayloadBytes an endpoint cuts the connection; the proxy used to answer 502."""
    model = server.root / "models" / "const"
    model.mkdir(parents=True)
    (model / "value.txt").write_text("7")
    write_source(server.root / "serving-const", CONSTANT.format())
    code, created = server.request(
        "POST", "/labstudio/api/endpoints?wait=true",
        {"EndpointName": "tiny-limit", "MaxPayloadBytes": 1024,
         "ProductionVariants": [{"VariantName": "main", "Source": "models/const", "SourceDir": "serving-const"}]},
    )
    assert code == 201 and created["EndpointStatus"] == "InService", created
    path = "/labstudio/api/endpoints/tiny-limit/invocations"
    code, _, answer = send(server, "POST", path, b"[1]")
    assert code == 200 and answer == {"value": 7.0}, answer
    for size in (2048, 8 * 1024 * 1024):
        body = assert_json_error(send(server, "POST", path, b"[" + b"1," * (size // 2) + b"1]"), 413, "body")
        assert "1024" in body["message"], body
    # and directly on the endpoint's own port: past 4x the limit it used to reset the connection
    host, port = created["EndpointUrl"].split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        conn.request("POST", "/invocations", body=b"1" * (26 * 1024 * 1024), headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        answer = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 413 and "1024" in answer["message"], answer
    assert server.request("DELETE", "/labstudio/api/endpoints/tiny-limit")[0] == 204


def test_a_tag_value_that_is_an_object_is_refused_not_stored_as_text(server: JupyterProcess) -> None:
    """Found by schemathesis (negative data): {"tags": {"k": {}}} was stored as the text "{}"."""
    assert server.request("POST", "/labstudio/api/experiments", {"name": "tag-types"})[0] == 201
    for value in ({}, [1, 2]):
        body = assert_json_error(send(server, "POST", "/labstudio/api/experiments/tag-types/tags", json.dumps({"tags": {"k": value}}).encode()), 400, "tags.k")
        assert "must be a string" in body["message"]
    assert server.request("GET", "/labstudio/api/experiments/tag-types")[1]["tags"] == {}
