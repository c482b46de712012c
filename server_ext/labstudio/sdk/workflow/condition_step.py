"""ConditionStep: evaluates its conditions (all must hold) and runs its IfSteps or its ElseSteps."""
from __future__ import annotations

from typing import Any

from .conditions import Condition
from .entities import RequestType, interpolate
from .properties import Properties
from .step_collections import StepCollection
from .steps import Step, StepTypeEnum


def _requests(steps: list[Any]) -> list[RequestType]:
    out: list[RequestType] = []
    for step in steps:
        if isinstance(step, StepCollection):
            out.extend(step.request_dicts())
        elif isinstance(step, Step):
            out.append(step.to_request())
        else:
            raise ValueError(f"a condition's branch holds {type(step).__name__}; give steps")
    return out


class ConditionStep(Step):
    def __init__(self, name: str, depends_on: list[Any] | None = None, display_name: str | None = None, description: str | None = None,
                 conditions: list[Condition] | None = None, if_steps: list[Any] | None = None, else_steps: list[Any] | None = None) -> None:
        super().__init__(name, display_name, description, StepTypeEnum.CONDITION, depends_on)
        self.conditions = list(conditions or [])
        for item in self.conditions:
            if not isinstance(item, Condition):
                raise ValueError(f"ConditionStep {name!r}: conditions must be Condition objects, got {type(item).__name__}")
        self.if_steps = list(if_steps or [])
        self.else_steps = list(else_steps or [])
        self._properties = Properties(step_name=name, step=self)

    @property
    def arguments(self) -> RequestType:
        return {
            "Conditions": interpolate([c.to_request() for c in self.conditions]),
            "IfSteps": _requests(self.if_steps),
            "ElseSteps": _requests(self.else_steps),
        }

    @property
    def step_only_arguments(self) -> RequestType:
        return {"Conditions": interpolate([c.to_request() for c in self.conditions])}

    @property
    def properties(self) -> Properties:
        """`properties.Outcome`: "True" or "False" once it ran."""
        return self._properties


__all__ = ["ConditionStep"]
