"""The supervisor's reports to the store: InService (with the variants' ports and worker
pids), an update that failed, Failed. Through ``store.endpoints`` functions only; a
standalone server (``report_to_store`` off) only logs them."""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

from ...procs import start_ticks
from ..spec import EndpointSpec
from .pools import Pool

log = logging.getLogger("labstudio.serving")


class Reporter:
    """Writes status transitions to the store (or only logs them, standalone)."""

    def __init__(self, spec: EndpointSpec, endpoint_dir: Path | None) -> None:
        self.enabled = spec.report_to_store
        self.name = spec.name
        self.endpoint_dir = endpoint_dir
        self._next_poll = 0.0
        self._next_beat = 0.0
        self._interval: float | None = None

    def _write(self, fn: Any) -> None:
        if not self.enabled:
            return
        try:
            from ...store import get_database

            get_database().run_write(fn)
        except Exception:
            log.exception("writing the endpoint's state to the store failed")

    def in_service(self, spec: EndpointSpec, pools: list[Pool], update_failure: str | None = None) -> None:
        log.info("InService%s", f" (update failed: {update_failure})" if update_failure else "")
        from ...store import endpoints as store

        variants = [
            {
                "name": pool.variant.name,
                "model_data": pool.variant.model_data or pool.variant.model_dir,
                "entry_point": pool.variant.entry_point,
                "source_dir": pool.variant.source_dir,
                "weight": pool.variant.weight,
                "instance_count": pool.variant.instances,
                "status": "InService",
                "port": pool.port,
                "pid": next(iter(pool.children), None),
                "config": {
                    "model_dir": pool.variant.model_dir,
                    "environment": pool.variant.environment,
                    "worker_pids": [[pid, start_ticks(pid)] for pid in pool.children],
                    "pool": pool.id,
                },
            }
            for pool in pools
        ]

        def write(conn: Any) -> None:
            if update_failure is None:
                store.replace_variants(conn, self.name, variants)
                store.merge_config(conn, self.name, {"applied_generation": spec.generation})
                store.set_status(conn, self.name, "InService", None)
            else:
                store.merge_config(conn, self.name, {"failed_generation": spec.generation})
                store.set_status(conn, self.name, "InService", f"Update failed, still serving the previous variants: {update_failure}")

        self._write(write)

    def refresh_pids(self, pools: list[Pool]) -> None:
        """The pools' serving workers, so a delete reaches them even if the supervisor dies."""
        from ...store import endpoints as store

        # A replaced worker (draining) is on its way out: only the serving ones are recorded.
        workers = {
            pool.variant.name: [(pid, start_ticks(pid)) for pid, child in pool.children.items() if not child.draining]
            for pool in pools
        }

        def write(conn: Any) -> None:
            for variant, pids in workers.items():
                store.set_variant_workers(conn, self.name, variant, pids)

        self._write(write)

    def failed(self, reason: str) -> None:
        log.error("Failed: %s", reason)
        from ...store import endpoints as store

        def write(conn: Any) -> None:
            store.set_status(conn, self.name, "Failed", reason)
            store.set_variant_statuses(conn, self.name, "Failed")

        self._write(write)

    def pulse(self) -> str | None:
        """Called from the supervisor's loop: beat the endpoint's heartbeat when due (machines
        sharing the store judge the endpoint by it: labstudio/machines.py) and, about once a
        second, read what the store asks. Returns "delete" when another machine asked for the
        endpoint's deletion (or it is gone), "stop" when another machine recorded it Failed
        (nothing keeps serving an endpoint whose record says it failed), else None."""
        if not self.enabled:
            return None
        now = time.time()
        if now < self._next_poll:
            return None
        from ...machines import POLL_SECONDS, beat_interval
        from ...store import endpoints as store
        from ...store import get_database

        if self._interval is None:
            from ...config import Settings

            self._interval = beat_interval(Settings.from_env().heartbeat_limit_seconds)
        self._next_poll = now + min(POLL_SECONDS, self._interval)
        try:
            db = get_database()
            if now >= self._next_beat:
                db.run_write(lambda conn: store.beat(conn, self.name, now))
                self._next_beat = now + self._interval
            with db.read() as conn:
                flags = store.owner_flags(conn, self.name)
        except Exception:
            log.exception("reading the endpoint's state from the store failed")
            return None
        if flags is None or flags[1] is not None:
            return "delete"
        return "stop" if flags[0] == "Failed" else None

    def removed(self) -> None:
        """A delete asked by another machine is done (every worker ended): the endpoint's row
        and folder go, as a delete on this machine ends."""
        log.info("deleted as asked through the store")
        from ...store import endpoints as store

        self._write(lambda conn: store.remove(conn, self.name))
        if self.endpoint_dir is not None:
            shutil.rmtree(self.endpoint_dir, ignore_errors=True)
