"""GET /labstudio/api/backends through a real Jupyter server: what the launch forms offer."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from tornado.httpclient import HTTPClientError

from httpjson import body as _body


def _by_name(choices: dict) -> dict[str, dict]:
    return {b["name"]: b for b in choices["backends"]}


async def test_local_is_available_and_the_default(jp_fetch) -> None:
    answer = _body(await jp_fetch("labstudio", "api", "backends"))
    assert answer["jobs"]["default"] == "local" and answer["endpoints"]["default"] == "local"
    for kind in ("jobs", "endpoints"):
        local = _by_name(answer[kind])["local"]
        assert local == {"name": "local", "available": True, "reason": None, "address": None}
        assert "ray" in _by_name(answer[kind])


@pytest.fixture
def ray_on_sqlite(labstudio_home, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's settings ask for Ray while the store stays the test's SQLite file."""
    address = "ray://127.0.0.1:1"  # nothing listens there: the answer must not try to connect
    monkeypatch.setenv("LABSTUDIO_BACKEND", "ray")
    monkeypatch.setenv("LABSTUDIO_RAY_ADDRESS", address)
    return address


async def test_ray_on_a_sqlite_store_is_unavailable_with_what_to_configure(ray_on_sqlite: str, jp_fetch) -> None:
    answer = _body(await jp_fetch("labstudio", "api", "backends"))
    jobs = answer["jobs"]
    assert jobs["default"] == "ray"
    ray = _by_name(jobs)["ray"]
    assert ray["available"] is False and ray["address"] == ray_on_sqlite
    assert "LABSTUDIO_DB_URL" in ray["reason"], ray["reason"]
    assert _by_name(jobs)["local"]["available"] is True
    endpoints_ray = _by_name(answer["endpoints"])["ray"]
    assert endpoints_ray["available"] is False and "LABSTUDIO_DB_URL" in endpoints_ray["reason"], endpoints_ray


@pytest.fixture
def ray_configured(labstudio_home, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Settings a cluster can work with (a PostgreSQL store of its own, an s3:// artifact store)
    and a Ray address where nothing listens."""
    from sqlalchemy import create_engine, text

    name = "ls_" + uuid.uuid4().hex[:12]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    address = "ray://127.0.0.1:1"
    monkeypatch.setenv("LABSTUDIO_DB_URL", postgres_url.rsplit("/", 1)[0] + "/" + name)
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", "s3://labstudio-artifacts/team")
    monkeypatch.setenv("LABSTUDIO_RAY_ADDRESS", address)
    try:
        yield address
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


async def test_ray_with_shared_stores_is_available_without_contacting_the_cluster(ray_configured: str, jp_fetch) -> None:
    """Nothing listens at the address: had the answer tried to reach the cluster, Ray would be unavailable."""
    answer = _body(await jp_fetch("labstudio", "api", "backends"))
    assert answer["jobs"]["default"] == "local"
    for kind in ("jobs", "endpoints"):
        ray = _by_name(answer[kind])["ray"]
        assert ray == {"name": "ray", "available": True, "reason": None, "address": ray_configured}, (kind, ray)


async def test_needs_authentication(jp_serverapp, http_server_client, jp_base_url) -> None:
    with pytest.raises(HTTPClientError) as err:
        await http_server_client.fetch(jp_base_url.rstrip("/") + "/labstudio/api/backends", raise_error=True)
    assert err.value.code == 403
