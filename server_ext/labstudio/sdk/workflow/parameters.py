"""Pipeline parameters: values given when an execution starts (or their defaults)."""
from __future__ import annotations

from enum import Enum
from functools import partial
from typing import Any

from .entities import DefaultEnumMeta, Entity, PipelineVariable, PrimitiveType, RequestType


class ParameterTypeEnum(Enum, metaclass=DefaultEnumMeta):
    STRING = "String"
    INTEGER = "Integer"
    BOOLEAN = "Boolean"
    FLOAT = "Float"

    @property
    def python_type(self) -> type:
        return {ParameterTypeEnum.STRING: str, ParameterTypeEnum.INTEGER: int, ParameterTypeEnum.BOOLEAN: bool,
                ParameterTypeEnum.FLOAT: float}[self]


class Parameter(PipelineVariable, Entity):
    """A pipeline parameter: its name, type and default (None: required at start)."""

    def __init__(self, name: str = "", parameter_type: ParameterTypeEnum = ParameterTypeEnum.STRING, default_value: PrimitiveType = None) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("a pipeline parameter needs a name")
        self.name = name
        self.parameter_type = parameter_type
        self._check_default_value_type(default_value, parameter_type.python_type)
        self.default_value = default_value

    @staticmethod
    def _check_default_value_type(value: Any, python_type: type) -> None:
        if value is None:
            return
        ok = isinstance(value, python_type) and not (python_type in (int, float) and isinstance(value, bool))
        if python_type is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise TypeError(f"The default value {value!r} does not match the Parameter's type {python_type.__name__}.")

    def to_request(self) -> RequestType:
        value: dict[str, Any] = {"Name": self.name, "Type": self.parameter_type.value}
        if self.default_value is not None:
            value["DefaultValue"] = self.default_value
        return value

    @property
    def expr(self) -> dict[str, str]:
        return {"Get": f"Parameters.{self.name}"}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameter) and self.to_request() == other.to_request()

    def __hash__(self) -> int:
        return hash((self.name, self.parameter_type))


class ParameterString(Parameter):
    def __init__(self, name: str, default_value: str | None = None, enum_values: list[str] | None = None) -> None:
        super().__init__(name=name, parameter_type=ParameterTypeEnum.STRING, default_value=default_value)
        self.enum_values = enum_values

    def to_string(self) -> PipelineVariable:
        return self

    def to_request(self) -> RequestType:
        out = super().to_request()
        if self.enum_values:
            out["EnumValues"] = list(self.enum_values)  # type: ignore[call-overload]
        return out


class ParameterInteger(Parameter):
    def __init__(self, name: str, default_value: int | None = None) -> None:
        super().__init__(name=name, parameter_type=ParameterTypeEnum.INTEGER, default_value=default_value)


class ParameterFloat(Parameter):
    def __init__(self, name: str, default_value: float | None = None) -> None:
        super().__init__(name=name, parameter_type=ParameterTypeEnum.FLOAT, default_value=default_value)


ParameterBoolean = partial(Parameter, parameter_type=ParameterTypeEnum.BOOLEAN)

__all__ = ["Parameter", "ParameterBoolean", "ParameterFloat", "ParameterInteger", "ParameterString", "ParameterTypeEnum"]
