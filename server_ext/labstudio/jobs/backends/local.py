"""Local processes: one detached supervisor per job (python -m labstudio.supervise NAME)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from ... import procs as procutil
from ...config import Settings
from ...store.entities import Job
from ..contract import Layout
from .base import Backend

START_GRACE_SECONDS = 60.0


class LocalBackend(Backend):
    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def submit(self, job: Job, layout: Layout) -> None:
        env = dict(os.environ)
        env.update(self.settings.as_env())
        proc = subprocess.Popen(
            [sys.executable, "-m", "labstudio.supervise", job.name],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
        # The supervisor forks at once and this child exits; reap it off the caller's path.
        threading.Thread(target=proc.wait, name="labstudio-reap", daemon=True).start()

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
        return self._supervisor(job, layout)[0]

    def stop(self, job: Job, layout: Layout) -> None:
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
        pid, ticks = self._supervisor(job, layout)
        if pid is None:
            # Not started yet (or never will): give it a grace period before calling it dead.
            return None if time.time() - job.creation_time < START_GRACE_SECONDS else False
        return procutil.is_alive(pid, ticks)

    def cleanup_dead(self, job: Job, layout: Layout) -> None:
        """Kill every process that still carries this job's name in its environment.

        The supervisor (our subreaper) is gone, so processes that left the group can only be
        found by the TRAINING_JOB_NAME marker every process of the job inherits. In a PID
        namespace the kernel already killed them all with the supervisor; this is for jobs
        without one (the host's /proc lists namespaced processes too, by their host pids).
        """
        # TRAINING_JOB_NAME marks a training job's processes; LABSTUDIO_JOB_NAME every kind's.
        marked = procutil.processes_with_env(f"TRAINING_JOB_NAME={job.name}")
        marked += procutil.processes_with_env(f"LABSTUDIO_JOB_NAME={job.name}")
        for pid in sorted(set(marked)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
