"""ipywidgets for notebooks: ``JobMonitor`` (one training job, live), ``TuningMonitor`` (one tuning
job, live) and ``CompareRuns`` (curves of runs).

Each is a ``PollingMonitor``: it polls the store from a daemon thread (one describe per tick,
metric series only when a summary changed) and updates widget traits, which ipykernel sends to
the frontend from any thread; it stops polling once what it shows has ended. ``refresh()`` does
one poll synchronously, so tests and ``fit(wait=True)`` can put the final state on screen
before returning.

A kernel busy in a blocking cell (``fit()`` waiting for its job) cannot receive button
clicks: an ipywidgets button would only act once the cell returned. So the Stop buttons
(``StopButton``) are plain HTML that the labstudio extension in JupyterLab acts on at once,
through the REST API from the browser, and it writes beside the button what it did; the
monitor's poll then shows the job Stopping and Stopped. ``StopButton.click()`` stops the
job from Python (another thread, a test).
"""
from __future__ import annotations

import html
import io
import math
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import traitlets

from .errors import LabstudioError
from .humanize import format_duration, job_seconds, status_label
from .sdk.session import core_of, get_core
from .shapes.common import to_json
from .status import JobStatus
from .tuning.progress import all_trials, objective_value, progress_text

STATUS_COLORS: dict[str, str] = {
    JobStatus.IN_PROGRESS: "#1a73e8", JobStatus.COMPLETED: "#188038", JobStatus.FAILED: "#d93025", JobStatus.STOPPING: "#e37400", JobStatus.STOPPED: "#5f6368",
}


def _job_ref(job: Any) -> tuple[str, Any]:
    """(job name, session) from a TrainingJob, an Estimator, a describe dict or a name."""
    if isinstance(job, str):
        return job, None
    if isinstance(job, dict) and "TrainingJobName" in job:
        return str(job["TrainingJobName"]), None
    latest = getattr(job, "latest_training_job", None)
    if latest is not None:
        return latest.name, getattr(job, "sagemaker_session", None)
    name = getattr(job, "name", None)
    if isinstance(name, str):
        return name, getattr(job, "sagemaker_session", None)
    raise ValueError(f"JobMonitor needs a training job (a TrainingJob, an Estimator that was fit, or a job name), got {job!r}")


