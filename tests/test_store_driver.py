"""The documented store URL works: `postgresql://` opens with psycopg 3 (what `labstudio[postgres]`
installs), `postgresql+psycopg2://` keeps working, and a missing driver is one line naming the
extra in the CLI (exit 2), a clear error in the SDK and a JSON 503 from every server route.

"Missing" is a Python environment in which `import psycopg` fails as it does when the package
is not installed: a folder first on PYTHONPATH whose psycopg/psycopg2 packages raise the same
ModuleNotFoundError Python raises for an absent module. The code under test (labstudio and
SQLAlchemy) is the shipped code, unchanged.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from servers import JupyterProcess

EXTRA = "pip install 'labstudio[postgres]'"
SERVER_EXT = str(Path(__file__).resolve().parent.parent / "server_ext")


@pytest.fixture
def no_driver(tmp_path: Path) -> str:
    """A PYTHONPATH on which psycopg and psycopg2 cannot be imported (see the module docstring)."""
    shadow = tmp_path / "no-driver"
    for module in ("psycopg", "psycopg2"):
        (shadow / module).mkdir(parents=True)
        (shadow / module / "__init__.py").write_text(f"raise ModuleNotFoundError(\"No module named '{module}'\", name='{module}')\n")
    return os.pathsep.join([str(shadow), SERVER_EXT])


def _env(home: Path, url: str, pythonpath: str = SERVER_EXT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    env.update(LABSTUDIO_HOME=str(home), LABSTUDIO_DB_URL=url, PYTHONPATH=pythonpath)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labstudio.cli", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg2"])
def test_both_spellings_of_a_postgresql_url_hold_the_store(fresh_postgres_url: str, tmp_path: Path, scheme: str) -> None:
    assert fresh_postgres_url.startswith("postgresql://"), fresh_postgres_url  # the spelling the docs give
    url = scheme + fresh_postgres_url[len("postgresql"):]
    env = _env(tmp_path / "home", url)
    made = _cli(env, "experiments", "create", "shared-exp")
    assert made.returncode == 0, made.stderr
    listed = _cli(env, "experiments", "list")
    assert listed.returncode == 0 and "shared-exp" in listed.stdout, listed.stdout + listed.stderr
    # both spellings reach the same rows: the other one sees what this one wrote
    other = ("postgresql+psycopg2" if scheme == "postgresql" else "postgresql") + fresh_postgres_url[len("postgresql"):]
    seen = _cli(_env(tmp_path / "home2", other), "experiments", "list")
    assert "shared-exp" in seen.stdout, seen.stdout + seen.stderr


def test_a_bare_postgresql_url_opens_with_psycopg_3(fresh_postgres_url: str, tmp_path: Path) -> None:
    from labstudio.store import Database

    db = Database(fresh_postgres_url)
    try:
        assert db.engine.dialect.driver == "psycopg"
        assert db.current_revision() is not None
    finally:
        db.dispose()


def test_cli_without_the_driver_says_which_extra_to_install(tmp_path: Path, no_driver: str) -> None:
    env = _env(tmp_path / "home", "postgresql://lab@127.0.0.1:1/labstudio", no_driver)
    for args in (["jobs", "list"], ["experiments", "create", "x"]):
        result = _cli(env, *args)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and EXTRA in lines[0] and "LABSTUDIO_DB_URL" in lines[0], result.stderr
        assert "Traceback" not in result.stderr


def test_cli_names_the_package_for_an_explicit_psycopg2_url(tmp_path: Path, no_driver: str) -> None:
    result = _cli(_env(tmp_path / "home", "postgresql+psycopg2://lab@127.0.0.1:1/labstudio", no_driver), "jobs", "list")
    assert result.returncode == 2 and "psycopg2" in result.stderr and EXTRA in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_refuses_a_url_that_is_not_one(tmp_path: Path) -> None:
    result = _cli(_env(tmp_path / "home", "not a url"), "jobs", "list")
    assert result.returncode == 2 and "LABSTUDIO_DB_URL" in result.stderr and "postgresql://user@host/db" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_sdk_without_the_driver_raises_a_clear_error(tmp_path: Path, no_driver: str) -> None:
    code = (
        "from labstudio import Run\n"
        "from labstudio.errors import StoreUnusable\n"
        "try:\n"
        "    Run(experiment_name='e')\n"
        "except StoreUnusable as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    env = _env(tmp_path / "home", "postgresql://lab@127.0.0.1:1/labstudio", no_driver)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("REFUSED") and EXTRA in result.stdout, result.stdout


def test_server_without_the_driver_answers_503_json_on_every_route(tmp_path: Path, no_driver: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    jp = JupyterProcess(root, _env(tmp_path / "home", "postgresql://lab@127.0.0.1:1/labstudio", no_driver)).start()
    try:
        for method, path in (
            ("GET", "/labstudio/api/jobs"),
            ("POST", "/labstudio/api/experiments"),
            ("GET", "/labstudio/api/runs"),
            ("GET", "/labstudio/api/endpoints"),
            ("GET", "/labstudio/api/tuning-jobs"),
            ("GET", "/labstudio/api/no-such-route"),
        ):
            code, body = jp.request(method, path, {"name": "x"} if method == "POST" else None)
            assert code == 503, (method, path, code, body)
            assert isinstance(body, dict) and EXTRA in body["message"], (method, path, body)
        assert jp.request("GET", "/labstudio/api/jobs", token=None)[0] == 403  # still authenticated first
    finally:
        jp.stop()
