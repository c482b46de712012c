"""Hyperparameter tuning jobs: SageMaker's tuner on the local job engine.

ranges (the CLI's range syntax and validation), spec (a request validated into a frozen
TuningSpec), strategy (SageMaker's strategies on Optuna), early_stopping (SageMaker's median
rule), runner (the detached tuner process), service (TuningService, what every client calls),
progress (trials, objective values and the progress line every client shows).
"""
