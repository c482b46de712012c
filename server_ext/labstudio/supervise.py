"""`python -m labstudio.supervise JOB_DIR`: the detached supervisor of one local job.

It is given the job's folder (what the launch plan, written at submit, is in), never a name
to look a home folder up from: the plan says everything, including which Supervisor class
runs this kind of job (jobs/kinds.py writes it there).

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


def _option(argv: list[str], option: str) -> str | None:
    """`--option VALUE` (or `--option=VALUE`): `--host algo-k`, which host of a multi-host job
    this supervises; `--master ADDR:PORT`, its rendezvous when the backend placed the hosts."""
    for i, arg in enumerate(argv):
        if arg == option:
            return argv[i + 1] if i + 1 < len(argv) else ""
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print("usage: python -m labstudio.supervise JOB_DIR [--host algo-K] [--master ADDR:PORT] [--foreground]", file=sys.stderr)
        return 2
    job_dir = os.path.abspath(argv[0])
    name = os.path.basename(job_dir)
    if not os.path.exists(os.path.join(job_dir, "launch.json")):
        print(f"labstudio.supervise: {job_dir} is not a job's folder (it has no launch.json)", file=sys.stderr)
        return 2
    host = _option(argv[1:], "--host")
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
    from .jobs.launch import read_plan, supervisor_class

    supervisor = supervisor_class(read_plan(own_dir))  # the kind's Supervisor, as the plan names it
    code: int = supervisor(job_dir, name, host, master=_option(argv[1:], "--master")).run()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
