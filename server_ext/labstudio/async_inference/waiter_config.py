"""``labstudio.async_inference.waiter_config``: stands where SageMaker's module of that name stands."""
from ..sdk.async_inference import WaiterConfig

__all__ = ["WaiterConfig"]
