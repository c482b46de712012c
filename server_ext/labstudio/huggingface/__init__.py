"""``labstudio.huggingface``: what ``sagemaker.huggingface`` offers, running locally.

Importing needs no transformers; ``fit``/``deploy`` say to install it when it is missing.
"""
from ..sdk.frameworks import HuggingFace, HuggingFaceModel, HuggingFacePredictor

__all__ = ["HuggingFace", "HuggingFaceModel", "HuggingFacePredictor"]
