"""Lineage recorded by real jobs, with no lineage code of their own: a processing job's output
feeding a training job's channel links data -> processing -> training -> model; a batch
transform records the model it served and what it wrote; a tuning job's trials hang off its
tuning job; fingerprints say when an input changed."""
from __future__ import annotations

import os
import time
from pathlib import Path

from labstudio.lineage.fingerprint import CONTENT_LIMIT, fingerprint
from labstudio.lineage.record import trial_component_arn
from labstudio.store import lineage as lineage_store
from registry_helpers import METRICS, train, write_project

PREPROCESS = """
import os
rows = open("/opt/ml/processing/input/raw.csv").read().splitlines()
os.makedirs("/opt/ml/processing/train", exist_ok=True)
open("/opt/ml/processing/train/train.csv", "w").write("\\n".join(rows) + "\\n")
print("wrote", len(rows))
"""


def _types(graph: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for node in graph["nodes"]:
        out.setdefault(node["type"], []).append(node)
    return out


def test_processing_output_feeds_training_and_the_chain_is_one_graph(core, tmp_path: Path) -> None:
    code, data = write_project(tmp_path)
    (tmp_path / "raw.csv").write_text((data / "train.csv").read_text())
    (tmp_path / "prep").mkdir()
    (tmp_path / "prep" / "preprocess.py").write_text(PREPROCESS)
    prepared = tmp_path / "prepared"
    core.processing.submit({
        "code": "preprocess.py", "source_dir": str(tmp_path / "prep"), "name": "prep-1",
        "inputs": [{"input_name": "raw", "source": str(tmp_path / "raw.csv"), "destination": "/opt/ml/processing/input"}],
        "outputs": [{"output_name": "train", "source": "/opt/ml/processing/train", "destination": str(prepared)}],
    })
    assert core.processing.wait("prep-1", timeout=120)["ProcessingJobStatus"] == "Completed"
    job = train(core, tmp_path, name="fit-chain", channels={"train": str(prepared)})

    graph = core.lineage.graph(job, direction="Ascendants")
    types = _types(graph)
    assert [n["resource"] for n in types["ProcessingJob"]] == [{"kind": "processing-job", "name": "prep-1"}]
    datasets = {n["source_uri"]: n for n in types["DataSet"]}
    assert set(datasets) == {f"file://{prepared}", f"file://{tmp_path / 'raw.csv'}"}
    assert datasets[f"file://{prepared}"]["depth"] == 1 and datasets[f"file://{tmp_path / 'raw.csv'}"]["depth"] == 3
    assert len(types["Code"]) == 2  # each job's code snapshot
    arns = {n["arn"]: n["type"] for n in graph["nodes"]}
    assert ("ProcessingJob", "Produced", "DataSet") in {(arns[e["source"]], e["type"], arns[e["destination"]]) for e in graph["edges"]}

    with core.db.read() as conn:
        tc = lineage_store.get_entity(conn, trial_component_arn("training", job))
    assert tc is not None and tc.properties["status"] == "Completed"
    assert tc.properties["inputs.train.uri"] == f"file://{prepared}"
    assert tc.properties["inputs.train.fingerprint"] == fingerprint(str(prepared)).value
    assert tc.properties["hyperparameters.C"] == "0.5"


def test_transform_records_the_model_it_served_and_its_output(core, tmp_path: Path) -> None:
    job = train(core, tmp_path, name="fit-score")
    (tmp_path / "batch.csv").write_text("1,1\n19,2\n")
    described = core.transforms.submit({"model": job, "input": str(tmp_path / "batch.csv"), "output_path": str(tmp_path / "scored"),
                                        "content_type": "text/csv", "split_type": "Line", "name": "score-1"})
    final = core.transforms.wait(described["TransformJobName"], timeout=180)
    assert final["TransformJobStatus"] == "Completed", final.get("FailureReason")
    graph = core.lineage.graph("score-1")
    types = _types(graph)
    model = core.jobs.get(job).model_artifact
    assert [n["source_uri"] for n in types["Model"]] == [f"file://{model}"]
    assert {n["source_uri"] for n in types["DataSet"]} >= {f"file://{tmp_path / 'batch.csv'}", f"file://{tmp_path / 'scored'}"}
    assert types["TrainingJob"][0]["resource"] == {"kind": "training-job", "name": job}  # the model leads back to its job


def test_tuning_trials_hang_off_their_tuning_job(core, tmp_path: Path) -> None:
    code, data = write_project(tmp_path)
    core.tuning.submit({
        "name": "sweep-l", "training": {"entry_point": "train.py", "source_dir": str(code), "channels": {"train": str(data)},
                                        "metric_definitions": METRICS},
        "objective_metric_name": "accuracy", "objective_type": "Maximize",
        "hyperparameter_ranges": {"C": {"type": "Continuous", "min_value": 0.1, "max_value": 1.0}},
        "strategy": "Random", "max_jobs": 2, "max_parallel_jobs": 2, "random_seed": 3,
    })
    final = core.tuning.wait("sweep-l", timeout=300)
    assert final["HyperParameterTuningJobStatus"] == "Completed"
    trials = [t["TrainingJobName"] for t in core.tuning.training_jobs("sweep-l")["TrainingJobSummaries"]]
    graph = core.lineage.graph("sweep-l", direction="Ascendants")
    assert graph["nodes"][0]["type"] == "TuningJob" or any(n["depth"] == 0 and n["type"] == "TuningJob" for n in graph["nodes"])
    assert sorted(n["resource"]["name"] for n in _types(graph)["TrainingJob"]) == sorted(trials)
    # the best trial registers as SageMaker's SDK registers it, and says which tuning job it came from
    from labstudio.tuner import HyperparameterTuner

    package = HyperparameterTuner.attach("sweep-l").best_estimator().register(model_package_group_name="tuned",
                                                                               content_types=["text/csv"])
    described = core.registry.describe_package(package.model_package_arn)
    assert described["TuningJobName"] == "sweep-l"
    assert described["TrainingJobName"] == final["BestTrainingJob"]["TrainingJobName"]


def test_fingerprints_by_content_or_by_size_and_time(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text("a,b\n")
    first = fingerprint(str(small))
    assert first.method == "sha256" and first.value.startswith("sha256:")
    os.utime(small, (time.time() + 100, time.time() + 100))
    assert fingerprint(f"file://{small}").value == first.value  # touching keeps the content's fingerprint
    small.write_text("a,c\n")
    assert fingerprint(str(small)).value != first.value

    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "blob.bin").write_bytes(b"\0" * (CONTENT_LIMIT + 1))
    (folder / "note.txt").write_text("x")
    big = fingerprint(str(folder))
    assert big.method == "stat" and big.value.startswith("stat:")
    assert fingerprint(str(folder)).value == big.value
    (folder / "extra.txt").write_text("y")
    assert fingerprint(str(folder)).value != big.value  # a file added changes it
    assert fingerprint("s3://bucket/data/").method == "remote" and fingerprint("s3://bucket/data/").value is None
    assert fingerprint(str(tmp_path / "nothing")).method == "missing"
