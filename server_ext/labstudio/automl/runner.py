"""`python -m labstudio.automl.runner JOB_DIR`: the coordinator of one AutoML job.

Stages, as Autopilot names them: AnalyzingData (the data read, analysed and split; the split
written into the job's folder), FeatureEngineering (the data exploration and candidate
definition notebooks), ModelTuning or TrainingModels (candidates run as training jobs of the
built-in script, as many at once as the job slots take; each asked of an Optuna study, the
algorithms' defaults first; folds' scores feed early stopping), in ENSEMBLING mode a stacked
ensemble of the best candidates, then GeneratingExplainabilityReport (the best candidate's
permutation feature importance) and the end.

It may die at any instruction: every stage's result is in the store (or in the job's folder,
written before the store says the stage is done), a candidate's row is written before its job
is submitted, and a resumed runner continues from there, rebuilding the study from the rows.
One runner per job, wherever it runs: the store lease `automl:<name>`, renewed inside every
transaction that starts work.
"""
from __future__ import annotations

import json
import logging
import math
import os
import secrets
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
from ..jobs.layout import END_FILE
from ..store import automl as store
from ..store import events as events_store
from ..store import tuning as tuning_store
from ..store.automl import AutoMLJob, Candidate
from ..tuning.early_stopping import should_stop
from . import candidates as cands
from . import data as datamod
from .describe import CONTAINER_DIR
from .problem import (
    AUTO_ENSEMBLING_MAX_BYTES,
    CLASSIFICATION,
    COMPLETED,
    CV_FOLDS,
    ENSEMBLING,
    FAILED,
    HYPERPARAMETER_TUNING,
    IN_PROGRESS,
    METRICS,
    REPORTED,
    STOPPED,
    STOPPING,
)
from .service import job_dir, lease_name, resolved_objective
from .spec import AutoMLSpec

log = logging.getLogger("labstudio.automl")

POLL_SECONDS = 0.2
LIVENESS_INTERVAL = 1.0
EARLY_STOP_INTERVAL = 0.5
LAUNCH_SHARE = 0.8  # of the total budget: no base candidate starts after it (the ensemble and the report need the rest)
ENSEMBLE_MEMBERS = 5
AUTOML_TAG = "labstudio:automl-job"
_NUMBER = r"([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|nan|inf))"


def metric_definitions(problem_type: str) -> list[dict[str, str]]:
    """What the built-in script prints: each fold's objective, the cross-validated objective and every metric."""
    out = [{"Name": "fold:objective", "Regex": rf"^fold [0-9]+: objective={_NUMBER}"}, {"Name": "objective", "Regex": rf"^objective={_NUMBER}"}]
    for metric in REPORTED[problem_type]:
        for prefix in ("validation", "test"):
            out.append({"Name": f"{prefix}:{metric.lower()}", "Regex": rf"^{prefix}:{metric.lower()}={_NUMBER}"})
    return out


class _NotInProgress(Exception):
    """Raised inside a launch's transaction: the job is stopping, start nothing."""


