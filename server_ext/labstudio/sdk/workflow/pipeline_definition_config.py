"""PipelineDefinitionConfig: with ``use_custom_job_prefix``, a step's job keeps the name its
SDK object gave it (base_job_name) as a prefix; by default the runner names step jobs."""
from __future__ import annotations


class PipelineDefinitionConfig:
    def __init__(self, use_custom_job_prefix: bool = False) -> None:
        self.use_custom_job_prefix = bool(use_custom_job_prefix)


__all__ = ["PipelineDefinitionConfig"]
