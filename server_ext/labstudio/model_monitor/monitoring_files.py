"""``labstudio.model_monitor.monitoring_files``: stands where SageMaker's module of that name stands."""
from ..sdk.monitoring_files import Constraints, ConstraintViolations, ModelMonitoringFile, Statistics

__all__ = ["ConstraintViolations", "Constraints", "ModelMonitoringFile", "Statistics"]
