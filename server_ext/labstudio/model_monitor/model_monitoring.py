"""``labstudio.model_monitor.model_monitoring``: stands where SageMaker's module of that name stands."""
from ..sdk.model_monitor import BaseliningJob, DefaultModelMonitor, EndpointInput, ModelMonitor, MonitoringExecution
from ..sdk.model_quality import ModelQualityMonitor

__all__ = ["BaseliningJob", "DefaultModelMonitor", "EndpointInput", "ModelMonitor", "ModelQualityMonitor", "MonitoringExecution"]
