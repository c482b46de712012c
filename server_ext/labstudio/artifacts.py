"""The artifact store: model and output archives, logs and logged files, under one fsspec URL.

A plain path (the default, `<home>/artifacts`) and `s3://bucket/prefix` go through the same
calls; the store hands out full URIs so that a DescribeTrainingJob answer reads like
SageMaker's `S3ModelArtifacts`.
"""
from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from . import safe_write
from .diskfull import full_message, is_disk_full
from .errors import DiskFull, Invalid


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
    """Archives and files under one root URI.

    Local writes never follow a link below the root (safe_write.py): each file is created
    under a temporary name in its folder's descriptor and renamed into place. `exact_root`
    says the root itself is a path resolved earlier (a job's `output_path`, resolved at
    submit): a link anywhere in it now is refused too, instead of written through. A write
    that finds the disk full raises errors.DiskFull naming the file and the file system, and
    leaves no partial file behind.
    """

    def __init__(self, root_uri: str, *, exact_root: bool = False) -> None:
        self.root_uri = root_uri.rstrip("/")
        self.local = is_local(root_uri)
        self.exact_root = exact_root
        if self.local:
            self.root = local_path(self.root_uri)
            with self._disk_full_named("the artifact folder", self.root):
                os.close(safe_write.open_dir(self.root, exact=exact_root))

    def _fs(self):  # type: ignore[no-untyped-def]
        import fsspec

        fs, path = fsspec.core.url_to_fs(self.root_uri)
        return fs, path.rstrip("/")

    def uri_for(self, key: str) -> str:
        key = safe_key(key)
        if self.local:
            return str(self.root / key)
        return f"{self.root_uri}/{key}"

    @staticmethod
    @contextlib.contextmanager
    def _disk_full_named(what: str, path: Path) -> Iterator[None]:
        try:
            yield
        except DiskFull:
            raise
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(full_message(what, path)) from exc
            raise

    def _folder(self, key: str, create: bool = True) -> tuple[int, str]:
        """(descriptor of the folder holding `key`, the file's name), opened without following links."""
        parent, _, name = key.rpartition("/")
        root_fd = safe_write.open_dir(self.root, exact=self.exact_root, create=create)
        try:
            return (safe_write.open_dir(parent, below=root_fd, shown_in=str(self.root), create=create) if parent else os.dup(root_fd)), name
        finally:
            os.close(root_fd)

    @contextlib.contextmanager
    def _local_file(self, key: str, what: str) -> Iterator[IO[bytes]]:
        """A new local file at `key`: in place once the block ends, gone if it raises."""
        with self._disk_full_named(what, self.root / key):
            fd, name = self._folder(key)
            try:
                with safe_write.creating(fd, name) as handle:
                    yield handle
            finally:
                os.close(fd)

    def put_file(self, local_path: str | os.PathLike[str], key: str) -> str:
        key = safe_key(key)
        if self.local:
            with open(local_path, "rb") as src, self._local_file(key, "a file") as out:
                safe_write.copy_stream(src, out)
            return str(self.root / key)
        fs, root = self._fs()
        fs.put_file(str(local_path), f"{root}/{key}")
        return self.uri_for(key)

    def put_bytes(self, data: bytes, key: str) -> str:
        key = safe_key(key)
        if self.local:
            with self._local_file(key, "a file") as out:
                out.write(data)
            return str(self.root / key)
        fs, root = self._fs()
        with fs.open(f"{root}/{key}", "wb") as handle:
            handle.write(data)
        return self.uri_for(key)

    def pack_dir(self, folder: str | os.PathLike[str], key: str, scratch: Path, compresslevel: int = 6) -> str:
        """tar.gz a folder's contents (files at the archive root, as SageMaker does) and store it.

        A local store gets the archive written in place (no scratch copy: half the space);
        a remote one is sent from `scratch`. `compresslevel` 1 suits archives made on a job's
        way to its first line (a Ray job's folder)."""
        key = safe_key(key)
        if self.local:
            with self._local_file(key, "an archive") as out:
                _tar_into(out, folder, compresslevel)
            return str(self.root / key)
        archive = scratch / Path(key).name
        try:
            with self._disk_full_named("an archive", archive):
                scratch.mkdir(parents=True, exist_ok=True)
                with open(archive, "wb") as out:
                    _tar_into(out, folder, compresslevel)
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


def _tar_into(out: IO[bytes], folder: str | os.PathLike[str], compresslevel: int) -> None:
    with tarfile.open(fileobj=out, mode="w:gz", compresslevel=compresslevel) as tar:
        for entry in sorted(Path(folder).iterdir()):
            tar.add(entry, arcname=entry.name)


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
