"""`Run` and `load_run`: logging from scripts and notebooks that never slows training down.

`log_metric` appends to a write-behind buffer (buffer.py) and returns in about a microsecond;
a background thread writes batches, one transaction each with its `run.metrics` event.
Points are flushed on `with` exit, on `close()`, at interpreter exit and on SIGTERM (how a
training job is stopped), and a batch that failed to write is retried, never dropped: nothing
is lost on a normal exit or an exception.

A run made with `Run(...)` owns its status (InProgress, then Completed, Failed when the
`with` block raises, Stopped on Ctrl-C or SIGTERM). A run reached with `load_run()` (a
training job's run, the innermost open `with Run(...)`, or an existing run by name or id) is
only attached to: closing it flushes but leaves the status to its owner.
"""
from __future__ import annotations

import atexit
import datetime as _dt
import json
import logging
import mimetypes
import os
import re
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import Invalid, NotFound
from ..shapes.common import check_tag_limits
from ..shapes.text import check_text
from ..store import Database, get_database
from ..store.util import tag_dict
from .buffer import MetricBuffer

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("labstudio.tracking")

ENV_RUN_ID = "LABSTUDIO_RUN_ID"
ENV_EXPERIMENT = "LABSTUDIO_EXPERIMENT_NAME"
MAX_NAME = 255

_OPEN_RUNS: set[Run] = set()
_ACTIVE: list[Run] = []  # runs inside a `with` block in this process, innermost last
_registry_lock = threading.Lock()


