"""`python -m labstudio.tuning.runner NAME`: the detached tuner of one tuning job.

It keeps max_parallel_jobs trials running, tells the search each finished trial, applies
early stopping, and ends the job. It may die at any instruction: everything it knows is in
the store, and a new tuner (started by `TuningService.check`) continues from there:
- a trial row (its number, name and point) is recorded BEFORE its job is submitted, so a
  resumed tuner submits a recorded-but-missing job and never asks for a second point;
- a trial is marked Finished only after its outcome is known, so an outcome the dead tuner
  had not yet handled is handled by the next one;
- while every slot is busy, the next trial is prepared ahead (its point asked, its job's
  folder, code snapshot and launch plan written: JobService.prepare) but NOT recorded: its
  trial row and its job's rows are written in one transaction when a slot frees
  (JobService.launch), so a freed slot costs one write and one process start. A tuner that
  dies holding a prepared trial leaves only that folder, which no job row names: the next
  tuner removes it and asks that trial number's point afresh;
- the Optuna study is rebuilt from the store at every start (strategy.Search).
One tuner per job, whichever machine sharing the store runs it: the store lease
`tuner:NAME` (store/leases.py), taken at start, renewed while the tuner works and released
when it ends. A tuner that finds it lost its lease (another took it over once it expired)
stops at once; a trial is only ever launched in a transaction that renews the lease, so a
tuner that lost it launches nothing more.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import secrets
import select
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .. import coordinator_lease as coordinator
from ..config import Settings
from ..coordinator_lease import CoordinatorLease, LeaseLost
from ..errors import Conflict, Invalid, NameTaken, NotFound
from ..jobs import forkserver
from ..jobs.engine import PreparedJob
from ..jobs.layout import END_FILE
from ..machines import owned_elsewhere
from ..status import JobStatus
from ..store import events as events_store
from ..store import tuning as store
from ..store.db import Connection
from ..store.tuning import TrialRecord
from .describe import best_trial
from .early_stopping import should_stop
from .service import lease_name, tuning_dir
from .spec import TUNING_TAG, TuningSpec

log = logging.getLogger("labstudio.tuning")
_TRIAL_SUFFIX = re.compile(r"[0-9]{3,}-[0-9a-f]{8}")  # what _prepare_trial appends to the tuning job's name

POLL_SECONDS = 0.1  # the longest wait between passes (two indexed queries each)
FAST_POLL_SECONDS = 0.01  # the wait while a trial's script has exited and its final status is due
ENDING_WINDOW = 1.0  # the longest a trial is polled fast for (archives take longer: the slow poll sees them)
EARLY_STOP_INTERVAL = 0.25  # how often running trials' objective curves are read
LIVENESS_INTERVAL = 1.0  # how often running trials' supervisors are checked


class _NotInProgress(Exception):
    """Raised inside a launch's transaction: the tuning job stopped meanwhile, start no trial."""


@dataclasses.dataclass
class Prepared:
    """A trial asked and prepared ahead, not recorded anywhere but in its job's folder."""

    number: int
    job_name: str
    params: dict[str, Any]
    attrs: dict[str, Any]
    job: PreparedJob


