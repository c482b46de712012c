"""`labstudio.plot`: the three charts people draw from experiments, readable without tweaking.

    import labstudio.plot as lplot
    lplot.metrics(["3f2a...", "9bc1..."], "val_loss")          # curves of several runs
    lplot.scatter("lr", "val_loss", experiment="sweep")         # parameter against metric
    lplot.parallel_coordinates(["lr", "batch_size"], "val_loss", experiment="sweep")

Each returns a matplotlib Figure (drawn inline in a notebook; with `ax=`, the figure or subfigure
holding those axes) with a title, labelled axes and
a legend or colour bar. Curves are read through the same min/max downsampling as the panel,
so plotting runs of a million points is quick and still shows every spike.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import Invalid

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

_STATS = {"last": "last", "min": "min", "max": "max", "avg": "avg", "mean": "avg", "count": "count"}


def _run_ids(runs: Any) -> list[str]:
    if isinstance(runs, str):
        return [runs]
    if hasattr(runs, "columns"):  # a DataFrame from search_runs or ExperimentAnalytics
        column = "run_id" if "run_id" in runs.columns else "TrialComponentName"
        return [str(v) for v in runs[column]]
    ids = []
    for r in runs:
        ids.append(r if isinstance(r, str) else r.run_id)
    if not ids:
        raise Invalid("runs is empty: pass run ids, Run objects or a DataFrame from search_runs")
    return ids


def _axes(ax: Axes | None, size: tuple[float, float] = (8.0, 4.5)) -> tuple[Figure | SubFigure, Axes]:
    """The given axes and the figure (or subfigure) holding them, or new ones of `size`."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    fig, new_ax = plt.subplots(figsize=size, layout="constrained")
    return fig, new_ax


def _labels(ids: list[str], names: dict[str, str]) -> dict[str, str]:
    shown = [names.get(i, i[:8]) for i in ids]
    return {i: (f"{n} ({i[:6]})" if shown.count(n) > 1 else n) for i, n in zip(ids, shown)}


def metrics(
    runs: Any,
    metric: str,
    *,
    x: str = "step",
    ax: Axes | None = None,
    max_points: int = 2000,
    unit: str | None = None,
    log_y: bool = False,
    title: str | None = None,
    core: Any = None,
) -> Figure | SubFigure:
    """One line per run of `metric` against step, or elapsed time (x="time")."""
    if x not in ("step", "time"):
        raise Invalid(f"x must be 'step' or 'time', got {x!r}")
    ids = _run_ids(runs)
    service = (core or _core()).experiments
    fig, axes = _axes(ax)
    found = 0
    if x == "step":
        result = service.compare(ids, [metric], max_points=max_points)
        names = {r["id"]: r["name"] for r in result["runs"]}
        labels = _labels(ids, names)
        for s in result["series"]:
            values = [float(v) if not isinstance(v, str) else float(v.replace("Infinity", "inf")) for v in s["values"]]
            axes.plot(s["steps"], values, label=labels[s["run_id"]], linewidth=1.4)
            found += 1
        xlabel = "step"
    else:
        from .tracking.analytics import metric_history

        names = {r.id: r.name for r in service.search_records(run_ids=ids)}
        labels = _labels(ids, names)
        for rid in ids:
            try:
                h = metric_history(rid, metric, db=service.db)
            except LookupError:
                continue
            if len(h):
                elapsed = (h["timestamp"] - h["timestamp"].iloc[0]).dt.total_seconds()
                axes.plot(elapsed, h["value"], label=labels[rid], linewidth=1.4)
                found += 1
        xlabel = "elapsed time (s)"
    if not found:
        raise Invalid(f"none of the runs has the metric {metric!r}")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(f"{metric} ({unit})" if unit else metric)
    if log_y:
        axes.set_yscale("log")
    axes.set_title(title or f"{metric} by {xlabel.split(' (')[0]}")
    axes.grid(True, alpha=0.3)
    axes.legend(title="run", fontsize="small", loc="best")
    return fig


metric_curves = metrics


def _frame(data: pd.DataFrame | None, experiment: str | Sequence[str] | None, filter: str | None, core: Any) -> pd.DataFrame:
    if data is not None:
        return data
    from .tracking.analytics import search_runs

    return search_runs(experiment, filter=filter, db=(core or _core()).db)


def _column(df: pd.DataFrame, kind: str, name: str) -> str:
    for candidate in (f"{kind}.{name}", name):
        if candidate in df.columns:
            return candidate
    known = sorted(c.split(".", 1)[1] for c in df.columns if c.startswith(f"{kind}."))
    raise Invalid(f"no {kind[:-1] if kind.endswith('s') else kind} named {name!r} in these runs (known: {', '.join(known) or 'none'})")


