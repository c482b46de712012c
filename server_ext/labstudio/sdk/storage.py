"""Where a driver's S3 calls land: fsspec URLs, and SageMaker buckets as folders of the artifact store.

A local-mode driver still uploads its data (``session.upload_data``) and reads results back
(``S3Downloader``). Here a *bucket* is a folder ``buckets/<bucket>/`` of labstudio's artifact
store, so an upload lands next to the models and logs, is a ``file://`` URI a training channel
accepts, and becomes ``s3://`` by itself when the artifact store is on S3. Every copy goes
through fsspec, so a local path, a ``file://`` URI and (with s3fs installed) ``s3://`` behave
the same.
"""
from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

DEFAULT_BUCKET = "labstudio-local"
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def check_bucket(bucket: str) -> str:
    """A bucket name as S3 spells them (it becomes a folder name, so nothing else gets through)."""
    if not isinstance(bucket, str) or not BUCKET_RE.match(bucket) or ".." in bucket:
        raise ValueError(
            f"bucket {bucket!r} is not a valid bucket name: use 3-63 lower-case letters, digits, '.' or '-' "
            "(or leave bucket=None for the session's default bucket)"
        )
    return bucket


def clean_key(key: str, what: str = "key_prefix") -> str:
    """A key prefix without leading/trailing slashes, refused if it climbs out with '..'."""
    key = str(key or "").strip("/")
    if not key:
        return ""
    norm = posixpath.normpath(key)
    if norm == ".." or norm.startswith("../") or "\0" in key:
        raise ValueError(f"{what} {key!r} climbs out of its bucket; give a plain prefix such as 'data/train'")
    return "" if norm == "." else norm


def filesystem(uri: str) -> tuple[Any, str]:
    """(fsspec filesystem, path) for a local path or URL, with the package to install when one is missing."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(uri)
    except ImportError as exc:
        scheme = uri.split("://", 1)[0]
        package = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}.get(scheme, f"the fsspec driver for {scheme}://")
        raise ValueError(f"{uri}: reading or writing {scheme}:// needs {package}; install it with `pip install {package}`") from exc
    except ValueError as exc:
        raise ValueError(f"{uri}: {exc}") from exc
    return fs, path


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def as_uri(uri: str) -> str:
    """A location as a URI: local paths become absolute ``file://`` URIs (what a channel accepts)."""
    if is_local(uri):
        path = uri[len("file://"):] if uri.startswith("file://") else uri
        return "file://" + str(Path(path).expanduser().resolve())
    return uri


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts if p and p.strip("/"))])


def upload(local_path: str | os.PathLike[str], dest: str) -> str:
    """Copy a file (to ``dest/<name>``) or a folder's files (under ``dest``); returns the URI
    SageMaker's upload returns: the file's, or the prefix's for a folder."""
    source = Path(os.fspath(local_path)).expanduser()
    if not source.exists():
        raise ValueError(f"path {os.fspath(local_path)!r} does not exist ({source.resolve()}); give a local file or folder to upload")
    fs, root = filesystem(dest)
    root = root.rstrip("/")
    if source.is_file():
        target = f"{root}/{source.name}"
        fs.makedirs(posixpath.dirname(target) or "/", exist_ok=True)
        fs.put_file(str(source), target)
        return as_uri(join(dest, source.name))
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        target = f"{root}/{file.relative_to(source).as_posix()}"
        fs.makedirs(posixpath.dirname(target), exist_ok=True)
        fs.put_file(str(file), target)
    return as_uri(dest)


def list_files(uri: str) -> list[str]:
    """Every file under a prefix (or the file itself), as URIs in the scheme given, sorted."""
    fs, root = filesystem(uri)
    root = root.rstrip("/")
    if not fs.exists(root):
        return []
    if fs.isfile(root):
        return [uri]
    base = uri.rstrip("/")
    return sorted(join(base, posixpath.relpath(p, root)) for p in fs.find(root))


def download(uri: str, local_path: str | os.PathLike[str]) -> list[str]:
    """Copy a file or every file under a prefix into a local folder; returns the local paths."""
    fs, root = filesystem(uri)
    root = root.rstrip("/")
    target = Path(os.fspath(local_path)).expanduser().resolve()
    if not fs.exists(root):
        raise ValueError(f"{uri} does not exist: nothing to download")
    out: list[str] = []
    files = [root] if fs.isfile(root) else sorted(fs.find(root))
    for remote in files:
        rel = posixpath.basename(remote) if remote == root else posixpath.relpath(remote, root)
        dest = (target / rel).resolve()
        if target not in dest.parents:
            raise ValueError(f"{remote} would be written outside {target}; refusing to download it")
        dest.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(remote, str(dest))
        out.append(str(dest))
    return out


def read_bytes(uri: str) -> bytes:
    fs, path = filesystem(uri)
    if not fs.isfile(path):
        raise ValueError(f"{uri} is not a file")
    data: bytes = fs.cat_file(path)
    return data


def write_bytes(data: bytes, uri: str) -> str:
    fs, path = filesystem(uri)
    fs.makedirs(posixpath.dirname(path) or "/", exist_ok=True)
    with fs.open(path, "wb") as handle:
        handle.write(data)
    return as_uri(uri)


def bucket_uri(artifact_uri: str, bucket: str, key: str = "") -> str:
    """The location of ``s3://<bucket>/<key>`` inside the artifact store."""
    return join(as_uri(artifact_uri), "buckets", check_bucket(bucket), clean_key(key, "key"))


def localize(uri: str, artifact_uri: str) -> str:
    """``s3://<bucket>/<key>`` of a bucket kept in the artifact store (the session's default
    bucket, or one a driver uploaded to) as that location; anything else unchanged.

    A local-mode driver builds ``s3://{session.default_bucket()}/...`` URIs for its outputs and
    hands them to estimators, transformers and pipelines: they land next to the uploads."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return uri
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not BUCKET_RE.match(bucket) or ".." in bucket:
        return uri
    local = bucket_uri(artifact_uri, bucket)
    if bucket != DEFAULT_BUCKET:
        try:
            fs, path = filesystem(local)
            if not fs.exists(path):
                return uri
        except ValueError:
            return uri
    return join(local, clean_key(key, "key")) + ("/" if key.endswith("/") else "")
