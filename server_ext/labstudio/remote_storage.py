"""Data and models on S3-compatible storage (or any fsspec URL): the checks made at submit and
the copies made by supervisors.

Every job kind goes through this module, so a URL is checked and copied the same way whether it
is a training channel, a processing input or output, a transform's data or an endpoint's model.
Credentials and the server come from the standard AWS variables and files, read by botocore
itself (``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``...,
``~/.aws/config``): s3fs builds its client through aiobotocore, which resolves them as boto3
does, so nothing here parses AWS configuration. The checks run before anything is created, so a
typo in a bucket name is a 400 at submit rather than a job that fails after its queue wait.
"""
from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import Invalid

__all__ = ["is_remote", "is_object", "check_readable", "check_writable_prefix", "download", "upload", "join"]

S3_EXTRA = "pip install 'labstudio[s3]'"
CREDENTIAL_HINT = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE naming a profile of ~/.aws/credentials), "
    "and AWS_ENDPOINT_URL_S3 for an S3-compatible server"
)
# Packages that provide an fsspec scheme, for the message when one is missing.
_PACKAGES = {"s3": S3_EXTRA, "s3a": S3_EXTRA, "gs": "pip install gcsfs", "gcs": "pip install gcsfs",
             "az": "pip install adlfs", "abfs": "pip install adlfs"}
PROGRESS_EVERY = 1.0  # seconds between progress lines of a long copy

Log = Callable[[str], None]


def is_remote(uri: str) -> bool:
    """A URL that is not a local path or ``file://`` URI (``s3://``, ``gs://``...)."""
    return isinstance(uri, str) and "://" in uri and not uri.startswith("file://")


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts if p and p.strip("/"))])


def _scheme(uri: str) -> str:
    return uri.split("://", 1)[0].lower()


def filesystem(uri: str, field: str | None, label: str | None = None) -> tuple[Any, str]:
    """(fsspec filesystem, path) for a URL, fresh rather than cached: the AWS variables of this
    process are read now (a long-running server sees a credential change), and no listing
    cached by an earlier call hides an object written since."""
    try:
        import fsspec

        fs, path = fsspec.core.url_to_fs(uri, skip_instance_cache=True)
    except ImportError as exc:
        scheme = _scheme(uri)
        install = _PACKAGES.get(scheme, f"install the fsspec filesystem for {scheme}://")
        raise Invalid(f"{label or field or 'location'} {uri}: {scheme}:// storage support is not installed ({exc}); {install}", field=field) from None
    except ValueError as exc:
        raise Invalid(f"{label or field or 'location'} {uri}: {exc}", field=field) from None
    return fs, path.rstrip("/")


def _bucket(path: str) -> str:
    return path.split("/", 1)[0]


def _explain(exc: BaseException, uri: str, field: str | None, what: str, label: str | None = None) -> Invalid:
    """An error from the storage client, as a message naming the field and the fix."""
    label = label or field or "location"
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError", "ProfileNotFound"):
        return Invalid(f"{label} {uri}: no usable AWS credentials ({exc}); {CREDENTIAL_HINT}.", field=field)
    if isinstance(exc, PermissionError):
        return Invalid(
            f"{label} {uri}: access denied ({exc}); check the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            f"or AWS_PROFILE, and that they may {what} this bucket.",
            field=field,
        )
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ClientConnectorError") or isinstance(exc, ConnectionError):
        return Invalid(f"{label} {uri}: the storage server cannot be reached ({exc}); check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL.", field=field)
    return Invalid(f"{label} {uri}: cannot {what} it: {name}: {exc}", field=field)


def _check_bucket(fs: Any, uri: str, path: str, field: str | None, what: str, label: str | None) -> None:
    """The bucket exists and the credentials are accepted (s3 and look-alikes; other schemes skip)."""
    if not hasattr(fs, "call_s3"):
        return
    label = label or field or "location"
    bucket = _bucket(path)
    if not bucket:
        raise Invalid(f"{label} {uri}: name a bucket, e.g. s3://my-bucket/data/", field=field)
    try:
        fs.call_s3("head_bucket", Bucket=bucket)
    except FileNotFoundError:
        raise Invalid(
            f"{label} {uri}: the bucket {bucket!r} does not exist; create it or correct the name.", field=field
        ) from None
    except Exception as exc:  # every client error becomes a message naming the field
        raise _explain(exc, uri, field, what, label) from None


def is_object(uri: str) -> bool:
    """Whether a URL names one object (rather than a prefix of several)."""
    fs, path = filesystem(uri, None)
    try:
        return bool(fs.isfile(path))
    except Exception as exc:  # every client error becomes a message naming the field
        raise _explain(exc, uri, None, "read") from None


