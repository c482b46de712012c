"""Experiment tracking: the Run API for scripts, search and analytics, comparison, plots.

Submodules are imported on use (`labstudio.tracking.run`, `.service`, ...): this package
itself imports nothing heavy.
"""
