"""The artifact store: model and output archives, logs and logged files, under one fsspec URL.

A plain path (the default, `<home>/artifacts`) and `s3://bucket/prefix` go through the same
calls; the store hands out full URIs so that a DescribeTrainingJob answer reads like
SageMaker's `S3ModelArtifacts`.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
from pathlib import Path
from typing import IO

from .errors import Invalid


def is_local(uri: str) -> bool:
    """A plain path or a file:// URI (what needs no fsspec filesystem)."""
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> Path:
    return Path(uri[len("file://"):] if uri.startswith("file://") else uri)


def safe_key(*parts: str) -> str:
    """Join key parts, refusing anything that would climb out of the store's root."""
    key = posixpath.normpath("/".join(p.strip("/") for p in parts if p))
    if key.startswith("..") or key.startswith("/") or "/../" in f"/{key}/":
        raise Invalid(f"artifact path {key!r} escapes the artifact store")
    return key


class ArtifactStore:
    def __init__(self, root_uri: str) -> None:
        self.root_uri = root_uri.rstrip("/")
        self.local = is_local(root_uri)
        if self.local:
            self.root = local_path(self.root_uri)
            self.root.mkdir(parents=True, exist_ok=True)

    def _fs(self):  # type: ignore[no-untyped-def]
        import fsspec

        fs, path = fsspec.core.url_to_fs(self.root_uri)
        return fs, path.rstrip("/")

    def uri_for(self, key: str) -> str:
        key = safe_key(key)
        if self.local:
            return str(self.root / key)
        return f"{self.root_uri}/{key}"

    def put_file(self, local_path: str | os.PathLike[str], key: str) -> str:
        key = safe_key(key)
        if self.local:
            dest = self.root / key
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".partial")
            shutil.copyfile(local_path, tmp)
            os.replace(tmp, dest)
            return str(dest)
        fs, root = self._fs()
        fs.put_file(str(local_path), f"{root}/{key}")
        return self.uri_for(key)

    def put_bytes(self, data: bytes, key: str) -> str:
        key = safe_key(key)
        if self.local:
            dest = self.root / key
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".partial")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
            return str(dest)
        fs, root = self._fs()
        with fs.open(f"{root}/{key}", "wb") as handle:
            handle.write(data)
        return self.uri_for(key)

    def pack_dir(self, folder: str | os.PathLike[str], key: str, scratch: Path, compresslevel: int = 6) -> str:
        """tar.gz a folder's contents (files at the archive root, as SageMaker does) and store it.

        `compresslevel` 1 suits archives made on a job's way to its first line (a Ray job's folder)."""
        scratch.mkdir(parents=True, exist_ok=True)
        archive = scratch / Path(key).name
        with tarfile.open(archive, "w:gz", compresslevel=compresslevel) as tar:
            for entry in sorted(Path(folder).iterdir()):
                tar.add(entry, arcname=entry.name)
        try:
            return self.put_file(archive, key)
        finally:
            archive.unlink(missing_ok=True)

    def delete_prefix(self, key: str) -> None:
        key = safe_key(key)
        if self.local:
            target = self.root / key
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
            return
        fs, root = self._fs()
        if fs.exists(f"{root}/{key}"):
            fs.rm(f"{root}/{key}", recursive=True)


def open_uri(uri: str, mode: str = "rb") -> IO[bytes]:
    """Open any artifact URI handed out by a store (local path, file://, s3://, ...)."""
    if is_local(uri):
        return open(local_path(uri), mode)
    import fsspec

    return fsspec.open(uri, mode).open()


def exists(uri: str) -> bool:
    """Whether an artifact URI still names a file (deleting a run deletes its archives)."""
    if is_local(uri):
        return local_path(uri).exists()
    import fsspec

    fs, path = fsspec.core.url_to_fs(uri)
    return bool(fs.exists(path))


def fetch(uri: str, dest: str | os.PathLike[str]) -> Path:
    """Copy an artifact to a local file (no copy when it is already local: returns its path)."""
    if is_local(uri):
        return local_path(uri)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open_uri(uri) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
    return dest


def extract_archive(archive: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Unpack a model.tar.gz safely: members that would land outside dest are refused."""
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:*") as tar:
        try:
            tar.extractall(dest, filter="data")
        except TypeError:  # Python without extraction filters
            for member in tar.getmembers():
                target = (dest / member.name).resolve()
                if dest not in target.parents and target != dest:
                    raise Invalid(f"archive member {member.name!r} would be written outside {dest}") from None
            tar.extractall(dest)
    return dest