def _metric_values(df: pd.DataFrame, metric: str, stat: str, core: Any) -> list[float]:
    """The metric statistic per row (search_runs carries only the last value; others are read)."""
    stat = _STATS.get(stat.lower(), "")
    if not stat:
        raise Invalid(f"stat must be one of {', '.join(sorted(_STATS))}")
    if stat == "last":
        return [float(v) for v in df[_column(df, "metrics", metric)]]
    service = (core or _core()).experiments
    recs = {r.id: r for r in service.search_records(run_ids=list(df["run_id"]))}
    return [float(getattr(recs[i].metrics[metric], stat)) if i in recs and metric in recs[i].metrics else math.nan for i in df["run_id"]]


def scatter(
    param: str,
    metric: str,
    *,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    data: pd.DataFrame | None = None,
    stat: str = "last",
    log_x: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
    core: Any = None,
) -> Figure | SubFigure:
    """Each run as a point: parameter on x, metric on y, one colour per experiment."""
    df = _frame(data, experiment, filter, core)
    pcol = _column(df, "params", param)
    ys = _metric_values(df, metric, stat, core)
    fig, axes = _axes(ax, (6.5, 4.5))
    xs, categorical = _positions(df[pcol])
    groups = df["experiment_name"] if "experiment_name" in df.columns else ["runs"] * len(df)
    for group in dict.fromkeys(groups):
        idx = [i for i, g in enumerate(groups) if g == group]
        axes.scatter([xs[i] for i in idx], [ys[i] for i in idx], label=f"{group} ({len(idx)} runs)", alpha=0.8, edgecolors="none")
    if categorical:
        axes.set_xticks(range(len(categorical)), categorical, rotation=30, ha="right")
    if log_x:
        axes.set_xscale("log")
    axes.set_xlabel(param)
    axes.set_ylabel(f"{metric} ({stat})")
    axes.set_title(title or f"{metric} against {param}")
    axes.grid(True, alpha=0.3)
    axes.legend(title="experiment", fontsize="small")
    return fig


def _positions(values: Iterable[Any]) -> tuple[list[float], list[str] | None]:
    """Numbers as they are; anything else as category positions 0..k-1 (with the labels)."""
    values = list(values)
    try:
        return [float(v) if v is not None else math.nan for v in values], None
    except (TypeError, ValueError):
        cats = sorted({str(v) for v in values if v is not None})
        index = {c: i for i, c in enumerate(cats)}
        return [float(index[str(v)]) if v is not None else math.nan for v in values], cats


def parallel_coordinates(
    params: Sequence[str],
    metric: str,
    *,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    data: pd.DataFrame | None = None,
    stat: str = "last",
    cmap: str = "viridis",
    ax: Axes | None = None,
    title: str | None = None,
    core: Any = None,
) -> Figure | SubFigure:
    """One polyline per run through its parameters and the metric, coloured by the metric."""
    import matplotlib as mpl

    if not params:
        raise Invalid("params must name at least one parameter")
    df = _frame(data, experiment, filter, core)
    columns = [(p, _positions(df[_column(df, "params", p)])) for p in params]
    ys = _metric_values(df, metric, stat, core)
    columns.append((f"{metric} ({stat})", (ys, None)))
    fig, axes = _axes(ax, (max(6.0, 1.8 * len(columns)), 4.8))
    scaled = []
    for _name, (vals, cats) in columns:
        finite = [v for v in vals if not math.isnan(v) and not math.isinf(v)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        span = hi - lo or 1.0
        scaled.append([(v - lo) / span if v == v else math.nan for v in vals])
        if cats:
            labels = [f"{c}" for c in (cats[0], cats[-1])]
        else:
            labels = [f"{lo:.4g}", f"{hi:.4g}"]
        k = len(scaled) - 1
        axes.annotate(labels[0], (k, 0), xytext=(3, -12), textcoords="offset points", fontsize="x-small")
        axes.annotate(labels[1], (k, 1), xytext=(3, 4), textcoords="offset points", fontsize="x-small")
    finite_y = [y for y in ys if y == y and not math.isinf(y)]
    norm = mpl.colors.Normalize(min(finite_y) if finite_y else 0.0, max(finite_y) if finite_y else 1.0)
    colormap = mpl.colormaps[cmap]
    for r in range(len(df)):
        axes.plot(range(len(columns)), [col[r] for col in scaled], color=colormap(norm(ys[r])) if ys[r] == ys[r] else "0.7",
                  alpha=0.75, linewidth=1.2)
    for k in range(len(columns)):
        axes.axvline(k, color="0.3", linewidth=0.8)
    axes.set_xticks(range(len(columns)), [name for name, _ in columns])
    axes.set_xlim(-0.1, len(columns) - 0.6)
    axes.set_ylim(-0.08, 1.08)
    axes.set_yticks([])
    axes.set_xlabel("parameter")
    axes.set_ylabel("scaled value (min to max of each axis)")
    axes.set_title(title or f"{metric} across {', '.join(params)}")
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=colormap), ax=axes)
    bar.set_label(f"{metric} ({stat})")
    return fig


def _core() -> Any:  # the Core, imported late: plotting needs no store until it reads one
    from .core import Core

    return Core.from_env()


__all__ = ["metrics", "metric_curves", "scatter", "parallel_coordinates"]
