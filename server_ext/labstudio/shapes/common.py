"""What every shape shares: the one name rule, the request/response bases, numbers JSON
cannot carry, and the error body.

Requests forbid unknown fields: a misspelt key silently ignored would run or deploy
something other than what the user asked for. Responses leave extra keys open, so a newer
server adding a field does not break an older client.
"""
from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

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
    """Base of every response body (documentation and client types; the server builds dicts).

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
Number = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]
