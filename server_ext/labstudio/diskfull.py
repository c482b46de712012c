"""A full disk, said plainly: what could not be written, on which file system, how much is left.

One recogniser (`is_disk_full`) for every way a full disk shows up: ENOSPC or EDQUOT from a
file write, SQLITE_FULL from SQLite, PostgreSQL's disk_full (SQLSTATE 53100), and
`errors.DiskFull`, which the store and the artifact store raise in their place. The REST
error path answers all of them 507 (handlers/base.py); the job supervisors fail the job
they hit with a reason built here.

The supervisor also keeps a small reserve of disk space for its last words (`Reserve`):
when the disk fills up under a job, the job's own log is usually what filled it, and the
store that must record the failure sits on the same disk. Giving the reserve back lets the
store take that write at once; the reserve's first bytes are kept, holding the reason, as
a marker the reconciler reports if even that write fails (`reason_left_in`).

Standard library only (errors.py aside): the supervisor imports it while the script runs.
"""
from __future__ import annotations

import errno
import os

from .errors import DiskFull

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = 13  # the primary result code; extended codes keep it in their low byte
PG_DISK_FULL = "53100"
RESERVE_NAME = "disk.reserve"
MARKER_NAME = "disk_full"
RESERVE_BYTES = 1024 * 1024  # far more than recording a job's end takes (a few SQLite pages)


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) is a write that found no space left."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return True
        if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
            return True
        if _database_full(getattr(exc, "orig", None)):  # SQLAlchemy's wrapper of the driver's error
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _database_full(orig: object) -> bool:
    if orig is None:
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == SQLITE_FULL:
        return True
    if "database or disk is full" in str(orig).lower():
        return True
    return PG_DISK_FULL in (getattr(orig, "sqlstate", None), getattr(orig, "pgcode", None))


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = float(count)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}"
    return f"{count} bytes"  # not reached


def _existing(path: str | os.PathLike[str]) -> str:
    """The nearest existing folder at or above `path` (what statvfs can look at)."""
    current = os.path.abspath(os.fspath(path))
    while not os.path.exists(current) and os.path.dirname(current) != current:
        current = os.path.dirname(current)
    return current


def mount_point(path: str | os.PathLike[str]) -> str:
    current = os.path.realpath(_existing(path))
    while not os.path.ismount(current):
        current = os.path.dirname(current)
    return current


def free_bytes(path: str | os.PathLike[str]) -> int | None:
    """Bytes this process may still write on the file system holding `path` (root may use the
    blocks a file system keeps for it); None when it cannot be told."""
    try:
        st = os.statvfs(_existing(path))
    except OSError:
        return None
    blocks = st.f_bfree if os.geteuid() == 0 else st.f_bavail
    return blocks * st.f_frsize


def space_text(path: str | os.PathLike[str]) -> str:
    """'the file system at /mnt/data has 0 bytes free of 20.0 MB' (or less, when it cannot be told)."""
    where = mount_point(path)
    try:
        st = os.statvfs(_existing(path))
    except OSError:
        return f"the file system at {where} is full"
    free = (st.f_bfree if os.geteuid() == 0 else st.f_bavail) * st.f_frsize
    return f"the file system at {where} has {_size(free)} free of {_size(st.f_blocks * st.f_frsize)}"


def full_message(what: str, path: str | os.PathLike[str]) -> str:
    """The sentence every disk-full error and failure reason uses: what, where, and the fix."""
    return f"The disk is full: no space left to write {what} ({os.fspath(path)}); {space_text(path)}. Free space there and try again."


def store_full_message(db_url: str) -> str:
    """The same sentence for the store itself (SQLite's file, or the PostgreSQL server's disk)."""
    if db_url.startswith("sqlite"):
        path = db_url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            return full_message("to labstudio's store", path)
    host = db_url.split("@", 1)[-1].split("/", 1)[0] if "@" in db_url else "its server"
    return f"The disk is full: the database server ({host}) has no space left for labstudio's store. Free space there and try again."


def as_disk_full(exc: BaseException) -> DiskFull | None:
    """`exc` as a DiskFull naming the file when it is a full disk (None otherwise): the REST
    error path's one mapping for whatever a service let through."""
    if isinstance(exc, DiskFull):
        return exc
    if not is_disk_full(exc):
        return None
    if isinstance(exc, OSError) and exc.filename:
        return DiskFull(full_message("a file", exc.filename))
    if getattr(exc, "orig", None) is not None:  # a database error outside Database.write (which names the store itself)
        return DiskFull("The disk is full: labstudio's store has no space left for this change. Free space there and try again.")
    return DiskFull(f"The disk is full: no space left on device ({exc}). Free space and try again.")


