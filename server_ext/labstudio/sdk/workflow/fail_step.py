"""FailStep: ends the execution Failed, its (rendered) error message as the failure reason."""
from __future__ import annotations

from typing import Any

from .entities import RequestType, interpolate
from .properties import Properties
from .steps import Step, StepTypeEnum


class FailStep(Step):
    def __init__(self, name: str, error_message: Any = None, display_name: str | None = None, description: str | None = None,
                 depends_on: list[Any] | None = None) -> None:
        super().__init__(name, display_name, description, StepTypeEnum.FAIL, depends_on)
        self.error_message = error_message if error_message is not None else ""
        self._properties = Properties(step_name=name, step=self)

    @property
    def arguments(self) -> RequestType:
        return {"ErrorMessage": interpolate(self.error_message)}

    @property
    def properties(self) -> Properties:
        return self._properties


__all__ = ["FailStep"]
