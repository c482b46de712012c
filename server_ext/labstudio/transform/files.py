"""Which files a transform reads. Its own module, with nothing but pathlib: the runner needs
it and must not pay for importing the request shapes (pydantic)."""
from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "transform.json"  # in the job's folder: the job's spec and its prepared model
PROGRESS_FILE = "progress.json"  # in the job's folder: records done and total, written by the runner


def input_files(root: Path) -> list[Path]:
    """The files a transform reads: the file itself, or every file under the folder in name order
    (hidden files and folders, such as Jupyter checkpoints, skipped)."""
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
