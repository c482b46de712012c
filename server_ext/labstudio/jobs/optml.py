"""A job's own /opt/ml: its tree shown at the path SageMaker containers use, without Docker.

Scripts written for SageMaker often hard-code ``/opt/ml/model``, ``/opt/ml/input/data/train``
or ``/opt/ml/processing/input`` instead of reading the SM_* variables. Inside a mount
namespace of its own (see nsinit.py), a job can see its private tree at those very paths
while other jobs, the host and the user's other programs see theirs or none: ``/opt`` gets a
tmpfs of its own holding every entry ``/opt`` held before (bind-mounted back, so software
installed under /opt stays visible and writable where it was), plus ``ml``, the job's tree.
On a system without /opt, the job gets a root of its own instead (a tmpfs holding every
entry of / brought back the same way, plus /opt), never a new folder on the host.

A job run by the supervisor asks for it with its launch plan's ``opt_ml`` key (the folder
to show; launch.spawn passes it to nsinit); endpoint workers get their model folder at
/opt/ml/model from the endpoint's supervisor (serving/runtime/supervisor.py).

Standard library only and importable on its own: nsinit loads it as a plain file before the
script starts (so it must stay cheap; only bind_opt_ml is used that way), the endpoint
supervisor imports it as ``labstudio.jobs.optml``.
"""
import ctypes
import os
import sys

OPT = "/opt"  # a variable for the tests: a system without it is simulated by another name
MS_BIND, MS_REC = 0x1000, 0x4000
MS_NOSUID, MS_NODEV = 2, 4
MNT_DETACH = 2
MS_PRIVATE, MS_UNBINDABLE = 1 << 18, 1 << 17
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217, "i686": 217, "armv7l": 218}
O_PATH = getattr(os, "O_PATH", 0)
FALLBACK = "/opt/ml is not the job's own tree: use the SM_* variables, which point at it"

_libc: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _lib().mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags, data.encode() if data else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _bring_back(held: int, name: str, is_dir: bool, is_link: bool, into: str) -> None:
    """Show entry `name` of the folder open as `held` (covered by now) again at into/name."""
    source = f"/proc/self/fd/{held}/{name}"  # reaches under our tmpfs, to the entry itself
    target = os.path.join(into, name)
    if is_link:
        os.symlink(os.readlink(name, dir_fd=held), target)
        return
    if is_dir:
        os.mkdir(target)
    else:  # a file, socket or fifo: any non-directory can be mounted onto an empty file
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _mount(source, target, None, MS_BIND | MS_REC)


def _entries(folder: str, skip: str = "") -> list[tuple[str, bool, bool]]:
    return [(e.name, e.is_dir(follow_symlinks=False), e.is_symlink()) for e in os.scandir(folder) if e.name != skip]


def _cover(folder: str, skip: str, mountpoint: str | None = None) -> None:
    """Put a tmpfs on `mountpoint` (default: over `folder` itself) holding what `folder`
    holds, each entry bind-mounted back, except `skip`. All or nothing."""
    entries = _entries(folder, skip)
    mode = os.stat(folder).st_mode & 0o7777
    held = os.open(folder, O_PATH | os.O_DIRECTORY)  # opened before it is covered
    mountpoint = mountpoint or folder
    try:
        _mount("tmpfs", mountpoint, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode:o}")
        try:
            if mountpoint != folder:  # a new root: keep it out of the copies of / made below
                _mount("none", mountpoint, None, MS_UNBINDABLE)
            for name, is_dir, is_link in entries:
                _bring_back(held, name, is_dir, is_link, mountpoint)
        except OSError:
            _lib().umount2(mountpoint.encode(), MNT_DETACH)  # a half-rebuilt folder would hide things
            raise
    finally:
        os.close(held)


def _pivot_root() -> None:
    """pivot_root(".", "."): the mount at our working folder becomes /; the old / is let go
    (glibc has no wrapper: the system call by number)."""
    import platform

    number = PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root's system call number on {platform.machine()} is not known")
    if _lib().syscall(number, b".", b".") != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"pivot_root: {os.strerror(err)}")
    if _lib().umount2(b".", MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"letting go of the old /: {os.strerror(err)}")


