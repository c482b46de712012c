"""``labstudio.inputs``: stands where ``sagemaker.inputs`` stands (what ``fit()`` channels accept)."""
from .sdk.inputs import TrainingInput

__all__ = ["TrainingInput"]
