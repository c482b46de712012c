"""``labstudio.model_monitor.dataset_format``: stands where ``sagemaker.model_monitor.dataset_format`` stands."""
from ..sdk.model_monitor import DatasetFormat

__all__ = ["DatasetFormat"]
