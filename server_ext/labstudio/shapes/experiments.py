"""Experiments, runs, comparison: labstudio's own resources, in snake_case. Times are epoch seconds."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from .common import MAX_TAGS, TAGS_DESCRIPTION, JsonNumber, Request, Response, TagKey, TagValue

RunStatus = Literal["InProgress", "Completed", "Failed", "Stopped"]
DownsampleMethod = Literal["minmax", "lttb"]
JobKind = Literal["training", "processing", "transform"]
# A null value removes the tag.
TagUpdates = Annotated[dict[TagKey, TagValue | None], Field(max_length=MAX_TAGS)]
MAX_DESCRIPTION_CHARS = 3072  # SageMaker's ExperimentDescription


class CreateExperimentRequest(Request):
    name: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    tags: TagUpdates | None = Field(default=None, description=f"A null value removes the tag. {TAGS_DESCRIPTION}")


class UpdateExperimentRequest(Request):
    name: str | None = Field(default=None, max_length=255, description="A new name renames the experiment.")
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    tags: TagUpdates | None = Field(default=None, description=f"A null value removes the tag. {TAGS_DESCRIPTION}")


class TagExperimentRequest(Request):
    tags: TagUpdates = Field(description=f"Merged into the experiment's tags; a null value removes the tag. {TAGS_DESCRIPTION}")


class Experiment(Response):
    id: str
    name: str
    description: str
    tags: dict[str, str]
    created_time: float
    last_modified_time: float
    run_count: int
    in_progress_count: int
    last_run_time: float | None
    metric_names: list[str] | None = Field(default=None, description="Only in GET /experiments/{name}")
    param_names: list[str] | None = Field(default=None, description="Only in GET /experiments/{name}")


class ListExperimentsResponse(Response):
    experiments: list[Experiment]


class DeleteResponse(Response):
    """What DELETE /experiments/{name} and DELETE /runs/{id} removed."""

    experiment: str | None = None
    deleted_runs: int | None = None
    skipped_running_runs: int | None = None
    experiment_deleted: bool | None = None
    deleted_files: int | None = None


class MetricSummary(Response):
    """Run listings carry last, min, max, count and last_step; a run's detail and compare add avg, std, last_timestamp."""

    last: JsonNumber | None = None
    min: JsonNumber | None = None
    max: JsonNumber | None = None
    avg: JsonNumber | None = None
    std: JsonNumber | None = None
    count: int | None = None
    last_step: int | None = None
    last_timestamp: float | None = None


class Run(Response):
    id: str
    name: str
    experiment: str
    experiment_id: str
    trial: str | None
    status: RunStatus
    start_time: float | None
    end_time: float | None
    duration: float | None = Field(description="Seconds (so far, while in progress)")
    created_time: float
    last_modified_time: float
    source_type: str | None = Field(description="TrainingJob, ProcessingJob or Run")
    source_name: str | None = Field(description="The job's name (of the kind source_type says)")
    tags: dict[str, str]
    params: dict[str, str]
    metrics: dict[str, MetricSummary]


class RunArtifact(Response):
    name: str
    uri: str
    is_output: bool
    media_type: str | None
    created_time: float


class RunJob(Response):
    name: str
    kind: JobKind = Field(description="Which job collection holds it: /jobs, /processing-jobs or /transform-jobs")
    status: str
    secondary_status: str | None = None


class RunDetail(Run):
    """GET /runs/{id}: a run with its metric names, artifacts and the job it belongs to."""

    metric_names: list[str]
    artifacts: list[RunArtifact]
    job: RunJob | None


class UpdateRunRequest(Request):
    name: str | None = None
    tags: TagUpdates | None = Field(default=None, description=f"A null value removes the tag. {TAGS_DESCRIPTION}")


class SearchRunsResponse(Response):
    runs: list[Run]
    next_token: str | None
    total: int | None = Field(default=None, description="How many runs match in all")


class MetricSeries(Response):
    """GET /runs/{id}/metrics/{name}."""

    run_id: str
    name: str
    count: int = Field(description="Points stored")
    downsampled: bool
    steps: list[int]
    values: list[JsonNumber]
    timestamps: list[float] | None
    method: DownsampleMethod | None = Field(default=None, description="When downsampled: how.")
    next_token: str | None = Field(
        default=None, description="Without max_points: pass it back as next_token for the next page of points; null on the last page."
    )


# Runs one comparison answer carries at most: more are answered a page at a time (next_token).
COMPARE_PAGE_RUNS = 500
# Runs one comparison request may name by id (whole experiments have no limit).
MAX_COMPARE_IDS = 100_000


class CompareRunsRequest(Request):
    runs: list[Annotated[str, Field(min_length=1)]] | None = Field(
        default=None, max_length=MAX_COMPARE_IDS,
        description="Run ids, compared in this order (any number up to 100,000: the answer pages through them)",
    )
    experiments: list[Annotated[str, Field(min_length=1)]] | None = Field(
        default=None, max_length=100, description="Every run of these experiments (names or ids), newest first, after `runs`"
    )
    exclude: list[str] | None = Field(
        default=None, max_length=MAX_COMPARE_IDS, description="Run ids left out (e.g. of the experiments' runs)"
    )
    metrics: list[str] | None = Field(default=None, description="Default: every metric of those runs")
    max_points: StrictInt = Field(default=1000, ge=2, le=100000)
    method: DownsampleMethod = "minmax"
    limit: StrictInt = Field(default=COMPARE_PAGE_RUNS, ge=1, le=COMPARE_PAGE_RUNS, description="Runs per answer")
    next_token: str | None = Field(default=None, description="next_token of the previous answer: its next page of runs")


class CompareSeries(Response):
    run_id: str
    run_name: str
    metric: str
    count: int
    downsampled: bool
    steps: list[int]
    values: list[JsonNumber]


class CompareRunsResponse(Response):
    max_points: int
    method: str
    metrics: list[str]
    runs: list[Run]
    series: list[CompareSeries]
    total: int | None = Field(default=None, description="Runs selected in all (every page)")
    next_token: str | None = Field(default=None, description="Pass it back (same selection) for the next page of runs; null on the last")