def _check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid(f"{kind} name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME:
        raise Invalid(f"{kind} name {name[:40]!r}... is {len(name)} characters; the limit is {MAX_NAME}")
    check_text(name, f"{kind}_name", f"{kind} name {name!r}")
    return name


def _as_timestamp(value: Any) -> float:
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Invalid(f"timestamp must be seconds since the epoch or a datetime, got {value!r}") from None


def _as_step(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid(f"step must be a whole number, got {value!r}")
    try:
        step = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"step must be a whole number, got {value!r}") from None
    if step != value and not (hasattr(value, "item") and step == value.item()):
        raise Invalid(f"step must be a whole number, got {value!r}")
    return step


def _default_run_name() -> str:
    return time.strftime("run-%Y%m%d-%H%M%S-") + os.urandom(3).hex()


class Run:
    """One tracked run. `with Run(experiment_name="e", run_name="r") as run: run.log_metric(...)`."""

    def __init__(
        self,
        experiment_name: str | None = None,
        run_name: str | None = None,
        *,
        trial_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        flush_interval: float = 0.5,
        batch_size: int = 20_000,
        max_pending: int = 2_000_000,
        settings: Settings | None = None,
        _attach_to: str | None = None,
    ) -> None:
        self._settings = settings or Settings.from_env()
        from ..core import open_store  # a home that cannot be written raises HomeUnusable, one clear line

        self._db: Database = open_store(self._settings)[0]
        self._closed = False
        if _attach_to is not None:
            self._attach(_attach_to)
        else:
            self.experiment_name = _check_name("experiment", experiment_name or os.environ.get(ENV_EXPERIMENT) or "Default")
            self.run_name = _check_name("run", run_name or _default_run_name())
            self.trial_name = _check_name("trial", trial_name) if trial_name else None
            self.run_id = self._db.run_write(self._create, tag_dict(tags))
            self._owns_status = True
        self._buffer = MetricBuffer(
            self._db, self.run_id, self.experiment_name, interval=float(flush_interval), batch_size=max(1, int(batch_size)),
            max_pending=int(max_pending),
        )
        self._pid = os.getpid()
        with _registry_lock:
            _OPEN_RUNS.add(self)
        _install_sigterm_flush()

    # -- lifecycle ------------------------------------------------------------------

    def _create(self, conn, tags: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
        from ..store import events, runs

        run_id = runs.create_run(
            conn,
            experiment_name=self.experiment_name,
            name=self.run_name,
            trial_name=self.trial_name,
            source_type="Run",
            source_name=None,
            tags={str(k): str(v) for k, v in tags.items()},
            start_time=time.time(),
        )
        events.append(
            conn, "run.created", {"run_id": run_id, "experiment": self.experiment_name, "name": self.run_name, "status": "InProgress"}
        )
        return run_id

    def _attach(self, run_id: str) -> None:
        from ..store.runs import run_ref

        with self._db.read() as conn:
            ref = run_ref(conn, run_id)
        if ref is None:
            raise NotFound(f"Run {run_id!r} does not exist in the store {self._settings.db_url}")
        self.run_id, self.run_name, self.experiment_name, self.trial_name = ref.id, ref.name, ref.experiment, ref.trial
        self._owns_status = False

    @property
    def name(self) -> str:
        return self.run_name

    def __repr__(self) -> str:
        return f"<labstudio.Run {self.run_name!r} of {self.experiment_name!r} ({self.run_id})>"

    def __enter__(self) -> Run:
        _ACTIVE.append(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if exc_type is None:
            self.close()
        elif issubclass(exc_type, KeyboardInterrupt):
            self.close(status="Stopped")
        else:
            self.close(status="Failed", message=f"{exc_type.__name__}: {exc}")

    def close(self, status: str | None = None, message: str | None = None) -> None:
        """Flush everything and, for a run this object created, record its final status."""
        if self._closed:
            return
        self._closed = True
        self._buffer.stop()
        self._buffer.flush_all(final=True)
        with _registry_lock:
            _OPEN_RUNS.discard(self)
        if self._owns_status and not self._buffer.gone and self._pid == os.getpid():
            self._db.run_write(self._finish, status or "Completed", message)

    def _finish(self, conn, status: str, message: str | None) -> None:  # type: ignore[no-untyped-def]
        from ..store import events, runs

        runs.update_run(conn, self.run_id, status=status, end_time=time.time())
        payload = {"run_id": self.run_id, "experiment": self.experiment_name, "status": status}
        if message:
            payload["message"] = message[:1000]
        events.append(conn, "run.status", payload)

    # -- metrics: the hot path ---------------------------------------------------------

    def log_metric(self, name: str, value: float, step: int | None = None, timestamp: Any = None) -> None:
        """Record one point; `step` defaults to the count of earlier points of this metric."""
        if self._closed:
            raise Invalid(f"{self!r} is closed: log inside its `with` block or before close()")
        if name.__class__ is not str or not name or len(name) > MAX_NAME or "\0" in name:
            _check_name("metric", name)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise Invalid(f"metric {name!r} needs a number, got {value!r}") from None
        if step is not None:
            step = _as_step(step)
        ts = time.time() if timestamp is None else _as_timestamp(timestamp)
        buffer = self._buffer
        lock = buffer.lock
        lock.acquire()
        points = buffer.points
        points.append((name, value, step, ts))
        n = len(points)
        lock.release()
        if n == 1 or n >= buffer.batch_size:
            buffer.poke(n)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None, timestamp: Any = None) -> None:
        ts = time.time() if timestamp is None else timestamp
        for name, value in metrics.items():
            self.log_metric(name, value, step=step, timestamp=ts)

    def log_series(
        self, name: str, values: Sequence[float] | Any, steps: Sequence[int] | Any = None, timestamps: Sequence[float] | Any = None
    ) -> None:
        """Batched ingestion of a whole series (lists or numpy arrays): no per-point Python call."""
        import numpy as np

        _check_name("metric", name)
        try:
            vals = np.array(values, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise Invalid(f"metric {name!r}: values must be numbers") from None
        n = len(vals)
        step_arr = None
        if steps is not None:
            arr = np.asarray(steps)
            if arr.shape != (n,) or (arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr)))):
                raise Invalid(f"metric {name!r}: steps must be {n} whole numbers, one per value")
            step_arr = arr.astype(np.int64)
        if timestamps is None:
            ts_arr = np.full(n, time.time())
        else:
            ts_arr = np.array(timestamps, dtype=np.float64)
            if ts_arr.shape != (n,):
                raise Invalid(f"metric {name!r}: timestamps must be {n} numbers, one per value")
        if self._closed:
            raise Invalid(f"{self!r} is closed: log inside its `with` block or before close()")
        if n:
            self._buffer.add_block((name, vals, step_arr, ts_arr))

    def log_batch(self, points: Iterable[Any]) -> None:
        """Batched ingestion of mixed points: (name, value[, step[, timestamp]]) tuples or dicts."""
        now = time.time()
        out: list[tuple[str, float, int | None, float]] = []
        for p in points:
            if isinstance(p, Mapping):
                name, value, step, ts = p.get("name") or p.get("key"), p.get("value"), p.get("step"), p.get("timestamp")
            else:
                name, value, step, ts = (tuple(p) + (None, None))[:4]
            name = _check_name("metric", name)  # the same string, now typed as one
            try:
                value = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise Invalid(f"metric {name!r} needs a number, got {value!r}") from None
            out.append((name, value, None if step is None else _as_step(step), now if ts is None else _as_timestamp(ts)))
        self._extend(out)

    def _extend(self, points: list[tuple[str, float, int | None, float]]) -> None:
        if self._closed:
            raise Invalid(f"{self!r} is closed: log inside its `with` block or before close()")
        if points:
            self._buffer.extend(points)

    # -- parameters, tags, artifacts -----------------------------------------------------

    def log_parameter(self, name: str, value: Any) -> None:
        _check_name("parameter", name)
        if isinstance(value, float) and value != value:
            value = "NaN"
        self._buffer.set_param(name, value)

    def log_parameters(self, parameters: Mapping[str, Any]) -> None:
        for name, value in parameters.items():
            self.log_parameter(name, value)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        from ..store.runs import merge_run_tags

        changes = {str(k): (None if v is None else str(v)) for k, v in tags.items()}
        for key, value in changes.items():
            check_text(key, "tags", f"the tag name {key!r}")
            if value is not None:
                check_text(value, "tags", f"tag {key!r}")
        check_tag_limits(changes)
        self._db.run_write(merge_run_tags, self.run_id, changes)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def log_artifact(self, name: str, value: str, media_type: str | None = None, is_output: bool = True) -> None:
        """Record an artifact by reference (a URI or any value); `log_file` copies a file instead."""
        _check_name("artifact", name)
        if not isinstance(value, str) or not value:
            raise Invalid(f"artifact {name!r}: value must be a non-empty string (a URI), got {value!r}")
        self._db.run_write(self._add_artifact, name, value, media_type, bool(is_output))

    def log_input(self, name: str, value: str, media_type: str | None = None) -> None:
        self.log_artifact(name, value, media_type, is_output=False)

    def log_output(self, name: str, value: str, media_type: str | None = None) -> None:
        self.log_artifact(name, value, media_type, is_output=True)

    def log_file(self, path: str | os.PathLike[str], name: str | None = None, media_type: str | None = None, is_output: bool = True) -> str:
        """Copy a file into the artifact store now (later edits of the file do not change it); returns its URI."""
        from ..artifacts import ArtifactStore

        source = Path(path)
        if not source.is_file():
            raise Invalid(f"log_file: {str(source)!r} is not a file")
        name = _check_name("artifact", name or source.name)
        media_type = media_type or mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        key = f"runs/{self.run_id}/{'output' if is_output else 'input'}/{_safe(name)}/{source.name}"
        uri = ArtifactStore(self._settings.artifact_uri).put_file(source, key)
        self._db.run_write(self._add_artifact, name, uri, media_type, bool(is_output))
        return uri

    log_artifact_file = log_file

    def _add_artifact(self, conn, name: str, uri: str, media_type: str | None, is_output: bool) -> None:  # type: ignore[no-untyped-def]
        from ..store import events, runs

        runs.add_artifact(conn, self.run_id, name, uri, is_output=is_output, media_type=media_type)
        events.append(conn, "run.artifact", {"run_id": self.run_id, "experiment": self.experiment_name, "name": name, "is_output": is_output})

    def _log_chart(self, data: dict[str, Any], is_output: bool) -> str:
        from ..artifacts import ArtifactStore
        from .charts import MEDIA_TYPES

        name = _check_name("artifact", data.get("title") or data["type"])
        key = f"runs/{self.run_id}/{'output' if is_output else 'input'}/{_safe(name)}.json"
        uri = ArtifactStore(self._settings.artifact_uri).put_bytes(json.dumps(data).encode(), key)
        self._db.run_write(self._add_artifact, name, uri, MEDIA_TYPES[data["type"]], bool(is_output))
        return uri

    def log_confusion_matrix(self, y_true: Sequence[Any], y_pred: Sequence[Any], title: str | None = None, is_output: bool = True) -> str:
        from .charts import confusion_matrix

        return self._log_chart(confusion_matrix(y_true, y_pred, title), is_output)

    def log_roc_curve(
        self, y_true: Sequence[Any], y_score: Sequence[Any], title: str | None = None, is_output: bool = True, positive_label: Any = None
    ) -> str:
        from .charts import roc_curve

        return self._log_chart(roc_curve(y_true, y_score, title, positive_label), is_output)

    def log_precision_recall(
        self,
        y_true: Sequence[Any],
        predicted_probabilities: Sequence[Any],
        positive_label: Any = None,
        title: str | None = None,
        is_output: bool = True,
        no_skill: float | None = None,
    ) -> str:
        from .charts import precision_recall

        return self._log_chart(precision_recall(y_true, predicted_probabilities, title, positive_label, no_skill), is_output)

    # -- reading back ------------------------------------------------------------------------

    def metric_history(self, name: str) -> pd.DataFrame:
        """The metric's points (step, value, timestamp), pending ones included."""
        from .analytics import metric_history

        if not self._closed:
            self.flush()
        return metric_history(self.run_id, name, db=self._db)

    # -- flushing -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything logged so far before returning (raises if the store refuses it)."""
        self._buffer.flush_all()

    @property
    def written(self) -> int:
        """Points this object has written to the store so far."""
        return self._buffer.written


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "artifact"


