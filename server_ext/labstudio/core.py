"""The core object every client holds: settings, the store and the services built on it.

The server extension, the CLI, the SDK and the magics each create one (`Core.from_env()`)
and call the same services, so a job launched anywhere is the same row everywhere.
Services are created lazily: the CLI that lists jobs never imports the serving stack.
"""
from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING

from .config import Settings
from .store import Database, get_database
from .store import events as events_store

log = logging.getLogger("labstudio")

if TYPE_CHECKING:
    from .jobs.service import JobService
    from .serving.service import EndpointService
    from .tracking.service import ExperimentService


class Core:
    def __init__(self, settings: Settings | None = None, db: Database | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.settings.ensure_dirs()
        self.db = db or get_database(self.settings)

    @classmethod
    def from_env(cls) -> "Core":
        return cls(Settings.from_env())

    @cached_property
    def jobs(self) -> "JobService":
        from .jobs.service import JobService

        return JobService(self.settings, self.db)

    @cached_property
    def experiments(self) -> "ExperimentService":
        from .tracking.service import ExperimentService

        return ExperimentService(self.settings, self.db)

    @cached_property
    def endpoints(self) -> "EndpointService":
        from .serving.service import EndpointService

        return EndpointService(self.settings, self.db)

    def reconcile(self) -> None:
        """Find jobs whose supervisor died (and endpoints whose servers did) and say so in the store."""
        for step in (self.jobs.reconcile, self.endpoints.reconcile, lambda: self.db.run_write(events_store.prune)):
            try:
                step()
            except Exception:  # one failing check must not stop the others
                log.exception("labstudio: reconciliation step failed")
