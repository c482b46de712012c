"""Local processes: one detached supervisor per job (python -m labstudio.supervise JOB_DIR).

The supervisor runs on the machine that submitted the job, whose host id the job's row
records. That machine judges it by its process table; another machine sharing the store only
by the heartbeat the supervisor beats into the row (labstudio/machines.py), and never signals
or cleans up its processes: a stop is the flag in the store, which the supervisor polls."""
from __future__ import annotations

import os
import signal
import time

from ... import procs as procutil
from ...config import Settings
from ...machines import is_stale, owned_elsewhere, silence
from ...store.entities import Job
from .. import forkserver
from ..contract import Layout
from .base import Backend

START_GRACE_SECONDS = 60.0


class LocalBackend(Backend):
    name = "local"
    machine_bound = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _elsewhere(self, job: Job) -> bool:
        """The job's supervisor is another machine's process (not in our process table)."""
        return owned_elsewhere(job.machine, self.settings)

    def submit(self, job: Job, layout: Layout) -> None:
        """The job's supervisor, given the job's folder (it forks at once and detaches):
        forked by the warm server for this environment when there is one (jobs/forkserver.py:
        no interpreter start, no store import on the job's way), else started cold, and a
        server started for the jobs that follow."""
        env = self.settings.child_env()
        if forkserver.hand_off([str(layout.job_dir)], env):
            return
        procutil.spawn_detached("labstudio.supervise", str(layout.job_dir), env=env)
        forkserver.ensure_started(env)

    def _supervisor(self, job: Job, layout: Layout) -> tuple[int | None, int | None]:
        if job.supervisor_pid:
            return job.supervisor_pid, job.supervisor_start_ticks
        try:
            pid_s, ticks_s = layout.pid_file.read_text().split()
            return int(pid_s), int(ticks_s)
        except (OSError, ValueError):
            return None, None

    def runner_pid(self, job: Job, layout: Layout) -> int | None:
        """The supervisor writes its pid file before the store hears of it: both count."""
        if self._elsewhere(job):
            return None
        return self._supervisor(job, layout)[0]

    def stop(self, job: Job, layout: Layout) -> None:
        """SIGTERM to the supervisor (it also polls the stop flag the service set: that is
        all a job of another machine gets, its owner carries the stop out)."""
        if self._elsewhere(job):
            return
        pid, ticks = self._supervisor(job, layout)
        if pid and procutil.is_alive(pid, ticks):
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        count = int(job.spec.get("instance_count") or 1)
        if count > 1:  # the other hosts also poll the stop flag; a signal is just quicker
            from ..contract import host_names
            from ..hosts import signal_local_hosts

            signal_local_hosts(str(layout.job_dir), host_names(count), signal.SIGTERM)

    def is_alive(self, job: Job, layout: Layout) -> bool | None:
        if self._elsewhere(job):
            return not is_stale(job.heartbeat_time, job.creation_time, time.time(), self.settings.heartbeat_limit_seconds)
        pid, ticks = self._supervisor(job, layout)
        if pid is None:
            # Not started yet (or never will): give it a grace period before calling it dead.
            return None if time.time() - job.creation_time < START_GRACE_SECONDS else False
        return procutil.is_alive(pid, ticks)

    def dead_reason(self, job: Job, layout: Layout) -> str | None:
        """Another machine's job: its supervisor went silent (this machine cannot know more)."""
        if not self._elsewhere(job):
            return None
        assert job.machine is not None
        said = silence(job.machine, job.heartbeat_time, job.creation_time, time.time(), self.settings.heartbeat_limit_seconds)
        return (
            f"InternalServerError: the labstudio supervisor of this job on {said}, while the job was {job.secondary_status}. "
            "The machine, or the supervisor on it, is down or cannot reach the store; this machine leaves its processes alone. "
            "Submit the job again."
        )

    def cleanup_dead(self, job: Job, layout: Layout) -> None:
        """Kill every process that still carries this job's name in its environment (none
        for another machine's job: its processes are not ours to touch).

        The supervisor (our subreaper) is gone, so processes that left the group can only be
        found by the TRAINING_JOB_NAME marker every process of the job inherits. In a PID
        namespace the kernel already killed them all with the supervisor; this is for jobs
        without one (the host's /proc lists namespaced processes too, by their host pids).
        """
        if self._elsewhere(job):
            return
        # TRAINING_JOB_NAME marks a training job's processes; LABSTUDIO_JOB_NAME every kind's.
        marked = procutil.processes_with_env(f"TRAINING_JOB_NAME={job.name}")
        marked += procutil.processes_with_env(f"LABSTUDIO_JOB_NAME={job.name}")
        for pid in sorted(set(marked)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
