"""`python -m labstudio.supervise JOB`: the detached supervisor of one local training job.

Import-light on purpose: it forks before importing anything, and spawns the user's script
from the launch plan written at submit time before the store (SQLAlchemy) is imported, so
the first line of a job appears about as fast as running the script by hand. The script
runs in a PID namespace that dies with this process (jobs/nsinit.py), unless the system
refuses one or LABSTUDIO_NO_NAMESPACES is set (docs/process-containment.md).
"""
import os
import sys


def _fork() -> None:
    """Fork at once, so the launcher's wait for its child returns immediately (no zombie
    in a long-lived kernel or server), and start a session of our own."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()


def _redirect(log_path: str) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(devnull)


def _claim(own_dir: str) -> int | None:
    """The right to supervise this job (or host) once: an exclusive lock held for the life of
    this process, and no supervisor before us. None when another supervisor holds it or one
    already ran: a launcher may start us again when it cannot tell whether its first start
    happened (a tuner resumed after its predecessor died between recording a trial and
    starting it), and that must never run the job twice. The descriptor is not inherited by
    the job's processes (O_CLOEXEC; the script is started with close_fds)."""
    import fcntl

    fd = os.open(os.path.join(own_dir, "supervisor.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    if os.path.exists(os.path.join(own_dir, "supervisor.pid")):  # a supervisor ran (or runs) already
        os.close(fd)
        return None
    return fd


def _host(argv: list[str]) -> str | None:
    """`--host algo-k` (or `--host=algo-k`): which host of a multi-host job this supervises."""
    for i, arg in enumerate(argv):
        if arg == "--host":
            return argv[i + 1] if i + 1 < len(argv) else ""
        if arg.startswith("--host="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print("usage: python -m labstudio.supervise JOB_NAME [--host algo-K] [--foreground]", file=sys.stderr)
        return 2
    name = argv[0]
    home = os.path.abspath(os.path.expanduser(os.environ.get("LABSTUDIO_HOME") or "~/.labstudio"))
    job_dir = os.path.join(home, "jobs", name)
    if os.sep in name or name in (".", "..") or not os.path.exists(os.path.join(job_dir, "launch.json")):
        print(f"labstudio.supervise: no job {name!r} under {os.path.join(home, 'jobs')}", file=sys.stderr)
        return 2
    host = _host(argv[1:])
    own_dir = job_dir  # algo-1's files are the job's folder; other hosts have hosts/algo-k/
    if host is not None and host != "algo-1":
        own_dir = os.path.join(job_dir, "hosts", host)
        if not (host.startswith("algo-") and host[5:].isdigit()) or not os.path.exists(os.path.join(own_dir, "launch.json")):
            print(f"labstudio.supervise: job {name!r} has no host {host!r}", file=sys.stderr)
            return 2
    if "--foreground" not in argv:
        _fork()
    if _claim(own_dir) is None:
        return 0  # another supervisor has this job (or had it): nothing to do
    if "--foreground" not in argv:
        _redirect(os.path.join(own_dir, "supervisor.log"))
    from .jobs.kinds import supervisor_class  # a training or a processing job's supervisor

    if host is None:
        return supervisor_class(job_dir)(job_dir, name).run()
    return supervisor_class(job_dir)(job_dir, name, host).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
