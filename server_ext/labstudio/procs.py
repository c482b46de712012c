"""Process identity, signals and tree killing on Linux, shared by jobs and endpoints.

A pid alone can be reused, so a process is identified by (pid, start ticks from /proc).
A zombie or a dead process counts as gone: it can no longer do anything, and its pid is
about to be recycled. Killing a job kills its process group and then every descendant found
through /proc, which catches children that called setsid() to leave the group. That is the
whole story only for jobs without a PID namespace (see jobs/nsinit.py and
docs/process-containment.md); in one, the kernel kills what is left when the namespace's
pid 1 ends.

This module is on the job supervisor's pre-spawn path: standard library only, and nothing
heavier than os/signal/time at import (not even typing; socket is imported where used).
"""
from __future__ import annotations

import os
import signal
import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the jobs' pre-spawn path
if TYPE_CHECKING:
    import socket
    from collections.abc import Callable
    from typing import Any

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
GONE_STATES = ("Z", "X")  # zombie, dead: exited, only waiting to be reaped


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 on), or None."""
    try:
        raw = _read(f"/proc/{pid}/stat").decode(errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    return raw.rsplit(")", 1)[-1].split()


def start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat: the process start time in clock ticks since boot."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def _state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def is_alive(pid: int | None, ticks: int | None = None) -> bool:
    """Whether pid runs and (when ticks is given) is the very process that started then.

    Zombies count as dead: a supervisor whose parent has not reaped it yet is gone all the same.
    """
    if not pid:
        return False
    fields = _stat_fields(pid)
    if not fields or fields[0] in GONE_STATES:
        return False
    if ticks is None:
        return True
    try:
        return int(fields[19]) == ticks
    except (IndexError, ValueError):
        return False


def environ_of(pid: int) -> bytes:
    try:
        return _read(f"/proc/{pid}/environ")
    except OSError:
        return b""


def processes_with_env(entry: str) -> list[int]:
    """Pids (other than ours) whose environment holds exactly this KEY=VALUE entry."""
    wanted = entry.encode()
    found = []
    for proc in os.scandir("/proc"):
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            if wanted in environ_of(int(proc.name)).split(b"\0") and _state(int(proc.name)) not in (None, *GONE_STATES):
                found.append(int(proc.name))
    return found


def children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        try:
            if fields:
                out.setdefault(int(fields[1]), []).append(int(entry.name))
        except (IndexError, ValueError):
            continue
    return out


def descendants(pid: int) -> list[int]:
    tree = children_map()
    found: list[int] = []
    stack = list(tree.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(tree.get(child, []))
    return found


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid and _state(int(entry.name)) not in (None, *GONE_STATES):
                    members.append(int(entry.name))
            except OSError:
                continue
    return members


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def signal_if_alive(pid: int | None, ticks: int | None, sig: int) -> bool:
    """Signal the process only if it is still the one identified by (pid, ticks)."""
    if not pid or not is_alive(pid, ticks):
        return False
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def kill_group_if_alive(pid: int | None, ticks: int | None, sig: int = signal.SIGKILL) -> None:
    """Signal the whole process group that (pid, ticks) leads, if that leader still runs."""
    if not pid or not is_alive(pid, ticks):
        return
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_gone(pids: list[tuple[int, int | None]], timeout: float) -> bool:
    """Wait until none of the (pid, ticks) processes runs; False when some still do at the timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        if not any(is_alive(pid, ticks) for pid, ticks in pids):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)


def signal_tree(root_pid: int | None, pgid: int | None, sig: int) -> None:
    """Send sig once to every process of the group and of root_pid's tree.

    The group gets it through killpg(); descendants get it one by one only when they left
    the group (setsid()), so a script in the group is not signalled twice.
    """
    targets: set[int] = set()
    if root_pid:
        targets.update(descendants(root_pid) if root_pid == os.getpid() else [root_pid, *descendants(root_pid)])
    if pgid:
        try:
            os.killpg(pgid, sig)
        except OSError:
            pgid = None  # no group left: every descendant needs its own signal
    for pid in targets:
        if pid == os.getpid() or (pgid and _pgid(pid) == pgid):
            continue
        signal_pid(pid, sig)


def kill_tree(root_pid: int | None, pgid: int | None, grace: float, reap: Callable[[], None] | None = None) -> None:
    """SIGTERM the tree, wait up to `grace` seconds, then SIGKILL whatever is left."""
    signal_tree(root_pid, pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if reap is not None:
            reap()
        if not _any_left(root_pid, pgid):
            return
        time.sleep(0.05)
    signal_tree(root_pid, pgid, signal.SIGKILL)
    if reap is not None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _any_left(root_pid, pgid):
            reap()
            time.sleep(0.02)


def _any_left(root_pid: int | None, pgid: int | None) -> bool:
    if pgid and group_members(pgid):
        return True
    if root_pid and root_pid != os.getpid() and is_alive(root_pid):
        return True
    if root_pid == os.getpid():
        return any(_state(p) not in (None, *GONE_STATES) for p in descendants(root_pid))
    return False


def become_subreaper() -> bool:
    """Orphaned grandchildren re-parent to us, so a stop still finds them."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except OSError:
        return False


def reap_children() -> None:
    """Collect exited children so they do not linger as zombies (we are their subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def port_is_free(host: str, port: int) -> bool:
    """Whether a TCP port can be bound right now (nobody listens on it, nothing lingers)."""
    import errno
    import socket

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
    """A non-blocking listening socket (SO_REUSEADDR, so a restart can take the port back at once)."""
    import socket

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


def spawn_detached(
    module: str,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    stdout: int | None = None,
    pass_fds: tuple[int, ...] = (),
    reap: bool = True,
) -> Any:
    """Start `python -m <module> <args>` detached from the caller: a session (process group)
    of its own, no stdin, output to `stdout` (a file descriptor; default nowhere), no
    inherited descriptors but `pass_fds`, with `env` (default: the caller's).

    The one way labstudio starts its own long-lived processes: a job's supervisor, a tuner,
    an endpoint's runtime. Those that daemonise themselves (fork at once, then setsid) leave a
    child that exits at once: `reap` waits for it on a daemon thread, off the caller's path,
    so a long-lived kernel or server keeps no zombie. Returns the Popen (its pid is the
    process's own for those that do not fork). Standard library only: a supervisor starts
    the other hosts of its job with it before its script runs."""
    import subprocess
    import sys
    import threading

    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.DEVNULL if stdout is None else subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
        pass_fds=pass_fds,
    )
    if reap:
        threading.Thread(target=proc.wait, name="labstudio-reap", daemon=True).start()
    return proc
