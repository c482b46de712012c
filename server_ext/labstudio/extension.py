"""The Jupyter server extension: configuration traits, handler registration, background loops."""
from __future__ import annotations

import asyncio
import importlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import Float, Int, Unicode

from .config import Settings
from .core import Core
from .handlers import ROUTE_MODULES
from .handlers.events import EventHub

API_PREFIX = "/labstudio/api"


class LabstudioApp(ExtensionApp):
    name = "labstudio"
    load_other_extensions = True

    home = Unicode("", config=True, help="Folder for the store, jobs and endpoints (default: $LABSTUDIO_HOME or ~/.labstudio).")
    db_url = Unicode("", config=True, help="SQLAlchemy URL of the store (default: SQLite in the home folder).")
    artifact_uri = Unicode("", config=True, help="fsspec URL where artifacts are kept (default: <home>/artifacts).")
    max_concurrent_jobs = Int(0, config=True, help="How many training jobs run at once (0: the CPU count).")
    reconcile_interval = Float(5.0, config=True, help="Seconds between checks for dead job supervisors and endpoints.")

    def _settings(self) -> Settings:
        for trait, env in (("home", "LABSTUDIO_HOME"), ("db_url", "LABSTUDIO_DB_URL"), ("artifact_uri", "LABSTUDIO_ARTIFACT_URI")):
            value = getattr(self, trait)
            if value:
                os.environ[env] = value
        if self.max_concurrent_jobs > 0:
            os.environ["LABSTUDIO_MAX_CONCURRENT_JOBS"] = str(self.max_concurrent_jobs)
        settings = Settings.from_env()
        # Kernels, terminals and supervisors started by this server inherit os.environ, so
        # exporting the settings makes a job launched from a notebook land in this store.
        os.environ.update(settings.as_env())
        return settings

    def initialize_settings(self) -> None:
        settings = self._settings()
        core = Core(settings)
        executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="labstudio")
        hub = EventHub(core, executor)
        self.settings.update(
            {"labstudio_core": core, "labstudio_executor": executor, "labstudio_event_hub": hub}
        )
        self._core = core
        self._executor = executor
        self._hub = hub
        self._reconciler = PeriodicCallback(self._reconcile, self.reconcile_interval * 1000)
        # Started from the loop itself: under `jupyter lab` the loop is not running yet, and
        # test harnesses never call the server's post-start hook.
        IOLoop.current().add_callback(self._start_loops)
        self.log.info("labstudio: store %s, home %s", _redact(settings.db_url), settings.home)

    def initialize_handlers(self) -> None:
        for module_name in ROUTE_MODULES:
            module = importlib.import_module(module_name)
            for pattern, handler in module.routes():
                self.handlers.append((API_PREFIX + pattern, handler))

    async def _reconcile(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._core.reconcile)
        except Exception:
            self.log.exception("labstudio: reconciliation failed")

    async def _start_loops(self) -> None:
        self._hub.start()
        self._reconciler.start()
        await self._reconcile()

    async def stop_extension(self) -> None:
        self._hub.stop()
        self._reconciler.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


logging.getLogger("labstudio").setLevel(logging.INFO)
