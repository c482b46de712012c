"""labstudio's equivalent of the ``sagemaker_training`` toolkit's ``environment`` module."""