def _fmt_seconds(seconds: float | int | None) -> str:
    return format_duration(seconds) or "-"


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def sparkline_svg(values: Sequence[float], width: int = 260, height: int = 48) -> str:
    """An inline SVG polyline of the values (NaN/inf skipped), with the first/last/min/max as text."""
    finite = [(i, v) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        return "<span style='color:#5f6368'>no points yet</span>"
    if len(finite) > 400:  # keep the SVG small: every k-th point, and the last
        step = math.ceil(len(finite) / 400)
        finite = finite[::step] + ([finite[-1]] if (len(finite) - 1) % step else [])
    lo, hi = min(v for _, v in finite), max(v for _, v in finite)
    span_x = max(1, finite[-1][0] - finite[0][0])
    span_y = (hi - lo) or 1.0
    pad = 3
    points = " ".join(
        f"{pad + (i - finite[0][0]) / span_x * (width - 2 * pad):.1f},{pad + (1 - (v - lo) / span_y) * (height - 2 * pad):.1f}"
        for i, v in finite
    )
    last = finite[-1][1]
    return (
        f"<div style='display:flex;align-items:center;gap:8px'>"
        f"<svg class='labstudio-sparkline' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        f"<polyline fill='none' stroke='#1a73e8' stroke-width='1.5' points='{points}'/></svg>"
        f"<span style='font-size:11px;color:#5f6368'>last {last:.6g}<br>min {lo:.6g} · max {hi:.6g}<br>{len(values)} points</span></div>"
    )


def stop_button_html(kind: str, name: str, label: str, tooltip: str, disabled: bool = False) -> str:
    """A Stop button the labstudio labextension acts on in the browser (widgetStop.ts):
    `data-labstudio-stop` names the kind of job, `data-labstudio-job` the job, and the
    `data-labstudio-stop-status` span receives what was done."""
    return (
        "<span class='labstudio-widget-stop'>"
        f"<button type='button' class='jupyter-button mod-danger labstudio-widget-stop-button' "
        f"data-labstudio-stop='{html.escape(kind, quote=True)}' data-labstudio-job='{html.escape(name, quote=True)}' "
        f"title='{html.escape(tooltip, quote=True)}'{' disabled' if disabled else ''}>&#9632; {html.escape(label)}</button> "
        "<span class='labstudio-widget-stop-status' data-labstudio-stop-status></span></span>"
    )


class StopButton(w.HTML):
    """Stop, acted on at once by the browser even while the kernel runs `fit()` (see the
    module's docstring). `disabled` greys it out once the job ended; `click()` stops the
    job from Python (`on_stop`)."""

    disabled = traitlets.Bool(False)

    def __init__(self, kind: str, name: str, label: str, tooltip: str, on_stop: Any) -> None:
        super().__init__()
        self._kind, self._name, self._label, self._tooltip = kind, name, label, tooltip
        self._on_stop = on_stop
        self._render()
        self.observe(lambda _change: self._render(), names="disabled")

    def _render(self) -> None:
        self.value = stop_button_html(self._kind, self._name, self._label, self._tooltip, self.disabled)

    def click(self) -> None:
        """Stop the job from Python (what the browser does through the REST API)."""
        self._on_stop()


class PollingMonitor(w.VBox):
    """What every monitor shares: a daemon thread that calls `tick()` every `poll_interval`
    seconds until the monitor is closed or `finished` is set (what it shows has ended), a
    failed tick said in `message` instead of killing the thread, and `close()` that stops it.
    Subclasses build their widgets, then call `begin(autostart)`, and write `refresh()`."""

    message: w.HTML

    def begin(self, poll_interval: float, autostart: bool, thread_name: str) -> None:
        """Set up polling and show the first state (one synchronous refresh)."""
        self.poll_interval = poll_interval
        self._thread_name = thread_name
        self._lock = threading.RLock()
        self._halt = threading.Event()
        self.finished = threading.Event()
        self._thread: threading.Thread | None = None
        self.refresh()
        if autostart and not self.finished.is_set():
            self.start()

    def refresh(self) -> None:
        """One poll of the store, shown in the widgets."""
        raise NotImplementedError

    def tick(self) -> None:
        """What the thread does each interval: refresh (a subclass may check liveness first)."""
        self.refresh()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._halt.clear()
        self._thread = threading.Thread(target=self._poll, name=self._thread_name, daemon=True)
        self._thread.start()

    def stop_polling(self) -> None:
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def close(self) -> None:
        self.stop_polling()
        super().close()

    def _poll(self) -> None:
        while not self._halt.wait(self.poll_interval):
            try:
                self.tick()
            except Exception as exc:  # the store may be briefly busy; say so instead of dying silently
                self.message.value = f"<span style='color:#d93025'>refresh failed: {html.escape(str(exc))}</span>"
            if self.finished.is_set():
                return


class JobMonitor(PollingMonitor):
    """Status, secondary status, elapsed time, last metric values, a sparkline, Stop, and the log tail."""

    def __init__(self, job: Any, metric: str | None = None, poll_interval: float = 1.0, log_lines: int = 20,
                 autostart: bool = True, **kwargs: Any) -> None:
        self.job_name, session = _job_ref(job)
        self._core = core_of(session)
        self.header = w.HTML()
        self.metrics_table = w.HTML()
        self.metric = w.Dropdown(options=[], description="metric", layout=w.Layout(width="260px"))
        self.sparkline = w.HTML()
        self.message = w.HTML()
        self.stop_button = StopButton(
            "training", self.job_name, "Stop job", "Stop this training job (at once, even while the cell runs)", self._on_stop
        )
        self.log_view = w.HTML()
        super().__init__(
            children=[
                self.header,
                self.metrics_table,
                w.HBox([self.metric, self.sparkline]),
                w.HBox([self.stop_button, self.message]),
                self.log_view,
            ],
            **kwargs,
        )
        self.job_status = ""
        self.secondary_status = ""
        self.elapsed_seconds: float | None = None
        self.last_metrics: dict[str, float] = {}
        self._preferred_metric = metric
        self._metric_stamp: Any = None
        self._series: dict[str, list[float]] = {}
        self._log_offset = 0
        self._log_partial = ""
        self._log_tail: deque[str] = deque(maxlen=log_lines)
        self._stop_said = False
        self._supervisor_dead = self._core.jobs.liveness_check(self.job_name)  # noticed even with no server running
        self.metric.observe(self._on_metric, names="value")
        self.begin(poll_interval, autostart, f"labstudio-monitor-{self.job_name}")

    def tick(self) -> None:
        self._supervisor_dead()
        self.refresh()

    def refresh(self) -> None:
        """One poll of the store: status, metrics, sparkline, log tail."""
        with self._lock:
            described: dict[str, Any] = to_json(self._core.jobs.describe(self.job_name))
            self._update_status(described)
            self._update_metrics(described)
            self._update_log()
            status = JobStatus(described["TrainingJobStatus"])
            if status in (JobStatus.STOPPING, JobStatus.STOPPED) and not self._stop_said:
                self._stop_said = status == JobStatus.STOPPED
                self.message.value = "Stopping the job…" if status == JobStatus.STOPPING else "Stopped."
            if not status.is_active():
                self.stop_button.disabled = True
                if described.get("FailureReason"):
                    self.message.value = f"<span style='color:#d93025'>{html.escape(described['FailureReason'])}</span>"
                self.finished.set()

    def _update_status(self, d: dict[str, Any]) -> None:
        self.job_status = d["TrainingJobStatus"]
        self.secondary_status = d["SecondaryStatus"]
        self.elapsed_seconds = job_seconds(d)
        shown_secondary = status_label(self.job_status, self.secondary_status) != self.job_status
        color = STATUS_COLORS.get(self.job_status, "#5f6368")
        self.header.value = (
            f"<div class='labstudio-job-header'><b>{html.escape(self.job_name)}</b> "
            f"<span class='labstudio-status' style='color:white;background:{color};border-radius:3px;padding:1px 6px'>"
            f"{html.escape(self.job_status)}</span> "
            f"<span class='labstudio-secondary'>{html.escape(self.secondary_status if shown_secondary else '')}</span> · "
            f"<span>{html.escape(d.get('StatusMessage') or '')}</span> · "
            f"elapsed <span class='labstudio-elapsed'>{_fmt_seconds(self.elapsed_seconds)}</span></div>"
        )

    def _update_metrics(self, d: dict[str, Any]) -> None:
        final = d.get("FinalMetricDataList") or []
        self.last_metrics = {m["MetricName"]: _number(m["Value"]) for m in final}
        if final:
            rows = "".join(
                f"<tr><td>{html.escape(name)}</td><td style='text-align:right'>{value:.6g}</td></tr>"
                for name, value in sorted(self.last_metrics.items())
            )
            self.metrics_table.value = f"<table class='labstudio-metrics'><tr><th>metric</th><th>last</th></tr>{rows}</table>"
        else:
            defined = [m["Name"] for m in d.get("MetricDefinitions") or []]
            self.metrics_table.value = (
                f"<i>no metric values yet{' (watching: ' + html.escape(', '.join(defined)) + ')' if defined else ''}</i>"
            )
        names = sorted(self.last_metrics)
        if list(self.metric.options) != names:
            current = self.metric.value
            self.metric.options = names
            choice = current if current in names else (self._preferred_metric if self._preferred_metric in names else (names[0] if names else None))
            self.metric.value = choice
        stamp = tuple((m["MetricName"], m.get("Timestamp"), str(m["Value"])) for m in final)
        if stamp != self._metric_stamp:
            self._metric_stamp = stamp
            self._series = {s.name: [_number(p.value) for p in s.points] for s in self._core.jobs.metrics(self.job_name)}
            self._draw_sparkline()

    def _on_metric(self, change: dict[str, Any]) -> None:
        self._draw_sparkline()

    def _draw_sparkline(self) -> None:
        name = self.metric.value
        self.sparkline.value = sparkline_svg(self._series.get(name, [])) if name else ""

    def _update_log(self) -> None:
        for _ in range(8):  # at most 8 MiB per tick; the rest comes next tick
            chunk = self._core.jobs.logs(self.job_name, self._log_offset)
            if not chunk.text:
                break
            self._log_offset = chunk.next_offset
            lines = (self._log_partial + chunk.text).split("\n")
            self._log_partial = lines.pop()
            self._log_tail.extend(lines)
        shown = list(self._log_tail) + ([self._log_partial] if self._log_partial else [])
        self.log_view.value = (
            "<pre class='labstudio-log' style='max-height:18em;overflow:auto;font-size:11px;background:#f8f9fa;"
            f"padding:4px;margin:0'>{html.escape(chr(10).join(shown)) or '(no output yet)'}</pre>"
        )

    @property
    def log_tail(self) -> list[str]:
        return list(self._log_tail) + ([self._log_partial] if self._log_partial else [])

    def _on_stop(self, _button: Any = None) -> None:
        try:
            self._core.jobs.stop(self.job_name)
            self.message.value = "Stopping the job…"
        except LabstudioError as exc:
            self.message.value = html.escape(exc.message)
        self.refresh()


class CompareRuns(PollingMonitor):
    """Pick runs of an experiment and see one metric's curves (matplotlib), redrawn as they grow."""

    def __init__(self, experiment: str, metric: str, runs: Sequence[str] | None = None, poll_interval: float = 2.0,
                 max_points: int = 1000, autostart: bool = True, **kwargs: Any) -> None:
        self.experiment = experiment
        self._core = get_core()
        self.max_points = max_points
        self.runs = w.SelectMultiple(options=[], description="runs", rows=6, layout=w.Layout(width="420px"))
        self.metric = w.Dropdown(options=[metric], value=metric, description="metric")
        self.plot = w.Image(format="png")
        self.message = w.HTML()
        super().__init__(children=[w.HBox([self.runs, self.metric]), self.plot, self.message], **kwargs)
        self.series: dict[str, tuple[list[int], list[float]]] = {}
        self._records: dict[str, dict[str, Any]] = {}
        self._stamp: Any = None
        self._initial_runs = list(runs) if runs else None
        self.runs.observe(lambda _c: self.refresh(force=True), names="value")
        self.metric.observe(lambda _c: self.refresh(force=True), names="value")
        # Runs may be added to the experiment at any time: it polls until closed.
        self.begin(poll_interval, autostart, f"labstudio-compare-{experiment}")

    def refresh(self, force: bool = False) -> None:
        with self._lock:
            result = self._core.experiments.search_runs(experiment=self.experiment, limit=500)
            records = {r["id"]: r for r in result["runs"]}
            self._records = records
            options = [(f"{r['name']} ({r['status']})", r["id"]) for r in result["runs"]]
            selected = tuple(self.runs.value)
            if self._initial_runs is not None:
                by_name = {r["name"]: r["id"] for r in result["runs"]}
                selected = tuple(by_name.get(x, x) for x in self._initial_runs if by_name.get(x, x) in records)
                self._initial_runs = None
            elif not selected and not self.runs.options:
                with_metric = [r["id"] for r in result["runs"] if self.metric.value in r["metrics"]]
                selected = tuple(with_metric[:5])
            metric_names = sorted({k for r in records.values() for k in r["metrics"]} | {self.metric.value})
            if list(self.metric.options) != metric_names:
                self.metric.options = metric_names
            if list(self.runs.options) != options or tuple(self.runs.value) != selected:
                self.runs.options = options
                self.runs.value = tuple(s for s in selected if s in records)
            self._redraw(force)

    def _redraw(self, force: bool) -> None:
        metric = self.metric.value
        chosen = [rid for rid in self.runs.value if rid in self._records]
        stamp = (metric, tuple((rid, str(self._records[rid]["metrics"].get(metric))) for rid in chosen))
        if stamp == self._stamp and not force:
            return
        self._stamp = stamp
        with_points = [rid for rid in chosen if metric in self._records[rid]["metrics"]]
        self.series = {}
        if with_points:
            data = self._core.experiments.compare(with_points, [metric], max_points=self.max_points)
            for s in data["series"]:
                self.series[s["run_id"]] = (list(s["steps"]), [_number(v) for v in s["values"]])
        self.plot.value = self._png(metric)
        live = sum(1 for rid in chosen if self._records[rid]["status"] == JobStatus.IN_PROGRESS)
        self.message.value = f"{len(chosen)} run(s) selected, {live} still running" if chosen else "Select runs to compare."

    def _png(self, metric: str) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.4, 3.4), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for rid, (steps, values) in self.series.items():
            ax.plot(steps, values, label=self._records[rid]["name"], linewidth=1.4)
        ax.set_xlabel("step")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} — {self.experiment}")
        ax.grid(True, alpha=0.3)
        if self.series:
            ax.legend(fontsize=8, loc="best")
        else:
            ax.text(0.5, 0.5, "no points yet", ha="center", va="center", transform=ax.transAxes, color="#5f6368")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        self.figure = fig
        return buffer.getvalue()


