"""The supervisor: owns the script's process group for the whole life of a local job.

It tees the merged stdout/stderr to the job's log file, captures metrics, records every
status transition, enforces stop requests and the runtime limit, packs the model, and
leaves no process behind. Everything before the script's start uses only the launch plan
and the standard library; the store is written from a thread while output flows.
"""
from __future__ import annotations

import os
import signal
import threading
import time

from .. import procs as procutil
from ..diskfull import Reserve, explain, is_disk_full, print_exc_quietly, reason_of
from ..status import HostStatus, JobStatus, SecondaryStatus
from . import launch
from .slots import SlotQueue

TAIL_BYTES = 64 * 1024
DISK_FULL_GRACE = 2.0  # seconds a script gets to end once its disk is full (it can no longer log anything)
STORE_RETRY_SECONDS = 20.0  # how long a full store is retried for the job's end before the marker is left to the reconciler
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the pre-spawn path
if TYPE_CHECKING:
    import selectors
    import subprocess
    from collections.abc import Callable
    from types import FrameType
    from typing import Any, TypeVar

    from ..config import Settings
    from .layout import Layout
    from .recorder import JobRecorder
    from .store_writer import StoreWriter

    T = TypeVar("T")


LEADER = "algo-1"


class Supervisor:
    """One host's supervisor (algo-1 unless `host` says otherwise; see jobs/hosts.py for how
    the hosts of a multi-host job work together)."""

    NOUN = "Training job"  # what the job is called in its status messages (a launch plan's `noun` says better)

    def __init__(self, job_dir: str, name: str, host: str | None = None, *, master: str | None = None) -> None:
        self.job_dir = job_dir
        self.name = name
        self.host = host or LEADER
        self.master = master  # algo-1's ADDR:PORT when the backend placed the hosts (launch.apply_rendezvous)
        # Each host's own files: the job's folder for algo-1, hosts/algo-k/ for the others (layout.py).
        self.host_dir = job_dir if self.host == LEADER else os.path.join(job_dir, "hosts", self.host)
        self.plan = launch.read_plan(self.host_dir)
        self.noun = str(self.plan.get("noun") or self.NOUN)  # what messages call the job: its kind's noun
        self.run_id: str | None = self.plan.get("run_id")
        self.hosts: list[str] = self.plan.get("hosts") or [self.host]
        self.remote = bool(self.plan.get("remote"))
        # Multi-host and remote runs beat, poll and report their host row from the store thread.
        self.coordinated = self.remote or len(self.hosts) > 1
        prefix = self.plan.get("log_prefix")
        self._prefix: bytes | None = prefix.encode() if prefix else None
        self._partial = b""  # a multi-host job's lines are written whole (the hosts share one file)
        # Remote runs: the log file goes to the store from byte 0 as it grows (jobs/hosts.py).
        # A local job on a shared store ships it too (`ship_log`), from the store thread's side:
        # its shipper is made in _connect, never before the script starts.
        self.shipper: Any = None
        if self.remote:
            from .hosts import LogShipper

            self.shipper = LogShipper(self.plan["log_file"], name)
        self._peer_end: tuple[str, str] | None = None
        self._host_failure: tuple[str | None, int | None] = (None, None)
        self._hosts_started = 0.0
        self.stop_requested = False
        self.proc: subprocess.Popen[bytes] | None = None
        self.recorder: JobRecorder | None = None
        self._mode_fd: int | None = None
        self._namespaced: bool | None = None
        self._script_ended: float | None = None
        self._connect_lock = threading.Lock()  # the store thread and the owner's duties both connect
        self._duties: Any = None  # jobs/owner.py, once started
        # Space held back for recording the job's end on a full disk, and why the disk ended the job (diskfull.py).
        self.reserve = Reserve(self.host_dir)
        self._disk_full: str | None = None
        self._store_full = False  # a write of the job's end already waited for space in vain

    # -- signals ------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stop_requested = True

    def peer_ended(self, host: str, status: str) -> None:
        """Another host of the job failed or was stopped: this one stops too (jobs/hosts.py)."""
        if self._peer_end is None:
            self._peer_end = (host, status)
        self.stop_requested = True

    def _install_signals(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            signal.signal(sig, self._on_signal)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    # -- the rest of labstudio, loaded once the script runs -----------------------------

    @property
    def settings(self) -> Settings:
        from ..config import Settings

        return Settings.from_env()

    @property
    def layout(self) -> Layout:
        from pathlib import Path

        from .layout import Layout

        return Layout(Path(self.job_dir), self.host)

    def _connect(self) -> JobRecorder:
        with self._connect_lock:
            if self.recorder is None:
                from ..store import get_database
                from .recorder import JobRecorder

                if self.shipper is None and self.plan.get("ship_log") and self.host == LEADER:
                    from .hosts import LogShipper

                    self.shipper = LogShipper(self.plan["log_file"], self.name)
                if self.shipper is not None:
                    from .hosts import shipping_recorder

                    self.recorder = shipping_recorder(get_database(self.settings), self.name, self.run_id, self.shipper)
                else:
                    self.recorder = JobRecorder(get_database(self.settings), self.name, self.run_id)
            return self.recorder

    def _check_stop_flag(self) -> None:
        """A stop that arrived before our pid was known is only in the store."""
        from ..store import jobs as jobs_store

        with self._connect().db.read() as conn:
            job = jobs_store.get_job(conn, self.name, with_transitions=False)
        if job is not None and job.stop_requested_time is not None:
            self.stop_requested = True

    # -- life cycle ---------------------------------------------------------------

    def run(self) -> int:
        me = os.getpid()
        self._install_signals()
        try:
            with open(os.path.join(self.host_dir, "supervisor.pid"), "w") as handle:
                handle.write(f"{me} {procutil.start_ticks(me)}")
            self.reserve.take()  # no room even for that: the disk is full before the job starts
            code = self._run()
        except BaseException as exc:
            print_exc_quietly()
            self._kill_script(grace=0)
            self._record_crash(exc)
            self._mark_end()
            return 1
        finally:
            if self._duties is not None:
                self._duties.close()
        self.reserve.clear()  # the job's end is in the store
        self._mark_end()
        return code

    def _mark_end(self) -> None:
        """Leave the end marker (layout.END_FILE) that waits watch: they wake now rather than
        a poll interval later, and read the job's end from the store. An empty file, which
        a full disk may refuse: those waits then fall back to their poll."""
        from .layout import END_FILE

        try:
            os.close(os.open(os.path.join(self.host_dir, END_FILE), os.O_WRONLY | os.O_CREAT, 0o644))
        except OSError:
            pass

    def _start_duties(self) -> None:
        """The owner's duties for the machines sharing the store (jobs/owner.py: heartbeat,
        stop-flag polling, log shipping), from now until the supervisor exits. Started by the
        store thread once the script runs (a thread start costs the first line a scheduling
        slice on a busy machine), earlier by whatever phase before it may take long (a slot
        wait, pip, copying inputs). A remote run's hosts do their own in jobs/hosts.py."""
        with self._connect_lock:
            if self._duties is None and not self.remote and self.host == LEADER:
                from .owner import OwnerDuties

                self._duties = OwnerDuties(self)
                self._duties.start()

    def _durably(self, write: Callable[[], T], if_lost: str) -> T:
        """Run a store write that records how the job ended, whatever the disk holds.

        When the store's disk is full (or the job already found its disk full) the reserve is
        given back first, keeping `if_lost` (the reason the reconciler reports should the job's
        end never reach the store) in the disk-full marker; the write is then retried for
        STORE_RETRY_SECONDS once, in case space comes free, before giving up."""
        if self._disk_full is not None:
            self.reserve.release(if_lost)
        try:
            return write()
        except Exception as exc:
            if not is_disk_full(exc) or self._store_full:
                raise
            self._store_full = True
            self.reserve.release(if_lost)
        deadline = time.monotonic() + STORE_RETRY_SECONDS
        while True:
            time.sleep(1.0)
            try:
                return write()
            except Exception as again:
                if not is_disk_full(again) or time.monotonic() >= deadline:
                    raise

    def _lost_end(self, status: str, reason: str | None) -> str:
        """The reason to leave in the disk-full marker for an end the store may not take."""
        if reason and "The disk is full" in reason:
            return reason
        ended = f"{status}: {reason}" if reason else status
        return (f"ClientError: The disk is full: labstudio's store had no space to record how this job ended ({ended}). "
                "Free space and run the job again.")

    def _on_wait(self, ahead: int, slots: int) -> None:
        self._start_duties()
        ahead_text = f"; {ahead} job(s) ahead in the queue" if ahead else ""
        now = time.time()
        self._connect().transitions(
            [(SecondaryStatus.STARTING, now, f"Waiting for a free slot: {slots} of {slots} jobs are running (max_concurrent_jobs){ahead_text}")],
            supervisor_pid=os.getpid(),
            supervisor_start_ticks=procutil.start_ticks(os.getpid()),
            heartbeat_time=now,
        )
        self._check_stop_flag()

    def _run(self) -> int:
        plan = self.plan
        # One slot per job: only algo-1 queues (the others have no slots_dir in their plan).
        slots = SlotQueue(plan["slots_dir"], plan["max_slots"], self.name, plan["created"]) if plan.get("slots_dir") else None
        if slots is not None and not slots.acquire(lambda: self.stop_requested, self._on_wait):
            self._connect().finish(status=JobStatus.STOPPED, secondary=SecondaryStatus.STOPPED, message="Stopped while waiting for a slot")
            if len(self.hosts) > 1:
                self._end_hosts_not_started()
            return 0
        self._hosts_started = time.time()  # the other hosts have START_GRACE_SECONDS from here (jobs/hosts.py)
        if plan.get("start_hosts"):
            self._start_hosts()
        t_download = time.time()
        if self._slow_inputs():
            self._start_duties()
        self._prepare_inputs()
        log_fd = os.open(plan["log_file"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        installed = bool(plan.get("requirements"))  # requirements.txt: see requirements.py
        if installed:
            self._start_duties()
            from .requirements import install_for_job

            if install_for_job(self, log_fd, t_download):  # the job ended there (pip failed, or stopped)
                os.close(log_fd)
                if slots is not None:
                    slots.release()
                return 0
        t_train = time.time()
        contained = launch.contained(plan)
        if not contained:
            also = " and /opt/ml is not its own tree (use the SM_* variables, which point at it)" if plan.get("opt_ml") else ""
            os.write(log_fd, f"labstudio: {launch.NO_NAMESPACES_VAR} is set: no PID namespace for this job{also}; processes that "
                     "leave its process group may outlive a killed supervisor (see docs/process-containment.md)\n".encode())
            self._namespaced = False
        launch.apply_rendezvous(plan, self.master)  # the backend's MASTER_ADDR/MASTER_PORT, when it gave them
        self.proc, self._mode_fd = launch.spawn(plan, contained)
        started = time.time()
        procutil.become_subreaper()  # orphans of the script re-parent to us from now on
        me = os.getpid()
        pgid = self.proc.pid

        def record_start() -> None:
            self._start_duties()
            from .hosts import node_name, started_row

            row = (self.host, started_row(node_name(), me, started))
            if self.host != LEADER:  # the job's row is the leader's to write
                self._connect().db.run_write(lambda conn: _update_host(conn, self.name, *row))
            else:
                self._connect().transitions(
                    self._start_steps(t_download, t_train)[1 if installed else 0:],  # the install recorded Downloading
                    host_row=row,
                    supervisor_pid=me,
                    supervisor_start_ticks=procutil.start_ticks(me),
                    process_pgid=pgid,
                    training_start_time=started,
                    heartbeat_time=time.time(),
                )
            self._check_stop_flag()

        from .store_writer import StoreWriter

        duties = None
        if self.coordinated:
            from .hosts import HostDuties

            duties = HostDuties(self, self._connect)
        writer = StoreWriter(self._connect, record_start, duties)
        writer.start()
        try:
            outcome, tail = self._pump(log_fd, writer)
        finally:
            # Training ends here, before the slot is freed: the next job always starts after it.
            self._script_ended = time.time()
            self._flush_partial(log_fd)
            os.close(log_fd)
            if self._mode_fd is not None:
                os.close(self._mode_fd)
                self._mode_fd = None
            if slots is not None:
                slots.release()  # the script's processes are gone: the next job may start while we pack
            writer.close()
        if self.coordinated:
            outcome = self._end_host(outcome, tail)
            if self.host != LEADER:
                return 0
        return self._finish(outcome, tail)

    # -- hosts of a multi-host or remote run (jobs/hosts.py) -----------------------------

    def _start_hosts(self) -> None:
        """The local backend's other hosts: their supervisors, detached, once algo-1 holds the
        job's one slot (so a multi-host job never waits on itself in the queue)."""
        for host in self.hosts:
            if host != self.host:
                # it forks at once and this child exits: waited for here, no thread needed
                procutil.spawn_detached("labstudio.supervise", self.job_dir, "--host", host, reap=False).wait()

    def _end_host(self, outcome: str, tail: str) -> str:
        """Record this host's end; the leader then waits for every host and returns the job's
        outcome ("exited", "host_failed", "stopped" or "max_runtime")."""
        from .failure import failure_reason
        from .hosts import finish_host, job_outcome, signal_local_hosts, wait_for_hosts

        assert self.proc is not None
        code = self.proc.returncode
        reason = None
        if outcome == "stopped" and self._peer_end is not None:
            status, reason = HostStatus.STOPPED, f"Stopped because {self._peer_end[0]} {self._peer_end[1].lower()}"
        elif outcome == "stopped":
            status = HostStatus.STOPPED
        elif outcome == "max_runtime":
            status, reason = HostStatus.STOPPED, f"MaxRuntimeExceeded: ran past {self.plan.get('max_runtime_seconds')} s"
        elif outcome == "disk_full":
            status, reason = HostStatus.FAILED, self._disk_full
        elif code == 0:
            status = HostStatus.COMPLETED
        else:
            status, reason = HostStatus.FAILED, failure_reason(code, self.layout.failure_file, tail)
        recorder = self._connect()
        self._durably(
            lambda: finish_host(recorder, self.host, status=status, exit_code=code, reason=reason, end_time=self._script_ended),
            self._lost_end(status, reason),
        )
        if self.host != LEADER or len(self.hosts) == 1:
            return outcome
        rows = wait_for_hosts(
            recorder, self.hosts, self._hosts_started, self.job_dir, lambda: signal_local_hosts(self.job_dir, self.hosts, signal.SIGTERM)
        )
        result, why, failed_code = job_outcome(rows)
        if result == "failed":
            self._host_failure = (why, failed_code)
            return "host_failed"
        if result == "completed":
            return "exited"
        if outcome == "stopped" and self._peer_end is None:
            return "stopped"
        return result

    def _end_hosts_not_started(self) -> None:
        """The job ended before algo-1 started the other hosts: their rows say Stopped."""
        from .hosts import finish_host

        for host in self.hosts[1:]:
            finish_host(self._connect(), host, status=HostStatus.STOPPED, exit_code=None, reason=None)

    # -- output -------------------------------------------------------------------------

    def _write_out(self, log_fd: int, chunk: bytes) -> None:
        """Output to the job's log (a remote run's store thread sends the file on): a multi-host
        job's whole lines only, each with its host's prefix, so the hosts' lines never mix."""
        if self._prefix is not None:
            lines = (self._partial + chunk).split(b"\n")
            self._partial = lines.pop()
            if len(self._partial) > TAIL_BYTES:  # a huge line without end: write it as it is
                lines.append(self._partial)
                self._partial = b""
            if not lines:
                return
            prefix = self._prefix
            chunk = b"".join(prefix + line + b"\n" for line in lines)
        self._log(log_fd, chunk)

    def _log(self, log_fd: int, data: bytes) -> None:
        """Append to the job's log. A full disk does not end the supervisor: it ends the job
        (`_pump` stops the script), and what the script still prints has nowhere to go."""
        if self._disk_full is not None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(log_fd, view):]
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            self._disk_full = reason_of(exc, "the job's log", self.plan["log_file"])

    def _flush_partial(self, log_fd: int) -> None:
        if self._partial:
            rest, self._partial = self._partial, b""
            self._write_out(log_fd, rest + b"\n")

    # -- what a job kind changes (jobs/processing/supervisor.py overrides these and _finish) ----

    def _prepare_inputs(self) -> None:
        """Make the inputs visible in the job's tree before the script starts."""
        launch.link_channels(self.plan)

    def _slow_inputs(self) -> bool:
        """Whether `_prepare_inputs` may take a while (it copies data in): URL channels."""
        return any("://" in source for source, _ in self.plan.get("channels") or [])

    def _start_steps(self, t_inputs: float, t_started: float) -> list[tuple[str, float, str]]:
        """The secondary-status transitions recorded once the script runs."""
        return [
            (SecondaryStatus.DOWNLOADING, t_inputs, "Linking the input data channels"),
            (SecondaryStatus.TRAINING, t_started, "Training in progress"),
        ]

    def _pump(self, log_fd: int, writer: StoreWriter) -> tuple[str, str]:
        """Copy output to the log and the metric capture until the script ends or must stop."""
        import selectors
        from collections import deque

        from .capture import MetricCapture

        assert self.proc is not None and self.proc.stdout is not None
        capture = MetricCapture(self.plan["metric_definitions"])
        grace = float(self.plan["stop_grace_seconds"])
        tail: deque[bytes] = deque()
        tail_size = 0
        partial = b""
        max_runtime = self.plan.get("max_runtime_seconds")
        deadline = time.monotonic() + max_runtime if max_runtime else None
        outcome = "exited"
        stream = self.proc.stdout
        os.set_blocking(stream.fileno(), False)
        sel = selectors.DefaultSelector()
        sel.register(stream, selectors.EVENT_READ)
        exited_at: float | None = None
        while True:
            if self._disk_full is None and writer.disk_full is not None:  # the store thread found the store's disk full
                self._disk_full = writer.disk_full
            if self._disk_full is not None and outcome == "exited":
                outcome = "disk_full"
                self._kill_script(min(grace, DISK_FULL_GRACE), drain=(sel, log_fd))
            if self.stop_requested and outcome == "exited":
                outcome = "stopped"
                self._kill_script(grace, drain=(sel, log_fd))
            if deadline is not None and outcome == "exited" and time.monotonic() >= deadline:
                outcome = "max_runtime"
                self._kill_script(grace, drain=(sel, log_fd))
            eof = False
            for key, _ in sel.select(timeout=0.2):
                try:
                    chunk = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    eof = True
                    continue
                if self._prefix is None:
                    self._log(log_fd, chunk)  # a single-host job: nothing in between
                else:
                    self._write_out(log_fd, chunk)
                tail.append(chunk)
                tail_size += len(chunk)
                while tail_size > TAIL_BYTES and len(tail) > 1:
                    tail_size -= len(tail.popleft())
                if capture:
                    lines = (partial + chunk).split(b"\n")
                    partial = lines.pop()
                    now = time.time()
                    for line in lines:
                        for point in capture.feed(line.decode("utf-8", "replace"), now):
                            writer.queue.put(point)
            if eof:
                break
            if self.proc.poll() is not None:
                # The script is gone but a child of it may still hold the pipe: give output a moment.
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at > 0.5:
                    break
        if partial and capture:
            for point in capture.feed(partial.decode("utf-8", "replace")):
                writer.queue.put(point)
        sel.close()
        self.proc.wait()
        # Nothing the script started may outlive it.
        procutil.kill_tree(os.getpid(), self.proc.pid, grace=1.0, reap=procutil.reap_children)
        return outcome, b"".join(tail).decode("utf-8", "replace")

    def _in_namespace(self) -> bool:
        """Whether nsinit runs the script in a PID namespace (it says so at once on the mode pipe)."""
        if self._namespaced is None:
            import select

            answer = b""
            if self._mode_fd is not None and select.select([self._mode_fd], [], [], 5.0)[0]:
                answer = os.read(self._mode_fd, 1)
            self._namespaced = answer == b"N"
        return self._namespaced

    def _kill_script(self, grace: float, drain: tuple[selectors.BaseSelector, int] | None = None) -> None:
        if self.proc is None or (self.proc.poll() is not None and not procutil.group_members(self.proc.pid)):
            return
        if self._in_namespace():
            # nsinit relays it once to every process of the namespace, escaped ones included.
            procutil.signal_pid(self.proc.pid, signal.SIGTERM)
        else:
            procutil.signal_tree(os.getpid(), self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if drain is not None:
                self._drain_once(*drain)
            if self.proc.poll() is not None and not procutil.group_members(self.proc.pid):
                break
            time.sleep(0.05)
        procutil.signal_tree(os.getpid(), self.proc.pid, signal.SIGKILL)

    def _drain_once(self, sel: selectors.BaseSelector, log_fd: int) -> None:
        for key, _ in sel.select(timeout=0):
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if chunk:
                self._write_out(log_fd, chunk)

    def _finish(self, outcome: str, tail: str) -> int:
        from .failure import failure_reason

        assert self.proc is not None
        recorder = self._connect()
        layout = self.layout
        code = self.proc.returncode
        end = time.time()
        noun = self.noun
        if outcome == "stopped":
            status, secondary, message, reason = JobStatus.STOPPED, SecondaryStatus.STOPPED, f"{noun} stopped by request", None
        elif outcome == "max_runtime":
            limit = self.plan.get("max_runtime_seconds")
            status, secondary = JobStatus.STOPPED, SecondaryStatus.MAX_RUNTIME_EXCEEDED
            message = f"{noun} stopped: it ran past its MaxRuntimeInSeconds of {limit} s"
            reason = None
        elif outcome == "host_failed":  # a multi-host job: the first host that failed (jobs/hosts.py)
            status, secondary, message = JobStatus.FAILED, SecondaryStatus.FAILED, f"{noun} failed"
            reason, code = self._host_failure
        elif outcome == "disk_full":
            status, secondary, message, reason = JobStatus.FAILED, SecondaryStatus.FAILED, f"{noun} failed", self._disk_full
        elif code == 0:
            status, secondary, message, reason = JobStatus.COMPLETED, SecondaryStatus.COMPLETED, f"{noun} completed", None
            layout.success_file.write_text("")
        else:
            status, secondary, message = JobStatus.FAILED, SecondaryStatus.FAILED, f"{noun} failed"
            reason = explain(failure_reason(code, layout.failure_file, tail), self.job_dir)
        model_uri = output_uri = None
        uploading: list[tuple[str, float, str]] = []
        log_uri = str(layout.log_file)
        if status != JobStatus.FAILED:
            uploading.append((SecondaryStatus.UPLOADING, self._script_ended or time.time(), "Packing and storing the model and output archives"))
            try:
                model_uri, output_uri, log_uri = self._pack(layout)
            except OSError as exc:  # a full disk, or an output_path that became a link (nothing is written through it)
                from ..safe_write import LinkRefused

                if not (is_disk_full(exc) or isinstance(exc, LinkRefused)):
                    raise
                status, secondary, message = JobStatus.FAILED, SecondaryStatus.FAILED, f"{noun} failed"
                if is_disk_full(exc):
                    reason = self._disk_full = reason_of(exc, "the model and output archives")
                else:
                    reason = f"ClientError: output_path: {exc}"
                model_uri = output_uri = None
                layout.success_file.unlink(missing_ok=True)
            end = time.time()
        self._durably(
            lambda: recorder.finish(
                status=status,
                secondary=secondary,
                message=message,
                failure_reason=reason,
                exit_code=code,
                end_time=end,
                model_artifact=model_uri,
                output_artifact=output_uri,
                log_uri=log_uri,
                extra_transitions=uploading,
            ),
            self._lost_end(status, reason),
        )
        return 0

    def _pack(self, layout: Layout) -> tuple[str, str, str]:
        from ..artifacts import ArtifactStore

        store = ArtifactStore(self.settings.artifact_uri)
        prefix = f"jobs/{self.name}/output"
        # output_path given: SageMaker's <output_path>/<job>/output/ layout, under the user's URL or folder,
        # resolved at submit: a link in it now is refused, never written through (safe_write.py)
        archives = ArtifactStore(self.plan["output_path"], exact_root=True) if self.plan.get("output_path") else store
        if archives is not store:
            prefix = f"{self.name}/output"
        model_uri = archives.pack_dir(layout.model, f"{prefix}/model.tar.gz", layout.scratch)
        output_uri = archives.pack_dir(layout.output_data, f"{prefix}/output.tar.gz", layout.scratch)
        log_uri = str(layout.log_file)
        if not store.local:
            log_uri = store.put_file(layout.log_file, f"jobs/{self.name}/output.log")
        return model_uri, output_uri, log_uri

    def _crash_reason(self, exc: BaseException) -> str:
        """The FailureReason of a supervisor that could not carry on: a full disk and a channel
        that could not be copied in are the user's to fix; anything else is ours."""
        from .inputs import InputsFailed

        if is_disk_full(exc):
            return self._disk_full or reason_of(exc, "the job's files", getattr(exc, "filename", None) or self.host_dir)
        if isinstance(exc, InputsFailed):
            return f"ClientError: {exc}"
        return (f"InternalServerError: the labstudio supervisor failed: {type(exc).__name__}: {exc}. "
                f"See {os.path.join(self.host_dir, 'supervisor.log')}.")

    def _record_crash(self, exc: BaseException) -> None:
        """Record the job Failed with the crash's reason; never raises (the reason stays in the
        disk-full marker when the store's disk is full: the reconciler reports it)."""
        if self._store_full and is_disk_full(exc):  # the store already refused the job's end: that marker stands
            return
        reason = self._crash_reason(exc)[:1024]
        if is_disk_full(exc) and self._disk_full is None:
            self._disk_full = reason  # what the marker keeps, should the store be full too
        code = self.proc.returncode if self.proc else None
        lost = self._lost_end(JobStatus.FAILED, reason)
        if self.coordinated:  # this host's row first: the leader (or this leader) reports it
            from .hosts import finish_host

            recorded = self._try_durably(lambda: finish_host(self._connect(), self.host, status=HostStatus.FAILED, exit_code=code, reason=reason), lost)
            if self.host != LEADER:
                if recorded:
                    self.reserve.clear()
                return
        recorder = self._connect
        if self._try_durably(
            lambda: recorder().finish(status=JobStatus.FAILED, secondary=SecondaryStatus.FAILED, message=f"{self.noun} failed", failure_reason=reason, exit_code=code),
            lost,
        ):
            self.reserve.clear()

    def _try_durably(self, write: Callable[[], object], if_lost: str) -> bool:
        """`_durably`, for the crash path: False (the traceback in the supervisor's log) instead of raising."""
        try:
            self._durably(write, if_lost)
            return True
        except BaseException:
            print_exc_quietly()
            return False


def _update_host(conn: Any, job: str, host: str, values: dict[str, Any]) -> None:
    from ..store import hosts as hosts_store

    hosts_store.update_host(conn, job, host, **values)
