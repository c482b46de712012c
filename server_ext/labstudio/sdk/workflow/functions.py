"""Join and JsonGet: functions the runner evaluates when the step reading them runs."""
from __future__ import annotations

from typing import Any

from .entities import PipelineVariable, RequestType
from .properties import PropertyFile


class Join(PipelineVariable):
    """The values (strings, numbers, pipeline variables) joined with `on`."""

    def __init__(self, on: str = "", values: list[Any] | None = None) -> None:
        self.on = on
        self.values = list(values or [])

    def to_string(self) -> PipelineVariable:
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Join) and self.expr == other.expr

    def __hash__(self) -> int:
        return hash(repr(self.expr))

    @property
    def expr(self) -> RequestType:
        return {"Std:Join": {"On": self.on, "Values": [v.expr if hasattr(v, "expr") else v for v in self.values]}}

    @property
    def _referenced_steps(self) -> list[Any]:
        steps: list[Any] = []
        for value in self.values:
            if isinstance(value, PipelineVariable):
                steps.extend(value._referenced_steps)
        return steps


class JsonGet(PipelineVariable):
    """A value from a step's property file: `json_path` (``metrics.mse.value``) in the file."""

    def __init__(self, step_name: str | None = None, property_file: PropertyFile | str | None = None, json_path: str | None = None,
                 s3_uri: Any = None, step: Any = None) -> None:
        if s3_uri is not None:
            raise ValueError("JsonGet(s3_uri=...) reads a @step function's output, which labstudio does not run; use a property_file")
        if property_file is None:
            raise ValueError("JsonGet needs the property_file (a PropertyFile of a processing step, or its name)")
        if not json_path:
            raise ValueError("JsonGet needs a json_path, e.g. 'regression_metrics.mse.value'")
        self.step_name = step.name if step is not None and step_name is None else step_name
        self.property_file = property_file
        self.json_path = json_path
        self.step = step

    @property
    def expr(self) -> RequestType:
        if not isinstance(self.step_name, str) or not self.step_name:
            raise ValueError("JsonGet needs step_name: the processing step that writes the property file")
        name = self.property_file.name if isinstance(self.property_file, PropertyFile) else self.property_file
        return {"Std:JsonGet": {"PropertyFile": {"Get": f"Steps.{self.step_name}.PropertyFiles.{name}"}, "Path": self.json_path}}

    @property
    def _referenced_steps(self) -> list[Any]:
        if self.step is not None:
            return [self.step]
        return [self.step_name] if self.step_name else []


__all__ = ["Join", "JsonGet"]