def load_run(
    run_name: str | None = None,
    experiment_name: str | None = None,
    *,
    run_id: str | None = None,
    settings: Settings | None = None,
) -> Run:
    """Attach to an existing run: the job's own run inside a training job, the innermost
    `with Run(...)` of this process, or a run named by id or by (experiment, run name)."""
    if run_id is None and run_name is None:
        if _ACTIVE:
            run_id = _ACTIVE[-1].run_id
        else:
            run_id = os.environ.get(ENV_RUN_ID) or None
        if run_id is None:
            raise Invalid(
                "load_run() without arguments attaches to the run of the training job it runs in, but "
                f"{ENV_RUN_ID} is not set: pass run_name= and experiment_name= (or run_id=), or use Run(...) to start a run"
            )
        return Run(settings=settings, _attach_to=run_id)
    if run_id is not None:
        return Run(settings=settings, _attach_to=run_id)
    settings = settings or Settings.from_env()
    experiment = experiment_name or os.environ.get(ENV_EXPERIMENT) or "Default"
    from ..store.runs import find_run_id

    assert run_name is not None  # for the type checker: both None and run_id given returned above
    with get_database(settings).read() as conn:
        found = find_run_id(conn, experiment, run_name)
    if found is None:
        raise NotFound(f"No run named {run_name!r} in experiment {experiment!r}; start one with Run(experiment_name=..., run_name=...)")
    return Run(settings=settings, _attach_to=found)


