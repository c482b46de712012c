"""The SageMaker container contract as a script sees it."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import wait_for  # noqa: F401
from labstudio.jobs.contract import encode_hyperparameters, to_cmd_args
from labstudio.shapes import to_json


def test_cmd_args_follow_the_training_toolkit() -> None:
    args = to_cmd_args({"lr": 0.1, "b": 2, "layers": [64, 32], "opts": {"z": 1, "a": "x"}, "flag": True, "name": "adam"})
    assert args == ["-b", "2", "--flag", "True", "--layers", "[64, 32]", "--lr", "0.1", "--name", "adam", "--opts", "a=x,z=1"]


def test_hyperparameters_json_values_are_json_strings() -> None:
    assert encode_hyperparameters({"lr": 0.1, "layers": [64, 32], "opt": "adam"}) == {
        "lr": "0.1",
        "layers": "[64, 32]",
        "opt": '"adam"',
    }


def test_script_sees_the_whole_contract(core, write_script, tmp_path: Path) -> None:
    script = write_script(
        """
        import json, os, sys
        out = {
            "argv": sys.argv[1:],
            "cwd": os.getcwd(),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("SM_", "TRAINING_JOB_NAME", "LABSTUDIO_RUN_ID", "MY_"))},
            "files": sorted(os.listdir(os.environ["SM_INPUT_CONFIG_DIR"])),
            "hps": json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "hyperparameters.json"))),
            "idc": json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "inputdataconfig.json"))),
            "train": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])),
            "single": sorted(os.listdir(os.environ["SM_CHANNEL_SINGLE"])),
        }
        json.dump(out, open(os.path.join(os.environ["SM_MODEL_DIR"], "contract.json"), "w"))
        """
    )
    (script.parent / "helper.py").write_text("X = 1\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("1,2\n")
    single = tmp_path / "one.csv"
    single.write_text("3,4\n")
    d = to_json(core.jobs.submit(
        {
            "entry_point": "train.py",
            "source_dir": str(script.parent),
            "hyperparameters": {"learning-rate": 0.5, "e": 3, "layers": [1, 2]},
            "channels": {"train": str(data), "single": f"file://{single}"},
            "environment": {"MY_VAR": "yes"},
        }
    ))
    final = to_json(core.jobs.wait(d["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Completed", final
    layout = core.jobs.layout(final["TrainingJobName"])
    got = json.loads((layout.model / "contract.json").read_text())
    assert got["argv"] == ["-e", "3", "--layers", "[1, 2]", "--learning-rate", "0.5"]
    assert got["cwd"] == str(layout.code)
    env = got["env"]
    assert env["SM_HP_LEARNING-RATE"] == "0.5" and env["SM_HP_E"] == "3" and env["SM_HP_LAYERS"] == "[1, 2]"
    assert json.loads(env["SM_HPS"]) == {"learning-rate": 0.5, "e": 3, "layers": [1, 2]}
    assert json.loads(env["SM_CHANNELS"]) == ["single", "train"]
    assert env["SM_CHANNEL_TRAIN"] == str(layout.channel("train"))
    assert env["SM_CURRENT_HOST"] == "algo-1" and json.loads(env["SM_HOSTS"]) == ["algo-1"]
    assert env["TRAINING_JOB_NAME"] == final["TrainingJobName"]
    assert env["SM_MODULE_NAME"] == "train"
    assert env["MY_VAR"] == "yes"
    assert env["LABSTUDIO_RUN_ID"] == final["RunId"]
    for key in ("SM_NUM_GPUS", "SM_NUM_CPUS", "SM_LOG_LEVEL", "SM_NETWORK_INTERFACE_NAME", "SM_USER_ARGS", "SM_INPUT_DIR",
                "SM_OUTPUT_DIR", "SM_OUTPUT_DATA_DIR", "SM_RESOURCE_CONFIG", "SM_INPUT_DATA_CONFIG", "SM_TRAINING_ENV", "SM_MODULE_DIR"):
        assert key in env, key
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert training_env["job_name"] == final["TrainingJobName"] and training_env["hyperparameters"]["e"] == 3
    assert got["files"] == ["hyperparameters.json", "inputdataconfig.json", "resourceconfig.json"]
    assert got["hps"]["learning-rate"] == "0.5" and got["hps"]["sagemaker_program"] == '"train.py"'
    assert got["idc"]["train"]["TrainingInputMode"] == "File"
    assert got["train"] == ["a.csv"] and got["single"] == ["one.csv"]
    # the source was snapshotted, helper included
    assert (layout.code / "helper.py").exists()


def test_source_snapshot_is_taken_at_submit(core, write_script) -> None:
    script = write_script(
        """
        import time
        time.sleep(1.0)
        print("version", open(__file__).read().count("sleep"))
        """
    )
    d = to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(script.parent)}))
    script.write_text("print('edited after submit')\n")
    final = to_json(core.jobs.wait(d["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    assert "version 2" in to_json(core.jobs.logs(d["TrainingJobName"]))["text"]


def test_requirements_txt_is_not_installed_when_turned_off_and_the_log_says_so(core, write_script) -> None:
    script = write_script("print('trained')\n")
    (script.parent / "requirements.txt").write_text("some-package-that-does-not-exist==0.0.1\n")
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(script.parent), "install_requirements": False}))["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    lines = to_json(core.jobs.logs(final["TrainingJobName"]))["text"].splitlines()
    assert lines[0].startswith("labstudio: requirements.txt found") and "do not install it" in lines[0]
    assert lines[1] == "trained"
