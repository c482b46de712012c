"""Helpers for the SDK tests: run a notebook with a real kernel (nbclient) in a folder."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient


def make_notebook(*sources: str, raises: tuple[int, ...] = ()) -> nbformat.NotebookNode:
    cells = []
    for i, src in enumerate(sources):
        cell = nbformat.v4.new_code_cell(src)
        if i in raises:
            cell.metadata["tags"] = ["raises-exception"]
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def client(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 240) -> NotebookClient:
    """A client whose kernel runs this interpreter, in cwd, with os.environ (so LABSTUDIO_HOME is shared)."""
    # The kernelspec's "python" is replaced by this interpreter (jupyter_client does so for "python").
    return NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}, store_widget_state=True)


def text(cell: Any) -> str:
    """All text a cell showed: streams, results (text/plain and text/html) and errors."""
    parts = []
    stream = False  # consecutive stream chunks are one text, as the notebook shows them (a
    # print's words may arrive in two chunks when the kernel flushes between them)
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            if stream:
                parts[-1] += out["text"]
            else:
                parts.append(out["text"])
            stream = True
            continue
        stream = False
        if out["output_type"] in ("execute_result", "display_data"):
            parts.append(str(out["data"].get("text/plain", "")))
            parts.append(str(out["data"].get("text/html", "")))
        elif out["output_type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}\n" + "\n".join(out.get("traceback", [])))
    return "\n".join(parts)


def widget_states(nb: nbformat.NotebookNode) -> Iterator[dict[str, Any]]:
    """The saved state of every widget model of an executed notebook."""
    saved = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in saved.get("state", {}).values():
        yield model.get("state", {})


def dump(nb: nbformat.NotebookNode) -> str:
    return json.dumps([{"source": c.source, "text": text(c)} for c in nb.cells], indent=1)[:20000]