class Runner:
    def __init__(self, settings: Settings, name: str, replacing: str | None = None) -> None:
        from ..core import Core

        self.name = name
        self.core = Core(settings)
        self.db = self.core.db
        self.machine = settings.host_id
        self.lease = CoordinatorLease(settings, lease_name(name), replacing, what="runner")
        job = self._job()
        if job is None:
            raise NotFound(f"AutoML job {name!r} does not exist.")
        self.spec = AutoMLSpec.from_dict(job.request)
        self.folder = job_dir(settings, name)
        self.data_dir = self.folder / "data"
        self.study: Any = None
        self.handles: dict[int, Any] = {}  # candidate number -> its running Optuna trial
        self.algorithms: list[cands.Algorithm] = []
        self.curves: list[list[float]] = []  # finished candidates' fold objectives (early stopping's yardstick)
        self.stop_sent: set[str] = set()
        self.next_liveness = 0.0
        self.next_early = 0.0
        self.recorded_forgotten = False

    # -- store --------------------------------------------------------------------------------

    def _job(self) -> AutoMLJob | None:
        with self.db.read() as conn:
            return store.get_job(conn, self.name)

    def _candidates(self) -> list[Candidate]:
        with self.db.read() as conn:
            return store.list_candidates(conn, self.name)

    def _stage(self, secondary: str, **values: Any) -> None:
        now = time.time()

        def body(conn: Any) -> None:
            self.lease.renew(conn)
            store.update_job(conn, self.name, last_modified_time=now, **values)
            # A stop that came meanwhile keeps its own word (Stopping) as the stage.
            if store.set_status_if(conn, self.name, (IN_PROGRESS,), secondary_status=secondary):
                events_store.append(conn, "automl.status", {"name": self.name, "status": IN_PROGRESS, "secondary_status": secondary})

        self.db.run_write(body)

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> int:
        def record(conn: Any, pid: int, ticks: int | None) -> None:
            store.update_job(conn, self.name, runner_pid=pid, runner_start_ticks=ticks, runner_spawn_time=None, runner_machine=self.machine)

        if not self.lease.acquire(self.db, record):
            log.info("another runner holds %s: leaving the job to it", lease_name(self.name))
            return 0
        forkserver.ensure_started(self.core.settings.child_env())
        try:
            job = self._job()
            if job is not None and not job.is_terminal:
                self._work(job)
        except LeaseLost as exc:
            log.warning("stopping: %s (another runner took the job over)", exc)
            return 0
        except Exception as exc:  # a runner that cannot go on fails the job once, instead of dying in a restart loop
            log.error("runner failed:\n%s", traceback.format_exc())
            try:
                self._stop_running()
                self._end(FAILED, f"InternalServerError: the runner of AutoML job {self.name} failed: {exc}", "Failed")
            except LeaseLost:
                return 0
            return 1
        finally:
            try:
                self.lease.release(self.db)
            except Exception:
                log.warning("releasing the lease failed:\n%s", traceback.format_exc())
            try:
                (self.folder / END_FILE).touch()
            except OSError:
                pass
        return 0

    def _work(self, job: AutoMLJob) -> None:
        if job.status == STOPPING and not job.analysis:  # stopped before it analysed anything
            self._end(STOPPED, None, "Stopped", allowed=(STOPPING,))
            return
        if job.status == IN_PROGRESS and not job.analysis:
            try:
                self._analyse()
            except Invalid as exc:  # the data changed since it was checked
                self._end(FAILED, f"ClientError: {exc.message}", "Failed")
                return
            job = self._job() or job
        if job.status == IN_PROGRESS and not job.artifacts:
            self._feature_engineering(job)
            job = self._job() or job
        if self.spec.generate_candidate_definitions_only:
            self._end(COMPLETED, None, "CandidateDefinitionsGenerated")
            return
        self._rebuild(job)
        while self._step():
            time.sleep(POLL_SECONDS)

    # -- AnalyzingData and FeatureEngineering ---------------------------------------------------

    def _analyse(self) -> None:
        self._stage("AnalyzingData")
        table = datamod.read_table(self.spec.input)
        problem_type = datamod.check(table, self.spec.target, self.spec.problem_type)
        analysis = datamod.analyse(table, self.spec.target, problem_type)
        train, validation = datamod.split(table, self.spec.target, problem_type, self.spec.validation_fraction, self.spec.seed)
        labels: list[str] = []
        if problem_type in CLASSIFICATION:
            values = sorted(table[self.spec.target].dropna().unique().tolist(), key=lambda v: (not isinstance(v, (int, float)), v))
            labels = [str(v) for v in values]
        objective = resolved_objective(self.spec, problem_type)
        mode = self.spec.mode
        if mode == "AUTO":
            mode = ENSEMBLING if datamod.size_of(self.spec.input) < AUTO_ENSEMBLING_MAX_BYTES else HYPERPARAMETER_TUNING
        partial = self.folder / f"data.{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        train.to_csv(partial / "train.csv", index=False)
        validation.to_csv(partial / "validation.csv", index=False)
        (partial / "schema.json").write_text(json.dumps({"schema": analysis["schema"], "problem_type": problem_type, "target": self.spec.target,
                                                         "labels": labels, "objective": objective}, indent=1))
        shutil.rmtree(self.data_dir, ignore_errors=True)
        os.replace(partial, self.data_dir)
        analysis["train_rows"], analysis["validation_rows"] = len(train), len(validation)
        self._stage("FeatureEngineering", analysis=analysis, problem_type=problem_type, objective=objective, mode=mode)

    def _feature_engineering(self, job: AutoMLJob) -> None:
        from .notebooks import write_notebooks

        schema = json.loads((self.data_dir / "schema.json").read_text())
        algorithms = cands.available(job.analysis.get("train_rows", 0), len(datamod.schema_features(schema["schema"])))
        defaults = [(f"{a.label} (defaults)", a.name, a.default_params(schema["problem_type"])) for a in algorithms]
        artifacts = write_notebooks(self.spec, job, self.data_dir, defaults, self._notebook_dir())
        self._stage("ModelTuning" if job.mode == HYPERPARAMETER_TUNING else "TrainingModels", artifacts=artifacts)

    def _notebook_dir(self) -> str:
        return f"{self.spec.output_path.rstrip('/')}/{self.name}/notebooks"

    # -- the study ----------------------------------------------------------------------------

    def _schema(self) -> dict[str, Any]:
        return dict(json.loads((self.data_dir / "schema.json").read_text()))

    def _rebuild(self, job: AutoMLJob) -> None:
        """The Optuna study from the candidates' rows (finished ones told, running ones held)."""
        import warnings

        import optuna
        from optuna.trial import TrialState, create_trial

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        self.schema = self._schema()
        self.problem_type = str(job.problem_type)
        self.objective = str(job.objective)
        self.minimize = METRICS[self.objective].minimize
        self.mode = job.mode or ENSEMBLING
        self.algorithms = cands.available(job.analysis.get("train_rows", 0), len(datamod.schema_features(self.schema["schema"])))
        ensembling = self.mode == ENSEMBLING and self.spec.max_candidates >= 3
        self.base_max = self.spec.max_candidates - (1 if ensembling else 0)
        self.ensembling = ensembling
        sampler = optuna.samplers.TPESampler(seed=self.spec.seed, multivariate=True, group=True, constant_liar=True,
                                             n_startup_trials=len(self.algorithms) + 2)
        self.study = optuna.create_study(direction="minimize" if self.minimize else "maximize", sampler=sampler)
        space = cands.space(self.algorithms)
        rows = self._candidates()
        curves = self._fold_curves([c for c in rows if c.state == "Finished"])
        for c in rows:
            if c.algorithm == cands.ENSEMBLE or c.algorithm not in cands.ALGORITHMS:
                continue
            params = cands.search_params(c.algorithm, c.params)
            if any(k not in space for k in params):
                continue  # an algorithm no longer installed: its point cannot be told
            dists = {k: space[k] for k in params}
            if c.state != "Finished":
                self.study.add_trial(create_trial(state=TrialState.RUNNING, params=params, distributions=dists))
                frozen = self.study.get_trials(deepcopy=False)[-1]
                self.handles[c.number] = optuna.trial.Trial(self.study, frozen._trial_id)
                continue
            if c.objective is not None and not math.isnan(c.objective):
                self.study.add_trial(create_trial(params=params, distributions=dists, value=c.objective))
            else:
                self.study.add_trial(create_trial(state=TrialState.PRUNED if c.early_stopped else TrialState.FAIL, params=params,
                                                  distributions=dists))
            if c.job_status == COMPLETED:
                self.curves.append(curves.get(c.run_id or "", []))

    def _fold_curves(self, rows: list[Candidate]) -> dict[str, list[float]]:
        ids = [c.run_id for c in rows if c.run_id]
        with self.db.read() as conn:
            found = tuning_store.objective_curves(conn, ids, "fold:objective")
        return {k: [v for _, v in points] for k, points in found.items()}

    def _ask(self, number: int) -> tuple[str, dict[str, Any]]:
        """The next candidate: an algorithm's defaults while some are untried, then Optuna's point."""
        import optuna
        from optuna.trial import TrialState, create_trial

        if number <= len(self.algorithms):
            algorithm = self.algorithms[number - 1]
            params = algorithm.default_params(self.problem_type)
            space = cands.space(self.algorithms)
            search = cands.search_params(algorithm.name, params)
            self.study.add_trial(create_trial(state=TrialState.RUNNING, params=search, distributions={k: space[k] for k in search}))
            frozen = self.study.get_trials(deepcopy=False)[-1]
            self.handles[number] = optuna.trial.Trial(self.study, frozen._trial_id)
            return algorithm.name, params
        trial = self.study.ask()
        self.handles[number] = trial
        return cands.suggest(trial, self.algorithms)

    def _tell(self, c: Candidate, value: float | None) -> None:
        from optuna.trial import TrialState

        trial = self.handles.pop(c.number, None)
        if trial is None:
            return
        if value is not None:
            self.study.tell(trial, value)
        else:
            self.study.tell(trial, state=TrialState.PRUNED if c.early_stopped else TrialState.FAIL)

    # -- one pass -----------------------------------------------------------------------------

    def _step(self) -> bool:
        """One pass; False when the job is over."""
        self.lease.keep(self.db)
        job = self._job()
        if job is None or job.is_terminal:
            return False
        rows = self._candidates()
        for c in rows:
            if c.state != "Finished" and c.job_terminal:
                self._finish(c)
        rows = self._candidates()
        now = time.time()
        elapsed = now - job.creation_time
        total = self.spec.max_total_runtime
        timed_out = total is not None and elapsed >= total
        if job.status == STOPPING or timed_out:
            return self._wind_down(rows, stopped=job.status == STOPPING)
        open_ = [c for c in rows if c.state != "Finished"]
        for c in open_:
            if c.job_status is None:
                self._submit(c)
        if now >= self.next_liveness:
            self.next_liveness = now + LIVENESS_INTERVAL
            for c in open_:
                if c.job_status in ("InProgress", "Stopping"):
                    try:
                        self.core.jobs.check(c.candidate_name)
                    except NotFound:
                        pass
        if now >= self.next_early:
            self.next_early = now + EARLY_STOP_INTERVAL
            self._early_stop([c for c in open_ if c.job_status == "InProgress" and not c.early_stopped and c.algorithm != cands.ENSEMBLE])
        base = [c for c in rows if c.algorithm != cands.ENSEMBLE]
        running = sum(1 for c in open_ if not c.job_terminal)
        launch_open = total is None or elapsed < total * LAUNCH_SHARE
        number = max((c.number for c in rows), default=0) + 1
        parallel = max(1, self.core.settings.max_concurrent_jobs)
        while launch_open and len(base) < self.base_max and running < parallel:
            launched = self._launch(number)
            if launched is None:
                return True
            base.append(launched)
            running, number = running + 1, number + 1
        if running:
            return True
        # Every base candidate has ended: the ensemble, then the end.
        ensemble = [c for c in rows if c.algorithm == cands.ENSEMBLE]
        if self.ensembling and not ensemble and launch_open_for_ensemble(total, elapsed):
            members = self._ranked(base)[:ENSEMBLE_MEMBERS]
            if len(members) >= 2:
                self._stage("TrainingModels")
                self._launch(number, ensemble_of=members)
                return True
        self._complete(rows, reached="MaxCandidatesReached" if len(rows) >= self.spec.max_candidates else "Completed")
        return False

    def _ranked(self, rows: list[Candidate]) -> list[Candidate]:
        done = [c for c in rows if c.job_status == COMPLETED and c.objective is not None and not math.isnan(c.objective)]
        return sorted(done, key=lambda c: (c.objective if self.minimize else -(c.objective or 0.0), c.number))

    # -- candidates ---------------------------------------------------------------------------

    def _request(self, c_name: str, candidate: dict[str, Any]) -> dict[str, Any]:
        env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
        request: dict[str, Any] = {
            "name": c_name,
            "entry_point": "train.py",
            "source_dir": str(CONTAINER_DIR),
            "hyperparameters": {"candidate": json.dumps(candidate, sort_keys=True), "objective": self.objective, "folds": CV_FOLDS,
                                "seed": self.spec.seed, "candidate_name": c_name},
            "channels": {"train": str(self.data_dir)},
            "metric_definitions": metric_definitions(self.problem_type),
            "install_requirements": False,
            "environment": env,
            "output_path": f"{self.spec.output_path.rstrip('/')}/{self.name}/candidates",
            "tags": {**self.spec.tags, AUTOML_TAG: self.name},
        }
        if self.spec.max_runtime_per_training_job is not None:
            request["max_runtime_seconds"] = int(self.spec.max_runtime_per_training_job)
        return request

    def _launch(self, number: int, ensemble_of: list[Candidate] | None = None) -> Candidate | None:
        """Record candidate `number` (in a transaction that renews the lease), then submit its job."""
        if ensemble_of is not None:
            algorithm = cands.ENSEMBLE
            params: dict[str, Any] = {"members": [c.model_artifact for c in ensemble_of], "member_names": [c.candidate_name for c in ensemble_of]}
        else:
            algorithm, params = self._ask(number)
        c_name = f"{self.name}-{number:03d}-{secrets.token_hex(3)}"
        now = time.time()

        def body(conn: Any) -> None:
            self.lease.renew(conn)
            job = store.get_job(conn, self.name)
            if job is None or job.status != IN_PROGRESS:
                raise _NotInProgress
            store.add_candidate(conn, {"job_name": self.name, "number": number, "candidate_name": c_name, "algorithm": algorithm,
                                       "params": params, "state": "Recorded", "objective": None, "creation_time": now, "finished_time": None})

        try:
            self.db.run_write(body)
        except _NotInProgress:
            handle = self.handles.pop(number, None)
            if handle is not None:
                from optuna.trial import TrialState

                self.study.tell(handle, state=TrialState.FAIL)
            return None
        recorded = next(c for c in self._candidates() if c.number == number)
        self._submit(recorded)
        return recorded

    def _candidate_payload(self, c: Candidate) -> dict[str, Any]:
        if c.algorithm == cands.ENSEMBLE:
            return {"algorithm": cands.ENSEMBLE, "members": list(c.params.get("members") or [])}
        return {"algorithm": c.algorithm, "params": dict(c.params)}

    def _submit(self, c: Candidate) -> None:
        """Submit a recorded candidate's job (never twice: its name is taken once it exists)."""
        self.db.run_write(self.lease.renew)
        layout = self.core.jobs.layout(c.candidate_name)
        if layout.job_dir.exists() and not layout.pid_file.exists():
            try:
                self.core.jobs.get(c.candidate_name)
            except NotFound:
                shutil.rmtree(layout.job_dir, ignore_errors=True)  # a runner died half-way through submitting it
        try:
            self.core.jobs.submit(self._request(c.candidate_name, self._candidate_payload(c)))
        except NameTaken:
            pass
        except Invalid as exc:
            self._stop_running()
            self._end(FAILED, f"ClientError: candidate {c.candidate_name} could not start: {exc.message}", "Failed")
            return
        self.db.run_write(lambda conn: store.set_candidate(conn, self.name, c.number, state="Submitted"))

    def _finish(self, c: Candidate) -> None:
        """A candidate's job ended: its objective read, the study told, the row Finished."""
        value = None
        if c.job_status == COMPLETED and c.run_id:
            with self.db.read() as conn:
                last = tuning_store.last_values(conn, [c.run_id], "objective").get(c.run_id)
            value = None if last is None or math.isnan(last) else float(last)
        now = time.time()

        def body(conn: Any) -> None:
            store.set_candidate(conn, self.name, c.number, state="Finished", objective=value, finished_time=now)
            events_store.append(conn, "automl.candidate", {"name": self.name, "candidate": c.candidate_name, "status": c.job_status,
                                                           "objective": value})

        self.db.run_write(body)
        if c.algorithm != cands.ENSEMBLE:
            self._tell(c, value)
            if c.job_status == COMPLETED:
                self.curves.append(self._fold_curves([c]).get(c.run_id or "", []))

    def _early_stop(self, running: list[Candidate]) -> None:
        if not running or len(self.curves) < 3:
            return
        curves = self._fold_curves(running)
        for c in running:
            curve = curves.get(c.run_id or "", [])
            if curve and should_stop(curve, self.curves, minimize=self.minimize):
                self.db.run_write(lambda conn, n=c.number: store.set_candidate(conn, self.name, n, early_stopped=True))
                self._stop_job(c.candidate_name)

    def _stop_job(self, name: str) -> None:
        try:
            self.core.jobs.stop(name)
        except (Conflict, NotFound):
            pass  # it ended meanwhile
        self.stop_sent.add(name)

    def _stop_running(self) -> None:
        for c in self._candidates():
            if c.job_status in ("InProgress",) and c.candidate_name not in self.stop_sent:
                self._stop_job(c.candidate_name)

    # -- the end ------------------------------------------------------------------------------

    def _wind_down(self, rows: list[Candidate], *, stopped: bool) -> bool:
        if not self.recorded_forgotten:
            self.db.run_write(lambda conn: store.delete_recorded(conn, self.name))
            self.recorded_forgotten = True
            rows = self._candidates()
        open_ = [c for c in rows if c.state != "Finished"]
        if open_:
            self._stop_running()
            return True
        if stopped:
            best = self._ranked(rows)
            self._end(STOPPED, None, "Stopped", best=best[0].candidate_name if best else None, allowed=(STOPPING,))
        else:
            self._complete(rows, reached="MaxAutoMLJobRuntimeReached")
        return False

    def _complete(self, rows: list[Candidate], *, reached: str) -> None:
        ranked = self._ranked(rows)
        if not ranked:
            failed = [c for c in rows if c.job_status == FAILED]
            if failed:
                reason = f"All {len(rows)} candidates failed. The first, {failed[0].candidate_name}, failed with: {failed[0].failure_reason}"
            else:
                reason = "No candidate completed within the budget: give MaxAutoMLJobRuntimeInSeconds or MaxRuntimePerTrainingJobInSeconds more time."
            self._end(FAILED, reason, "Failed")
            return
        best = ranked[0]
        self._stage("GeneratingExplainabilityReport", best_candidate=best.candidate_name)
        explanation: dict[str, Any] = {}
        try:
            from .explain import feature_importance

            explanation = feature_importance(best, self.data_dir, self.schema, self.objective)
        except Exception as exc:  # the report is an extra: a job whose models trained still completes
            log.warning("feature importance failed:\n%s", traceback.format_exc())
            explanation = {"Error": f"the feature importance could not be computed: {exc}"}
        try:
            from .notebooks import rewrite_candidates

            job = self._job()
            if job is not None:
                rewrite_candidates(self.spec, job, self.data_dir, rows, self._notebook_dir())
        except Exception:
            log.warning("rewriting the candidate notebook failed:\n%s", traceback.format_exc())
        self._end(COMPLETED, None, reached, best=best.candidate_name, explanation=explanation)

    def _end(self, status: str, reason: str | None, secondary: str, *, best: str | None = None, explanation: dict[str, Any] | None = None,
             allowed: tuple[str, ...] = (IN_PROGRESS, STOPPING)) -> None:
        now = time.time()
        values: dict[str, Any] = {"status": status, "secondary_status": secondary, "failure_reason": reason, "end_time": now,
                                  "last_modified_time": now}
        if best is not None:
            values["best_candidate"] = best
        if explanation is not None:
            values["explanation"] = explanation

        def body(conn: Any) -> None:
            self.lease.renew(conn)
            if store.set_status_if(conn, self.name, allowed, **values):
                events_store.append(conn, "automl.status", {"name": self.name, "status": status, "secondary_status": secondary})

        self.db.run_write(body)


def launch_open_for_ensemble(total: int | None, elapsed: float) -> bool:
    """The ensemble starts while at least a tenth of the budget is left."""
    return total is None or elapsed < total * 0.9


def main(argv: list[str]) -> int:
    args = coordinator.parse_args(argv, "labstudio.automl.runner", "JOB_DIR")
    if args is None:
        return 2
    folder = Path(args.target).absolute()  # the job's folder (service.job_dir), not a name to find a home from
    if not folder.is_dir():
        print(f"labstudio.automl.runner: {folder} is not an AutoML job's folder", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    coordinator.start(args, str(folder / "runner.log"))
    return Runner(settings, folder.name, replacing=args.replacing).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
