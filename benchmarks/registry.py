"""The model registry and lineage, next to MLflow's model registry, on the same work in one run.

Both stores are SQLite files in a fresh folder. The same work for each:
  * register  — a new version of one group/registered model pointing at an existing model
                archive, with its evaluation numbers (labstudio reads them from the statistics
                document it is given; MLflow gets them as version tags)
  * list      — every version of a group of --versions versions, with those numbers
                (labstudio: RegistryService.list_packages and GET /model-packages over REST on a
                real Jupyter server; MLflow: MlflowClient.search_model_versions)
  * approve   — a version's approval with a comment (labstudio: set_approval, which also
                writes the history entry, the lineage action and the change event; MLflow: a
                version tag and the version's description, its closest equivalent)
  * lineage   — a query five hops up from one entity of a graph of --artifacts artifacts
                (layers of data sets, jobs and models, three parents each), in the service and
                over REST. MLflow's registry has no lineage query: labstudio's figure stands alone.

Prints medians (milliseconds) and ratios. Goals (issue 21): listing a group of 1,000 versions
over REST <= 50 ms; a lineage query five hops deep over 10,000 artifacts <= 100 ms.
MLflow comes with the `bench` extra (pip install 'labstudio[bench]').
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_EXT = HERE.parent / "server_ext"
sys.path.insert(0, str(SERVER_EXT))


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """A model archive and a model-quality statistics document."""
    model = folder / "model"
    model.mkdir(parents=True)
    (model / "weights.txt").write_text("w=1\n")
    archive = folder / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model / "weights.txt", arcname="weights.txt")
    stats = folder / "evaluation.json"
    stats.write_text(json.dumps({"binary_classification_metrics": {"accuracy": {"value": 0.93}, "f1": {"value": 0.9}, "auc": {"value": 0.95}}}))
    return archive, stats


# -- labstudio -----------------------------------------------------------------------------------------


def labstudio_side(args: argparse.Namespace, home: Path, archive: Path, stats: Path, out: dict[str, Any]) -> Any:
    os.environ["LABSTUDIO_HOME"] = str(home)
    os.environ.pop("LABSTUDIO_DB_URL", None)
    os.environ.pop("LABSTUDIO_ARTIFACT_URI", None)
    from labstudio.core import Core

    core = Core.from_env()
    registry = core.registry
    body = {
        "ModelPackageGroupName": "bench", "CreateGroup": True,
        "InferenceSpecification": {"Containers": [{"ModelDataUrl": str(archive)}], "SupportedContentTypes": ["text/csv"]},
        "ModelMetrics": {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": str(stats)}}},
    }
    times = []
    for _ in range(args.versions):
        t = time.perf_counter()
        registry.create_package(body, actor="bench")
        times.append(time.perf_counter() - t)
    out["register"] = statistics.median(times) * 1000
    listed = registry.list_packages(group="bench", max_results=1000)["ModelPackageSummaryList"]
    assert len(listed) == min(args.versions, 1000) and listed[0]["MetricValues"]["accuracy"] == 0.93
    out["list"] = median_ms(lambda: registry.list_packages(group="bench", max_results=1000), args.repeat)
    versions = iter(range(1, args.versions + 1))
    out["approve"] = median_ms(lambda: registry.set_approval(f"bench/{next(versions)}", "Approved", "reviewed", actor="bench"),
                               min(args.approvals, args.versions))
    return core


def lineage_graph(core: Any, count: int, seed: int = 0) -> str:
    """`count` artifacts in six layers, each one fed by three of the layer before; returns the ARN
    of an entity of the last layer (five hops from the first)."""
    from labstudio import arns
    from labstudio.store import lineage as store

    rng = random.Random(seed)
    layers: list[list[str]] = []
    per_layer = count // 6
    now = time.time()
    rows, edges = [], []
    for layer in range(6):
        names = [arns.arn("artifact", f"{layer:02d}{i:030d}") for i in range(per_layer)]
        kind = ("DataSet", "DataSet", "Code", "Model", "ModelPackage", "Model")[layer]
        rows += [{"arn": a, "entity": "Artifact", "type": kind, "name": f"l{layer}-{i}", "source_uri": f"file:///bench/{layer}/{i}",
                  "properties": {"layer": str(layer)}, "creation_time": now} for i, a in enumerate(names)]
        if layers:
            for child in names:
                for parent in rng.sample(layers[-1], 3):
                    edges.append((parent, child, "ContributedTo"))
        layers.append(names)

    def write(conn: Any) -> None:
        store.put_entities(conn, rows)
        store.associate(conn, edges, now)

    core.db.run_write(write)
    return layers[-1][0]


def labstudio_lineage(args: argparse.Namespace, core: Any, out: dict[str, Any]) -> str:
    start = lineage_graph(core, args.artifacts)
    result = core.lineage.query([start], direction="Ascendants", max_depth=5)
    out["lineage_reached"] = len(result["Vertices"])
    out["lineage"] = median_ms(lambda: core.lineage.query([start], direction="Ascendants", max_depth=5), args.repeat)
    return start


def labstudio_rest(args: argparse.Namespace, home: Path, start: str, out: dict[str, Any]) -> None:
    port, token = free_port(), "benchtoken"
    env = {**os.environ, "LABSTUDIO_HOME": str(home), "PYTHONPATH": os.pathsep.join([str(SERVER_EXT), *sys.path])}
    cmd = [sys.executable, "-m", "jupyter_server", f"--port={port}", "--no-browser", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={home}", "--ServerApp.jpserver_extensions={'labstudio': True}", "--ServerApp.log_level=WARN"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    headers = {"Authorization": f"token {token}"}
    try:
        conn = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/labstudio/api/model-package-groups", headers=headers)
                if conn.getresponse().read() is not None:
                    break
            except OSError:
                time.sleep(0.3)
        if conn is None or proc.poll() is not None:
            raise RuntimeError("the Jupyter server did not start")

        def get(path: str) -> Callable[[], None]:
            def once() -> None:
                assert conn is not None
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {path}: {response.status} {data[:200]!r}")
                out.setdefault("_sizes", {})[path] = len(data)
            return once

        listing = "/labstudio/api/model-packages?" + urllib.parse.urlencode({"group": "bench", "max_results": 1000})
        get(listing)()
        out["rest_list"] = median_ms(get(listing), args.repeat)
        out["rest_list_kib"] = out["_sizes"][listing] // 1024
        graph = "/labstudio/api/lineage?" + urllib.parse.urlencode({"start": start, "direction": "up", "max_depth": 5})
        get(graph)()
        out["rest_lineage"] = median_ms(get(graph), args.repeat)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- MLflow ------------------------------------------------------------------------------------------------


def mlflow_side(args: argparse.Namespace, folder: Path, archive: Path, stats: Path, out: dict[str, Any]) -> None:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, registry_uri=uri)
    client.create_registered_model("bench")
    times = []
    for _ in range(args.versions):
        t = time.perf_counter()
        numbers = json.loads(stats.read_text())["binary_classification_metrics"]
        client.create_model_version("bench", source=str(archive), tags={k: str(v["value"]) for k, v in numbers.items()})
        times.append(time.perf_counter() - t)
    out["register"] = statistics.median(times) * 1000
    found = client.search_model_versions("name='bench'", max_results=1000)
    assert len(found) == min(args.versions, 1000)
    out["list"] = median_ms(lambda: client.search_model_versions("name='bench'", max_results=1000), args.repeat)
    versions = iter(range(1, args.versions + 1))

    def approve() -> None:
        version = str(next(versions))
        client.set_model_version_tag("bench", version, "approval", "Approved")
        client.update_model_version("bench", version, description="reviewed")

    out["approve"] = median_ms(approve, min(args.approvals, args.versions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", type=int, default=1000, help="versions registered in the group (default 1000)")
    parser.add_argument("--approvals", type=int, default=100, help="approvals timed (default 100)")
    parser.add_argument("--artifacts", type=int, default=10_000, help="artifacts in the lineage graph (default 10000)")
    parser.add_argument("--repeat", type=int, default=20, help="repetitions of each read (median)")
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--no-rest", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="labstudio-registry-bench-"))
    ours: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    try:
        archive, stats = write_inputs(work / "inputs")
        core = labstudio_side(args, work / "labstudio", archive, stats, ours)
        start = labstudio_lineage(args, core, ours)
        if not args.no_rest:
            labstudio_rest(args, work / "labstudio", start, ours)
        if not args.no_mlflow:
            try:
                mlflow_side(args, work / "mlflow", archive, stats, theirs)
            except ImportError:
                print("MLflow is not installed (pip install 'labstudio[bench]'): its column is left out.\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{args.versions} versions in one group; medians in ms\n")
    print(f"{'':28}{'labstudio':>12}{'mlflow':>12}{'ratio':>9}")
    for key, label in (("register", "register one version"), ("list", f"list {min(args.versions, 1000)} versions"),
                       ("approve", "approve one version")):
        mine, peer = ours[key], theirs.get(key)
        ratio = f"{mine / peer:.2f}x" if peer else "-"
        print(f"{label:28}{mine:12.2f}{(f'{peer:.2f}' if peer else '-'):>12}{ratio:>9}")
    if "rest_list" in ours:
        verdict = "ok" if ours["rest_list"] <= 50 else "OVER"
        print(f"{'list over REST':28}{ours['rest_list']:12.2f}{'':>12}{'':>9}  ({ours['rest_list_kib']} KiB; goal <= 50 ms: {verdict})")
    verdict = "ok" if ours["lineage"] <= 100 else "OVER"
    print(f"\nlineage: {args.artifacts} artifacts, 5 hops up reach {ours['lineage_reached']} entities")
    print(f"{'query (service)':28}{ours['lineage']:12.2f}{'(no peer)':>12}{'':>9}  (goal <= 100 ms: {verdict})")
    if "rest_lineage" in ours:
        print(f"{'graph over REST':28}{ours['rest_lineage']:12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
