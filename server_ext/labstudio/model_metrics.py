"""``labstudio.model_metrics``: stands where ``sagemaker.model_metrics`` stands."""
from .sdk.model_metrics import FileSource, MetricsSource, ModelMetrics

__all__ = ["ModelMetrics", "MetricsSource", "FileSource"]