def _close_open_runs(status: str | None = None) -> None:
    """At interpreter exit: flush every run still open; one that died of an exception is Failed."""
    failed = getattr(sys, "last_value", None) is not None and not isinstance(getattr(sys, "last_value", None), SystemExit)
    if failed:
        status = "Failed"
    with _registry_lock:
        pending = list(_OPEN_RUNS)
    for run in pending:
        try:
            run.close(status=status, message=repr(getattr(sys, "last_value", "")) if failed else None)
        except Exception:
            log.exception("labstudio: could not flush run %s at exit", run.run_id)


def _after_fork_in_child() -> None:
    """A forked child (a data-loader worker) logs into its own buffer; only the parent closes the run."""
    global _registry_lock
    _registry_lock = threading.Lock()
    for run in list(_OPEN_RUNS):
        run._buffer.reset()
        run._owns_status = False


_sigterm_installed = False


def _install_sigterm_flush() -> None:
    """Stopping a training job sends SIGTERM, which skips atexit: flush open runs first.

    Only when nobody else handles SIGTERM (the default action) and from the main thread. The
    flush runs in a helper thread joined with a timeout, because the signal may arrive while
    the main thread holds a run's buffer lock; then the process dies of SIGTERM as it would have.
    """
    global _sigterm_installed
    import signal

    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return

        def on_term(signum: int, frame: Any) -> None:
            helper = threading.Thread(target=_close_open_runs, kwargs={"status": "Stopped"}, daemon=True)
            helper.start()
            helper.join(timeout=8.0)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_term)
        _sigterm_installed = True
    except (ValueError, OSError):  # not the main interpreter thread, or signals unsupported
        return


atexit.register(_close_open_runs)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