def reason_of(exc: BaseException, what: str, path: str | os.PathLike[str] | None = None) -> str:
    """A job's FailureReason for a full disk met while writing `what` (at `path`, when known)."""
    if isinstance(exc, DiskFull):
        text = exc.message
    elif path is not None:
        text = full_message(what, path)
    else:
        text = (as_disk_full(exc) or DiskFull(f"The disk is full: no space left to write {what}.")).message
    return f"ClientError: {text.replace('Free space there and try again.', 'Free space there and run the job again.')}"


class Reserve:
    """Disk space a supervisor holds back from the start of its job, for recording the job's end.

    `take` writes a RESERVE_BYTES file in the supervisor's folder; `release(reason)` keeps its
    first bytes, holding the reason (they are already allocated: that write needs no new
    space), gives the rest back to the file system, and renames it to the disk-full marker;
    `clear` removes whatever is left once the end is recorded.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.fspath(folder)
        self.path = os.path.join(self.folder, RESERVE_NAME)
        self.marker = os.path.join(self.folder, MARKER_NAME)

    def take(self) -> None:
        """Raises OSError (ENOSPC) when the disk has not even that much room left."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            try:
                os.posix_fallocate(fd, 0, RESERVE_BYTES)
            except (AttributeError, OSError) as exc:  # no fallocate on this system or file system: zeros
                if isinstance(exc, OSError) and exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                os.write(fd, b"\0" * RESERVE_BYTES)
        except BaseException:
            os.close(fd)
            self._unlink(self.path)
            raise
        os.close(fd)

    def release(self, reason: str) -> None:
        """Give the space back, leaving `reason` in the marker. Never raises."""
        data = reason.encode("utf-8", "replace")[:RESERVE_BYTES]
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            self._write_marker(data)  # no reserve (never taken, or released already)
            return
        try:
            try:
                os.pwrite(fd, data, 0)
                os.ftruncate(fd, len(data))
            finally:
                os.close(fd)
            os.replace(self.path, self.marker)
        except OSError:
            self._unlink(self.path)
            self._write_marker(data)

    def clear(self) -> None:
        self._unlink(self.path)
        self._unlink(self.marker)

    def _write_marker(self, data: bytes) -> None:
        try:
            with open(self.marker, "wb") as handle:
                handle.write(data)
        except OSError:
            try:  # an empty marker needs no data block: the reconciler still knows the disk was full
                os.close(os.open(self.marker, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
            except OSError:
                pass

    @staticmethod
    def _unlink(path: str) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass


def reason_left_in(folder: str | os.PathLike[str], while_: str) -> str | None:
    """For the reconciler, about a supervisor that is gone: the reason it left in its disk-full
    marker, or one saying the disk is full now (so a supervisor that could not write at all is
    still explained); None when neither holds. A reserve left behind is removed."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):  # not this machine's job (or its folder is gone)
        return None
    try:  # still there: the supervisor was killed, not stopped by the disk (it would have given it back)
        os.unlink(os.path.join(folder, RESERVE_NAME))
        killed = True
    except OSError:
        killed = False
    text: str | None
    try:
        with open(os.path.join(folder, MARKER_NAME), encoding="utf-8", errors="replace") as handle:
            text = handle.read(RESERVE_BYTES).strip()
    except FileNotFoundError:
        text = None
    except OSError:
        text = ""
    if text:
        return text
    free = free_bytes(folder)
    if text is None and (killed or free is None or free >= RESERVE_BYTES):
        return None
    return (f"ClientError: The disk is full: the labstudio supervisor ended while the job was {while_}, most likely unable "
            f"to write in {folder}; {space_text(folder)}. Free space there and run the job again.")


def explain(reason: str, folder: str | os.PathLike[str]) -> str:
    """A script's own failure reason, with the full disk named when the job's folder is on one
    (the script met ENOSPC writing its model or outputs, which its traceback alone does not say)."""
    free = free_bytes(folder)
    if "The disk is full" in reason or free is None or free >= RESERVE_BYTES:
        return reason
    return f"{reason} (The disk is full: {space_text(folder)}.)"


def print_exc_quietly() -> None:
    """The current traceback to stderr (a supervisor's log), unless that log is on the full disk
    too: then nothing, rather than a second error (the reason goes to the store instead)."""
    import sys
    import traceback

    try:
        traceback.print_exc()
        sys.stderr.flush()
    except OSError:
        pass
