"""``labstudio.transformer``: what ``sagemaker.transformer`` offers, running as local transform jobs."""
from .sdk.transformer import Transformer, TransformJob

__all__ = ["TransformJob", "Transformer"]
