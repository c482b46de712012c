"""The two notebooks an AutoML job writes, as real .ipynb files that run:

- the data exploration notebook: the analysis as the job saw it (column types, missing values,
  cardinality, the target's distribution, the warnings), and cells that recompute it from the
  job's data split with pandas;
- the candidate definition notebook: the data loading, then every candidate's code (the very
  source its training job ran, from candidates.pipeline_code), each with a cell that fits it
  and scores it on the held-out split, to rerun or edit. Written before training with each
  algorithm's defaults, and again at the end with every candidate, best first.

File names are Autopilot's (SageMakerAutopilot...Notebook.ipynb).
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..artifacts import is_local, local_path
from ..store.automl import AutoMLJob, Candidate
from . import candidates as cands
from .spec import AutoMLSpec

EXPLORATION = "SageMakerAutopilotDataExplorationNotebook.ipynb"
DEFINITIONS = "SageMakerAutopilotCandidateDefinitionNotebook.ipynb"


def _write(notebook: Any, folder: str, name: str) -> str:
    import nbformat

    text = nbformat.writes(notebook).encode("utf-8")
    if is_local(folder):
        path = local_path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(text)
        partial.replace(path)
        return str(path)
    from ..sdk.storage import write_bytes

    return write_bytes(text, f"{folder.rstrip('/')}/{name}")


def _notebook(cells: list[Any]) -> Any:
    import nbformat.v4 as nbf

    book = nbf.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.metadata["language_info"] = {"name": "python"}
    return book


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def exploration(spec: AutoMLSpec, job: AutoMLJob, data_dir: Path) -> Any:
    import nbformat.v4 as nbf

    analysis = job.analysis
    target = spec.target
    columns = analysis.get("columns", [])
    warnings = analysis.get("warnings", [])
    cells = [
        nbf.new_markdown_cell(
            f"# Data exploration: AutoML job `{job.name}`\n\n"
            f"Input: `{spec.input}`, {analysis.get('rows')} rows, {len(columns) + 1} columns. Target: `{target}`; problem type "
            f"**{job.problem_type}** ({'given' if spec.problem_type else 'inferred'}); objective **{job.objective}**.\n\n"
            f"The job held out {spec.validation_fraction:.0%} of the rows ({analysis.get('validation_rows')}) for the final "
            f"comparison; candidates are cross-validated on the other {analysis.get('train_rows')}."
        ),
        nbf.new_markdown_cell("## Warnings\n\n" + ("\n".join(f"- {w}" for w in warnings) if warnings else "None.")),
        nbf.new_markdown_cell("## Columns\n\n" + _table(
            ["column", "type", "dtype", "missing", "distinct", "mean / top values"],
            [[c["name"], c["type"], c["dtype"], f"{c['missing']} ({c['missing_fraction']:.1%})", c["distinct"],
              c.get("mean") if c["type"] == "numeric" else ", ".join(f"{k} ({v})" for k, v in c.get("top", [])[:3])] for c in columns])),
        nbf.new_markdown_cell("## Target\n\n```json\n" + json.dumps(analysis.get("target", {}), indent=1) + "\n```"),
        nbf.new_markdown_cell("## Recompute it\n\nThe cells below read the job's data split (the rows the candidates saw)."),
        nbf.new_code_cell(
            "import pandas as pd\n\n"
            f"train = pd.read_csv({str(data_dir / 'train.csv')!r}, low_memory=False)\n"
            f"validation = pd.read_csv({str(data_dir / 'validation.csv')!r}, low_memory=False)\n"
            "data = pd.concat([train, validation], ignore_index=True)\n"
            f"TARGET = {target!r}\n"
            "data.shape"
        ),
        nbf.new_code_cell("data.describe(include='all').T"),
        nbf.new_code_cell("missing = data.isna().mean().sort_values(ascending=False)\nmissing[missing > 0]"),
        nbf.new_code_cell("data.nunique().sort_values(ascending=False)"),
        nbf.new_code_cell("data[TARGET].value_counts().head(20)" if job.problem_type != "Regression" else "data[TARGET].describe()"),
    ]
    return _notebook(cells)


def definitions(spec: AutoMLSpec, job: AutoMLJob, data_dir: Path, entries: Sequence[tuple[str, str, dict[str, Any]]]) -> Any:
    """`entries`: (title, algorithm, params) per candidate, in the order shown."""
    import nbformat.v4 as nbf

    schema = json.loads((data_dir / "schema.json").read_text())
    cells = [
        nbf.new_markdown_cell(
            f"# Candidate definitions: AutoML job `{job.name}`\n\n"
            f"Problem type **{job.problem_type}**, objective **{job.objective}**, mode {job.mode}. Each section below holds one "
            "candidate's pipeline, the code its training job ran (preprocessing, then the model). Run the set-up cell, then any "
            "candidate's two cells to fit it on the training split and score it on the held-out split; edit the code to try a change."
        ),
        nbf.new_code_cell(
            "import json\n\nimport numpy as np\nimport pandas as pd\n\n"
            "from labstudio.automl.data import schema_features\n"
            "from labstudio.automl.scoring import predict, score\n\n"
            f"DATA = {str(data_dir)!r}\n"
            "SCHEMA = json.load(open(f'{DATA}/schema.json'))\n"
            "PROBLEM_TYPE, OBJECTIVE, LABELS = SCHEMA['problem_type'], SCHEMA['objective'], SCHEMA['labels']\n"
            "FEATURES = schema_features(SCHEMA['schema'])\n\n\n"
            "def xy(frame):\n"
            "    target = frame[SCHEMA['target']]\n"
            "    if LABELS:\n"
            "        index = {label: i for i, label in enumerate(LABELS)}\n"
            "        return frame[FEATURES], np.asarray([index[str(v)] for v in target.astype(str)])\n"
            "    return frame[FEATURES], target.to_numpy(dtype=float)\n\n\n"
            "X, y = xy(pd.read_csv(f'{DATA}/train.csv', low_memory=False))\n"
            "X_test, y_test = xy(pd.read_csv(f'{DATA}/validation.csv', low_memory=False))\n"
            "X.shape"
        ),
    ]
    for title, algorithm, params in entries:
        code = cands.pipeline_code(algorithm, params, schema["schema"], schema["problem_type"])
        cells.append(nbf.new_markdown_cell(f"## {title}\n\nAlgorithm: {cands.label_of(algorithm)}. Hyperparameters: `{json.dumps(params)}`"))
        cells.append(nbf.new_code_cell(code.rstrip()))
        cells.append(nbf.new_code_cell(
            "pipeline.fit(X, y)\n"
            "print(OBJECTIVE, score(OBJECTIVE, PROBLEM_TYPE, y_test, predict(pipeline, X_test, PROBLEM_TYPE, len(LABELS))))"
        ))
    return _notebook(cells)


def write_notebooks(spec: AutoMLSpec, job: AutoMLJob, data_dir: Path, defaults: Sequence[tuple[str, str, dict[str, Any]]],
                    folder: str) -> dict[str, str]:
    """Both notebooks, before training; AutoMLJobArtifacts' locations."""
    return {
        "DataExplorationNotebookLocation": _write(exploration(spec, job, data_dir), folder, EXPLORATION),
        "CandidateDefinitionNotebookLocation": _write(definitions(spec, job, data_dir, defaults), folder, DEFINITIONS),
    }


def rewrite_candidates(spec: AutoMLSpec, job: AutoMLJob, data_dir: Path, rows: Sequence[Candidate], folder: str) -> str:
    """The candidate definition notebook again, with every base candidate that ran, best first."""
    from .problem import METRICS

    minimize = METRICS[str(job.objective)].minimize
    ran = [c for c in rows if c.algorithm != cands.ENSEMBLE and c.algorithm in cands.ALGORITHMS]
    scored = sorted((c for c in ran if c.objective is not None and not math.isnan(c.objective)),
                    key=lambda c: float(c.objective or 0.0) * (1.0 if minimize else -1.0))
    unscored = [c for c in ran if c not in scored]
    entries = [(f"{c.candidate_name}: {job.objective} {c.objective:.6g} (cross-validated)", c.algorithm, dict(c.params)) for c in scored]
    entries += [(f"{c.candidate_name}: {c.job_status or 'not run'}", c.algorithm, dict(c.params)) for c in unscored]
    return _write(definitions(spec, job, data_dir, entries), folder, DEFINITIONS)


__all__ = ["DEFINITIONS", "EXPLORATION", "rewrite_candidates", "write_notebooks"]
