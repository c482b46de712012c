"""``labstudio.inputs``: stands where ``sagemaker.inputs`` stands (what ``fit()`` channels and pipeline steps accept)."""
from .sdk.inputs import CreateModelInput, TrainingInput, TransformInput

__all__ = ["CreateModelInput", "TrainingInput", "TransformInput"]