def objective_chart_svg(values: Sequence[float | None], minimize: bool, width: int = 360, height: int = 120) -> str:
    """Each trial's objective as a dot (in trial order; trials without one are skipped) and the
    best-so-far as a step line, in inline SVG (no plotting library, so it renders in any frontend)."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None and math.isfinite(float(v))]
    if not points:
        return "<span style='color:#5f6368'>no objective values yet</span>"
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span_x, span_y, pad = max(1, len(values) - 1), (hi - lo) or 1.0, 6

    def xy(i: int, v: float) -> str:
        return f"{pad + i / span_x * (width - 2 * pad):.1f},{pad + (1 - (v - lo) / span_y) * (height - 2 * pad):.1f}"

    best: list[str] = []
    current: float | None = None
    for i, v in points:
        if current is None or (v < current if minimize else v > current):
            if current is not None:
                best.append(xy(i, current))  # the step: flat until this trial improved on it
            current = v
        best.append(xy(i, current))
    if points[-1][0] < len(values) - 1 and current is not None:
        best.append(xy(len(values) - 1, current))
    dots = "".join(f"<circle cx='{xy(i, v).split(',')[0]}' cy='{xy(i, v).split(',')[1]}' r='3' fill='#1a73e8'/>" for i, v in points)
    return (
        f"<div style='display:flex;align-items:center;gap:8px'>"
        f"<svg class='labstudio-tuning-chart' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        f"<polyline class='labstudio-best-line' fill='none' stroke='#188038' stroke-width='1.5' points='{' '.join(best)}'/>{dots}</svg>"
        f"<span style='font-size:11px;color:#5f6368'>best {current:.6g} ({'min' if minimize else 'max'})<br>"
        f"range {lo:.6g} … {hi:.6g}<br>{len(points)} of {len(values)} trials</span></div>"
    )


class TuningMonitor(PollingMonitor):
    """A tuning job, live: status, progress n/max, the best objective so far, a chart of the
    objective per trial with the best-so-far line, the latest trials, and a Stop button."""

    def __init__(self, tuning_job: Any, poll_interval: float = 1.0, trial_rows: int = 8, autostart: bool = True, **kwargs: Any) -> None:
        if isinstance(tuning_job, str):
            self.tuning_job_name, session = tuning_job, None
        else:
            job = getattr(tuning_job, "latest_tuning_job", None) or tuning_job
            name = getattr(job, "name", None)
            if not isinstance(name, str):
                raise ValueError(f"TuningMonitor needs a tuning job (a HyperparameterTuner that was fit, or a tuning job name), got {tuning_job!r}")
            self.tuning_job_name, session = name, getattr(job, "sagemaker_session", None)
        self._core = core_of(session)
        self.trial_rows = trial_rows
        self.header = w.HTML()
        self.progress = w.IntProgress(value=0, min=0, max=1, description="trials", layout=w.Layout(width="360px"))
        self.progress_label = w.HTML()
        self.chart = w.HTML()
        self.trials_table = w.HTML()
        self.message = w.HTML()
        self.stop_button = StopButton(
            "tuning", self.tuning_job_name, "Stop tuning",
            "Stop this tuning job and its running trials (at once, even while the cell runs)", self._on_stop,
        )
        super().__init__(
            children=[self.header, w.HBox([self.progress, self.progress_label]), self.chart, self.trials_table, w.HBox([self.stop_button, self.message])],
            **kwargs,
        )
        self.status = ""
        self.completed = 0
        self.total: int | None = None
        self.best: float | None = None
        self.objectives: list[float | None] = []
        # Each tick may check the tuner process: at most once a second.
        self.begin(max(1.0, poll_interval), autostart, f"labstudio-tuning-monitor-{self.tuning_job_name}")

    def tick(self) -> None:
        self._core.tuning.check(self.tuning_job_name)  # resumes a killed tuner even with no server running
        self.refresh()

    def refresh(self) -> None:
        """One poll of the store: status, progress, best so far, chart, latest trials."""
        with self._lock:
            d = to_json(self._core.tuning.describe(self.tuning_job_name))
            trials = all_trials(self._core, self.tuning_job_name)
            config = d["HyperParameterTuningJobConfig"]
            objective = config["HyperParameterTuningJobObjective"]
            counters = d["TrainingJobStatusCounters"]
            self.status = d["HyperParameterTuningJobStatus"]
            self.completed = counters["Completed"] + counters["NonRetryableError"] + counters["RetryableError"] + counters["Stopped"]
            self.total = config["ResourceLimits"].get("MaxNumberOfTrainingJobs")
            best = d.get("BestTrainingJob")
            self.best = objective_value(best) if best else None
            self.objectives = [objective_value(t) for t in trials]
            color = STATUS_COLORS.get(self.status, "#5f6368")
            self.header.value = (
                f"<div class='labstudio-tuning-header'><b>{html.escape(self.tuning_job_name)}</b> "
                f"<span class='labstudio-status' style='color:white;background:{color};border-radius:3px;padding:1px 6px'>"
                f"{html.escape(self.status)}</span> · {html.escape(objective['Type'])} {html.escape(objective['MetricName'])} · "
                f"{html.escape(config['Strategy'])}</div>"
            )
            self.progress.max = max(1, self.total or len(trials) or 1)
            self.progress.value = min(self.completed, self.progress.max)
            self.progress_label.value = f"<span class='labstudio-tuning-progress'>{html.escape(progress_text(d))}</span>"
            self.chart.value = objective_chart_svg(self.objectives, objective["Type"] == "Minimize")
            rows = "".join(
                f"<tr><td>{html.escape(t['TrainingJobName'])}</td><td>{html.escape(t['TrainingJobStatus'])}"
                f"{' (early stopped)' if t.get('EarlyStopped') else ''}</td>"
                f"<td style='text-align:right'>{'' if objective_value(t) is None else f'{objective_value(t):.6g}'}</td>"
                f"<td>{html.escape(', '.join(f'{k}={v}' for k, v in sorted((t.get('TunedHyperParameters') or {}).items())))}</td></tr>"
                for t in trials[-self.trial_rows:][::-1]
            )
            self.trials_table.value = (
                f"<table class='labstudio-trials'><tr><th>trial</th><th>status</th><th>{html.escape(objective['MetricName'])}</th>"
                f"<th>hyperparameters</th></tr>{rows}</table>" if rows else "<i>no trials yet</i>"
            )
            if self.status == JobStatus.STOPPING:
                self.message.value = "Stopping the tuning job…"
            if not JobStatus(self.status).is_active():
                self.stop_button.disabled = True
                if self.status == JobStatus.STOPPED:
                    self.message.value = "Stopped."
                if d.get("FailureReason"):
                    self.message.value = f"<span style='color:#d93025'>{html.escape(d['FailureReason'])}</span>"
                self.finished.set()

    def _on_stop(self, _button: Any = None) -> None:
        try:
            self._core.tuning.stop(self.tuning_job_name)
            self.message.value = "Stopping the tuning job…"
        except LabstudioError as exc:
            self.message.value = html.escape(exc.message)
        self.refresh()


__all__ = [
    "CompareRuns", "JobMonitor", "PollingMonitor", "StopButton", "TuningMonitor", "objective_chart_svg", "sparkline_svg", "stop_button_html",
]
