"""REST handlers, one module per resource. Each module listed here exposes:

- ``routes() -> list[tuple[str, type]]``: URL patterns relative to ``/labstudio/api``;
- ``OPENAPI``: one ``labstudio.shapes.openapi.Operation`` per route and method (same
  patterns, ``{name}`` style), naming the request and response shapes of ``labstudio.shapes``
  (or a function returning them, for routes built from a registry: every job kind's).

The extension registers them in this order and the OpenAPI document is generated from the
operations and the shapes, so a new resource is new shapes, one new module and one line here.
"""

ROUTE_MODULES: list[str] = [
    "labstudio.handlers.jobkind",
    "labstudio.handlers.jobs",
    "labstudio.handlers.experiments",
    "labstudio.handlers.runs",
    "labstudio.handlers.events",
    "labstudio.handlers.endpoints",
    "labstudio.handlers.alarms",
    "labstudio.handlers.tuning",
    "labstudio.handlers.backends",
    "labstudio.handlers.registry",
    "labstudio.handlers.lineage",
    "labstudio.handlers.pipelines",
    "labstudio.handlers.monitoring",
    "labstudio.handlers.automl",
    "labstudio.handlers.openapi",
]
