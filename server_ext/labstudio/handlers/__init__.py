"""REST handlers, one module per resource. Each module listed here exposes:

- ``routes() -> list[tuple[str, type]]``: URL patterns relative to ``/labstudio/api``;
- ``OPENAPI_PATHS``: the OpenAPI path items for those routes (same patterns, ``{name}`` style);
- optionally ``OPENAPI_SCHEMAS``: component schemas.

The extension registers them in this order and the OpenAPI document merges them, so a
new resource is one new module plus one line here.
"""

ROUTE_MODULES: list[str] = [
    "labstudio.handlers.jobs",
    "labstudio.handlers.experiments",
    "labstudio.handlers.runs",
    "labstudio.handlers.events",
    "labstudio.handlers.endpoints",
    "labstudio.handlers.openapi",
]
