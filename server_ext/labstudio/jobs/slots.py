"""The queue of local jobs: at most `max_concurrent_jobs` run at once, first come first served.

Slots are flock()ed files, so a slot is held exactly as long as its supervisor lives: a
supervisor killed with -9 frees its slot at once, with no cleanup step. Waiters leave a
ticket named by creation time; only the oldest live ticket may take a free slot.
Tickets appear atomically (written aside, then renamed into the queue), so a reader never
sees a half-written one; a ticket that still cannot be read is skipped, and removed only
once it is old enough that no writer can be behind it.
Everything here is files, so the fast path (a free slot, nobody waiting) costs no
database round trip before the script starts.
"""
from __future__ import annotations

import fcntl
import os
import time

from ..procs import is_alive, start_ticks

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the pre-spawn path

if TYPE_CHECKING:
    from collections.abc import Callable

STALE_TICKET_SECONDS = 10.0  # a ticket unreadable for this long has no writer behind it


class SlotQueue:
    def __init__(self, slots_dir: str, max_slots: int, name: str, created: float) -> None:
        self.dir = str(slots_dir)
        self.queue_dir = os.path.join(self.dir, "queue")
        self.max_slots = max(1, max_slots)
        self.ticket = os.path.join(self.queue_dir, f"{created:017.6f}-{name}")
        self._fd: int | None = None

    def _try_slots(self) -> int | None:
        os.makedirs(self.dir, exist_ok=True)
        for index in range(self.max_slots):
            fd = os.open(os.path.join(self.dir, f"slot-{index}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {os.path.basename(self.ticket)}\n".encode())
            return fd
        return None

    def _live_tickets(self) -> list[str]:
        """Tickets of waiters still alive, oldest first; tickets of dead waiters are removed.

        A ticket that cannot be parsed is never at the head of the queue (it would block
        everyone behind it) and is deleted only when stale: a fresh one may belong to an
        older labstudio that writes tickets in place and has not finished writing.
        """
        if not os.path.isdir(self.queue_dir):
            return []
        live = []
        for entry in sorted(os.listdir(self.queue_dir)):
            path = os.path.join(self.queue_dir, entry)
            try:
                with open(path) as handle:
                    raw = handle.read()
            except OSError:  # gone meanwhile: its waiter got a slot or gave up
                continue
            try:
                pid_s, ticks_s = raw.split()
                pid, ticks = int(pid_s), int(ticks_s)
            except ValueError:
                if _age(path) > STALE_TICKET_SECONDS:
                    _unlink(path)
                continue
            if is_alive(pid, ticks):
                live.append(path)
            else:
                _unlink(path)
        return live

    def _write_ticket(self) -> None:
        """Write aside and rename into the queue: readers see the whole ticket or none."""
        os.makedirs(self.queue_dir, exist_ok=True)
        pid = os.getpid()
        scratch = os.path.join(self.dir, f".ticket-{pid}-{os.path.basename(self.ticket)}")
        with open(scratch, "w") as handle:
            handle.write(f"{pid} {start_ticks(pid)}")
        os.rename(scratch, self.ticket)

    def running_count(self) -> int:
        busy = 0
        for index in range(self.max_slots):
            path = os.path.join(self.dir, f"slot-{index}.lock")
            if not os.path.exists(path):
                continue
            fd = os.open(path, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError:
                busy += 1
            finally:
                os.close(fd)
        return busy

    def acquire(self, should_abort: Callable[[], bool], on_wait: Callable[[int, int], None]) -> bool:
        """Block until a slot is ours (True) or should_abort() says to give up (False)."""
        if not self._live_tickets():
            self._fd = self._try_slots()
            if self._fd is not None:
                return True
        self._write_ticket()
        announced = False
        try:
            while not should_abort():
                tickets = self._live_tickets()
                if self.ticket not in tickets:  # removed by someone else: queue again, same place
                    self._write_ticket()
                    tickets = self._live_tickets()
                if tickets and tickets[0] == self.ticket:
                    self._fd = self._try_slots()
                    if self._fd is not None:
                        return True
                if not announced:
                    ahead = tickets.index(self.ticket) if self.ticket in tickets else 0
                    on_wait(ahead, self.max_slots)
                    announced = True
                time.sleep(0.1)
            return False
        finally:
            _unlink(self.ticket)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _age(path: str) -> float:
    try:
        return time.time() - os.stat(path).st_mtime
    except OSError:
        return 0.0


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
