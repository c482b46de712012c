"""``labstudio.serializers``: SageMaker's ``sagemaker.serializers`` names."""
from .sdk.serializers import *  # noqa: F403
from .sdk.serializers import __all__  # noqa: F401
