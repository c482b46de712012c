"""``labstudio.workflow.parameters``: stands where ``sagemaker.workflow.parameters`` stands."""
from ..sdk.workflow.parameters import Parameter, ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString, ParameterTypeEnum

__all__ = ["Parameter", "ParameterBoolean", "ParameterFloat", "ParameterInteger", "ParameterString", "ParameterTypeEnum"]
