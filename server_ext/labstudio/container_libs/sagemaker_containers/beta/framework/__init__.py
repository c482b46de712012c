"""``sagemaker_containers.beta.framework``: the modules older framework scripts import."""
from ... import _content_types as content_types
from ... import _encoders as encoders
from ... import _env as env
from ... import _errors as errors
from ... import _worker as worker
from ... import training_env

__all__ = ["content_types", "encoders", "env", "errors", "training_env", "worker"]
