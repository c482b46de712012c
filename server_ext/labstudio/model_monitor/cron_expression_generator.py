"""``labstudio.model_monitor.cron_expression_generator``: stands where SageMaker's module of that name stands."""
from ..sdk.model_monitor import CronExpressionGenerator

__all__ = ["CronExpressionGenerator"]
