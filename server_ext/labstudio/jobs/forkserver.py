"""A warm start for local jobs: a pre-started process that has already imported the
supervisor's whole world (SQLAlchemy, pydantic, labstudio.store, the archives) and forks
one job's supervisor (or a tuning job's tuner) in a few milliseconds.

Why: started as `python -m labstudio.supervise`, every job paid for a fresh interpreter
before its script could start (its first line), and for importing the store (0.1 s on a
quiet machine, over 1 s under load) before its end could be recorded (Completed). A short
job spent most of its life on those. Forked from here, its supervisor starts with all of it
loaded and runs exactly the code `python -m labstudio.supervise` runs (`supervise.main`).

What keeps this safe:
  * One server per interpreter, labstudio tree, working folder and environment (the
    address is their digest): a job is forked only by a server whose environment is exactly
    the one its supervisor would have been started with (Settings are read from it) and
    whose sys.path starts the same; any other job is started cold, as before
    (`LocalBackend.submit`).
  * The server opens no store connection and starts no thread, so a fork copies no lock or
    socket in use; the forked child closes every descriptor it inherited, enters the
    launcher's working folder, and `supervise.main` forks again and starts a session of its
    own: the supervisor is no child of the server and shares nothing with it but memory.
    Its claim, pid file, PID namespace and kill -9 recovery are the cold start's.
  * An abstract Unix socket (no file left behind, no path-length limit) that only its own
    user may use: both sides check the other's uid (SO_PEERCRED), so another user can
    neither start our jobs nor pose as our server.
  * It exits once the process that started it is gone or after IDLE_SECONDS without a job,
    so a stale tree or environment never lives long; a missing server only means a cold start.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import socket
import struct
import sys
import time
import traceback

from .. import procs
from . import kinds

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the multi-host supervisor's pre-spawn path imports this
if TYPE_CHECKING:
    from typing import Any

IDLE_SECONDS = 300.0  # a server without a job for this long exits (the next job starts cold, and warms one up)
CHECK_SECONDS = 2.0  # how often an idle server looks at its launcher
CONNECT_TIMEOUT = 5.0  # a server that does not answer by then is taken for gone: the job starts cold
RETRY_START_SECONDS = 30.0  # a launcher starts a server for an environment at most this often
# Imported before the first fork, so no job pays for them: everything a supervisor loads
# from its start to recording the job's end (the kinds' supervisors are added from the registry).
PRELOAD = (
    "ctypes",
    "selectors",
    "labstudio.supervise",
    "labstudio.config",
    "labstudio.jobs.launch",
    "labstudio.jobs.supervisor",
    "labstudio.jobs.store_writer",
    "labstudio.jobs.recorder",
    "labstudio.jobs.capture",
    "labstudio.jobs.failure",
    "labstudio.jobs.hosts",
    "labstudio.jobs.owner",
    "labstudio.jobs.layout",
    "labstudio.store",
    "labstudio.store.ingest",
    "labstudio.artifacts",
    "labstudio.safe_write",
    "labstudio.tuning.runner",
    "labstudio.workflow.runner",
)
# What a server runs, forked: the modules of the detached processes that start with the
# `python -m MODULE ARGV` of their cold start, and fork and start a session at once.
SERVED = ("labstudio.supervise", "labstudio.tuning.runner", "labstudio.workflow.runner", "labstudio.automl.runner")
_started: dict[str, float] = {}  # address -> when this process last started a server for it


def address(env: dict[str, str]) -> str:
    """The abstract socket of the server for supervisors started with `env`, from our working
    folder (`python -m` puts it on sys.path), by this interpreter and this labstudio tree."""
    tree = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    key = json.dumps([sys.executable, tree, os.getuid(), os.getcwd(), sorted(env.items())])
    return "\0labstudio-supervise-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _peer_uid(sock: socket.socket) -> int:
    pid_uid_gid = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    uid: int = struct.unpack("3i", pid_uid_gid)[1]
    return uid


def hand_off(argv: list[str], env: dict[str, str], module: str = "labstudio.supervise") -> bool:
    """Have the warm server for `env` start `python -m MODULE ARGV` (forked; MODULE one of
    SERVED); False when there is none (or it failed to), and the caller starts it cold.

    A server that forked but whose answer was lost makes the caller start a second one:
    harmless, a supervisor's claim (supervise._claim) and a tuner's lease let only one of
    them run the job."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(address(env))
        if _peer_uid(sock) != os.getuid():
            return False
        sock.sendall(json.dumps({"module": module, "argv": argv, "cwd": os.getcwd()}).encode() + b"\n")
        return sock.recv(16).startswith(b"ok")
    except OSError:
        return False
    finally:
        sock.close()


