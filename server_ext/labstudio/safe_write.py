"""Writing outputs without following links: what a job writes at its end stays where it was sent.

A destination (a processing output's folder, a training job's `output_path`, a transform's
output folder, an endpoint's data-capture folder) is resolved to a real path when the job
is submitted, and confined to the Jupyter root then when a REST request named it. Checking
once is not enough: the folder may be replaced by a link to somewhere else while the job
runs. So every write opens that path again, one component at a time from `/`, refusing any
component that is a link now (`open_dir(..., exact=True)`), creates folders below it the
same way, and creates each file under a temporary name with O_EXCL|O_NOFOLLOW in the folder's
descriptor before renaming it into place: neither a link nor a hard link at a file's name is
ever written through, and a half-written file never shows under its name.

Standard library only: job supervisors and the transform runner import it.
"""
from __future__ import annotations

import contextlib
import errno
import itertools
import os
import stat

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a job supervisor imports this module
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO

# O_PATH: a folder one may traverse but not list (mode 0711) still opens; *at() calls take it.
_DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC
_counter = itertools.count()
_NO_SENDFILE = (None, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF, errno.ENOTSOCK)


class LinkRefused(OSError):
    """A component of a destination is a symbolic link: nothing is written through it."""

    def __init__(self, path: str, target: str) -> None:
        message = (f"{path} is a symbolic link (to {target}); labstudio never writes outputs through a link, "
                   "so nothing was written there. Make it a folder again (or choose another destination) and run the job again.")
        super().__init__(errno.ELOOP, message, path)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _parts(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p and p != "."]
    if ".." in parts:
        raise ValueError(f"{path!r}: '..' has no place in a resolved destination")
    return parts


def _open_child(parent: int, name: str, shown: str, create: bool) -> int:
    """The folder `name` inside `parent`, opened without following a link (created if missing)."""
    for _ in range(2):
        try:
            return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
            try:
                os.mkdir(name, 0o777, dir_fd=parent)
            except FileExistsError:
                pass  # made meanwhile by someone else: open it (or find it is a link) on the next turn
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                try:
                    st = os.lstat(name, dir_fd=parent)
                except OSError:
                    raise exc from None
                if stat.S_ISLNK(st.st_mode):
                    raise LinkRefused(shown, os.readlink(name, dir_fd=parent)) from None
            raise
    return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=parent)


def open_dir(
    path: str | os.PathLike[str], *, below: int | None = None, shown_in: str | None = None, exact: bool = True, create: bool = True
) -> int:
    """A descriptor of the folder `path`, which the caller closes.

    `below`: `path` is relative to that folder's descriptor (`shown_in`, its path, is only for
    messages), and each of its components is opened without following links. Otherwise
    `path` is absolute; with `exact` (a path that was resolved earlier, so none of it is a
    link unless something changed since) every component from `/` is, and without it the
    path itself is opened as it is (a root that is trusted, such as labstudio's own artifact
    folder). Missing folders are created when `create`. Raises LinkRefused naming the link,
    or the OSError of the failing call.
    """
    text = os.fspath(path)
    if below is None and not exact:
        if create:
            os.makedirs(text, exist_ok=True)
        return os.open(text, _DIR_FLAGS)
    if below is not None:
        fd, shown, parts = os.dup(below), shown_in or ".", _parts(text)
    else:
        fd, shown, parts = os.open("/", _DIR_FLAGS), "/", _parts(os.path.abspath(text))
    try:
        for name in parts:
            shown = os.path.join(shown, name)
            child = _open_child(fd, name, shown, create)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def creating(dir_fd: int, name: str, mode: int = 0o666) -> Iterator[IO[bytes]]:
    """A new file `name` in the folder `dir_fd`, written under a temporary name and renamed into
    place when the block ends without error (removed when it raises)."""
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name")
    temp = f".{name[:200]}.{os.getpid()}-{next(_counter)}.partial"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise


def write_bytes(dir_fd: int, name: str, data: bytes) -> None:
    with creating(dir_fd, name) as handle:
        handle.write(data)


def copy_stream(src: IO[bytes], out: IO[bytes]) -> None:
    """The rest of `src` into `out`, by the kernel (sendfile) where it can, else through a buffer."""
    out.flush()
    copied = 0
    try:
        while sent := os.sendfile(out.fileno(), src.fileno(), None, 1 << 30):
            copied += sent
        return
    except (AttributeError, OSError) as exc:  # no sendfile, or not between these two (or no descriptor)
        if copied or getattr(exc, "errno", None) not in _NO_SENDFILE:
            raise
    while chunk := src.read(1024 * 1024):
        out.write(chunk)


def copy_file(source: str | os.PathLike[str], dir_fd: int, name: str) -> None:
    """Copy a file's bytes, permission bits and times (as shutil.copy2 does) into `dir_fd`/`name`."""
    with open(source, "rb") as src:
        st = os.fstat(src.fileno())
        with creating(dir_fd, name, stat.S_IMODE(st.st_mode) | 0o200) as out:
            copy_stream(src, out)
            os.fchmod(out.fileno(), stat.S_IMODE(st.st_mode))
            out.flush()
            os.utime(out.fileno(), ns=(st.st_atime_ns, st.st_mtime_ns))


def copy_tree(source: str | os.PathLike[str], dir_fd: int, shown: str = ".") -> None:
    """Merge a folder's contents into `dir_fd` (whose path is `shown`, for messages), creating
    subfolders without following links (files and folders that are links in `source` are
    copied as what they point to, like shutil.copytree)."""
    with os.scandir(source) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_dir():
                where = os.path.join(shown, entry.name)
                sub = _open_child(dir_fd, entry.name, where, True)
                try:
                    copy_tree(entry.path, sub, where)
                finally:
                    os.close(sub)
            else:
                copy_file(entry.path, dir_fd, entry.name)


def copy_into(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    """A folder's contents (or the one file) into the folder `dest`, a path resolved when the
    job was submitted (so a link anywhere in it now is refused)."""
    fd = open_dir(dest)
    try:
        if os.path.isdir(source):
            copy_tree(source, fd, os.fspath(dest))
        else:
            copy_file(source, fd, os.path.basename(os.fspath(source)))
    finally:
        os.close(fd)
