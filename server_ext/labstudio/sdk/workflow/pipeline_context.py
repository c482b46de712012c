"""PipelineSession and LocalPipelineSession: with either, ``estimator.fit()``,
``processor.run()``, ``transformer.transform()``, ``tuner.fit()``, ``model.create()`` and
``model.register()`` do not run anything: they return the step's arguments (SageMaker's
request for that job), which a step (``TrainingStep(step_args=...)``...) takes.

The arguments are built when the pipeline's definition is (``Pipeline.definition()``): that
is when the step's code is snapshotted (content-addressed, under the home folder), as
SageMaker's SDK uploads it then. Locally every step runs on this machine's backend whatever
instance type it names.

With a LocalPipelineSession, ``pipeline.start()`` runs the execution and returns when it
ended, as SageMaker's local mode does; with a PipelineSession it returns at once and the
execution runs detached (as it does on SageMaker), to ``wait()`` for.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..session import LocalSagemakerClient, LocalSession, Session


class _StepArguments:
    """The arguments of a step, built on demand (`request`)."""

    def __init__(self, caller_name: str, build: Callable[[], dict[str, Any]], owner: Any = None) -> None:
        self.caller_name = caller_name
        self._build = build
        self.owner = owner  # the estimator, processor, transformer or tuner that made them

    @property
    def args(self) -> dict[str, Any]:
        return self._build()

    def __repr__(self) -> str:
        return f"<step arguments of {self.caller_name}>"


class _JobStepArguments(_StepArguments):
    """What fit(), run(), transform() return under a pipeline session."""


class _ModelStepArguments(_StepArguments):
    """What model.create() and model.register() return under a pipeline session."""

    def __init__(self, model: Any, caller_name: str, build: Callable[[], dict[str, Any]]) -> None:
        super().__init__(caller_name, build, model)
        self.model = model
        self.need_runtime_repack: set[int] = set()

    @property
    def create_model_request(self) -> dict[str, Any] | None:
        return self.args if self.caller_name == "create_model" else None

    @property
    def create_model_package_request(self) -> dict[str, Any] | None:
        return self.args if self.caller_name == "create_model_package_from_containers" else None


class PipelineSession(Session):
    """SageMaker's PipelineSession: jobs' methods return step arguments instead of running."""

    local_mode = False

    def __init__(self, boto_session: Any = None, sagemaker_client: Any = None, default_bucket: str | None = None,
                 settings: Any = None, sagemaker_config: Any = None, default_bucket_prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(boto_session=boto_session, default_bucket=default_bucket, default_bucket_prefix=default_bucket_prefix)
        self._context: _StepArguments | None = None

    @property
    def context(self) -> _StepArguments | None:
        return self._context

    @context.setter
    def context(self, value: _StepArguments | None) -> None:
        self._context = value


class _LocalPipelineClient(LocalSagemakerClient):
    """A LocalPipelineSession's client: as SageMaker's local mode, a processing job's outputs
    (and inputs) are keyed by name once a pipeline ran it."""

    def describe_processing_job(self, **kw: Any) -> dict[str, Any]:
        from ..pipelines_client import outputs_by_name

        return outputs_by_name(super().describe_processing_job(**kw))


class LocalPipelineSession(LocalSession, PipelineSession):
    """SageMaker's LocalPipelineSession: as PipelineSession, and ``pipeline.start()`` runs the
    execution to its end before returning (no Docker: steps are labstudio jobs)."""

    local_mode = True

    def __init__(self, boto_session: Any = None, default_bucket: str | None = None, s3_endpoint_url: str | None = None,
                 disable_local_code: bool = False, default_bucket_prefix: str | None = None, **kwargs: Any) -> None:
        LocalSession.__init__(self, boto_session=boto_session, default_bucket=default_bucket, s3_endpoint_url=s3_endpoint_url,
                              disable_local_code=disable_local_code, default_bucket_prefix=default_bucket_prefix)
        self._context = None
        self.sagemaker_client = _LocalPipelineClient(self)


def in_pipeline(session: Any) -> bool:
    """Whether jobs made with this session are pipeline steps (a PipelineSession or LocalPipelineSession)."""
    return isinstance(session, PipelineSession)


def runs_locally(session: Any) -> bool:
    return isinstance(session, LocalPipelineSession)


__all__ = ["LocalPipelineSession", "PipelineSession", "in_pipeline"]
