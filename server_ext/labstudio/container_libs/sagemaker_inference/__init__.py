"""labstudio's equivalent of the ``sagemaker_inference`` toolkit's script-facing modules."""
