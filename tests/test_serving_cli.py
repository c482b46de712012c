"""`labstudio deploy` and `labstudio endpoints ...` as a user runs them: subprocesses."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from serving_helpers import TRANSFORM_FN, make_archive, write_source

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(labstudio_home: Path, tmp_path: Path):
    run = cli_runner(tmp_path)
    yield run
    listed = json.loads(run("endpoints", "list", "--json", check=False).stdout or '{"Endpoints": []}')
    for item in listed["Endpoints"]:
        run("endpoints", "delete", item["EndpointName"], check=False)


def test_deploy_invoke_update_delete(cli, tmp_path: Path, iris_model) -> None:
    model = tmp_path / "iris-model"
    model.mkdir()
    (model / "model.joblib").write_bytes((iris_model["dir"] / "model.joblib").read_bytes())

    out = cli("deploy", "iris-model", "--name", "cli-ep", "--workers", "2", "--capture-percent", "50").stdout.split()
    assert out[0] == "cli-ep" and out[1].startswith("http://127.0.0.1:")

    listing = cli("endpoints", "list").stdout
    assert "cli-ep" in listing and "InService" in listing
    described = json.loads(cli("endpoints", "describe", "cli-ep", "--json").stdout)
    assert described["EndpointUrl"] == out[1] and described["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    assert described["DataCaptureConfig"]["CurrentSamplingPercentage"] == 50
    assert "VARIANT" in cli("endpoints", "describe", "cli-ep").stdout

    rows = iris_model["rows"]
    (tmp_path / "rows.csv").write_text("\n".join(",".join(map(str, r)) for r in rows))
    result = cli("endpoints", "invoke", "cli-ep", "--content-type", "text/csv", "--accept", "text/csv", "--body", "@rows.csv")
    assert result.stdout.split() == [str(v) for v in iris_model["expected"]]
    result = cli("endpoints", "invoke", "cli-ep", "--content-type", "application/json", "--body", json.dumps(rows.tolist()))
    assert json.loads(result.stdout) == iris_model["expected"].tolist()
    bad = cli("endpoints", "invoke", "cli-ep", "--content-type", "text/csv", "--body", "a,b", check=False)
    assert bad.returncode == 1 and "400" in bad.stderr and "numbers only" in bad.stderr

    # blue/green from the CLI: a transform_fn variant from an archive next to the current one
    code = write_source(tmp_path / "code", TRANSFORM_FN)
    make_archive(iris_model["dir"], tmp_path / "v2.tar.gz", code=code)
    result = cli("endpoints", "update", "cli-ep", "--variant", "AllTraffic,weight=1", "--variant", "v2=v2.tar.gz,weight=3")
    assert "InService" in result.stdout and "v2=3" in result.stdout
    result = cli("endpoints", "invoke", "cli-ep", "--content-type", "application/json", "--variant", "v2", "--body", json.dumps(rows.tolist()))
    assert json.loads(result.stdout)["via"] == "transform_fn"

    assert "InService" in cli("endpoints", "logs", "cli-ep", "--tail", "20").stdout
    assert "Deleted" in cli("endpoints", "delete", "cli-ep").stdout
    missing = cli("endpoints", "describe", "cli-ep", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_deploy_reports_failures(cli, tmp_path: Path, iris_model) -> None:
    write_source(tmp_path / "src", "def model_fn(model_dir):\n    raise ValueError('no weights here')\n")
    result = cli("deploy", str(iris_model["dir"]), "--name", "bad-ep", "--source-dir", "src", check=False)
    assert result.returncode == 1 and "no weights here" in result.stderr
    result = cli("deploy", "does-not-exist", check=False)
    assert result.returncode == 1 and "not a training job, a model archive or a model folder" in result.stderr
    result = cli("endpoints", "update", "bad-ep", "--variant", "=x", check=False)
    assert result.returncode == 2 and "NAME=SOURCE" in result.stderr
