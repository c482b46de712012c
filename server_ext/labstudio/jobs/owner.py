"""What a local job's supervisor does for the machines that share its store, whatever phase
it is in (waiting for a slot, installing requirements, copying inputs, running the script,
waiting for its other hosts, packing the archives):

* it beats the job's heartbeat (`jobs.heartbeat_time`) every limit/6 seconds: another
  machine cannot read this machine's process table, so that is all it can judge the job by
  (labstudio/machines.py);
* it polls the job's stop flag about once a second: a stop asked on another machine is only
  a request in the store (no machine signals another's processes), carried out here within a
  couple of seconds. A job the store already records as ended (another machine judged its
  heartbeat too old, say after this machine was frozen) is stopped as well: nothing keeps
  running for a job whose record says it ended;
* with a shared (non-SQLite) store, it sends what the job's log file gained to the store
  (jobs/hosts.py's LogShipper), so a teammate's panel shows the live log.

One daemon thread per supervisor, which does nothing for its first second: a job that ends
sooner never pays for it, and the script's start never waits on it (the start itself records
the first heartbeat, in the same transaction as the Training step). Multi-host and remote
runs have their own duties for their host rows (jobs/hosts.py); this one is the job's owner's.
Standard library at import: this module is loaded before the script starts.
"""
from __future__ import annotations

import threading
import time
import traceback

from ..status import JobStatus

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the pre-spawn path
if TYPE_CHECKING:
    from typing import Any

FIRST_DELAY_SECONDS = 1.0


class OwnerDuties(threading.Thread):
    def __init__(self, supervisor: Any) -> None:
        super().__init__(name="labstudio-owner", daemon=True)
        self.sup = supervisor
        self._done = threading.Event()
        self._last_error = ""

    def close(self) -> None:
        """The supervisor is about to exit: no more beats (its job has ended by now)."""
        self._done.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=5)

    def run(self) -> None:
        if self._done.wait(FIRST_DELAY_SECONDS):
            return
        from ..machines import POLL_SECONDS, beat_interval

        interval = beat_interval(self.sup.settings.heartbeat_limit_seconds)
        next_beat = 0.0
        while True:
            now = time.time()
            try:
                next_beat = self._duties(now, next_beat, interval)
            except Exception:  # the store may be away for a moment: try again on the next pass
                error = traceback.format_exc()
                if error != self._last_error:  # once per distinct error, not once a second
                    self._last_error = error
                    print(error, flush=True)
            if self._done.wait(min(POLL_SECONDS, interval)):
                return

    def _duties(self, now: float, next_beat: float, interval: float) -> float:
        from ..store import jobs as jobs_store

        recorder = self.sup._connect()
        db, name = recorder.db, recorder.name
        shipper = self.sup.shipper
        if shipper is not None:
            shipper.ship(db)
        if now >= next_beat:
            db.run_write(lambda conn: jobs_store.beat(conn, name, now))
            next_beat = now + interval
        with db.read() as conn:
            state = jobs_store.stop_state(conn, name)
        if state is None or state[0] != JobStatus.IN_PROGRESS or state[1] is not None:  # ended, stopping, or a stop flag
            self.sup.stop_requested = True
        return next_beat
