"""Conditions of a ConditionStep: comparisons, membership, negation and disjunction."""
from __future__ import annotations

from enum import Enum
from typing import Any

from .entities import DefaultEnumMeta, Entity, PipelineVariable, RequestType


class ConditionTypeEnum(Enum, metaclass=DefaultEnumMeta):
    EQ = "Equals"
    GT = "GreaterThan"
    GTE = "GreaterThanOrEqualTo"
    IN = "In"
    LT = "LessThan"
    LTE = "LessThanOrEqualTo"
    NOT = "Not"
    OR = "Or"


def _steps_of(*values: Any) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if isinstance(value, PipelineVariable):
            out.extend(value._referenced_steps)
        elif isinstance(value, Condition):
            out.extend(value._referenced_steps)
    return out


def _operand(value: Any, where: str) -> Any:
    if isinstance(value, PipelineVariable) or value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"{where} must be a number, a string, a boolean or a pipeline variable, got {type(value).__name__}")


class Condition(Entity):
    def __init__(self, condition_type: ConditionTypeEnum) -> None:
        self.condition_type = condition_type

    @property
    def _referenced_steps(self) -> list[Any]:
        return []


class ConditionComparison(Condition):
    def __init__(self, condition_type: ConditionTypeEnum, left: Any, right: Any) -> None:
        super().__init__(condition_type)
        self.left = _operand(left, "left")
        self.right = _operand(right, "right")

    def to_request(self) -> RequestType:
        return {"Type": self.condition_type.value, "LeftValue": self.left, "RightValue": self.right}

    @property
    def _referenced_steps(self) -> list[Any]:
        return _steps_of(self.left, self.right)


class ConditionEquals(ConditionComparison):
    def __init__(self, left: Any, right: Any) -> None:
        super().__init__(ConditionTypeEnum.EQ, left, right)


class ConditionGreaterThan(ConditionComparison):
    def __init__(self, left: Any, right: Any) -> None:
        super().__init__(ConditionTypeEnum.GT, left, right)


class ConditionGreaterThanOrEqualTo(ConditionComparison):
    def __init__(self, left: Any, right: Any) -> None:
        super().__init__(ConditionTypeEnum.GTE, left, right)


class ConditionLessThan(ConditionComparison):
    def __init__(self, left: Any, right: Any) -> None:
        super().__init__(ConditionTypeEnum.LT, left, right)


class ConditionLessThanOrEqualTo(ConditionComparison):
    def __init__(self, left: Any, right: Any) -> None:
        super().__init__(ConditionTypeEnum.LTE, left, right)


class ConditionIn(Condition):
    def __init__(self, value: Any, in_values: list[Any]) -> None:
        super().__init__(ConditionTypeEnum.IN)
        self.value = _operand(value, "value")
        self.in_values = [_operand(v, "in_values") for v in in_values]

    def to_request(self) -> RequestType:
        return {"Type": self.condition_type.value, "QueryValue": self.value, "Values": self.in_values}

    @property
    def _referenced_steps(self) -> list[Any]:
        return _steps_of(self.value, *self.in_values)


class ConditionNot(Condition):
    def __init__(self, expression: Condition) -> None:
        super().__init__(ConditionTypeEnum.NOT)
        if not isinstance(expression, Condition):
            raise TypeError(f"ConditionNot negates a condition, got {type(expression).__name__}")
        self.expression = expression

    def to_request(self) -> RequestType:
        return {"Type": self.condition_type.value, "Condition": self.expression.to_request()}

    @property
    def _referenced_steps(self) -> list[Any]:
        return self.expression._referenced_steps


class ConditionOr(Condition):
    def __init__(self, conditions: list[Condition] | None = None) -> None:
        super().__init__(ConditionTypeEnum.OR)
        self.conditions = list(conditions or [])

    def to_request(self) -> RequestType:
        return {"Type": self.condition_type.value, "Conditions": [c.to_request() for c in self.conditions]}

    @property
    def _referenced_steps(self) -> list[Any]:
        return _steps_of(*self.conditions)


__all__ = [
    "Condition", "ConditionComparison", "ConditionEquals", "ConditionGreaterThan", "ConditionGreaterThanOrEqualTo", "ConditionIn",
    "ConditionLessThan", "ConditionLessThanOrEqualTo", "ConditionNot", "ConditionOr", "ConditionTypeEnum",
]
