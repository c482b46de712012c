"""The SageMaker-compatible SDK: Estimator, Model, Predictor, (de)serializers, framework aliases.

Imported only when a user asks for one of these names (``labstudio.Estimator`` is lazy), so
``import labstudio`` stays cheap for the job supervisor.
"""
from .analytics import TrainingJobAnalytics
from .compat import SageMakerArgumentWarning
from .estimator import Estimator, EstimatorBase, Framework
from .exceptions import ModelError, UnexpectedStatusException
from .inputs import TrainingInput
from .job import TrainingJob
from .model import Model
from .predictor import Predictor
from .session import LocalSession, Session, get_execution_role

__all__ = [
    "Estimator", "EstimatorBase", "Framework", "Model", "Predictor", "TrainingJob", "TrainingJobAnalytics",
    "TrainingInput", "LocalSession", "Session", "get_execution_role", "UnexpectedStatusException", "ModelError", "SageMakerArgumentWarning",
]
