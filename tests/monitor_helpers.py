"""What the Model Monitor tests share: a training CSV with its label first, a model whose
endpoint answers each CSV row with the row's sum, and traffic that drifts from the baseline."""
from __future__ import annotations

import random
import time
from pathlib import Path

INFERENCE = """
def model_fn(model_dir):
    return None


def transform_fn(model, body, content_type, accept):
    text = body.decode() if isinstance(body, bytes) else body
    out = []
    for line in text.strip().splitlines():
        cells = line.split(",")
        out.append(f"{float(cells[0]) + float(cells[1]):.4f}")
    return "\\n".join(out), "text/csv"
"""


def summing_model(folder: Path) -> Path:
    """A model folder and its code: the endpoint answers x1 + x2 for each CSV row x1,x2,color."""
    (folder / "model").mkdir(parents=True, exist_ok=True)
    (folder / "model" / "weights.txt").write_text("none")
    (folder / "code").mkdir(parents=True, exist_ok=True)
    (folder / "code" / "inference.py").write_text(INFERENCE)
    return folder


def rows(n: int, *, shift: float = 0.0, colors: tuple[str, ...] = ("red", "blue"), seed: int = 0) -> list[tuple[float, int, str]]:
    """x1 ~ N(shift, 1), x2 = 0..4 in turn (the same distribution in baseline and traffic), a color."""
    rng = random.Random(seed)
    return [(round(rng.gauss(shift, 1.0), 4), i % 5, colors[i % len(colors)]) for i in range(n)]


def training_csv(path: Path, n: int = 300) -> Path:
    """label,x1,x2,color with label = x1 + x2 (what the model predicts)."""
    lines = ["label,x1,x2,color"] + [f"{x1 + x2:.4f},{x1},{x2},{color}" for x1, x2, color in rows(n)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def drifted_batches(batches: int = 8, size: int = 10) -> list[str]:
    """CSV request bodies whose x1 moved three standard deviations and whose color has a new value."""
    data = rows(batches * size, shift=3.0, colors=("red", "blue", "green"), seed=1)
    return ["\n".join(f"{x1},{x2},{color}" for x1, x2, color in data[i * size:(i + 1) * size]) for i in range(batches)]


def wait_for_capture(root: Path, records: int, timeout: float = 30.0) -> None:
    """Until the endpoint's workers flushed `records` captured records under root."""
    deadline = time.monotonic() + timeout
    while True:
        found = sum(len(p.read_text().splitlines()) for p in root.rglob("*.jsonl")) if root.exists() else 0
        if found >= records:
            return
        assert time.monotonic() < deadline, f"only {found} of {records} records captured under {root}"
        time.sleep(0.2)
