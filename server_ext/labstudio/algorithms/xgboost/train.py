"""The entry point of a built-in XGBoost training job: the container's algorithm mode."""
import sys

from sagemaker_xgboost_container.algorithm_mode.train import main

if __name__ == "__main__":
    sys.exit(main())
