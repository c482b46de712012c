"""StepCollection: several steps defined together (a ModelStep is one), referenced as its last step."""
from __future__ import annotations

from typing import Any

from .entities import RequestType
from .steps import Step


class StepCollection:
    def __init__(self, name: str, steps: list[Step] | None = None, depends_on: list[Any] | None = None) -> None:
        self.name = name
        self.steps: list[Step] = list(steps or [])
        self.depends_on = depends_on

    def request_dicts(self) -> list[RequestType]:
        return [step.to_request() for step in self.steps]

    @property
    def properties(self) -> Any:
        """The properties of the collection's last step."""
        return self.steps[-1].properties

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, steps={[s.name for s in self.steps]!r})"


__all__ = ["StepCollection"]
