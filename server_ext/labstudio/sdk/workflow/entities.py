"""Pipeline variables: values known only when a step runs (a parameter, a step's property, a
Join, a JsonGet, an execution variable). They stand wherever SageMaker allows them in a step's
arguments and become expressions (``{"Get": ...}``) in the pipeline's definition."""
from __future__ import annotations

import abc
from enum import EnumMeta
from typing import Any, Union

PrimitiveType = Union[str, int, bool, float, None]  # noqa: UP007 - a runtime alias, as SageMaker names it
RequestType = Union[dict[str, Any], list[dict[str, Any]]]  # noqa: UP007


class Entity(abc.ABC):
    """Anything that is part of a pipeline's request: `to_request()` gives its JSON."""

    @abc.abstractmethod
    def to_request(self) -> RequestType:
        """The request structure for the pipeline service."""


class DefaultEnumMeta(EnumMeta):
    """An Enum whose call without a value is its first member (as SageMaker's enums are)."""

    default = object()

    def __call__(cls, *args: Any, value: Any = default, **kwargs: Any) -> Any:
        if value is DefaultEnumMeta.default and not args:
            return next(iter(cls))
        return super().__call__(value if value is not DefaultEnumMeta.default else args[0], **kwargs)

    factory = __call__


class Expression(abc.ABC):
    """Something the definition holds as an expression (`expr`)."""

    @property
    @abc.abstractmethod
    def expr(self) -> RequestType:
        """The expression's JSON."""


class PipelineVariable(Expression):
    """A value resolved when the step runs. Python cannot know it now: turning it into a string
    or a number raises, as SageMaker's do; `.to_string()` makes a string expression of it."""

    def __add__(self, other: Any) -> Any:
        raise TypeError("Pipeline variables do not support concatenation: use Join(on='', values=[...]) from labstudio.workflow.functions.")

    def __str__(self) -> str:
        raise TypeError(
            "Pipeline variables do not support __str__: their value is known only when the step runs. Use `.to_string()` "
            "for a string expression, or `.expr` to see the JSON the definition holds."
        )

    def __int__(self) -> int:
        raise TypeError("Pipeline variables do not support __int__: their value is known only when the step runs.")

    def __float__(self) -> float:
        raise TypeError("Pipeline variables do not support __float__: their value is known only when the step runs.")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.expr!r})"

    def to_string(self) -> PipelineVariable:
        from .functions import Join

        return Join(on="", values=[self])

    @property
    @abc.abstractmethod
    def expr(self) -> RequestType:
        """The expression's JSON."""

    @property
    def _referenced_steps(self) -> list[Any]:
        """The steps (or their names) this variable reads from."""
        return []


def interpolate(value: Any) -> Any:
    """A request tree with every pipeline variable (and expression) replaced by its JSON."""
    if isinstance(value, Expression):
        return value.expr
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [interpolate(v) for v in value]
    return value


def is_variable(value: Any) -> bool:
    return isinstance(value, PipelineVariable)


__all__ = ["DefaultEnumMeta", "Entity", "Expression", "PipelineVariable", "PrimitiveType", "RequestType", "interpolate", "is_variable"]
