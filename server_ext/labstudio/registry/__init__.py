"""The model registry: model package groups, numbered model packages, approval, reproduce."""
