"""Content fingerprints of a job's inputs, cheap enough to take at every submit.

Taken in the submitting process (the kernel, the CLI, the server), never on a supervisor's
way to the script's first line. Two methods, chosen by size:

* ``sha256:`` a digest of the bytes themselves (for a folder: of each file's path and
  digest), when the file or folder holds at most ``CONTENT_LIMIT`` bytes in at most
  ``CONTENT_FILES`` files. Copying or touching the data does not change it; editing one byte does.
* ``stat:`` a digest of each file's path, size and modification time, for anything larger:
  one ``stat`` per file, no reading. Rewriting a file (even with the same bytes) changes it,
  as does adding, removing or resizing one; a change that keeps the size and restores the
  modification time does not.

Remote inputs (``s3://...``) are not fingerprinted: that would cost a listing of the bucket
at every submit. Their URI is recorded and reproduce says it could not verify them.
Folders with more than ``MAX_FILES`` files are not fingerprinted either (walking them would
delay the submit by seconds).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

CONTENT_LIMIT = 8 * 1024 * 1024  # bytes read and hashed at most (about 10 ms)
CONTENT_FILES = 2000
MAX_FILES = 50_000
_SKIP = {"__pycache__", ".git", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Fingerprint:
    value: str | None  # "sha256:<hex>" or "stat:<hex>"; None when it could not be taken
    method: str  # "sha256", "stat", "remote", "missing", "too-many-files", "unreadable"

    @property
    def verifiable(self) -> bool:
        return self.value is not None


def local_path(uri: str) -> Path | None:
    """The local path a URI or path names, or None for a remote URI."""
    if uri.startswith("file://"):
        return Path(uri[len("file://"):])
    if "://" in uri:
        return None
    return Path(uri)


def _files(root: Path) -> list[tuple[str, os.stat_result]] | None:
    """(relative path, stat) of every file under a folder, sorted; None past MAX_FILES."""
    out: list[tuple[str, os.stat_result]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP)
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            out.append((os.path.relpath(path, root), st))
            if len(out) > MAX_FILES:
                return None
    out.sort(key=lambda item: item[0])
    return out


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(uri: str) -> Fingerprint:
    """The fingerprint of a local file or folder (see the module's docstring for the methods)."""
    path = local_path(uri)
    if path is None:
        return Fingerprint(None, "remote")
    try:
        if path.is_file():
            st = path.stat()
            if st.st_size <= CONTENT_LIMIT:
                return Fingerprint(f"sha256:{_file_digest(path)}", "sha256")
            return Fingerprint("stat:" + hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest(), "stat")
        if not path.is_dir():
            return Fingerprint(None, "missing")
        files = _files(path)
        if files is None:
            return Fingerprint(None, "too-many-files")
        total = sum(st.st_size for _, st in files)
        digest = hashlib.sha256()
        if total <= CONTENT_LIMIT and len(files) <= CONTENT_FILES:
            for rel, _ in files:
                digest.update(f"{rel}\0{_file_digest(path / rel)}\n".encode("utf-8", "surrogateescape"))
            return Fingerprint(f"sha256:{digest.hexdigest()}", "sha256")
        for rel, st in files:
            digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
        return Fingerprint(f"stat:{digest.hexdigest()}", "stat")
    except OSError:
        return Fingerprint(None, "unreadable")
