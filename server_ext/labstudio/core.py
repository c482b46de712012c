"""The core object every client holds: settings, the store and the services built on it.

The server extension, the CLI, the SDK and the magics each create one (`Core.from_env()`)
and call the same services, so a job launched anywhere is the same row everywhere.
Services are created lazily: the CLI that lists jobs never imports the serving stack.
"""
from __future__ import annotations

import logging
import os
import tempfile
from functools import cached_property
from typing import TYPE_CHECKING

from .config import ENV_HOME, READ_ONLY_FALLBACK, Settings
from .diskfull import as_disk_full
from .errors import HomeUnusable
from .store import Database, get_database
from .store import events as events_store
from .store.db import StoreUnwritable, open_writable

log = logging.getLogger("labstudio")

if TYPE_CHECKING:
    from typing import Any

    from .automl.service import AutoMLService
    from .jobs.engine import JobEngine
    from .jobs.service import JobService
    from .lineage.service import LineageService
    from .monitor.service import MonitoringService
    from .registry.service import RegistryService
    from .serving.service import EndpointService
    from .shapes.jobs import DescribeTrainingJobResponse, TrainingJobSummary
    from .shapes.processing import DescribeProcessingJobResponse, ProcessingJobSummary
    from .shapes.transform import DescribeTransformJobResponse, TransformJobSummary
    from .tracking.service import ExperimentService
    from .tuning.service import TuningService
    from .workflow.service import PipelineService


_PROBE_PREFIX = ".labstudio-probe-"


def home_unusable_message(settings: Settings, cause: BaseException | str) -> str:
    """One sentence naming the home folder, what went wrong and the fix."""
    if isinstance(cause, OSError) and cause.strerror:
        name = str(cause.filename or "")
        probe = os.path.basename(name).startswith(_PROBE_PREFIX)
        where = f" ({name})" if name and name != str(settings.home) and not probe else ""
        text = f"{cause.strerror}{where}"
    elif isinstance(cause, StoreUnwritable):
        text = f"its store cannot be written ({cause.reason})"
    else:
        text = str(cause)
    return f"labstudio cannot use its home folder {settings.home}: {text}. Set {ENV_HOME} to a writable folder."


def _home_problem(settings: Settings) -> str | None:
    """Why the home folder cannot hold labstudio's state, or None when it can.

    Probed by creating a file, because permission bits say nothing on a read-only mount and
    nothing at all to root; a SQLite store file that cannot be written counts too.
    """
    try:
        settings.ensure_dirs()
        with tempfile.TemporaryFile(dir=settings.home, prefix=_PROBE_PREFIX):
            pass
    except OSError as exc:
        return home_unusable_message(settings, exc)
    if settings.db_url.startswith("sqlite:///"):
        path = settings.db_url.split("///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:" and os.path.exists(path) and not os.access(path, os.W_OK):
            return home_unusable_message(settings, PermissionError(13, "the store file is read-only", path))
    return None


def open_store(settings: Settings, *, read_only_ok: bool = False) -> tuple[Database, str | None]:
    """The store for these settings and, when it could only be opened for reading, the reason.

    A home folder that cannot be written raises `HomeUnusable` (one clear message) unless
    ``read_only_ok``: then an existing SQLite store is opened read-only, so listing and
    describing still work and every write raises `HomeUnusable`.
    """
    problem = _home_problem(settings)
    if problem is None:
        try:
            return open_writable(settings), None
        except StoreUnwritable as exc:
            problem = home_unusable_message(settings, exc)
        except OSError as exc:
            problem = home_unusable_message(settings, exc)
    if not read_only_ok:
        raise HomeUnusable(problem)
    return get_database(settings, read_only=problem), problem


class Core:
    def __init__(self, settings: Settings | None = None, db: Database | None = None) -> None:
        self.settings = settings or Settings.from_env()
        # Why this core can only read (its home cannot be written), or None.
        self.read_only: str | None = None
        self._job_services: dict[str, JobService[Any, Any]] = {}
        self._disk_full_said: str | None = None  # what reconcile last logged about a full disk
        if db is not None:
            self.settings.ensure_dirs()
            self.db = db
        else:
            self.db, self.read_only = open_store(self.settings, read_only_ok=READ_ONLY_FALLBACK["enabled"])

    @classmethod
    def from_env(cls) -> Core:
        return cls(Settings.from_env())

    @cached_property
    def engine(self) -> JobEngine:
        """The job engine every kind of job runs on (jobs/engine.py)."""
        from .jobs.engine import JobEngine

        return JobEngine(self.settings, self.db)

    @property
    def job_kinds(self) -> dict[str, JobService[Any, Any]]:
        """Each registered kind of job's service (jobs/kinds.py), by the jobs table's `kind`.
        Tuning trials are training jobs."""
        from .jobs import kinds

        return {kind.name: self.job_service(kind.name) for kind in kinds.every()}

    def job_service(self, kind: str) -> JobService[Any, Any]:
        """One kind's jobs (a kind of the registry; raises KeyError for another word)."""
        from .jobs import kinds
        from .jobs.service import JobService

        if kind not in self._job_services:
            self._job_services[kind] = JobService(self.engine, kinds.get(kind))
        return self._job_services[kind]

    @property
    def jobs(self) -> JobService[DescribeTrainingJobResponse, TrainingJobSummary]:
        return self.job_service("training")

    @property
    def processing(self) -> JobService[DescribeProcessingJobResponse, ProcessingJobSummary]:
        return self.job_service("processing")

    @property
    def transforms(self) -> JobService[DescribeTransformJobResponse, TransformJobSummary]:
        return self.job_service("transform")

    @cached_property
    def tuning(self) -> TuningService:
        from .tuning.service import TuningService

        return TuningService(self.settings, self.db, self.jobs)

    @cached_property
    def experiments(self) -> ExperimentService:
        from .tracking.service import ExperimentService

        return ExperimentService(self.settings, self.db)

    @cached_property
    def endpoints(self) -> EndpointService:
        from .serving.service import EndpointService

        return EndpointService(self.settings, self.db)

    @cached_property
    def registry(self) -> RegistryService:
        from .registry.service import RegistryService

        return RegistryService(self.settings, self.db, self.jobs)

    @cached_property
    def pipelines(self) -> PipelineService:
        from .workflow.service import PipelineService

        return PipelineService(self.settings, self.db, self)

    @cached_property
    def automl(self) -> AutoMLService:
        from .automl.service import AutoMLService

        return AutoMLService(self.settings, self.db, self)

    @cached_property
    def lineage(self) -> LineageService:
        from .lineage.service import LineageService

        return LineageService(self.settings, self.db)

    @cached_property
    def monitoring(self) -> MonitoringService:
        from .monitor.service import MonitoringService

        return MonitoringService(self.settings, self.db, self)

    def reconcile(self) -> None:
        """Find jobs whose supervisor died (and endpoints whose servers did) and say so in the store."""
        steps = (self.engine.reconcile, self.endpoints.reconcile, self.tuning.reconcile, self.pipelines.reconcile,
                 self.monitoring.reconcile, self.automl.reconcile, lambda: self.db.run_write(events_store.prune))
        full: str | None = None
        for step in steps:
            try:
                step()
            except Exception as exc:  # one failing check must not stop the others
                disk = as_disk_full(exc)
                if disk is None:
                    log.exception("labstudio: reconciliation step failed")
                else:  # the passes after it would say the same every few seconds: once is enough
                    full = disk.message
                    if full != self._disk_full_said:
                        log.warning("labstudio: reconciliation cannot write the store: %s", full)
        self._disk_full_said = full