def check_readable(uri: str, field: str | None, label: str | None = None) -> None:
    """Refuse, at submit, a URL whose object or prefix cannot be read (Invalid naming the field;
    ``label`` is how the message names it, e.g. "channel 'train'")."""
    fs, path = filesystem(uri, field, label)
    _check_bucket(fs, uri, path, field, "read", label)
    try:
        found = fs.exists(path)
    except Exception as exc:  # every client error becomes a message naming the field
        raise _explain(exc, uri, field, "read", label) from None
    if not found:
        raise Invalid(f"{label or field or 'location'} {uri} does not exist: no object or prefix of that name; check the path.", field=field)


def check_writable_prefix(uri: str, field: str | None, label: str | None = None) -> None:
    """Refuse, at submit, a destination URL whose bucket is missing or whose credentials are
    refused. Writing is not tried (that would leave an object behind); a bucket policy that
    allows reading but not writing shows when the job uploads, in its failure reason."""
    fs, path = filesystem(uri, field, label)
    _check_bucket(fs, uri, path, field, "write to", label)


def _size_text(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


class _Progress:
    """Progress lines of one copy: at the start, at most every PROGRESS_EVERY seconds, at 100%."""

    def __init__(self, log: Log, verb: str, uri: str, count: int, total: int) -> None:
        self.log, self.total, self.done = log, total, 0
        self.head = f"labstudio: {verb} {uri} ({count} file{'s' if count != 1 else ''}, {_size_text(total)})"
        self.started = self.last = time.monotonic()

    def advance(self, inc: int) -> None:
        self.done += inc
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY and self.done < self.total:
            self.last = now
            self.log(f"{self.head} ... {100 * self.done // max(self.total, 1)}%")

    def end(self) -> None:
        self.log(f"{self.head} ... 100% in {time.monotonic() - self.started:.1f} s")


def _callback(progress: _Progress) -> Any:
    from fsspec.callbacks import Callback

    class _Bytes(Callback):
        def relative_update(self, inc: int = 1) -> None:
            progress.advance(inc)

    return _Bytes()


def download(uri: str, dest_dir: str | os.PathLike[str], log: Log, field: str | None = None) -> list[str]:
    """Copy an object (to ``dest_dir/<name>``) or every object under a prefix (keeping the keys'
    paths below it) into ``dest_dir``; progress goes to ``log``. Returns the local paths.

    Raises Invalid with the reason (missing object, credentials, network) when it cannot.
    """
    fs, root = filesystem(uri, field)
    target = Path(dest_dir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    try:
        if fs.isfile(root):
            listing = {root: fs.info(root)}
        else:
            listing = fs.find(root, detail=True)
    except Exception as exc:  # every client error becomes a message naming the field
        raise _explain(exc, uri, field, "read") from None
    files = sorted((name, int(info.get("size") or 0)) for name, info in listing.items() if info.get("type", "file") == "file")
    if not files:
        raise Invalid(f"{field or 'location'} {uri} does not exist: no object or prefix of that name.", field=field)
    progress = _Progress(log, "downloading", uri, len(files), sum(size for _, size in files))
    progress.log(progress.head)
    out: list[str] = []
    for remote, _size in files:
        rel = posixpath.basename(remote) if remote == root else posixpath.relpath(remote, root)
        dest = (target / rel).resolve()
        if target not in dest.parents:
            raise Invalid(f"{field or 'location'} {uri}: the object {remote} would be written outside {target}; rename it.", field=field)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            fs.get_file(remote, str(dest), callback=_callback(progress))
        except Exception as exc:
            raise _explain(exc, uri, field, "read") from None
        out.append(str(dest))
    progress.end()
    return out


def upload(local: str | os.PathLike[str], uri: str, log: Log, field: str | None = None) -> list[str]:
    """Copy a file (to ``uri`` itself) or a folder's files (under the prefix ``uri``); returns the URLs."""
    source = Path(local)
    fs, root = filesystem(uri, field)
    if source.is_file():
        pairs = [(source, root)]
    else:
        pairs = [(p, f"{root}/{p.relative_to(source).as_posix()}") for p in sorted(source.rglob("*")) if p.is_file()]
    progress = _Progress(log, "uploading to", uri, len(pairs), sum(p.stat().st_size for p, _ in pairs))
    if pairs:
        progress.log(progress.head)
    written = []
    for path, remote in pairs:
        try:
            fs.put_file(str(path), remote, callback=_callback(progress))
        except Exception as exc:
            raise _explain(exc, uri, field, "write to") from None
        protocol = _scheme(uri)
        written.append(f"{protocol}://{remote}")
    if pairs:
        progress.end()
    return written
