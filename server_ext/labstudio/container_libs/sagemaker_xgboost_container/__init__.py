"""labstudio's equivalent of the XGBoost container's ``encoder``, ``data_utils`` and ``distributed`` modules."""
