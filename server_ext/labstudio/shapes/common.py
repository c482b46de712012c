"""What every shape shares: the one name rule, the request/response bases, numbers JSON
cannot carry, and the error body.

Requests forbid unknown fields: a misspelt key silently ignored would run or deploy
something other than what the user asked for. Responses leave extra keys open, so a newer
server adding a field does not break an older client.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

from ..answer import to_json as to_json  # re-exported: the shapes' JSON form
from ..errors import Invalid

# SageMaker's resource-name rule (training jobs, endpoints, variants; later tuning and
# processing jobs). \Z, not $: `$` also matches before a trailing newline.
NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
NAME_RE = re.compile(NAME_PATTERN[:-1] + r"\Z")
NAME_RULE = "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit"

ResourceName = Annotated[
    str,
    # pydantic's (Rust) regex engine: `$` is the end of the text, no trailing-newline gap
    StringConstraints(pattern=NAME_PATTERN),
    Field(description=f"SageMaker's name rule: {NAME_RULE}."),
]

# NaN and the infinities cannot be JSON numbers; the API spells them as strings.
JsonNumber = float | Literal["NaN", "Infinity", "-Infinity"]


class Request(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
    # How many parts of an error's location `field` keeps (None: all). Shapes whose clients
    # have long matched on the top-level field name (the job submit request) keep 1.
    field_depth: ClassVar[int | None] = None


class Response(BaseModel):
    """Base of every response body: what a service returns and a handler answers (`to_json`).

    No `additionalProperties` is declared: JSON Schema then allows keys the shape does not
    list (SageMaker's describe answers carry more than the panel reads), and the generated
    TypeScript keeps exact property types instead of an `unknown` index signature.
    """


class ErrorItem(BaseModel):
    """One problem of a request."""

    message: str = Field(description="What is wrong and how to fix it.")
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")


class Error(BaseModel):
    """The body of every 4xx/5xx answer labstudio gives: the first problem, and every problem
    found in the request (the first included) in `errors`."""

    message: str = Field(description="What is wrong and how to fix it.")
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")
    errors: list[ErrorItem] | None = Field(
        default=None, description="Every problem found in the request, the first one included, each with its field."
    )


def _not_bool(value: object) -> object:
    """JSON true/false are not numbers here, though Python counts bool as int."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


Int = Annotated[int, BeforeValidator(_not_bool)]
# A whole number that must be sent as one: "3600" or 3600.0 is refused, not converted (a count
# of seconds that arrives as text is a client bug better reported than guessed at).
StrictInt = Annotated[int, BeforeValidator(_not_bool), Strict()]

# SageMaker's limits on MaxRuntimeInSeconds: a training job runs at most 28 days (its service
# quota), a processing job 9 days (ProcessingStoppingCondition), a tuning job 2 to 262,800 minutes
# (ResourceLimits). Past them a typo (10**20) would be stored and overflow later.
MAX_TRAINING_RUNTIME_SECONDS = 2_419_200
MAX_PROCESSING_RUNTIME_SECONDS = 777_600
MIN_TUNING_RUNTIME_SECONDS = 120
MAX_TUNING_RUNTIME_SECONDS = 15_768_000
Number = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]


# Paths and URIs in requests. SageMaker's own limits: an S3 URI (S3Uri, S3OutputPath) is at most
# 1024 characters, a path inside a processing container (LocalPath) at most 256. A local path
# must also fit the file system: no file or folder name over 255 bytes (NAME_MAX). Refused here,
# in every path field of every request, instead of an OSError ("File name too long") or a
# RecursionError from deep inside the work.
MAX_PATH_CHARS = 1024
MAX_CONTAINER_PATH_CHARS = 256
MAX_NAME_BYTES = 255


def _path_rule(limit: int, what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters long; {what}: shorten it")
        if "://" not in value or value.startswith("file://"):
            for part in value.removeprefix("file://").split("/"):
                size = len(part.encode("utf-8", "surrogatepass"))
                if size > MAX_NAME_BYTES:
                    raise ValueError(
                        f"has a file or folder name of {size} bytes ({part[:24]!r}...); file systems allow at most {MAX_NAME_BYTES}: shorten it"
                    )
        return value

    return check


PathText = Annotated[
    str,
    AfterValidator(_path_rule(MAX_PATH_CHARS, f"paths and URIs may have at most {MAX_PATH_CHARS} (SageMaker's limit for an S3 URI)")),
    Field(json_schema_extra={"maxLength": MAX_PATH_CHARS}),
]
ContainerPath = Annotated[
    str,
    AfterValidator(_path_rule(MAX_CONTAINER_PATH_CHARS, f"paths in the container may have at most {MAX_CONTAINER_PATH_CHARS} (SageMaker's LocalPath limit)")),
    Field(json_schema_extra={"maxLength": MAX_CONTAINER_PATH_CHARS}),
]


# SageMaker's tag limits (Tag: Key 1-128 characters, Value 0-256, at most 50 per resource).
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256
MAX_TAGS = 50
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TAG_KEY_CHARS)]
TagValue = Annotated[str, StringConstraints(max_length=MAX_TAG_VALUE_CHARS)]
TAGS_DESCRIPTION = (
    f"At most {MAX_TAGS} tags; names of 1 to {MAX_TAG_KEY_CHARS} characters, values of at most {MAX_TAG_VALUE_CHARS} (SageMaker's limits)."
)


def check_tag_limits(tags: Mapping[str, object], field: str = "tags") -> None:
    """The same limits for tags that do not come through a request shape (the SDK's Run, the CLI)."""
    if len(tags) > MAX_TAGS:
        raise Invalid(f"'{field}' has {len(tags)} tags; at most {MAX_TAGS} are allowed (SageMaker's limit).", field=field)
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY_CHARS:
            raise Invalid(f"Tag name {key[:40]!r} is {len(key)} characters; tag names have 1 to {MAX_TAG_KEY_CHARS} (SageMaker's limit).", field=field)
        if isinstance(value, str) and len(value) > MAX_TAG_VALUE_CHARS:
            raise Invalid(
                f"Tag {key!r} has a value of {len(value)} characters; tag values have at most {MAX_TAG_VALUE_CHARS} (SageMaker's limit). "
                "Keep long text in a file logged as an artifact instead.",
                field=f"{field}.{key}",
            )
