"""Small equivalents of the libraries SageMaker's framework containers ship with.

Scripts written for those containers import ``sagemaker_containers``, ``sagemaker_training``,
``sagemaker_inference`` and ``sagemaker_xgboost_container`` (``encoder``, ``data_utils``,
``distributed``). Each is a top-level
package folder *inside this folder*: the folder is appended to ``PYTHONPATH`` (``sys.path``)
of training/processing job scripts and endpoint workers only, never installed into the
user's environment, so ``import sagemaker_inference`` in a notebook still fails as it
should, and a real installed copy of a library always wins (it comes earlier on the path).
"""
from __future__ import annotations

import os

PATH = os.path.dirname(os.path.abspath(__file__))


def with_container_libs(pythonpath: str | None) -> str:
    """A PYTHONPATH value ending with this folder (appended: real installed libraries win)."""
    parts = [p for p in (pythonpath or "").split(os.pathsep) if p and p != PATH]
    return os.pathsep.join([*parts, PATH])


def add_to_sys_path() -> None:
    """For a process already running (an endpoint worker): the same, on ``sys.path``."""
    import sys

    if PATH not in sys.path:
        sys.path.append(PATH)
