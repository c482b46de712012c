"""What ``labstudio.workflow`` (SageMaker's ``sagemaker.workflow``) does on the SDK side: pipeline
variables, steps and the Pipeline object that writes SageMaker's JSON definition and drives
the pipeline service (workflow/service.py) through the session's ``sagemaker_client``."""
