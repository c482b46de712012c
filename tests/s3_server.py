"""An S3-compatible server (moto) on 127.0.0.1 for the scale-out suite (owned by the S3 work).

`s3_server` (session) runs moto's standalone server as a real subprocess, the way s3fs's own
tests do, so every process a test starts (supervisors, the CLI, a Jupyter server) reaches the
same server over HTTP. `s3_env` (per test) points the standard AWS variables at it, isolates the
user's AWS files, and creates a fresh bucket, so tests never see each other's objects.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "labstudio-test-key"
SECRET_KEY = "labstudio-test-secret"
REGION = "us-east-1"

# Variables that could point boto3 elsewhere than the test server; removed for every test.
_AWS_VARS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `python -m moto.server` on a free port; yield its endpoint URL; stop it at the end."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_ENDPOINT_URL_S3", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{endpoint}/moto-api/"):
            if proc.poll() is not None:
                raise RuntimeError(f"moto server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not answer on {endpoint}: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield endpoint
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@dataclass(frozen=True)
class S3Env:
    """What a test needs: its own bucket, the server's endpoint, and a boto3 client for checks."""

    bucket: str
    endpoint: str

    def url(self, key: str = "") -> str:
        """`s3://<bucket>/<key>`."""
        return f"s3://{self.bucket}/{key}"

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def put(self, key: str, body: bytes | str) -> None:
        self.client().put_object(Bucket=self.bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)

    def get(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self, prefix: str = "") -> list[str]:
        """Every key under prefix (paginated, sorted)."""
        found: list[str] = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(found)


@pytest.fixture
def s3_env(s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Env]:
    """Standard AWS variables aimed at the moto server (inherited by every process the test
    starts), the user's own AWS files replaced by empty ones, and a fresh bucket."""
    for name in _AWS_VARS_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    aws_dir = tmp_path / "aws-config"
    aws_dir.mkdir(exist_ok=True)
    (aws_dir / "config").write_text("")
    (aws_dir / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # No instance-metadata probing: a "no credentials" test must fail fast, not wait on 169.254.x.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    env = S3Env(bucket=f"labstudio-{uuid.uuid4().hex[:16]}", endpoint=s3_server)
    env.client().create_bucket(Bucket=env.bucket)
    yield env
