"""The base class framework handlers extend: default input/output through decoder/encoder."""
from __future__ import annotations

from typing import Any

from . import decoder, encoder


class DefaultInferenceHandler:
    """Defaults for the four handler functions; model loading and prediction are the
    framework's (or the script's) business, so those two raise until overridden."""

    def default_model_fn(self, model_dir: str, context: Any = None) -> Any:
        raise NotImplementedError(
            "Please provide a model_fn implementation: a default cannot load an arbitrary model. "
            "See the inference contract (model_fn(model_dir))."
        )

    def default_input_fn(self, input_data: Any, content_type: str, context: Any = None) -> Any:
        return decoder.decode(input_data, content_type)

    def default_predict_fn(self, data: Any, model: Any, context: Any = None) -> Any:
        raise NotImplementedError("Please provide a predict_fn implementation.")

    def default_output_fn(self, prediction: Any, accept: str, context: Any = None) -> Any:
        return encoder.encode(prediction, accept)
