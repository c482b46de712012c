"""The first process of a job: puts the training script in a PID namespace of its own.

Run by the supervisor as ``python -I -S nsinit.py SUPERVISOR_PID MODE_FD [--opt-ml=TREE] ARGV...``
(a standalone file, standard library only, so it starts in a few milliseconds; with
``--opt-ml``, pid 1 shows the folder TREE at /opt/ml inside the job, see optml.py). Why: a
process group, a subreaper and an environment marker can all be escaped by the job's own
processes (``setsid()`` plus a cleaned environment and a re-exec). A PID namespace cannot:
when its first process (pid 1 inside) dies, the kernel kills every process in it. So:

    supervisor ──> nsinit (outer)  ──> nsinit (pid 1 inside)  ──> the script (pid 2)
                  dies with the        dies with the outer
                  supervisor           nsinit (PDEATHSIG)
                  (PDEATHSIG)

and a ``kill -9`` of the supervisor takes the whole job with it, with nothing to reconcile.

The outer process writes one byte to MODE_FD: ``N`` when the namespace exists, ``F`` when
the system refused it (no privileges, user namespaces disabled). In the ``F`` case it says
so once in the job's log and simply becomes the script, which is what the supervisor ran
before namespaces: the supervisor then falls back to its process-group and /proc tree kill.

Signals: SIGTERM/SIGINT sent to the outer process are relayed to pid 1, which sends them
once to every process of the namespace (``kill(-1)``). The script's exit status travels
back unchanged (a script killed by SIGKILL makes the outer process die of SIGKILL too), so
the supervisor's failure reasons read the same as without a namespace.
"""
import os
import signal
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: we start before anything is imported
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
RELAYED = (signal.SIGTERM, signal.SIGINT)
OPT_ML_FLAG = "--opt-ml="  # optional first argument after MODE_FD: the folder to show at /opt/ml
LEFTOVER_GRACE_SECONDS = 1.0  # what the supervisor gives a job's leftovers without namespaces

_libc = None


def _c() -> "Any":  # libc through ctypes (untyped)
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _call(what: str, result: int) -> None:
    if result != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def die_with_parent() -> None:
    """SIGKILL us as soon as our parent thread exits (set before anything else)."""
    _call("prctl(PR_SET_PDEATHSIG)", _c().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0))


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _unshare(wanted: int) -> None:
    """unshare() `wanted` namespaces, inside a user namespace of our own when not root."""
    uid, gid = os.geteuid(), os.getegid()
    attempts = [wanted] if uid == 0 else []
    attempts.append(CLONE_NEWUSER | wanted)  # root in a container may only have this
    error: OSError | None = None
    for flags in attempts:
        try:
            _call("unshare", _c().unshare(flags))
        except OSError as exc:
            error = exc
            continue
        if flags & CLONE_NEWUSER:
            _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
            _write("/proc/self/setgroups", "deny\n")
            _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
        return
    assert error is not None
    raise error


def create_job_namespaces() -> None:
    """unshare() the namespaces a job runs in; our next child becomes their pid 1.

    A PID namespace (containment) and a mount namespace (a /proc that matches the pids the
    job sees, and the job's own /opt/ml). Root needs nothing else;
    anyone else first gets a user namespace mapping their own uid and gid onto themselves,
    so the script runs with the same identity and no extra privilege on the host. Raises
    OSError when the system allows none of it.
    """
    _unshare(CLONE_NEWPID | CLONE_NEWNS)


def create_mount_namespace() -> None:
    """Move this single-threaded process (a freshly forked endpoint worker) into a mount
    namespace of its own with private mounts, for its own /opt/ml (see optml.py); no PID
    namespace, so its signals and process group stay what they were. Raises OSError when
    the system refuses."""
    if sys.platform != "linux":
        raise OSError("mount namespaces exist only on Linux")
    _unshare(CLONE_NEWNS)
    _call("making mounts private", _c().mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))


def prepare_job_view(opt_ml: str | None = None) -> str | None:
    """In pid 1 of the new namespaces: mount a /proc of our own, so that os.getpid() and
    /proc/self (psutil, `ps`) agree inside the job, and show the folder `opt_ml` (the
    job's tree) at /opt/ml (see optml.py). Our mounts never propagate to the host.
    Returns one line for the log saying what could not be done (the containment holds)."""
    libc = _c()
    notes = []
    try:
        _call("making mounts private", libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))
    except OSError as exc:  # then nothing may be mounted: it would show on the host
        notes.append(f"the job runs in its own PID namespace, but /proc shows the host's pids ({exc})")
        if opt_ml:
            notes.append(f"/opt/ml is not the job's own tree: use the SM_* variables, which point at it ({exc})")
        return "labstudio: " + "; ".join(notes) + "\n"
    try:
        _call("mounting /proc", libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None))
    except OSError as exc:
        notes.append(f"the job runs in its own PID namespace, but /proc shows the host's pids ({exc})")
    if opt_ml:
        note = _optml().bind_opt_ml(opt_ml)
        if note:
            notes.append(note[len("labstudio: "):].rstrip("\n"))
    return "labstudio: " + "; ".join(notes) + "\n" if notes else None


