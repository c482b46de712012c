"""Batch transform: scoring files with a model, as a supervised local job.

records (splitting and batching), jsonpath and dataproc (SageMaker's filters and join) are
pure functions; runner is the job's process; service, spec, describe and supervisor plug
the kind "transform" into the job engine.
"""
