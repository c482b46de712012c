"""The one typed definition of every REST request and response (pydantic v2).

Handlers validate bodies through these models, the OpenAPI document is generated from
them (`python -m labstudio.shapes.openapi`), and the panel's TypeScript types are generated
from that document (`jlpm gen:types`). Wire casing: SageMaker's PascalCase where SageMaker
has the shape (training-job describe/list, endpoint create/update/describe), snake_case for
labstudio's own resources (the job submit request, experiments, runs, logs, metrics, events).
"""
from .common import NAME_PATTERN, NAME_RE, NAME_RULE, Error, Request, ResourceName, Response, to_json
from .validate import parse

__all__ = ["NAME_PATTERN", "NAME_RE", "NAME_RULE", "Error", "Request", "ResourceName", "Response", "parse", "to_json"]
