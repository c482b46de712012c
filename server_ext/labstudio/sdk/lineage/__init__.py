"""SageMaker's ``sagemaker.lineage`` classes, answered by the local ``sagemaker_client``
(sdk/registry_client.py): query, artifacts, contexts, actions, associations, trial components
and the table visualizer. The module tree's ``labstudio.lineage.<module>`` re-exports them."""
