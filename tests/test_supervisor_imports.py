"""A job's first line never waits for the store: what `python -m labstudio.supervise JOB_DIR`
loads before it starts the script is the standard library and labstudio's few light modules.

SQLAlchemy and pydantic take hundreds of milliseconds to import on a busy machine; the
supervisor loads them on its store thread, once the script runs (jobs/supervisor.py). This
test imports, in a fresh interpreter, everything the pre-spawn path imports: the entry point,
the launch plan, the slot queue and every registered kind's Supervisor class (the plan names
it), and fails if either library, or labstudio's store or shapes, came with them.
"""
from __future__ import annotations

import json
import subprocess
import sys

from labstudio.jobs import kinds

HEAVY = ("sqlalchemy", "pydantic", "labstudio.store", "labstudio.shapes", "labstudio.config", "numpy")


def test_the_supervisors_pre_spawn_path_imports_neither_sqlalchemy_nor_pydantic() -> None:
    modules = ["labstudio.supervise", "labstudio.jobs.launch", "labstudio.jobs.slots", "labstudio.procs", "labstudio.status"]
    modules += sorted({kind.supervisor_path.partition(":")[0] for kind in kinds.every()})
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout)
    assert "labstudio.jobs.supervisor" in loaded and "labstudio.jobs.processing.supervisor" in loaded  # it did import them
    heavy = [name for name in loaded if name.startswith(HEAVY)]
    assert heavy == [], f"the supervisor's pre-spawn path imports {heavy}"
