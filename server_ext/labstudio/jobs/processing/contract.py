"""The SageMaker processing container contract, as a folder tree, a command and an environment.

A processing container gets its code under /opt/ml/processing/input/code (ScriptProcessor),
its inputs copied to their LocalPath before it starts, `/opt/ml/config/processingjobconfig.json`
(the job's own CreateProcessingJob request) and `resourceconfig.json`, and only the environment
the job asked for: unlike training, SageMaker sets no SM_* variables in processing containers.
The tree here is `<job>/opt/ml/...`; bound at /opt/ml (jobs/nsinit.py) the script's hard-coded
paths work unchanged, and without the namespace a script finds the tree in LABSTUDIO_OPT_ML.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from ...container_libs import with_container_libs
from ..contract import SNAPSHOT_IGNORE, resource_config
from .layout import OPT_ML, ProcessingLayout
from .spec import ProcessingSpec

IMAGE_URI = "labstudio-local"  # no image: the job runs in this Python environment
PYTHON_NAMES = ("python", "python3") + tuple(f"python3.{n}" for n in range(6, 20))


def arn(name: str) -> str:
    return f"arn:labstudio:local:processing-job/{name}"


def job_config(spec: ProcessingSpec, output_uris: list[str]) -> dict[str, Any]:
    """processingjobconfig.json, which is also what DescribeProcessingJob shows of the request.

    `output_uris[i]` is where output i is copied when the job completes (a folder, or a URI in
    the artifact store)."""
    return {
        "ProcessingJobArn": arn(spec.name),
        "ProcessingJobName": spec.name,
        "AppSpecification": {
            "ImageUri": IMAGE_URI,
            "ContainerEntrypoint": spec.container_entrypoint,
            "ContainerArguments": list(spec.arguments),
        },
        "Environment": dict(spec.environment),
        "ProcessingInputs": [
            {
                "InputName": item["name"],
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": item["source"] if "://" in item["source"] else f"file://{item['source']}",
                    "LocalPath": item["destination"],
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None",
                },
            }
            for item in spec.inputs
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": item["name"],
                    "AppManaged": False,
                    "S3Output": {"S3Uri": uri, "LocalPath": item["source"], "S3UploadMode": "EndOfJob"},
                }
                for item, uri in zip(spec.outputs, output_uris)
            ]
        },
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "local", "VolumeSizeInGB": 0}},
        "StoppingCondition": {"MaxRuntimeInSeconds": spec.max_runtime_seconds},
        "RoleArn": None,
    }


def prepare_tree(spec: ProcessingSpec, layout: ProcessingLayout, config: dict[str, Any]) -> None:
    """Create the tree, the two config files and the code snapshot (done at submit time).

    The output folders exist before the script starts, as in SageMaker; inputs are copied
    later, by the supervisor, once the job has a slot."""
    for folder in (layout.proc_config, layout.output, layout.processing):
        folder.mkdir(parents=True, exist_ok=True)
    for item in spec.outputs:
        layout.to_tree(str(item["source"])).mkdir(parents=True, exist_ok=True)
    if spec.code is not None and spec.source_dir is not None:
        if spec.source_is_single_file:
            layout.code.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(spec.source_dir) / spec.code, layout.code / spec.code)
        else:
            shutil.copytree(spec.source_dir, layout.code, ignore=SNAPSHOT_IGNORE, symlinks=True, dirs_exist_ok=True)
    (layout.proc_config / "processingjobconfig.json").write_text(json.dumps(config, indent=2))
    (layout.proc_config / "resourceconfig.json").write_text(json.dumps(resource_config(), indent=2))


def _program(word: str) -> str:
    """`python3` (what SageMaker's images run) is this environment's interpreter, as for training."""
    return sys.executable if word in PYTHON_NAMES else word


def _in_tree(word: str, layout: ProcessingLayout) -> str:
    """An /opt/ml/... word of the command, as its tree path: it then runs with or without the namespace."""
    if word == OPT_ML or word.startswith(OPT_ML + "/"):
        return str(layout.to_tree(word))
    return word


def command(spec: ProcessingSpec, layout: ProcessingLayout) -> list[str]:
    """The argv: `command + [script]` or the entrypoint, then the arguments as given."""
    if spec.code is not None:
        words = [*(spec.command or ["python3"]), str(layout.code / spec.code)]
    else:
        words = [_in_tree(w, layout) for w in spec.entrypoint or []]
    return [_program(words[0]), *words[1:], *spec.arguments]


def environment(spec: ProcessingSpec, layout: ProcessingLayout, *, run_id: str | None, base_env: dict[str, str]) -> dict[str, str]:
    """The caller's environment, labstudio's few variables, then the job's own."""
    env = dict(base_env)
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "LABSTUDIO_JOB_NAME": spec.name,  # also the marker the leftovers search looks for
            "LABSTUDIO_JOB_KIND": "processing",
            "LABSTUDIO_EXPERIMENT_NAME": spec.experiment_name or "Default",
            "LABSTUDIO_OPT_ML": str(layout.base),
        }
    )
    if run_id:
        env["LABSTUDIO_RUN_ID"] = run_id
    if spec.code is not None:
        existing = env.get("PYTHONPATH")
        env["PYTHONPATH"] = str(layout.code) + (os.pathsep + existing if existing else "")
    env["PYTHONPATH"] = with_container_libs(env.get("PYTHONPATH"))  # sagemaker_containers & co. (container_libs)
    env.update(spec.environment)
    return env
