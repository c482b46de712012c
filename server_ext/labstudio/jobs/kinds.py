"""The registry of job kinds: every kind of job the engine runs is one entry here.

Core, the REST handlers, the CLI, the SDK and the supervisor all read this registry; none of
them names a kind in its own code. Adding a kind (a pipeline step, an AutoML candidate, a
monitoring execution...) is one `register(JobKind(...))` call and the modules it points to:

1. **Shapes** (`shapes/<kind>.py`): the create request (`Request`), SageMaker's describe and
   list-summary answers (`Response`) and the list answer holding `<Stem>Summaries`.
2. **A definition** (a `jobs.engine.KindDefinition` subclass): how a request becomes a spec
   (`parse`), what the job's launch plan and folder hold (`plan`, whose optional
   `materialise` writes the tree once the job's folder is claimed), which experiment run it
   records into (`run`, None for none), any rows of its own (`record`), and how a stored job
   is described and summarised (`describe`, `summaries`). It names its shapes and its
   `Layout` class. It never subclasses or overrides the engine: the engine claims the
   folder, writes the plan, records the job row, starts the supervisor, stops, follows,
   pages, reconciles and deletes, for every kind alike.
3. **A supervisor class** (`jobs.supervisor.Supervisor` or a subclass): what runs around the
   script in the detached supervisor process. The launch plan records its import path, so
   `python -m labstudio.supervise JOB_DIR` runs it without reading this registry. Kinds whose
   script needs no more than the training contract's life cycle use `Supervisor` itself.
4. Optionally **a CLI presentation** (`cli.jobkind.JobKindCli`: table columns, describe
   printer, end-of-job summary); without one the CLI prints the describe answer as JSON.

From the entry alone the engine gives the kind: its own REST collection
(`/labstudio/api/<collection>`: list, create, describe, stop, logs, documented in the
OpenAPI document), a place in `GET /jobs?kind=`, a CLI group (`labstudio <group> list|
describe|logs|stop`), `core.job_kinds[name]` (a `jobs.service.JobService`), the SDK's
handle (`sdk.kindjob.KindJobHandle`), reconciliation and the panel's job list. The test
`tests/test_jobs_kinds.py` registers a small kind in-process and runs a job of it end to end.

This module is imported by `labstudio --help` and by the supervisor's fallback (a launch
plan written before plans named their supervisor): it imports nothing beyond the standard
library, and loads a kind's definition, supervisor and CLI presentation only when asked.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing here
if TYPE_CHECKING:
    from typing import Any

    from ..cli.jobkind import JobKindCli
    from .engine import KindDefinition
    from .supervisor import Supervisor


def load(path: str) -> Any:
    """The object a `module:attribute` path names, imported on first use."""
    module, _, attribute = path.partition(":")
    if not module or not attribute:
        raise ValueError(f"{path!r} is not a 'module:attribute' path")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its names (in the store, in SageMaker's API, in messages, REST and the
    CLI) and where its behaviour lives. See the module docstring for how to add one."""

    # The jobs table's `kind`, the launch plan's, the panel's and `GET /jobs?kind=`'s word.
    name: str
    # SageMaker's resource stem: TrainingJob gives TrainingJobName, TrainingJobStatus,
    # DescribeTrainingJob, ListTrainingJobs and its TrainingJobSummaries.
    stem: str
    # What messages call one: "Processing job 'x' does not exist."
    noun: str
    # The REST collection: /labstudio/api/<collection>[/{name}[/stop|/logs]].
    collection: str
    # The CLI group: `labstudio <group> list|describe|logs|stop`.
    group: str
    # `module:attribute` of the kind's definition (a KindDefinition instance).
    definition_path: str
    # `module:attribute` of the Supervisor class the detached supervisor runs.
    supervisor_path: str = "labstudio.jobs.supervisor:Supervisor"
    # `module:attribute` of its CLI presentation (a JobKindCli), or None for the plain one.
    cli_path: str | None = None
    # How a name clash names the existing job ("A job named 'x' already exists").
    taken: str = "A job"
    # What help texts call one ("processing job": "list processing jobs").
    label: str = ""
    _loaded: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def definition(self) -> KindDefinition[Any, Any, Any]:
        """The kind's definition (imported on first use)."""
        if "definition" not in self._loaded:
            self._loaded["definition"] = load(self.definition_path)
        found: KindDefinition[Any, Any, Any] = self._loaded["definition"]
        return found

    @property
    def supervisor(self) -> type[Supervisor]:
        found: type[Supervisor] = load(self.supervisor_path)
        return found

    @property
    def cli(self) -> JobKindCli | None:
        if self.cli_path is None:
            return None
        found: JobKindCli = load(self.cli_path)
        return found

    @property
    def name_key(self) -> str:
        return f"{self.stem}Name"

    @property
    def status_key(self) -> str:
        return f"{self.stem}Status"

    @property
    def summaries_key(self) -> str:
        return f"{self.stem}Summaries"

    @property
    def help_label(self) -> str:
        return self.label or self.noun.lower()

    @property
    def arn_type(self) -> str:
        """The resource type in its ARN: TrainingJob gives training-job."""
        return "".join(f"-{c.lower()}" if c.isupper() else c for c in self.stem).lstrip("-")


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Add a kind. Raises ValueError when its name, stem, collection or CLI group is taken."""
    for other in _KINDS.values():
        for attribute in ("name", "stem", "collection", "group"):
            if getattr(other, attribute) == getattr(kind, attribute):
                raise ValueError(f"job kind {kind.name!r}: {attribute} {getattr(kind, attribute)!r} is already {other.name!r}'s")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind registered in this process (tests, plugins that unload)."""
    _KINDS.pop(name, None)


