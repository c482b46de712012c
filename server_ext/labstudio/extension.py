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
from .core import Core, home_unusable_message
from .errors import Unavailable
from .handlers import ROUTE_MODULES
from .handlers.base import NoRouteHandler
from .handlers.events import EventHub
from .serving.backends import backend_class

API_PREFIX = "/labstudio/api"


class LabstudioApp(ExtensionApp):
    name = "labstudio"
    load_other_extensions = True

    home = Unicode("", config=True, help="Folder for the store, jobs and endpoints (default: $LABSTUDIO_HOME or ~/.labstudio).")
    db_url = Unicode("", config=True, help="SQLAlchemy URL of the store (default: SQLite in the home folder).")
    artifact_uri = Unicode("", config=True, help="fsspec URL where artifacts are kept (default: <home>/artifacts).")
    max_concurrent_jobs = Int(0, config=True, help="How many training jobs run at once (0: the CPU count).")
    reconcile_interval = Float(5.0, config=True, help="Seconds between checks for dead job supervisors and endpoints.")
    endpoint_backend = Unicode(
        "", config=True, help="Where endpoints run: 'local' (processes on this machine) or the dotted path of an EndpointBackend subclass (default: $LABSTUDIO_ENDPOINT_BACKEND or 'local')."
    )

    def _settings(self) -> Settings:
        for trait, env in (
            ("home", "LABSTUDIO_HOME"),
            ("db_url", "LABSTUDIO_DB_URL"),
            ("artifact_uri", "LABSTUDIO_ARTIFACT_URI"),
            ("endpoint_backend", "LABSTUDIO_ENDPOINT_BACKEND"),
        ):
            value = getattr(self, trait)
            if value:
                os.environ[env] = value
        if self.max_concurrent_jobs > 0:
            os.environ["LABSTUDIO_MAX_CONCURRENT_JOBS"] = str(self.max_concurrent_jobs)
        settings = Settings.from_env()
        backend_class(settings.endpoint_backend)  # an unknown backend is a settings error now, not at the first deploy
        # Kernels, terminals and supervisors started by this server inherit os.environ, so
        # exporting the settings makes a job launched from a notebook land in this store.
        os.environ.update(settings.as_env())
        return settings

    _core: Core | None = None
    _executor: ThreadPoolExecutor | None = None
    _hub: EventHub | None = None
    _reconciler: PeriodicCallback | None = None

    def initialize_settings(self) -> None:
        executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="labstudio")
        self._executor = executor
        self.settings.update({"labstudio_core": None, "labstudio_executor": executor, "labstudio_event_hub": None})
        try:
            settings = self._settings()
        except ValueError as exc:
            self._unusable(f"labstudio's settings are invalid: {exc}.")
            return
        try:
            core = Core(settings)
        except Unavailable as exc:  # an unusable home, a store URL whose driver is not installed
            self._unusable(exc.message)
            return
        except OSError as exc:
            self._unusable(home_unusable_message(settings, exc))
            return
        hub = EventHub(core, executor)
        self.settings.update({"labstudio_core": core, "labstudio_event_hub": hub})
        self._core = core
        self._hub = hub
        self._reconciler = PeriodicCallback(self._reconcile, self.reconcile_interval * 1000)
        # Started from the loop itself: under `jupyter lab` the loop is not running yet, and
        # test harnesses never call the server's post-start hook.
        IOLoop.current().add_callback(self._start_loops)
        self.log.info("labstudio: store %s, home %s", _redact(settings.db_url), settings.home)

    def _unusable(self, message: str) -> None:
        """The server keeps running; every labstudio route answers 503 with this message."""
        self.settings["labstudio_unavailable"] = message
        self.log.error("%s Every /labstudio/api route answers 503 until the server is restarted.", message)

    def initialize_handlers(self) -> None:
        for module_name in ROUTE_MODULES:
            module = importlib.import_module(module_name)
            for pattern, handler in module.routes():
                self.handlers.append((API_PREFIX + pattern, handler))
        # Last: any other path under the API (or an id a route's pattern refuses) gets JSON 404.
        self.handlers.append((API_PREFIX + r"/(?P<path>.*)", NoRouteHandler))

    async def _reconcile(self) -> None:
        if self._core is None or self._executor is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._core.reconcile)
        except Exception:
            self.log.exception("labstudio: reconciliation failed")

    async def _start_loops(self) -> None:
        if self._hub is None or self._reconciler is None:
            return
        self._hub.start()
        self._reconciler.start()
        await self._reconcile()

    async def stop_extension(self) -> None:
        """Tolerates an app that never finished initialising: the server must still shut down."""
        if self._hub is not None:
            self._hub.stop()
        if self._reconciler is not None:
            self._reconciler.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


logging.getLogger("labstudio").setLevel(logging.INFO)
