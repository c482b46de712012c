"""``labstudio.workflow.properties``: stands where ``sagemaker.workflow.properties`` stands."""
from ..sdk.workflow.properties import Properties, PropertiesList, PropertiesMap, PropertyFile

__all__ = ["Properties", "PropertiesList", "PropertiesMap", "PropertyFile"]
