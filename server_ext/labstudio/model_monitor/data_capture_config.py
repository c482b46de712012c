"""``labstudio.model_monitor.data_capture_config``: stands where SageMaker's module of that name stands."""
from ..sdk.model_monitor import DataCaptureConfig

__all__ = ["DataCaptureConfig"]
