"""``labstudio.processing``: what ``sagemaker.processing`` offers, running as local processing jobs."""
from .sdk.processing import FrameworkProcessor, ProcessingInput, ProcessingJob, ProcessingOutput, Processor, ScriptProcessor

__all__ = ["FrameworkProcessor", "ProcessingInput", "ProcessingJob", "ProcessingOutput", "Processor", "ScriptProcessor"]