def _optml() -> "ModuleType":
    """optml.py, next to this file: loaded as a plain module, we run outside the package."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    import optml

    return optml


def _exec_script(argv: list[str]) -> None:
    # Python ignores SIGPIPE and SIGXFSZ for itself; the script gets the defaults, as from Popen.
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    try:
        os.execvpe(argv[0], argv, os.environ)
    except OSError as exc:
        os.write(2, f"labstudio: could not start {argv[0]}: {exc}\n".encode())
        os._exit(127)


def _exit_like(status: int) -> None:
    """End this process the way the script ended: same exit code, or death by the same signal."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        _c().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # dying of SIGSEGV again must not write a core
        if sig not in (signal.SIGKILL, signal.SIGSTOP):  # those two cannot be caught anyway
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status))


def _mute_stdio() -> None:
    """Let go of the output pipe: the supervisor sees EOF when the job's processes are gone."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


class _Relay:
    """Passes each relayed signal on once; one that arrives before the child exists is kept
    and delivered once it does. A second SIGTERM (say, a stop while the leftovers of a
    finished script are being terminated) is not passed on: SIGKILL follows anyway."""

    def __init__(self, send: "Callable[[int, int], None]") -> None:
        self.send = send
        self.target: int | None = None
        self.pending: list[int] = []
        self.relayed: set[int] = set()
        for sig in RELAYED:
            signal.signal(sig, self.on_signal)

    def on_signal(self, signum: int, _frame: object) -> None:
        if self.target is None:
            self.pending.append(signum)
        elif signum not in self.relayed:
            self.relayed.add(signum)
            self.send(self.target, signum)

    def started(self, pid: int) -> None:
        self.target = pid
        pending, self.pending = self.pending, []
        for signum in pending:
            self.on_signal(signum, None)


def _fork_with_signals_blocked() -> tuple[int, set[int | signal.Signals]]:
    """fork() with the relayed signals held, so none is handled by a half-made child."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, RELAYED)
    return os.fork(), old


def _signal_namespace(_target: int, signum: int) -> None:
    """From pid 1, kill(-1) reaches every other process of the namespace exactly once."""
    try:
        os.kill(-1, signum)
    except OSError:
        pass


def _signal_pid(target: int, signum: int) -> None:
    try:
        os.kill(target, signum)
    except OSError:
        pass


def run_init(argv: list[str], alive_r: int, status_w: int, mask: set[int | signal.Signals], opt_ml: str | None = None) -> None:
    """pid 1 of the namespace: start the script, relay signals, reap orphans, report its status.

    We start with the relayed signals blocked (as our parent forked us): whatever it relayed
    meanwhile is queued, and reaches our own relay when `mask` is restored.
    """
    import select

    die_with_parent()
    if select.select([alive_r], [], [], 0)[0]:  # EOF: the outer process died before our prctl
        os._exit(1)
    relay = _Relay(_signal_namespace)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    note = prepare_job_view(opt_ml)
    if note:
        os.write(1, note.encode())
    script, old_mask = _fork_with_signals_blocked()
    if script == 0:
        for sig in RELAYED:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        os.close(alive_r)
        os.close(status_w)
        os.setsid()
        _exec_script(argv)
    relay.started(script)
    signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    _mute_stdio()
    status = None
    while status is None:  # orphans of the job re-parent to us: reap them as they come
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            break
        if pid == script:
            status = raw
    # The script is gone. Give what it left behind the same grace the supervisor would,
    # without a second SIGTERM for those a stop already reached; our exit kills the rest.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, RELAYED)
    relay.on_signal(signal.SIGTERM, None)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    import time

    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.02)
    os.write(status_w, str(status if status is not None else 0).encode())
    os._exit(0)


def main(argv: list[str]) -> None:
    supervisor, mode_fd, script_argv = int(argv[0]), int(argv[1]), argv[2:]
    opt_ml = None
    if script_argv and script_argv[0].startswith(OPT_ML_FLAG):
        opt_ml, script_argv = script_argv[0][len(OPT_ML_FLAG) :], script_argv[1:]
    relay = None
    try:
        if sys.platform != "linux":
            raise OSError("PID namespaces exist only on Linux")
        die_with_parent()
        if os.getppid() != supervisor:  # the supervisor died before our prctl took effect
            os._exit(1)
        relay = _Relay(_signal_pid)
        create_job_namespaces()
    except OSError as exc:
        os.write(mode_fd, b"F")
        os.close(mode_fd)
        also = ", and /opt/ml is not the job's own tree: use the SM_* variables, which point at it" if opt_ml else ""
        os.write(
            1,
            f"labstudio: no PID namespace for this job ({exc}); processes that leave its process group "
            f"may outlive a killed supervisor{also} (see docs/process-containment.md)\n".encode(),
        )
        for sig in RELAYED:
            signal.signal(sig, signal.SIG_DFL)
        for signum in relay.pending if relay else ():  # a stop that came while we decided: end as the script would
            os.kill(os.getpid(), signum)
        _exec_script(script_argv)
    alive_r, alive_w = os.pipe()
    status_r, status_w = os.pipe()
    init, old_mask = _fork_with_signals_blocked()
    if init == 0:
        os.close(alive_w)
        os.close(status_r)
        os.close(mode_fd)
        run_init(script_argv, alive_r, status_w, old_mask, opt_ml)
    os.close(alive_r)
    os.close(status_w)
    assert relay is not None
    relay.started(init)
    signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    os.write(mode_fd, b"N")
    os.close(mode_fd)
    _mute_stdio()
    try:
        _, status = os.waitpid(init, 0)
    except ChildProcessError:
        status = 0
    reported = b""
    while True:
        chunk = os.read(status_r, 64)
        if not chunk:
            break
        reported += chunk
    _exit_like(int(reported) if reported else status)


if __name__ == "__main__":
    main(sys.argv[1:])
