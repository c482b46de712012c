"""A step's properties: references to what the step's job describes once it ran
(``step.properties.ModelArtifacts.S3ModelArtifacts``,
``step.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri``...), resolved when
the step that reads them runs, and property files (a processing step's JSON outputs, read
with JsonGet).

Any member name can be followed: the runner resolves the path against the step's describe
answer when the reading step runs, and fails that step naming the path if it is not there.
"""
from __future__ import annotations

from typing import Any

from .entities import Expression, PipelineVariable


class Properties(PipelineVariable):
    """A path into a step's properties; attribute access and [index] go deeper."""

    def __init__(self, step_name: str, path: str | None = None, shape_name: str | None = None, shape_names: list[str] | None = None,
                 service_name: str = "sagemaker", step: Any = None) -> None:
        self.__dict__["step_name"] = step_name
        self.__dict__["path"] = path
        self.__dict__["shape_name"] = shape_name
        self.__dict__["_step"] = step

    def __getattr__(self, name: str) -> Properties:
        if name.startswith("_") or not name[:1].isupper():
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}: property members start with a capital letter "
                                 f"(as in SageMaker's describe answers, e.g. ModelArtifacts)")
        path: str | None = self.__dict__["path"]
        child = PropertiesList(self.__dict__["step_name"], f"{path}.{name}" if path else name, step=self.__dict__["_step"])
        self.__dict__[name] = child
        return child

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value

    def __getitem__(self, item: int | str) -> Properties:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise TypeError(f"a property index is a number or a name, got {item!r}")
        part = f"[{item}]" if isinstance(item, int) else f"['{item}']"
        path: str | None = self.__dict__["path"]
        return PropertiesList(self.__dict__["step_name"], f"{path or ''}{part}", step=self.__dict__["_step"])

    def __reduce__(self) -> Any:
        return Properties, (self.step_name, self.path)

    @property
    def expr(self) -> dict[str, str]:
        prefix = f"Steps.{self.step_name}"
        return {"Get": prefix if self.path is None else f"{prefix}.{self.path}"}

    @property
    def _referenced_steps(self) -> list[Any]:
        return [self._step] if self._step is not None else [self.step_name]


class PropertiesList(Properties):
    """A list or map property: indexed by position or by name (Outputs['train'])."""


PropertiesMap = PropertiesList


class PropertyFile(Expression):
    """A JSON file a processing step writes into one of its outputs, read with JsonGet."""

    def __init__(self, name: str, output_name: str, path: str) -> None:
        self.name = name
        self.output_name = output_name
        self.path = path

    def __repr__(self) -> str:
        return f"PropertyFile(name={self.name!r}, output_name={self.output_name!r}, path={self.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PropertyFile) and self.expr == other.expr

    def __hash__(self) -> int:
        return hash((self.name, self.output_name, self.path))

    @property
    def expr(self) -> dict[str, str]:
        return {"PropertyFileName": self.name, "OutputName": self.output_name, "FilePath": self.path}


__all__ = ["Properties", "PropertiesList", "PropertiesMap", "PropertyFile"]
