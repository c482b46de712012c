"""``labstudio.workflow.entities``: stands where ``sagemaker.workflow.entities`` stands."""
from ..sdk.workflow.entities import DefaultEnumMeta, Entity, Expression, PipelineVariable, PrimitiveType, RequestType, interpolate, is_variable

__all__ = ["DefaultEnumMeta", "Entity", "Expression", "PipelineVariable", "PrimitiveType", "RequestType", "interpolate", "is_variable"]
