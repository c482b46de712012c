"""``labstudio.lineage.lineage_trial_component``: stands where ``sagemaker.lineage.lineage_trial_component`` stands."""
from ..sdk.lineage.lineage_trial_component import (
    LineageTrialComponent,
)

__all__ = ["LineageTrialComponent"]