def ensure_started(env: dict[str, str]) -> None:
    """Start a server for `env` (detached; it lives while this process does, or until idle),
    unless this process started one lately: the next job with this environment starts warm."""
    addr = address(env)
    now = time.monotonic()
    if now - _started.get(addr, -RETRY_START_SECONDS) < RETRY_START_SECONDS or answers(addr):
        return  # starting, or there already (a tuner forked by it starts no second one)
    _started[addr] = now
    me = os.getpid()
    procs.spawn_detached("labstudio.jobs.forkserver", str(me), str(procs.start_ticks(me) or 0), env=env)


def answers(addr: str) -> bool:
    """Whether a server listens at `addr`."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(addr)
        return True
    except OSError:
        return False
    finally:
        sock.close()


# -- the server -------------------------------------------------------------------------


def _preload() -> None:
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except Exception:  # an optional part missing: the supervisor imports it itself, if it ever needs it
            pass
    try:
        for kind in kinds.every():
            kind.supervisor  # noqa: B018 (imports the kind's Supervisor class)
    except Exception:
        pass


def _read_request(conn: socket.socket) -> dict[str, Any] | None:
    data = b""
    while not data.endswith(b"\n") and len(data) < 65536:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    request = json.loads(data)
    argv, cwd = request.get("argv"), request.get("cwd")
    if request.get("module") not in SERVED:
        return None
    if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv) and isinstance(cwd, str)):
        return None
    if "--foreground" in argv:  # a foreground process would run inside the server's child
        return None
    return request


def _child(listener: socket.socket, conn: socket.socket, module: str, argv: list[str], cwd: str) -> None:
    """The forked child: becomes `python -m MODULE ARGV` and never returns."""
    code = 1
    try:
        listener.close()
        conn.close()
        os.closerange(3, 65536)  # nothing of the server's reaches the job (the store's lock, the script)
        try:
            os.chdir(cwd)
        except OSError:
            os.chdir("/")
        served = importlib.import_module(module)
        sys.argv = [served.__file__ or module, *argv]
        code = served.main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _serve_one(listener: socket.socket, conn: socket.socket) -> None:
    conn.settimeout(CONNECT_TIMEOUT)
    if _peer_uid(conn) != os.getuid():
        return
    request = _read_request(conn)
    if request is None:
        conn.sendall(b"refused\n")
        return
    if os.fork() == 0:
        _child(listener, conn, request["module"], request["argv"], request["cwd"])
    # Answered at once: the launcher's submit need not wait for the child, which forks the
    # supervisor and exits (supervise._fork); it is reaped by the loop (_reap). A folder the
    # child refuses would be refused by a cold start alike.
    conn.sendall(b"ok\n")


def _reap() -> None:
    """Collect the children that forked their supervisor and exited (no zombies)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def serve(addr: str, launcher: int, launcher_ticks: int | None) -> int:
    """Preload, then fork a supervisor per request until idle or the launcher is gone."""
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        listener.bind(addr)
    except OSError:
        return 0  # another server for this environment won the race
    listener.listen(64)
    listener.settimeout(CHECK_SECONDS)
    last = time.monotonic()
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            _reap()
            if time.monotonic() - last > IDLE_SECONDS or not procs.is_alive(launcher, launcher_ticks):
                return 0
            continue
        last = time.monotonic()
        try:
            _serve_one(listener, conn)
        except (OSError, ValueError):
            pass  # a client that went away or sent garbage: it starts its job cold
        finally:
            conn.close()
            _reap()


def main(argv: list[str]) -> int:
    """`python -m labstudio.jobs.forkserver LAUNCHER_PID LAUNCHER_TICKS`, from ensure_started."""
    if len(argv) != 2 or not all(a.isdigit() for a in argv):
        print("usage: python -m labstudio.jobs.forkserver LAUNCHER_PID LAUNCHER_TICKS", file=sys.stderr)
        return 2
    addr = address(dict(os.environ))  # the launcher's working folder is still ours here
    if os.fork() > 0:  # detach at once, like a supervisor: the launcher reaps this child now
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.chdir("/")
    return serve(addr, int(argv[0]), int(argv[1]) or None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
