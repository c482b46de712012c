"""Paths from requests: resolved against a base folder and kept inside allowed roots.

REST requests name files relative to the Jupyter root (the file browser's root); nothing a
request names may reach outside it (labstudio's own artifact folder excepted where a
service allows it). The CLI and the SDK pass no roots: a local user may name any path.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .errors import Invalid

PATH_MAX = 4096  # Linux's limit on a whole path, its terminating NUL included


def resolve(raw: str, base_dir: Path, field: str = "path") -> Path:
    """`file://` URIs and `~` are accepted; relative paths are taken from base_dir.

    What the OS cannot take as a path (a NUL byte, a `~user` with no such user, a loop of
    symlinks) is an Invalid naming the field, never an error from deep inside pathlib.
    """
    if "\0" in raw:
        raise Invalid(f"'{field}' contains a NUL byte (\\0), which no path may hold; remove it.", field=field)
    if raw.startswith("file://"):
        raw = raw[len("file://"):]
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # `~user` for a user that does not exist (or no home for `~`)
        user = raw[1:].split("/", 1)[0]
        who = f"user {user!r}" if user else "the current user"
        raise Invalid(f"'{field}' {raw!r} starts with '~' but {who} has no home folder; give the path without '~'.", field=field) from None
    if not path.is_absolute():
        path = base_dir / path
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise Invalid(f"'{field}' {raw!r} is not a usable path ({exc}).", field=field) from None
    size = len(os.fsencode(str(resolved)))
    if size >= PATH_MAX:  # the request's own path is bounded (shapes.common.PathText); the folder it is taken from adds to it
        raise Invalid(f"'{field}' makes a path of {size} bytes under {base_dir}; the file system allows at most {PATH_MAX - 1}: shorten it.", field=field)
    return resolved


def is_inside(path: Path, root: Path) -> bool:
    root = root.resolve()
    return path == root or root in path.parents


def confine(path: Path, field: str, roots: Sequence[Path] | None, raw: str | None = None) -> Path:
    """Raise Invalid naming the field when roots are given and path is in none of them."""
    if not roots:
        return path
    if any(is_inside(path, root) for root in roots):
        return path
    raise Invalid(
        f"'{field}' must be inside the Jupyter root folder {roots[0].resolve()} (got {raw or str(path)!r}). "
        "Give a path relative to the file browser's root.",
        field=field,
    )
