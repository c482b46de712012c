"""``labstudio.workflow.conditions``: stands where ``sagemaker.workflow.conditions`` stands."""
from ..sdk.workflow.conditions import (
    Condition,
    ConditionComparison,
    ConditionEquals,
    ConditionGreaterThan,
    ConditionGreaterThanOrEqualTo,
    ConditionIn,
    ConditionLessThan,
    ConditionLessThanOrEqualTo,
    ConditionNot,
    ConditionOr,
    ConditionTypeEnum,
)

__all__ = ["Condition", "ConditionComparison", "ConditionEquals", "ConditionGreaterThan", "ConditionGreaterThanOrEqualTo", "ConditionIn", "ConditionLessThan", "ConditionLessThanOrEqualTo", "ConditionNot", "ConditionOr", "ConditionTypeEnum"]
