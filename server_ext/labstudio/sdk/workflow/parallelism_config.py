"""ParallelismConfiguration: how many of an execution's steps run at once."""
from __future__ import annotations

from typing import Any


class ParallelismConfiguration:
    def __init__(self, max_parallel_execution_steps: int) -> None:
        if not isinstance(max_parallel_execution_steps, int) or isinstance(max_parallel_execution_steps, bool) or max_parallel_execution_steps < 1:
            raise ValueError(f"max_parallel_execution_steps must be a whole number of at least 1, got {max_parallel_execution_steps!r}")
        self.max_parallel_execution_steps = max_parallel_execution_steps

    def to_request(self) -> dict[str, Any]:
        return {"MaxParallelExecutionSteps": self.max_parallel_execution_steps}


__all__ = ["ParallelismConfiguration"]
