"""Paths of a processing job's tree: ``<home>/jobs/<name>/opt/ml/`` laid out like a
processing container's /opt/ml (config/, processing/..., output/message).

Standard library only, like jobs/layout.py: the supervisor imports it after the script started.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

from ..layout import Layout

OPT_ML = "/opt/ml"
PROCESSING_ROOT = "/opt/ml/processing"
CODE_DIR = "/opt/ml/processing/input/code"  # where SageMaker's ScriptProcessor puts the script
CONFIG_DIR = "/opt/ml/config"
MESSAGE_FILE = "/opt/ml/output/message"
MAX_EXIT_MESSAGE = 1024  # SageMaker keeps the first 1 KB of /opt/ml/output/message


class ProcessingLayout(Layout):
    """A job tree whose `base` becomes /opt/ml when bound there (see jobs/nsinit.py)."""

    def __init__(self, job_dir: Path) -> None:
        super().__init__(job_dir)
        self.processing = self.base / "processing"
        self.proc_config = self.base / "config"
        self.code = self.to_tree(CODE_DIR)
        self.message_file = self.to_tree(MESSAGE_FILE)
        self.exit_message_file = job_dir / "exit_message"

    def to_tree(self, container_path: str) -> Path:
        """The tree path of an /opt/ml/... path: what a job without the namespace must use."""
        rel = posixpath.relpath(posixpath.normpath(container_path), OPT_ML)
        if rel == ".." or rel.startswith("../"):
            raise ValueError(f"{container_path!r} is not under {OPT_ML}")
        return self.base if rel == "." else self.base / rel
