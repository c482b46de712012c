"""`python -m labstudio.monitor.scheduler [--replacing HOLDER]`: the monitoring scheduler.

One per store, wherever it runs: it holds the store lease `monitoring-scheduler`
(coordinator_lease.py), taken at start, renewed while it works and checked inside every
transaction that records a run, so a scheduler that lost it records and starts nothing. Each
pass records a run of every schedule whose next run time has come (advancing that time in the
same transaction) and submits the runs' processing jobs; it sleeps until the next run is due
(at most POLL_SECONDS, so schedules created elsewhere are seen). With nothing scheduled for
IDLE_EXIT_SECONDS it drops the lease and exits, in the transaction that sees nothing is due.

Started by MonitoringService.ensure_scheduler (when a schedule is created or started, and by
every server's reconcile), detached, its output in <home>/monitoring/scheduler.log.
"""
from __future__ import annotations

import logging
import signal
import sys
import time
import traceback

from ..config import Settings
from ..coordinator_lease import CoordinatorLease, LeaseLost
from .service import LEASE

log = logging.getLogger("labstudio.monitoring")

POLL_SECONDS = 0.5
IDLE_EXIT_SECONDS = 30.0


class Scheduler:
    def __init__(self, settings: Settings, replacing: str | None = None) -> None:
        from ..core import Core

        self.core = Core(settings)
        self.service = self.core.monitoring
        self.lease = CoordinatorLease(settings, LEASE, replacing, what="scheduler")

    def run(self) -> int:
        db = self.core.db
        if not self.lease.acquire(db, lambda conn, pid, ticks: None):
            log.info("another scheduler holds %s: leaving the schedules to it", LEASE)
            return 0
        log.info("monitoring scheduler started (holder %s)", self.lease.holder)
        idle_since: float | None = None
        released = False
        try:
            while True:
                self.lease.keep(db)
                try:
                    wait = self.service.tick(self.lease)
                except LeaseLost:
                    raise
                except Exception:  # one bad pass (a store hiccup) must not end the schedules
                    log.error("scheduler pass failed:\n%s", traceback.format_exc())
                    wait = POLL_SECONDS
                if wait is None:
                    idle_since = idle_since or time.time()
                    if time.time() - idle_since >= IDLE_EXIT_SECONDS and self.service.release_if_idle(self.lease):
                        released = True
                        log.info("nothing scheduled: the scheduler exits")
                        return 0
                    wait = POLL_SECONDS
                else:
                    idle_since = None
                time.sleep(min(POLL_SECONDS, max(wait, 0.05)))
        except LeaseLost as exc:
            log.warning("stopping: %s (another scheduler took over)", exc)
            released = True
            return 0
        finally:
            if not released:
                try:
                    self.lease.release(db)
                except Exception:
                    log.warning("releasing the lease failed:\n%s", traceback.format_exc())


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print("usage: python -m labstudio.monitor.scheduler [--replacing HOLDER]", file=sys.stderr)
        return 2
    replacing = None
    if "--replacing" in argv:
        at = argv.index("--replacing")
        replacing = argv[at + 1] if at + 1 < len(argv) else None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # SIGTERM ends the loop through its `finally`, which drops the lease for the next scheduler
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return Scheduler(Settings.from_env(), replacing=replacing).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
