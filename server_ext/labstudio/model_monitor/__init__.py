"""``labstudio.model_monitor``: stands where ``sagemaker.model_monitor`` stands (Model Monitor,
run locally: sdk/model_monitor.py, sdk/monitoring_files.py; the service is monitor/)."""
from ..sdk.model_monitor import (
    BaseliningJob,
    CronExpressionGenerator,
    DataCaptureConfig,
    DatasetFormat,
    DefaultModelMonitor,
    EndpointInput,
    ModelMonitor,
    MonitoringExecution,
)
from ..sdk.model_quality import ModelQualityMonitor
from ..sdk.monitoring_files import Constraints, ConstraintViolations, Statistics

__all__ = [
    "BaseliningJob", "ConstraintViolations", "Constraints", "CronExpressionGenerator", "DataCaptureConfig", "DatasetFormat",
    "DefaultModelMonitor", "EndpointInput", "ModelMonitor", "ModelQualityMonitor", "MonitoringExecution", "Statistics",
]
