"""Paths from requests: resolved against a base folder and kept inside allowed roots.

REST requests name files relative to the Jupyter root (the file browser's root); nothing a
request names may reach outside it (labstudio's own artifact folder excepted where a
service allows it). The CLI and the SDK pass no roots: a local user may name any path.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .errors import Invalid


def resolve(raw: str, base_dir: Path) -> Path:
    """`file://` URIs and `~` are accepted; relative paths are taken from base_dir."""
    if raw.startswith("file://"):
        raw = raw[len("file://"):]
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    return path.resolve()


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
