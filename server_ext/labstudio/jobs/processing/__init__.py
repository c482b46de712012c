"""Processing jobs (SageMaker's CreateProcessingJob) on the job engine.

Split like training jobs: `spec` validates a request, `contract` lays out the job's tree
(it becomes /opt/ml when the job runs in its own mount namespace) and builds the command
and environment, `service` submits, lists and describes, `supervisor` copies inputs in and
outputs out around the script. Nothing is imported here: the supervisor loads only what it needs.
"""
