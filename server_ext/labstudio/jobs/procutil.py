"""Process identity and tree killing on Linux, without third-party dependencies.

A pid alone can be reused, so a process is identified by (pid, start ticks from /proc).
Killing a job kills its process group and then every descendant found through /proc,
which catches children that called setsid() to leave the group. That is the whole story
only for jobs without a PID namespace (see nsinit.py and docs/process-containment.md);
in one, the kernel kills what is left when the namespace's pid 1 ends.
"""
from __future__ import annotations

import os
import signal
import time


def _read(path: str, mode: str = "r"):  # type: ignore[no-untyped-def]
    with open(path, mode) as handle:
        return handle.read()

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat: the process start time in clock ticks since boot."""
    try:
        raw = _read(f"/proc/{pid}/stat")
    except OSError:
        return None
    rest = raw.rsplit(")", 1)[-1].split()
    try:
        return int(rest[19])
    except (IndexError, ValueError):
        return None


def _state(pid: int) -> str | None:
    try:
        raw = _read(f"/proc/{pid}/stat")
    except OSError:
        return None
    return raw.rsplit(")", 1)[-1].split()[0]


def is_alive(pid: int | None, ticks: int | None = None) -> bool:
    if not pid:
        return False
    state = _state(pid)
    if state is None or state in ("Z", "X"):
        return False
    return ticks is None or start_ticks(pid) == ticks


def environ_of(pid: int) -> bytes:
    try:
        return _read(f"/proc/{pid}/environ", "rb")
    except OSError:
        return b""


def processes_with_env(entry: str) -> list[int]:
    """Pids (other than ours) whose environment holds exactly this KEY=VALUE entry."""
    wanted = entry.encode()
    found = []
    for proc in os.scandir("/proc"):
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            if wanted in environ_of(int(proc.name)).split(b"\0") and _state(int(proc.name)) not in (None, "Z", "X"):
                found.append(int(proc.name))
    return found


def children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = _read(f"/proc/{entry.name}/stat")
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[-1].split()
        try:
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
                if os.getpgid(int(entry.name)) == pgid and _state(int(entry.name)) not in (None, "Z", "X"):
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


def kill_tree(root_pid: int | None, pgid: int | None, grace: float, reap=None) -> None:  # type: ignore[no-untyped-def]
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
        return any(_state(p) not in (None, "Z", "X") for p in descendants(root_pid))
    return False


def become_subreaper() -> bool:
    """Orphaned grandchildren re-parent to us, so a stop still finds them."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
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
