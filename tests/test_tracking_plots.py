"""labstudio.plot renders readable figures: titles, axis labels, legends or a colour bar."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from labstudio.errors import Invalid


@pytest.fixture
def sweep(core):  # type: ignore[no-untyped-def]
    from labstudio import Run

    ids = []
    for i, (lr, opt) in enumerate([(0.1, "adam"), (0.01, "sgd"), (0.001, "adam")]):
        with Run(experiment_name="plots", run_name=f"lr={lr}") as run:
            run.log_parameters({"lr": lr, "optimizer": opt, "layers": 2 + i})
            run.log_series("val_loss", np.exp(-np.arange(5000) * lr / 10) + 0.01 * i)
        ids.append(run.run_id)
    return ids


def _png(fig, tmp_path, name):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.stat().st_size > 5000 and path.read_bytes()[:4] == b"\x89PNG"


def test_metric_curves(core, sweep, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import labstudio.plot as lplot

    fig = lplot.metrics(sweep, "val_loss", unit="nats")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "val_loss (nats)" and ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=0.1", "lr=0.01", "lr=0.001"]
    assert all(len(line.get_xdata()) <= 2000 for line in ax.get_lines())
    _png(fig, tmp_path, "curves")
    fig = lplot.metrics(sweep[:1], "val_loss", x="time")
    assert fig.axes[0].get_xlabel() == "elapsed time (s)" and len(fig.axes[0].get_legend().get_texts()) == 1
    with pytest.raises(Invalid):
        lplot.metrics(sweep, "nope")


def test_scatter(core, sweep, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import labstudio.plot as lplot

    fig = lplot.scatter("lr", "val_loss", experiment="plots", stat="min", log_x=True)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "lr" and ax.get_ylabel() == "val_loss (min)" and ax.get_title() == "val_loss against lr"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["plots (3 runs)"]
    _png(fig, tmp_path, "scatter")
    cat = lplot.scatter("optimizer", "val_loss", experiment="plots")
    assert [t.get_text() for t in cat.axes[0].get_xticklabels()] == ["adam", "sgd"]
    with pytest.raises(Invalid, match="no param named 'nope'"):
        lplot.scatter("nope", "val_loss", experiment="plots")


def test_parallel_coordinates(core, sweep, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import labstudio.plot as lplot
    from labstudio import search_runs

    fig = lplot.parallel_coordinates(["lr", "layers", "optimizer"], "val_loss", data=search_runs("plots"))
    ax, bar = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lr", "layers", "optimizer", "val_loss (last)"]
    assert bar.get_ylabel() == "val_loss (last)" and ax.get_title()
    assert len([line for line in ax.get_lines() if len(line.get_xdata()) == 4]) == 3
    _png(fig, tmp_path, "parallel")
