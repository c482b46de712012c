"""``labstudio.automl.automl``: what ``sagemaker.automl.automl`` offers, the job run locally."""
from ..sdk.automl import AutoML, AutoMLInput, AutoMLJob

__all__ = ["AutoML", "AutoMLInput", "AutoMLJob"]
