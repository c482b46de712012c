"""GET /jobs: one paged list of every kind of job, newest first.

Without `kind` the answer is SageMaker's ListTrainingJobs (`TrainingJobSummaries`), as it
always was, so SDK, CLI and script callers see no change. With `kind` it is `JobSummaries`:
every kind asked for, in one order and one paging, each row SageMaker's summary of its kind
(`TrainingJobName`, `ProcessingJobName`... as they are) plus `Kind`, which says which summary
the row is. One response shape either way; a client reads the key its query asked for.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import Request, Response
from .jobs import TrainingJobStatus, TrainingJobSummary
from .processing import ProcessingJobSummary
from .transform import TransformJobSummary

# The jobs table's `kind` of each kind of job; tuning trials are training jobs.
JobKindName = Literal["training", "processing", "transform"]
MAX_LIST_LIMIT = 1000


class ListJobsQuery(Request):
    """The query of GET /jobs. `kind` may repeat (`kind=training&kind=transform`) or list kinds
    separated by commas (`kind=training,transform`); without it only training jobs are listed."""

    field_depth = 1  # errors name the query parameter (`kind`), not the item (`kind[1]`)

    kind: list[JobKindName] | None = Field(
        default=None,
        description="Kinds to list (repeat it, or separate kinds by commas); answers JobSummaries. "
        "Without it: training jobs only, as TrainingJobSummaries.",
    )
    status: TrainingJobStatus | None = Field(default=None, description="Only jobs in this status (every kind shares the five words).")
    name_contains: str | None = Field(default=None, description="Only jobs whose name contains this text (any case).")
    limit: int = Field(default=100, ge=1, le=MAX_LIST_LIMIT, description="Jobs per page.")
    next_token: str | None = Field(default=None, description="NextToken of the previous page.")


class TrainingJobEntry(TrainingJobSummary):
    """A training job (a tuning trial names its TuningJobName) in the list of every kind."""

    Kind: Literal["training"]


class ProcessingJobEntry(ProcessingJobSummary):
    """A processing job in the list of every kind."""

    Kind: Literal["processing"]


class TransformJobEntry(TransformJobSummary):
    """A batch transform job in the list of every kind."""

    Kind: Literal["transform"]


JobSummary = Annotated[TrainingJobEntry | ProcessingJobEntry | TransformJobEntry, Field(discriminator="Kind")]


class ListJobsResponse(Response):
    """GET /jobs: `TrainingJobSummaries` without `kind` in the query, `JobSummaries` with it."""

    TrainingJobSummaries: list[TrainingJobSummary] | None = Field(
        default=None, description="Without `kind`: SageMaker's ListTrainingJobs rows, newest first."
    )
    JobSummaries: list[JobSummary] | None = Field(
        default=None, description="With `kind`: the jobs of those kinds, newest first, each with its Kind."
    )
    NextToken: str | None
