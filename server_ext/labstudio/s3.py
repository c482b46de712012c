"""``labstudio.s3``: SageMaker's ``S3Uploader``/``S3Downloader`` over fsspec.

Local paths and ``file://`` URIs work offline (a driver can keep its upload/download steps
and point them at a folder); ``s3://`` works when s3fs is installed, with the machine's own
AWS configuration, and says to install s3fs when it is not. ``sagemaker_session`` and
``kms_key`` are accepted for compatibility: copies go straight through fsspec.
"""
from __future__ import annotations

import io
import os
from typing import Any

from .sdk import storage

__all__ = ["S3Uploader", "S3Downloader", "parse_s3_url", "s3_path_join"]


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")``."""
    if not isinstance(url, str) or not url.startswith("s3://"):
        raise ValueError(f"Expecting 's3' scheme, got: {url!r}")
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


def s3_path_join(*args: str, with_end_slash: bool = False) -> str:
    """Join parts with single slashes, keeping a leading ``s3://`` intact."""
    parts = [str(a) for a in args if a]
    if not parts:
        return ""
    head = parts[0]
    scheme = ""
    for prefix in ("s3://", "file://"):
        if head.startswith(prefix):
            scheme, head = prefix, head[len(prefix):]
    joined = "/".join(p.strip("/") for p in [head, *parts[1:]] if p.strip("/"))
    return scheme + joined + ("/" if with_end_slash and joined else "")


class S3Uploader:
    @staticmethod
    def upload(local_path: str | os.PathLike[str], desired_s3_uri: str, kms_key: Any = None, sagemaker_session: Any = None,
               callback: Any = None) -> str:
        """Copy a file (to ``<desired>/<name>``) or a folder's files (under ``<desired>``); returns that URI."""
        return _same_scheme(desired_s3_uri, storage.upload(local_path, _local(desired_s3_uri)))

    @staticmethod
    def upload_string_as_file_body(body: str, desired_s3_uri: str | None = None, kms_key: Any = None, sagemaker_session: Any = None) -> str:
        if not desired_s3_uri:
            raise ValueError("desired_s3_uri is required: where to write the string")
        storage.write_bytes(body.encode("utf-8"), _local(desired_s3_uri))
        return desired_s3_uri

    @staticmethod
    def upload_bytes(b: bytes | io.BytesIO, s3_uri: str, kms_key: Any = None, sagemaker_session: Any = None) -> str:
        storage.write_bytes(b.getvalue() if isinstance(b, io.BytesIO) else bytes(b), _local(s3_uri))
        return s3_uri


class S3Downloader:
    @staticmethod
    def download(s3_uri: str, local_path: str | os.PathLike[str], kms_key: Any = None, sagemaker_session: Any = None) -> list[str]:
        """Copy a file, or every file under a prefix, into ``local_path``; returns the local paths."""
        return storage.download(_local(s3_uri), local_path)

    @staticmethod
    def read_file(s3_uri: str, sagemaker_session: Any = None) -> str:
        return storage.read_bytes(_local(s3_uri)).decode("utf-8")

    @staticmethod
    def read_bytes(s3_uri: str, sagemaker_session: Any = None) -> bytes:
        return storage.read_bytes(_local(s3_uri))

    @staticmethod
    def list(s3_uri: str, sagemaker_session: Any = None) -> list[str]:
        """The URIs of every file under the prefix."""
        return storage.list_files(_local(s3_uri))


def _local(uri: str) -> str:
    """A bucket kept in the artifact store (the session's default bucket) is written and read there."""
    from .config import Settings

    return storage.localize(uri, Settings.from_env().artifact_uri)


def _same_scheme(given: str, uri: str) -> str:
    """Answer a plain local path with a plain path (as given), a URI with a URI."""
    if "://" not in given and uri.startswith("file://"):
        return uri[len("file://"):]
    return uri
