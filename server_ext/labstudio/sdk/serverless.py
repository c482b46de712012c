"""SageMaker's ``ServerlessInferenceConfig``: ``model.deploy(serverless_inference_config=...)``.

A serverless endpoint runs no worker while idle; the first request starts one (a cold start),
which stops again after ``LABSTUDIO_SERVERLESS_IDLE_SECONDS`` without traffic. Beyond
``max_concurrency`` requests at once the endpoint answers 429 (a ThrottlingException in the
SDK), and the worker may use ``memory_size_in_mb`` of memory (serving/runtime/serverless.py).
"""
from __future__ import annotations

from typing import Any

MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)


class ServerlessInferenceConfig:
    def __init__(self, memory_size_in_mb: int = 2048, max_concurrency: int = 5, provisioned_concurrency: int | None = None) -> None:
        if memory_size_in_mb not in MEMORY_SIZES or isinstance(memory_size_in_mb, bool):
            raise ValueError(f"memory_size_in_mb must be one of {', '.join(map(str, MEMORY_SIZES))} (1024 to 6144 in steps of 1024), got {memory_size_in_mb!r}")
        if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool) or not 1 <= max_concurrency <= 200:
            raise ValueError(f"max_concurrency must be a whole number from 1 to 200, got {max_concurrency!r}")
        if provisioned_concurrency is not None:
            raise ValueError("provisioned_concurrency is not supported here: leave it out (a worker starts on the first request)")
        self.memory_size_in_mb = memory_size_in_mb
        self.max_concurrency = max_concurrency
        self.provisioned_concurrency = provisioned_concurrency

    def __repr__(self) -> str:
        return f"ServerlessInferenceConfig(memory_size_in_mb={self.memory_size_in_mb}, max_concurrency={self.max_concurrency})"

    def _to_request_dict(self) -> dict[str, Any]:
        return {"MemorySizeInMB": self.memory_size_in_mb, "MaxConcurrency": self.max_concurrency}
