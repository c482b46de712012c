"""Lists of jobs: the query every kind's list takes, and GET /jobs, one paged list of every kind.

Without `kind` GET /jobs answers SageMaker's ListTrainingJobs (`TrainingJobSummaries`), as it
always did, so SDK, CLI and script callers see no change. With `kind` it is `JobSummaries`:
every kind asked for, in one order and one paging, each row SageMaker's summary of its kind
(`TrainingJobName`, `ProcessingJobName`... as they are) plus `Kind`, which says which summary
the row is. One response shape either way; a client reads the key its query asked for.

The kinds are the job-kind registry's (jobs/kinds.py): a kind registered there is accepted in
`kind`, listed in `JobSummaries` and documented in the OpenAPI document's union of entries,
with no change here.
"""
from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, GetJsonSchemaHandler, SerializeAsAny, create_model, field_validator

from ..jobs import kinds
from ..jobs.kinds import JobKind
from ..status import JobStatus
from .common import Request, Response
from .jobs import TrainingJobSummary

MAX_LIST_LIMIT = 1000
DEFAULT_LIST_LIMIT = 100
REF = "#/components/schemas/{model}"


class ListQuery(Request):
    """The query of a list of one kind of job (GET /processing-jobs, /transform-jobs...)."""

    field_depth = 1  # errors name the query parameter (`kind`), not the item (`kind[1]`)

    status: JobStatus | None = Field(default=None, description="Only jobs in this status (every kind shares the five words).")
    name_contains: str | None = Field(default=None, description="Only jobs whose name contains this text (any case).")
    limit: int = Field(default=DEFAULT_LIST_LIMIT, ge=1, le=MAX_LIST_LIMIT, description="Jobs per page.")
    next_token: str | None = Field(default=None, description="NextToken of the previous page.")


def _kind_choices(schema: dict[str, Any]) -> None:
    """The document lists the registered kinds (read when the document is built)."""
    items = schema.get("anyOf", [schema])[0].get("items")
    if items is not None:
        items["enum"] = list(kinds.names())


class ListJobsQuery(ListQuery):
    """The query of GET /jobs. `kind` may repeat (`kind=training&kind=transform`) or list kinds
    separated by commas (`kind=training,transform`); without it only training jobs are listed."""

    kind: list[str] | None = Field(
        default=None,
        description="Kinds to list (repeat it, or separate kinds by commas); answers JobSummaries. "
        "Without it: training jobs only, as TrainingJobSummaries.",
        json_schema_extra=_kind_choices,
    )

    @field_validator("kind")
    @classmethod
    def _registered(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if kinds.find(name) is None:
                raise ValueError(f"must be one of {', '.join(kinds.names())}, got {name!r}")
        return value


class JobEntry(Response):
    """A row of the list of every kind: its kind's List<Kind>Jobs summary, plus `Kind`."""

    Kind: str


@cache
def entry_model(kind: JobKind) -> type[JobEntry]:
    """The row model of one kind in the list of every kind (`TrainingJobEntry`...): its summary
    shape with `Kind` set to its name, first."""
    summary = kind.definition.summary_model
    fields: dict[str, Any] = {"Kind": (Literal[kind.name], ...)}  # a Literal of a runtime value: the kind's name
    fields.update({name: (info.annotation, info) for name, info in summary.model_fields.items()})
    model: type[JobEntry] = create_model(f"{kind.stem}Entry", __base__=JobEntry, __doc__=f"A {kind.noun.lower()} in the list of every kind.", **fields)
    return model


def entry_of(kind: JobKind, summary: BaseModel) -> JobEntry:
    """A kind's summary as its row in the list of every kind."""
    return entry_model(kind)(Kind=kind.name, **{key: getattr(summary, key) for key in summary.model_fields_set})


def entry_models() -> list[type[JobEntry]]:
    """Every registered kind's row model (components of the OpenAPI document)."""
    return [entry_model(kind) for kind in kinds.every()]


class _EveryKindRow:
    """How a row of JobSummaries is documented: the union of every registered kind's row,
    keyed on Kind (read from the registry when the document is built; the rows' models are
    the document's components: `entry_models`)."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        refs = {kind.name: REF.format(model=entry_model(kind).__name__) for kind in kinds.every()}
        return {"oneOf": [{"$ref": ref} for ref in refs.values()], "discriminator": {"propertyName": "Kind", "mapping": refs}}


class ListJobsResponse(Response):
    """GET /jobs: `TrainingJobSummaries` without `kind` in the query, `JobSummaries` with it."""

    TrainingJobSummaries: list[TrainingJobSummary] | None = Field(
        default=None, description="Without `kind`: SageMaker's ListTrainingJobs rows, newest first."
    )
    # Each row is its kind's entry model (serialised as itself, not as the JobEntry base).
    JobSummaries: list[Annotated[SerializeAsAny[JobEntry], _EveryKindRow]] | None = Field(
        default=None, description="With `kind`: the jobs of those kinds, newest first, each with its Kind."
    )
    NextToken: str | None


__all__ = ["DEFAULT_LIST_LIMIT", "MAX_LIST_LIMIT", "JobEntry", "ListJobsQuery", "ListJobsResponse", "ListQuery", "entry_model", "entry_models", "entry_of"]
