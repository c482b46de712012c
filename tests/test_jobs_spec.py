"""Validation: every bad request names its field and creates nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from labstudio.errors import Invalid
from labstudio.jobs.spec import generate_name, parse_spec


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "train.py").write_text("print('hi')\n")
    (tmp_path / "data").mkdir()
    return folder


@pytest.mark.parametrize(
    "request_, field, words",
    [
        ({}, "entry_point", "required"),
        ({"entry_point": "missing.py", "source_dir": "src"}, "entry_point", "not found"),
        ({"entry_point": "train.py", "source_dir": "src/train.py"}, "source_dir", "not a folder"),
        ({"entry_point": "train.py", "source_dir": "src", "channels": {"train": "nowhere"}}, "channels", "does not exist"),
        ({"entry_point": "train.py", "source_dir": "src", "channels": {"bad name!": "data"}}, "channels", "invalid"),
        ({"entry_point": "train.py", "source_dir": "src", "name": "-bad"}, "name", "invalid"),
        ({"entry_point": "train.py", "source_dir": "src", "name": "a" * 64}, "name", "invalid"),
        ({"entry_point": "train.py", "source_dir": "src", "metric_definitions": [{"Name": "x", "Regex": "("}]}, "metric_definitions", "not a valid regular expression"),
        ({"entry_point": "train.py", "source_dir": "src", "metric_definitions": [{"Name": "x", "Regex": "loss"}]}, "metric_definitions", "capture group"),
        ({"entry_point": "train.py", "source_dir": "src", "metric_definitions": [{"Name": "x" * 256, "Regex": "(1)"}]}, "metric_definitions", "255"),
        ({"entry_point": "train.py", "source_dir": "src", "max_runtime_seconds": 0}, "max_runtime_seconds", "greater than 0"),
        ({"entry_point": "train.py", "source_dir": "src", "max_runtime_seconds": -5}, "max_runtime_seconds", "greater than 0"),
        ({"entry_point": "train.py", "source_dir": "src", "hyperparameters": {"f": object()}}, "hyperparameters", "JSON"),
        ({"entry_point": "train.py", "source_dir": "src", "hyperparameters": {"f": float("nan")}}, "hyperparameters", "JSON"),
        ({"entry_point": "train.py", "source_dir": "src", "wat": 1}, "wat", "Unknown field"),
        ({"entry_point": "train.py", "source_dir": "src", "backend": "slurm"}, "backend", "not available"),
        ({"entry_point": "train.py", "source_dir": "src", "environment": {"1BAD": "x"}}, "environment", "invalid name"),
        ({"entry_point": "train.py", "source_dir": "src", "environment": {"OK": "a\x00b"}}, "environment", "NUL byte"),
        ({"entry_point": "train.py", "source_dir": "src", "hyperparameters": {"lr": ["0.1\x00"]}}, "hyperparameters", "NUL byte"),
        ({"entry_point": "train.py", "source_dir": "src", "hyperparameters": {"x": "\ud800"}}, "hyperparameters", "surrogate"),
        ({"entry_point": "train\x00.py", "source_dir": "src"}, "entry_point", "NUL byte"),
        ({"entry_point": "~nosuchuser-labstudio/train.py"}, "entry_point", "no home folder"),
        ({"entry_point": "train.py", "source_dir": "src", "name": "ok\n"}, "name", "invalid"),
    ],
)
def test_invalid_requests_name_the_field(src: Path, request_, field: str, words: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_spec(request_, base_dir=src.parent)
    assert err.value.field == field
    assert words in err.value.message
    assert isinstance(err.value, ValueError)  # the SDK's contract


def test_paths_outside_the_root_are_refused(src: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(Invalid) as err:
        parse_spec({"entry_point": "../src/train.py"}, base_dir=root, root_dir=root)
    assert err.value.field == "entry_point" and "root" in err.value.message
    with pytest.raises(Invalid) as err:
        parse_spec({"entry_point": "train.py", "source_dir": str(src)}, base_dir=root, root_dir=root)
    assert err.value.field == "source_dir"


def test_entry_point_must_stay_inside_source_dir(src: Path) -> None:
    (src.parent / "other.py").write_text("")
    with pytest.raises(Invalid) as err:
        parse_spec({"entry_point": "../other.py", "source_dir": "src"}, base_dir=src.parent)
    assert err.value.field == "entry_point"


def test_valid_spec_resolves_paths_and_generates_a_sagemaker_name(src: Path) -> None:
    spec = parse_spec(
        {"entry_point": "train.py", "source_dir": "src", "channels": {"train": "file://" + str(src.parent / "data")}},
        base_dir=src.parent,
    )
    assert spec.entry_point == "train.py"
    assert spec.source_dir == str(src)
    assert spec.channels == {"train": str(src.parent / "data")}
    assert spec.name.startswith("train-")
    import re

    assert re.match(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", spec.name)


def test_generated_names_fit_sagemaker_rules_for_long_odd_stems() -> None:
    name = generate_name("__My very long script name with spaces and a lot of words in it__.py", now=0.5)
    assert len(name) <= 63 and name[0].isalnum() and name[-1].isalnum()
    assert name.endswith("1970-01-01-00-00-00-500")
