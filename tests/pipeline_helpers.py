"""Scripts and pipelines the pipeline tests share: small SageMaker-style scripts (standard
library only, so a step costs a process start, not an import of a framework) and a project
folder holding them."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

# Processing: splits its input lines into train/ and test/ outputs.
PREP = """
import os, sys
lines = open("/opt/ml/processing/input/data.csv").read().split()
for name, part in (("train", lines[: len(lines) // 2]), ("test", lines[len(lines) // 2 :])):
    os.makedirs(f"/opt/ml/processing/{name}", exist_ok=True)
    open(f"/opt/ml/processing/{name}/{name}.csv", "w").write("\\n".join(part) + "\\n")
print("prepared", len(lines), "rows", *sys.argv[1:], flush=True)
"""

# Training (script mode): the model is the mean of the label column times the `scale` hyperparameter;
# it prints `loss=...` for the metric definitions. Serving: model_fn/predict_fn (x * weight).
TRAIN = """
import json, os, sys

def model_fn(model_dir):
    return float(open(os.path.join(model_dir, "weight.txt")).read())

def predict_fn(data, model):
    return data * model

if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--fail", type=int, default=0)
    a, _ = p.parse_known_args()
    if a.fail:
        raise SystemExit("asked to fail")
    rows = [float(x.split(",")[0]) for x in open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv")).read().split()]
    weight = sum(rows) / len(rows) * a.scale
    open(os.path.join(os.environ["SM_MODEL_DIR"], "weight.txt"), "w").write(str(weight))
    print(f"loss={abs(weight - 2.0)}", flush=True)
"""

# Processing: reads the model archive and writes evaluation.json with its weight as the score.
EVALUATE = """
import json, os, sys, tarfile
with tarfile.open("/opt/ml/processing/model/model.tar.gz") as t:
    weight = float(t.extractfile("weight.txt").read())
os.makedirs("/opt/ml/processing/evaluation", exist_ok=True)
json.dump({"metrics": {"score": {"value": weight}}, "name": "eval"}, open("/opt/ml/processing/evaluation/evaluation.json", "w"))
print("score", weight, *sys.argv[1:], flush=True)
"""

# Processing: waits until the gate file exists (the test decides when the step may end).
GATED = """
import os, sys, time
gate = sys.argv[1]
open(gate + ".started", "w").write("1")
while not os.path.exists(gate):
    time.sleep(0.02)
print("through the gate", gate, flush=True)
"""

# Processing: two of these meet: each marks it runs, then waits for the other's mark.
RENDEZVOUS = """
import os, sys, time
me, other = sys.argv[1], sys.argv[2]
open(me, "w").write("1")
deadline = time.time() + 240
while not os.path.exists(other):
    if time.time() > deadline:
        raise SystemExit(f"{other} never appeared: the two steps did not run at the same time")
    time.sleep(0.02)
print("met", other, flush=True)
"""

# Processing: must never run beside another step marked running in the same folder.
ALONE = """
import os, sys, time
folder, me = sys.argv[1], sys.argv[2]
others = [n for n in os.listdir(folder) if n.endswith(".running")]
if others:
    raise SystemExit(f"{me} started while {others} ran")
open(os.path.join(folder, me + ".running"), "w").write("1")
time.sleep(0.5)
os.remove(os.path.join(folder, me + ".running"))
open(os.path.join(folder, me + ".done"), "w").write("1")
"""

METRICS = [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}]


def write_project(folder: Path, rows: int = 8) -> Path:
    """A project folder: code/ with the scripts, data/data.csv with `rows` rows (label,feature)."""
    code = folder / "code"
    code.mkdir(parents=True, exist_ok=True)
    for name, body in (("prep.py", PREP), ("train.py", TRAIN), ("evaluate.py", EVALUATE), ("gated.py", GATED),
                       ("rendezvous.py", RENDEZVOUS), ("alone.py", ALONE)):
        (code / name).write_text(textwrap.dedent(body))
    data = folder / "data"
    data.mkdir(exist_ok=True)
    (data / "data.csv").write_text("\n".join(f"{2 + i % 3},{i}" for i in range(rows)) + "\n")
    return folder


def processor(session: Any, **kwargs: Any) -> Any:
    from labstudio.processing import ScriptProcessor

    return ScriptProcessor(command=["python3"], image_uri="local-image", role="SageMakerRole", instance_type="ml.m5.xlarge",
                           instance_count=1, sagemaker_session=session, **kwargs)


def estimator(session: Any, **hyperparameters: Any) -> Any:
    from labstudio.estimator import Estimator

    return Estimator(entry_point="train.py", source_dir="code", role="SageMakerRole", instance_type="ml.m5.xlarge", instance_count=1,
                     metric_definitions=METRICS, hyperparameters=hyperparameters, sagemaker_session=session)


def steps_by_name(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["StepName"]: s for s in steps}
