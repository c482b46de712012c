"""Process identity: a pid plus its start time (clock ticks since boot), so a recycled pid is
never mistaken for our server, and signals never reach someone else's process."""
from __future__ import annotations

import errno
import os
import signal
import socket
import time


def start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat; None when the process does not exist (or is a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read().decode(errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = raw[raw.rfind(")") + 2 :].split()
    if fields and fields[0] == "Z":
        return None
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def is_alive(pid: int | None, ticks: int | None) -> bool:
    if not pid:
        return False
    current = start_ticks(pid)
    if current is None:
        return False
    return ticks is None or current == ticks


def signal_if_alive(pid: int | None, ticks: int | None, sig: int) -> bool:
    if not is_alive(pid, ticks):
        return False
    try:
        os.kill(pid, sig)  # type: ignore[arg-type]
        return True
    except ProcessLookupError:
        return False


def kill_group_if_alive(pid: int | None, ticks: int | None, sig: int = signal.SIGKILL) -> None:
    """Signal the whole process group our server leads (its workers are in it)."""
    if not is_alive(pid, ticks):
        return
    try:
        os.killpg(pid, sig)  # type: ignore[arg-type]
    except (ProcessLookupError, PermissionError):
        pass


def wait_gone(pids: list[tuple[int, int | None]], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        if not any(is_alive(pid, ticks) for pid, ticks in pids):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def bind_listener(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """The endpoint's listening socket (SO_REUSEADDR so a restart can take the port back at once)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(backlog)
    sock.setblocking(False)
    return sock
