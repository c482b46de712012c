"""Training jobs: spec and validation, the SageMaker container contract, the supervisor, backends."""