def _root_with_opt() -> None:
    """/opt does not exist. Creating it would change the host (root) or is refused (anyone
    else), so: a new root of our own, a tmpfs holding every entry of / brought back, plus
    an empty /opt; it becomes / in this mount namespace (pivot_root)."""
    import tempfile

    parent, name = os.path.split(OPT)
    if parent != "/":
        raise FileNotFoundError(2, f"this system has no {OPT}")
    cwd = os.getcwd()
    stage = tempfile.mkdtemp(prefix="labstudio-root-")  # on the host: removed below
    try:
        _cover("/", name, stage)
        try:
            os.mkdir(os.path.join(stage, name))
            os.chdir(stage)
            _pivot_root()
        except OSError:
            os.chdir(cwd)
            _lib().umount2(stage.encode(), MNT_DETACH)
            raise
        _mount("none", "/", None, MS_PRIVATE)  # no longer unbindable: nested jobs may copy it
        os.chdir(cwd)
    finally:
        os.rmdir(stage)  # the copy of the host's folder, empty: the new root was kept out of it


def bind_opt_ml(tree: str, at: str = "") -> str | None:
    """Make ``/opt/ml`` (or ``/opt/ml/<at>``) show the folder `tree`, for this process and
    the processes it starts from now on; return None, or one line for the job's log saying
    why not (the caller then runs the job as if this had not been asked for).

    Call it once, in a process that is alone in a mount namespace of its own with the
    privilege to mount there (pid 1 of a job's namespaces: nsinit does; a freshly forked
    endpoint worker after ``nsinit.create_mount_namespace()``), with mounts already private (never
    propagated to the host). Any job kind uses it the same way:

    * a training job binds the folder that holds ``input/``, ``model/``, ``output/`` and
      ``code/`` (``Layout.base``);
    * a processing job binds the folder that holds ``processing/...`` and ``config/...``;
    * an endpoint worker binds its model folder with ``at="model"``: ``/opt/ml`` is then an
      empty folder of its own holding just ``model``.

    Everything else /opt held stays visible: each entry is bind-mounted back onto a tmpfs
    that covers /opt, except an existing ``/opt/ml``, which the job's tree replaces (it is
    hidden from the job, never written to). Without /opt, the namespace gets a root of its
    own holding every entry of / plus /opt (the working folder is kept). Nothing here
    changes the host or outlives the namespace.
    """
    if sys.platform != "linux":
        return f"labstudio: {FALLBACK} (mount namespaces exist only on Linux)\n"
    opt_ml = os.path.join(OPT, "ml")
    target = os.path.join(opt_ml, at) if at else opt_ml
    try:
        if not os.path.isdir(tree):
            raise FileNotFoundError(2, f"{tree} is not a folder")
        if os.path.isdir(OPT):
            _cover(OPT, "ml")
        else:
            _root_with_opt()
        os.makedirs(target)
        _mount(tree, target, None, MS_BIND | MS_REC)
    except OSError as exc:
        return f"labstudio: {FALLBACK} ({exc})\n"
    return None


def mount_namespace_refused() -> str | None:
    """Whether a process of ours may get a mount namespace of its own: None when it may, else
    why not. Asked once, by an endpoint's supervisor, in a throw-away child (a few ms), so
    that a refusal is said once in the endpoint's log instead of once per worker."""
    from ..config import ENV_NO_NAMESPACES, Settings

    if not Settings.from_env().namespaces:
        return f"{ENV_NO_NAMESPACES} is set"
    if sys.platform != "linux":
        return "mount namespaces exist only on Linux"
    from .nsinit import create_mount_namespace

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        code = 0
        try:
            os.close(read_fd)
            create_mount_namespace()
        except BaseException as exc:  # whatever it is, it is the answer
            os.write(write_fd, str(exc).encode()[:1000])
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    answer = b""
    while chunk := os.read(read_fd, 1024):
        answer += chunk
    os.close(read_fd)
    os.waitpid(pid, 0)
    return answer.decode(errors="replace") or None


def own_opt_ml(tree: str, at: str = "") -> str | None:
    """bind_opt_ml() for a process that is in no job namespace (a freshly forked endpoint
    worker, single-threaded): first a mount namespace of its own (nsinit's machinery, no PID
    namespace: signals and process groups stay as they were). Same return as bind_opt_ml."""
    from .nsinit import create_mount_namespace

    try:
        create_mount_namespace()
    except OSError as exc:
        return f"labstudio: {FALLBACK} ({exc})\n"
    return bind_opt_ml(tree, at)
