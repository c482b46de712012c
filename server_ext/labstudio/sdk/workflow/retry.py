"""Retry policies of a step: which failures are tried again, how often, how long apart."""
from __future__ import annotations

from enum import Enum
from typing import Any

from .entities import DefaultEnumMeta, Entity, RequestType

MAX_ATTEMPTS_CAP = 20
MAX_EXPIRE_AFTER_MIN = 14400


class StepExceptionTypeEnum(Enum, metaclass=DefaultEnumMeta):
    SERVICE_FAULT = "Step.SERVICE_FAULT"
    THROTTLING = "Step.THROTTLING"


class SageMakerJobExceptionTypeEnum(Enum, metaclass=DefaultEnumMeta):
    INTERNAL_ERROR = "SageMaker.JOB_INTERNAL_ERROR"
    CAPACITY_ERROR = "SageMaker.CAPACITY_ERROR"
    RESOURCE_LIMIT = "SageMaker.RESOURCE_LIMIT"


class RetryPolicy(Entity):
    """`max_attempts` retries (or retries until `expire_after_mins`), the first after
    `interval_seconds`, each next one `backoff_rate` times later."""

    def __init__(self, backoff_rate: float = 2.0, interval_seconds: int = 1, max_attempts: int | None = None,
                 expire_after_mins: int | None = None) -> None:
        if backoff_rate is not None and backoff_rate < 0:
            raise ValueError("backoff_rate should be non-negative")
        if interval_seconds is not None and interval_seconds < 0:
            raise ValueError("interval_seconds should be non-negative")
        if max_attempts is not None and not 1 <= max_attempts <= MAX_ATTEMPTS_CAP:
            raise ValueError(f"max_attempts must be in the range (0, {MAX_ATTEMPTS_CAP}]")
        if expire_after_mins is not None and not 0 <= expire_after_mins <= MAX_EXPIRE_AFTER_MIN:
            raise ValueError(f"expire_after_mins must be in the range (0, {MAX_EXPIRE_AFTER_MIN}]")
        self.backoff_rate = backoff_rate
        self.interval_seconds = interval_seconds
        self.max_attempts = max_attempts
        self.expire_after_mins = expire_after_mins

    def to_request(self) -> RequestType:
        if (self.max_attempts is None) == (self.expire_after_mins is None):
            raise ValueError("Only one of [max_attempts] and [expire_after_mins] can be given.")
        out: dict[str, Any] = {"BackoffRate": self.backoff_rate, "IntervalSeconds": self.interval_seconds}
        if self.max_attempts is not None:
            out["MaxAttempts"] = self.max_attempts
        else:
            out["ExpireAfterMin"] = self.expire_after_mins
        return out


class StepRetryPolicy(RetryPolicy):
    """Retries for failures of the step itself (labstudio could not start the step's job)."""

    def __init__(self, exception_types: list[StepExceptionTypeEnum], backoff_rate: float = 2.0, interval_seconds: int = 1,
                 max_attempts: int | None = None, expire_after_mins: int | None = None) -> None:
        super().__init__(backoff_rate, interval_seconds, max_attempts, expire_after_mins)
        for kind in exception_types:
            if not isinstance(kind, StepExceptionTypeEnum):
                raise ValueError(f"{kind} is not of StepExceptionTypeEnum.")
        self.exception_types = list(exception_types)

    def to_request(self) -> RequestType:
        out = super().to_request()
        out["ExceptionType"] = [e.value for e in self.exception_types]  # type: ignore[call-overload]
        return out

    def __hash__(self) -> int:
        return hash(tuple(e.value for e in self.exception_types))


class SageMakerJobStepRetryPolicy(RetryPolicy):
    """Retries for failures of a step's job that were not the script's fault: the job's
    supervisor died (JOB_INTERNAL_ERROR), its node was lost (CAPACITY_ERROR), the disk
    filled (RESOURCE_LIMIT)."""

    def __init__(self, exception_types: list[SageMakerJobExceptionTypeEnum] | None = None, failure_reason_types: Any = None,
                 backoff_rate: float = 2.0, interval_seconds: int = 1, max_attempts: int | None = None,
                 expire_after_mins: int | None = None) -> None:
        super().__init__(backoff_rate, interval_seconds, max_attempts, expire_after_mins)
        if not exception_types and not failure_reason_types:
            raise ValueError("At least one of the [exception_types, failure_reason_types] needs to be given.")
        self.exception_type_list: list[SageMakerJobExceptionTypeEnum] = []
        for kind in list(exception_types or []) + list(failure_reason_types or []):
            if not isinstance(kind, SageMakerJobExceptionTypeEnum):
                raise ValueError(f"{kind} is not of SageMakerJobExceptionTypeEnum.")
            self.exception_type_list.append(kind)

    def to_request(self) -> RequestType:
        out = super().to_request()
        out["ExceptionType"] = [e.value for e in self.exception_type_list]  # type: ignore[call-overload]
        return out

    def __hash__(self) -> int:
        return hash(tuple(e.value for e in self.exception_type_list))


__all__ = ["RetryPolicy", "SageMakerJobExceptionTypeEnum", "SageMakerJobStepRetryPolicy", "StepExceptionTypeEnum", "StepRetryPolicy"]