class Tuner:
    def __init__(self, settings: Settings, name: str, replacing: str | None = None) -> None:
        from ..core import Core

        self.name = name
        # The lease: this process's hold on it, and the dead holder this machine saw (if any).
        self.machine = settings.host_id
        self.lease = CoordinatorLease(settings, lease_name(name), replacing, what="tuner")
        self.core = Core(settings)
        self.db = self.core.db
        self.jobs = self.core.jobs
        job = self._job()
        if job is None:
            raise NotFound(f"Tuning job {name!r} does not exist.")
        self.spec = TuningSpec.from_dict(job.spec)
        self.search: Any = None
        self.curves: dict[int, list[float]] = {}  # finished trial number -> objective values by step
        self.stop_sent: set[str] = set()
        self.pending_forgotten = False
        self.pidfds: dict[str, int] = {}  # running trial -> a pidfd of its script's process (a wake-up hint)
        self.exited: set[str] = set()  # trials whose script was seen exiting (never watched again)
        self.ending: dict[str, float] = {}  # trials whose script exited -> until when to poll fast for their end
        self.next_early = 0.0
        self.next_liveness = 0.0
        self.prepared: Prepared | None = None  # the next trial, ready to launch when a slot frees

    # -- store helpers ----------------------------------------------------------------------

    def _job(self) -> store.TuningJob | None:
        with self.db.read() as conn:
            return store.get_tuning_job(conn, self.name)

    def _trials(self) -> list[TrialRecord]:
        with self.db.read() as conn:
            return store.list_trials(conn, self.name)

    def _curves(self, trials: list[TrialRecord]) -> dict[str, list[tuple[int, float]]]:
        ids = [t.run_id for t in trials if t.run_id]
        with self.db.read() as conn:
            return store.objective_curves(conn, ids, self.spec.objective_metric_name)

    # -- the lease ---------------------------------------------------------------------------

    def _acquire(self) -> bool:
        """Take the job's lease (and say in the job's row which process holds it); False when
        another live tuner holds it."""

        def record(conn: Connection, pid: int, ticks: int | None) -> None:
            store.update_tuning_job(conn, self.name, tuner_pid=pid, tuner_start_ticks=ticks, tuner_spawn_time=None, tuner_machine=self.machine)

        return self.lease.acquire(self.db, record)

    def _renew(self, conn: Connection) -> None:
        """Inside a write transaction: extend our lease, or raise LeaseLost."""
        self.lease.renew(conn)

    def _keep_lease(self) -> None:
        """Renew the lease when due (every limit/6 seconds)."""
        self.lease.keep(self.db)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> int:
        if not self._acquire():
            log.info("another tuner holds the lease %s: leaving the job to it", lease_name(self.name))
            return 0
        if self.spec.template.backend == "local":
            # The warm server for the trials' supervisors, starting while the first trials
            # are prepared: every trial after it skips an interpreter start and the store's import.
            forkserver.ensure_started(self.core.settings.child_env())
        try:
            with self.db.read() as conn:
                parents = store.list_trials(conn, list(self.spec.warm_start_parents)) if self.spec.warm_start_parents else []
            self._rebuild(parents)
            while self._step():
                self._sleep()
        except LeaseLost as exc:
            log.warning("stopping: %s (another tuner took the job over)", exc)
            return 0
        except Exception as exc:  # a tuner that cannot go on fails the job once, instead of dying in a restart loop
            log.error("tuner failed:\n%s", traceback.format_exc())
            try:
                self._fail(f"InternalServerError: the tuner of {self.name!r} failed: {exc}")
            except LeaseLost as lost:
                log.warning("stopping: %s (another tuner took the job over)", lost)
                return 0
            return 1
        finally:
            self._discard_prepared()  # e.g. the job failed: that trial will never run
            try:
                self.lease.release(self.db)
            except Exception:  # it expires by itself
                log.warning("releasing the lease failed:\n%s", traceback.format_exc())
        self._mark_end()
        return 0

    def _mark_end(self) -> None:
        """The tuning job ended (it is in the store): leave the end marker that
        TuningService.wait watches, so a waiting fit() returns now, not a poll later."""
        try:
            (tuning_dir(self.core.settings, self.name) / END_FILE).touch()
        except OSError:
            pass  # a full disk: the waits notice the end at their next poll

    def _rebuild(self, parents: list[TrialRecord]) -> None:
        from .strategy import Outcome, Search

        self.search = Search(self.spec)
        self.search.add_parent_points((t.params, t.objective) for t in parents if t.job_status == JobStatus.COMPLETED and t.objective is not None)
        trials = self._forget_beyond_max(self._trials())
        self._remove_unlaunched({t.training_job_name for t in trials})
        for t in trials:
            if t.state != "Finished" and t.job_status is not None and not t.job_terminal:
                # Recorded by a dead tuner, which may have died before starting its supervisor.
                self.jobs.ensure_started(t.training_job_name)
        finished = [t for t in trials if t.state == "Finished"]
        curves = self._curves(finished) if finished else {}
        for t in trials:
            if t.state == "Finished":
                curve = curves.get(t.run_id or "", [])
                if t.job_status != JobStatus.FAILED:  # as _finish_trial: a failed trial's curve is no yardstick
                    self.curves[t.number] = [v for _, v in curve]
                self.search.add(t.number, self._outcome(t, curve, t.objective))
            else:
                self.search.add(t.number, Outcome(params=t.params, state="running", system_attrs=t.system_attrs))

    def _forget_beyond_max(self, trials: list[TrialRecord]) -> list[TrialRecord]:
        """The recorded trials a resumed tuner may run: never more than max_jobs.

        A tuner records trial n only while fewer than max_jobs trials exist, so a store holding
        more has trials no tuner should run (recorded by hand, or by something else writing
        the store); those whose job was never submitted are forgotten, with a line in the
        tuner's log, so that the sweep runs exactly max_jobs trials whatever it finds."""
        extra = [t for t in trials if t.job_status is None][::-1][: max(0, len(trials) - self.spec.max_jobs)]
        if not extra:
            return trials
        numbers = [t.number for t in extra]
        log.warning("forgetting recorded trials %s: %s already recorded of max_jobs %s, and they never started", numbers, len(trials), self.spec.max_jobs)
        self.db.run_write(lambda conn: store.delete_trials(conn, self.name, numbers, only_pending=True))
        return self._trials()

    def _remove_unlaunched(self, recorded: set[str]) -> None:
        """Remove the folder of a trial a dead tuner prepared but never launched: it is named
        like this job's trials, and neither a trial row nor a job row names it."""
        prefix = f"{self.name}-"
        jobs_dir = self.core.settings.jobs_dir
        if not jobs_dir.is_dir():
            return
        for entry in jobs_dir.iterdir():
            rest = entry.name[len(prefix):]
            if not entry.name.startswith(prefix) or entry.name in recorded or not _TRIAL_SUFFIX.fullmatch(rest):
                continue
            try:
                self.jobs.get(entry.name)
            except NotFound:
                # With or without its launch.json: a tuner killed half-way through prepare()
                # leaves a folder with its code copied and no plan yet (only this job's tuner,
                # whose lease we hold, makes folders with these names).
                if not (entry / "supervisor.pid").exists():
                    shutil.rmtree(entry, ignore_errors=True)

    @staticmethod
    def _outcome(t: TrialRecord, curve: list[tuple[int, float]], value: float | None) -> Any:
        from .strategy import Outcome

        has_value = value is not None and not math.isnan(value)
        if t.job_status == JobStatus.COMPLETED and has_value:
            state = "complete"
        elif t.job_status == JobStatus.STOPPED and curve:
            state = "pruned"
        else:
            state = "fail"
        return Outcome(params=t.params, state=state, value=value, curve=curve, system_attrs=t.system_attrs)

    def _step(self) -> bool:
        """One pass; False when the tuning job is over."""
        self._keep_lease()
        job = self._job()
        if job is None or job.is_terminal:
            return False
        trials = self._trials()
        now = time.time()
        timed_out = self.spec.max_runtime_in_seconds is not None and now - job.creation_time >= self.spec.max_runtime_in_seconds
        winding_down = job.status == JobStatus.STOPPING or timed_out
        ended = [t for t in trials if t.state != "Finished" and t.job_terminal]
        if not winding_down and ended:
            # A slot freed: start the next trial first, do the ended trials' bookkeeping after.
            self._fill_slots(trials)
        if ended:
            for t in ended:
                self._finish_trial(t)
            trials = self._trials()
        if winding_down:
            self._discard_prepared()
            return self._wind_down(trials, stopped=job.status == JobStatus.STOPPING)
        open_ = [t for t in trials if t.state != "Finished"]
        for t in open_:
            if t.job_status is None:
                self._submit(t)
        if now >= self.next_liveness:
            self.next_liveness = now + LIVENESS_INTERVAL
            for t in open_:
                if t.job_status in JobStatus.active():
                    self.jobs.check(t.training_job_name)
        if now >= self.next_early and (self.spec.early_stopping_type == "Auto" or self.spec.strategy == "Hyperband"):
            self.next_early = now + EARLY_STOP_INTERVAL
            self._early_stop([t for t in open_ if t.job_status == JobStatus.IN_PROGRESS and not t.early_stopped])
        if len(trials) >= self.spec.max_jobs and not open_:
            self._complete(trials)
            return False
        trials = self._fill_slots(trials)
        if self.prepared is None and len(trials) < self.spec.max_jobs and self._running(trials) >= self.spec.max_parallel_jobs:
            self._prepare(max((t.number for t in trials), default=0) + 1)
        return True

    @staticmethod
    def _running(trials: list[TrialRecord]) -> int:
        """Trials holding a slot: not finished, and their job (if submitted yet) not ended."""
        return sum(1 for t in trials if t.state != "Finished" and not t.job_terminal)

    def _fill_slots(self, trials: list[TrialRecord]) -> list[TrialRecord]:
        """Start new trials while fewer than max_parallel_jobs run; the trials, those included."""
        started = len(trials)
        running = self._running(trials)
        number = max((t.number for t in trials), default=0) + 1
        launched = False
        while started < self.spec.max_jobs and running < self.spec.max_parallel_jobs:
            if not self._launch(number):
                break
            launched = True
            started, running, number = started + 1, running + 1, number + 1
        return self._trials() if launched else trials

    def _sleep(self) -> None:
        """Wait up to POLL_SECONDS, or FAST_POLL_SECONDS while a trial is ending.

        A trial ends when its script's process exits: the supervisor then frees the slot,
        packs the archives and writes the final status some tens of milliseconds later, and
        only exits after that (its interpreter's shutdown takes longer still on a busy
        machine: a pidfd on the supervisor woke the tuner later than the 100 ms poll did).
        So the tuner watches the script's process (a pidfd, Linux 5.3+) and, once it exits,
        polls the store every few milliseconds until that job's final status is there,
        starting the next trial as soon as it is written. The store stays the truth: a pidfd
        only shortens the wait."""
        with self.db.read() as conn:
            running = [t.training_job_name for t in store.list_trials(conn, self.name) if t.job_status in JobStatus.active()]
        for name in [n for n in self.pidfds if n not in running]:
            os.close(self.pidfds.pop(name))
        mono = time.monotonic()
        self.ending = {n: until for n, until in self.ending.items() if n in running and until > mono}
        for name in running:
            if name not in self.pidfds and name not in self.exited:
                fd = self._pidfd(name)
                if fd is not None:
                    self.pidfds[name] = fd
        timeout = FAST_POLL_SECONDS if self.ending else POLL_SECONDS
        if not self.pidfds:
            time.sleep(timeout)
            return
        readable, _, _ = select.select(list(self.pidfds.values()), [], [], timeout)
        for name, fd in list(self.pidfds.items()):
            if fd in readable:  # that script is gone: never wait on it again (no busy loop)
                os.close(self.pidfds.pop(name))
                self.exited.add(name)
                self.ending[name] = time.monotonic() + ENDING_WINDOW

    def _pidfd(self, name: str) -> int | None:
        """A pidfd of the trial's script process, once its supervisor has recorded it."""
        try:
            job = self.jobs.get(name)
            if job.backend != "local" or owned_elsewhere(job.machine, self.core.settings):
                return None  # its script runs on another machine: the store says when it ends
            pid = job.process_pgid
            return os.pidfd_open(pid) if pid and hasattr(os, "pidfd_open") else None
        except (OSError, NotFound):
            return None  # gone already, or no pidfd here: the poll notices the end

    # -- trials -------------------------------------------------------------------------------

    def _launch(self, number: int) -> bool:
        """Start trial `number`: its trial row and its job's rows in one transaction, then its
        supervisor. Uses the trial prepared ahead when there is one (else prepares it now)."""
        prepared = self.prepared if self.prepared is not None and self.prepared.number == number else None
        if prepared is None:
            self._discard_prepared()  # prepared for another number: its folder goes, never leaks
            prepared = self._prepare_trial(number)
            if prepared is None:
                return False
        self.prepared = None
        now = time.time()

        def record(conn: Connection) -> None:
            self._renew(conn)  # a tuner that lost the lease launches nothing (LeaseLost rolls it back)
            job = store.get_tuning_job(conn, self.name)
            if job is None or job.status != JobStatus.IN_PROGRESS:
                raise _NotInProgress  # stopped meanwhile: no new trial (the job's rows roll back too)
            store.add_trial(conn, self.name, number, prepared.job_name, prepared.params, prepared.attrs, now)
            store.set_trial(conn, self.name, number, state="Submitted")

        try:
            self.jobs.launch(prepared.job, now=now, also=record, describe=False)
        except _NotInProgress:
            return False
        return True

    def _prepare(self, number: int) -> None:
        """Prepare trial `number` ahead, while every slot is busy."""
        self.prepared = self._prepare_trial(number)

    def _prepare_trial(self, number: int) -> Prepared | None:
        """Ask the search for a point and prepare its job (JobService.prepare); None when the
        tuned values cannot make a job (the tuning job is then failed)."""
        params, attrs = self.search.ask(number)
        job_name = f"{self.name}-{number:03d}-{secrets.token_hex(4)}"
        try:
            job = self.jobs.prepare(self._trial_spec(job_name, params))
        except Invalid as exc:
            self._fail(f"ClientError: trial {job_name} could not start: {exc.message}")
            return None
        return Prepared(number, job_name, params, attrs, job)

    def _discard_prepared(self) -> None:
        if self.prepared is not None:
            self.jobs.discard(self.prepared.job)
            self.prepared = None

    def _trial_spec(self, job_name: str, params: dict[str, Any]) -> Any:
        """The training job of a trial: the template with the trial's point."""
        from .service import code_dir

        template = self.spec.template
        hyperparameters = dict(template.hyperparameters)
        hyperparameters.update(params)
        return dataclasses.replace(
            template,
            name=job_name,
            source_dir=str(code_dir(self.core.settings, self.name)),
            source_is_single_file=False,
            hyperparameters=hyperparameters,
            experiment_name=self.spec.experiment_name,
            tags={**template.tags, **self.spec.tags, TUNING_TAG: self.name},
            trial_name=None,
        )

    def _submit(self, t: TrialRecord) -> None:
        """Submit the job of a trial recorded by an earlier tuner (before trial rows and job
        rows were written together) whose job does not exist."""
        self.db.run_write(self._renew)  # a tuner that lost the lease submits nothing
        spec = self._trial_spec(t.training_job_name, t.params)
        layout = self.jobs.layout(t.training_job_name)
        if t.job_status is None and layout.job_dir.exists():
            shutil.rmtree(layout.job_dir, ignore_errors=True)  # a tuner died half-way through submitting it
        try:
            self.jobs.submit(spec)
        except NameTaken:
            pass  # submitted after all
        except Invalid as exc:
            # The template was valid at submit; a tuned value that no process can start with
            # (e.g. too large for the command line) fails every trial alike: say so once.
            self._fail(f"ClientError: trial {t.training_job_name} could not start: {exc.message}")
            return
        self.db.run_write(lambda conn: store.set_trial(conn, self.name, t.number, state="Submitted"))

    def _finish_trial(self, t: TrialRecord) -> None:
        # The objective's curve feeds early stopping, Hyperband and a stopped trial's outcome.
        wanted = self.spec.early_stopping_type == "Auto" or self.spec.strategy == "Hyperband" or t.job_status == JobStatus.STOPPED
        with self.db.read() as conn:
            curve = store.objective_curves(conn, [t.run_id], self.spec.objective_metric_name)[t.run_id] if t.run_id and wanted else []
            last = store.last_values(conn, [t.run_id], self.spec.objective_metric_name).get(t.run_id or "") if t.run_id else None
        value = None if t.job_status == JobStatus.FAILED or last is None or math.isnan(last) else last
        outcome = self._outcome(t, curve, value)
        now = time.time()

        # A trial the rule stopped may have completed before the stop reached it: then it was not stopped early.
        early = t.early_stopped and t.job_status == JobStatus.STOPPED

        def body(conn: Connection) -> None:
            store.set_trial(conn, self.name, t.number, state="Finished", objective=value, finished_time=now, early_stopped=early)
            trials = store.list_trials(conn, self.name)
            best = best_trial(trials, self.spec)
            events_store.append(
                conn,
                "tuning.progress",
                {
                    "name": self.name,
                    "completed": sum(1 for x in trials if x.state == "Finished"),
                    "total": self.spec.max_jobs,
                    "best": best.objective if best is not None else None,
                },
            )

        self.db.run_write(body)
        if t.job_status != JobStatus.FAILED:
            self.curves[t.number] = [v for _, v in curve]
        self.search.tell(t.number, outcome)

    def _early_stop(self, running: list[TrialRecord]) -> None:
        if not running:
            return
        curves = self._curves(running)
        earlier = list(self.curves.values())
        for t in running:
            curve = curves.get(t.run_id or "", [])
            if not curve:
                continue
            stop = self.search.report(t.number, curve)
            if self.spec.early_stopping_type == "Auto":
                stop = stop or should_stop([v for _, v in curve], earlier, minimize=self.spec.minimize)
            if stop:
                self.db.run_write(lambda conn, n=t.number: store.set_trial(conn, self.name, n, early_stopped=True))
                self._stop_job(t.training_job_name)

    def _stop_job(self, job_name: str) -> None:
        try:
            self.jobs.stop(job_name)
        except (Conflict, NotFound):
            pass  # it ended meanwhile
        self.stop_sent.add(job_name)

    # -- ending -------------------------------------------------------------------------------

    def _wind_down(self, trials: list[TrialRecord], *, stopped: bool) -> bool:
        """Stop requested (or the time limit reached): no new trial, stop the running ones,
        end once every trial has ended. Recorded trials never submitted are forgotten."""
        if not self.pending_forgotten:
            self.db.run_write(lambda conn: store.delete_pending_trials(conn, self.name))
            self.pending_forgotten = True
            trials = self._trials()
        open_ = [t for t in trials if t.state != "Finished"]
        for t in open_:
            if t.job_status in JobStatus.active() and t.training_job_name not in self.stop_sent:
                self._stop_job(t.training_job_name)
        if open_:
            now = time.time()
            if now >= self.next_liveness:
                self.next_liveness = now + LIVENESS_INTERVAL
                for t in open_:
                    self.jobs.check(t.training_job_name)
            return True
        if stopped:
            self._end(JobStatus.STOPPED, None, allowed=(JobStatus.STOPPING,))
        else:
            self._complete(trials)
        return False

    def _complete(self, trials: list[TrialRecord]) -> None:
        failed = [t for t in trials if t.job_status == JobStatus.FAILED]
        if trials and len(failed) == len(trials):
            first = failed[0]
            reason = f"All {len(trials)} training jobs failed. The first, {first.training_job_name}, failed with: {first.failure_reason}"
            self._end(JobStatus.FAILED, reason)
        else:
            self._end(JobStatus.COMPLETED, None)

    def _end(self, status: str, reason: str | None, allowed: tuple[str, ...] = JobStatus.active()) -> None:
        now = time.time()

        def body(conn: Connection) -> None:
            self._renew(conn)  # only the lease's holder ends the job
            if store.set_status_if(conn, self.name, allowed, status=status, failure_reason=reason, end_time=now):
                events_store.append(conn, "tuning.status", {"name": self.name, "status": status})

        self.db.run_write(body)

    def _fail(self, reason: str) -> None:
        for t in self._trials():
            if t.job_status in JobStatus.active():
                self._stop_job(t.training_job_name)
        self._end(JobStatus.FAILED, reason)


def main(argv: list[str]) -> int:
    args = coordinator.parse_args(argv, "labstudio.tuning.runner", "TUNING_JOB_DIR")
    if args is None:
        return 2
    folder = Path(args.target).absolute()  # the tuning job's folder (tuning_dir), not a name to find a home from
    if not folder.is_dir():
        print(f"labstudio.tuning.runner: {folder} is not a tuning job's folder", file=sys.stderr)
        return 2
    settings = Settings.from_env()  # the store it records into: the launcher's (Settings.child_env)
    coordinator.start(args, str(folder / "tuner.log"))
    return Tuner(settings, folder.name, replacing=args.replacing).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