def get(name: str) -> JobKind:
    """The kind of that name. Raises KeyError."""
    return _KINDS[name]


def find(name: str) -> JobKind | None:
    return _KINDS.get(name)


def every() -> tuple[JobKind, ...]:
    """Every registered kind, in registration order (the order of lists, help and documents)."""
    return tuple(_KINDS.values())


def names() -> tuple[str, ...]:
    return tuple(_KINDS)


def noun_of(name: str) -> str:
    """What messages call a job of that kind ("Job" for one no longer registered)."""
    kind = _KINDS.get(name)
    return kind.noun if kind is not None else "Job"


# -- the kinds labstudio ships -------------------------------------------------------------

TRAINING = register(
    JobKind(
        name="training",
        stem="TrainingJob",
        noun="Training job",
        collection="jobs",
        group="jobs",
        definition_path="labstudio.jobs.training:TRAINING",
        cli_path="labstudio.cli.jobs:KIND",
        taken="A training job",
        label="job",
    )
)
PROCESSING = register(
    JobKind(
        name="processing",
        stem="ProcessingJob",
        noun="Processing job",
        collection="processing-jobs",
        group="processing",
        definition_path="labstudio.jobs.processing.kind:PROCESSING",
        supervisor_path="labstudio.jobs.processing.supervisor:ProcessingSupervisor",
        cli_path="labstudio.cli.processing:KIND",
    )
)
TRANSFORM = register(
    JobKind(
        name="transform",
        stem="TransformJob",
        noun="Transform job",
        collection="transform-jobs",
        group="transforms",
        definition_path="labstudio.transform.kind:TRANSFORM",
        supervisor_path="labstudio.transform.supervisor:TransformSupervisor",
        cli_path="labstudio.cli.transform:KIND",
    )
)


def supervisor_class(plan: dict[str, Any]) -> type[Supervisor]:
    """The Supervisor class a launch plan names (`supervisor`), or its kind's for a plan
    written before plans named it ("training" when it names no kind either)."""
    path = plan.get("supervisor")
    if path:
        found: type[Supervisor] = load(path)
        return found
    return get(plan.get("kind") or "training").supervisor


__all__ = ["JobKind", "every", "find", "get", "load", "names", "noun_of", "register", "supervisor_class", "unregister"]
