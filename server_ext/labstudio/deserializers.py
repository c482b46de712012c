"""``labstudio.deserializers``: SageMaker's ``sagemaker.deserializers`` names."""
from .sdk.deserializers import *  # noqa: F403
from .sdk.deserializers import __all__  # noqa: F401
