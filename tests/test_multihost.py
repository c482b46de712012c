"""Multi-host training jobs (instance_count > 1) on the local backend, and the remote-run duties
of the supervisor: real supervisors, real scripts, the real store."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from conftest import wait_for
from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status
from labstudio import procs
from labstudio.errors import Invalid
from labstudio.jobs.launch import read_plan, write_plan
from labstudio.shapes import to_json
from labstudio.store import hosts as hosts_store
from labstudio.store import jobs as jobs_store
from labstudio.store import logs as logs_store

PREFIX_RE = r"^algo-{k}-[a-z0-9]{{5}} \| "

SHOW_SCRIPT = """\
import json, os
rc = json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "resourceconfig.json")))
env = json.loads(os.environ["SM_TRAINING_ENV"])
print("seen " + json.dumps({
    "current": os.environ["SM_CURRENT_HOST"], "hosts": json.loads(os.environ["SM_HOSTS"]),
    "rc": rc, "master": [os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"]],
    "is_master": os.environ["SM_IS_MASTER"], "env_host": env["current_host"], "env_master": env["is_master"],
    "model_dir": os.environ["SM_MODEL_DIR"],
}), flush=True)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "who.txt"), "w") as f:
    f.write(os.environ["SM_CURRENT_HOST"])
"""


def _seen(text: str) -> dict[str, dict]:
    """The `seen {...}` line of each host, by the host the line's prefix names."""
    out = {}
    for line in text.splitlines():
        host, _, rest = line.partition(" | ")
        if rest.startswith("seen "):
            out[host.rsplit("-", 1)[0]] = json.loads(rest[5:])
    return out


async def test_two_hosts_contract_logs_and_describe(jp_fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "mh").mkdir()
    (jp_root_dir / "mh" / "show.py").write_text(SHOW_SCRIPT)
    resp = await jp_fetch(
        "labstudio", "api", "jobs", method="POST",
        body=json.dumps({"entry_point": "show.py", "source_dir": "mh", "name": "mh-show", "instance_count": 2}),
    )
    assert resp.code == 201
    d = await wait_status(jp_fetch, "jobs", "mh-show", "TrainingJobStatus", timeout=120)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    assert d["ResourceConfig"] == {"InstanceType": "local", "InstanceCount": 2}
    assert [(h["Host"], h["Status"], h["ExitCode"]) for h in d["Hosts"]] == [("algo-1", "Completed", 0), ("algo-2", "Completed", 0)]
    assert all(h["Node"] for h in d["Hosts"])

    text = _body(await jp_fetch("labstudio", "api", "jobs", "mh-show", "logs"))["text"]
    seen = _seen(text)
    assert set(seen) == {"algo-1", "algo-2"}
    port = seen["algo-1"]["master"][1]
    for k in (1, 2):
        s = seen[f"algo-{k}"]
        assert s["current"] == s["env_host"] == s["rc"]["current_host"] == f"algo-{k}"
        assert s["hosts"] == s["rc"]["hosts"] == ["algo-1", "algo-2"]
        assert s["master"] == ["127.0.0.1", port] and port.isdigit()
        assert (s["is_master"], s["env_master"]) == (("true", True) if k == 1 else ("false", False))
    assert seen["algo-1"]["model_dir"] != seen["algo-2"]["model_dir"]  # each host has its own /opt/ml
    import re

    lines = text.splitlines()
    assert lines and all(re.match(PREFIX_RE.format(k="[12]"), line) for line in lines)

    # REST: one host's lines only; a host the job does not have is a 400 naming the field.
    two = _body(await jp_fetch("labstudio", "api", "jobs", "mh-show", "logs", params={"host": "algo-2"}))["text"]
    assert two.splitlines() and all(re.match(PREFIX_RE.format(k=2), line) for line in two.splitlines())
    assert set(_seen(two)) == {"algo-2"}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "mh-show", "logs", params={"host": "algo-3"})
    assert code == 400 and err["field"] == "host" and "algo-1 to algo-2" in err["message"]

    # CLI: the same filter, with and without --follow.
    cli = cli_runner(jp_root_dir)
    for follow in ([], ["--follow"]):
        out = cli("jobs", "logs", "mh-show", "--host", "algo-1", *follow)
        assert set(_seen(out.stdout)) == {"algo-1"} and all(re.match(PREFIX_RE.format(k=1), x) for x in out.stdout.splitlines())
    bad_cli = cli("jobs", "logs", "mh-show", "--host", "algo-9", check=False)
    assert bad_cli.returncode == 2 and "'host'" in bad_cli.stderr and "Traceback" not in bad_cli.stderr

    # The model is algo-1's /opt/ml/model (SageMaker's master host).
    import tarfile

    with tarfile.open(d["ModelArtifacts"]["S3ModelArtifacts"]) as tar:
        assert tar.extractfile("who.txt").read() == b"algo-1"  # type: ignore[union-attr]


def test_a_multi_host_job_takes_one_slot(labstudio_home: Path, monkeypatch: pytest.MonkeyPatch, write_script) -> None:
    """With one slot, a 2-host job still runs (its hosts do not queue behind each other)."""
    from labstudio.core import Core

    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "1")
    core = Core.from_env()
    script = write_script(SHOW_SCRIPT, name="show.py")
    core.jobs.submit({"entry_point": str(script), "name": "mh-slot", "instance_count": 3})
    final = to_json(core.jobs.wait("mh-slot", timeout=120))
    assert final["TrainingJobStatus"] == "Completed", final["FailureReason"]
    assert set(_seen(to_json(core.jobs.logs("mh-slot"))["text"])) == {"algo-1", "algo-2", "algo-3"}
    core.db.dispose()


def test_failing_host_fails_the_job_and_stops_the_others(core, write_script) -> None:
    script = write_script(
        """
        import os, sys, time
        if os.environ["SM_CURRENT_HOST"] == "algo-2":
            time.sleep(0.5)
            print("algo-2 gives up", flush=True)
            sys.exit(3)
        print("algo-1 works for a long time", flush=True)
        time.sleep(300)
        """
    )
    started = time.monotonic()
    d = to_json(core.jobs.submit({"entry_point": str(script), "name": "mh-fail", "instance_count": 2}))
    final = to_json(core.jobs.wait(d["TrainingJobName"], timeout=120))
    assert final["TrainingJobStatus"] == "Failed"
    assert final["FailureReason"].startswith("algo-2: AlgorithmError") and "exit code 3" in final["FailureReason"]
    assert final["ExitCode"] == 3
    hosts = {h["Host"]: h for h in final["Hosts"]}
    assert hosts["algo-2"]["Status"] == "Failed" and hosts["algo-2"]["ExitCode"] == 3
    assert hosts["algo-1"]["Status"] == "Stopped" and hosts["algo-1"]["FailureReason"] == "Stopped because algo-2 failed"
    assert time.monotonic() - started < 200  # algo-1's 300 s sleep was cut short: it was killed
    assert procs.processes_with_env("TRAINING_JOB_NAME=mh-fail") == []
    assert "algo-1 works for a long time" in to_json(core.jobs.logs("mh-fail", host="algo-1"))["text"]


def test_killed_host_supervisor_fails_the_job_naming_the_host(core, write_script, labstudio_home: Path) -> None:
    script = write_script("import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    core.jobs.submit({"entry_point": str(script), "name": "mh-kill", "instance_count": 2})

    def algo2_running():
        with core.db.read() as conn:
            row = hosts_store.get_host(conn, "mh-kill", "algo-2")
        return row if row is not None and row.status == "InProgress" and row.pid else None

    row = wait_for(algo2_running, timeout=60, message="algo-2 running")
    pid_file = labstudio_home / "jobs" / "mh-kill" / "hosts" / "algo-2" / "supervisor.pid"
    assert int(pid_file.read_text().split()[0]) == row.pid
    os.kill(row.pid, signal.SIGKILL)
    final = to_json(core.jobs.wait("mh-kill", timeout=120))
    assert final["TrainingJobStatus"] == "Failed"
    assert final["FailureReason"].startswith(f"algo-2: InternalServerError: the labstudio supervisor of algo-2 (pid {row.pid})")
    assert {h["Host"]: h["Status"] for h in final["Hosts"]} == {"algo-1": "Stopped", "algo-2": "Failed"}
    wait_for(lambda: procs.processes_with_env("TRAINING_JOB_NAME=mh-kill") == [], timeout=30, message="no process left")


def test_stop_and_max_runtime_end_every_host(core, write_script) -> None:
    script = write_script("import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    core.jobs.submit({"entry_point": str(script), "name": "mh-stop", "instance_count": 2})
    core.jobs.submit({"entry_point": str(script), "name": "mh-limit", "instance_count": 2, "max_runtime_seconds": 3})

    def both_running(name: str):
        with core.db.read() as conn:
            return [h.status for h in hosts_store.list_hosts(conn, name)] == ["InProgress", "InProgress"]

    wait_for(lambda: both_running("mh-stop"), timeout=60, message="both hosts running")
    core.jobs.stop("mh-stop")
    stopped = to_json(core.jobs.wait("mh-stop", timeout=60))
    assert stopped["TrainingJobStatus"] == "Stopped" and stopped["SecondaryStatus"] == "Stopped"
    assert [h["Status"] for h in stopped["Hosts"]] == ["Stopped", "Stopped"]
    limited = to_json(core.jobs.wait("mh-limit", timeout=60))
    assert limited["TrainingJobStatus"] == "Stopped" and limited["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert [h["Status"] for h in limited["Hosts"]] == ["Stopped", "Stopped"]
    for name in ("mh-stop", "mh-limit"):
        wait_for(lambda name=name: procs.processes_with_env(f"TRAINING_JOB_NAME={name}") == [], timeout=30, message="no process left")


def test_torch_ddp_across_two_hosts(core, write_script) -> None:
    pytest.importorskip("torch")
    script = write_script(
        """
        import os, torch, torch.distributed as dist
        dist.init_process_group("gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        torch.manual_seed(0)
        model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = model(torch.randn(8, 4) + rank).pow(2).mean()
        loss.backward()
        opt.step()
        total = torch.tensor([float(rank + 1)])
        dist.all_reduce(total)
        weight = model.module.weight.detach().sum().item()
        print(f"rank={rank} world={world} sum={total.item()} weight={weight:.6f}", flush=True)
        dist.destroy_process_group()
        """,
        name="ddp.py",
    )
    d = to_json(core.jobs.submit(
        {"entry_point": str(script), "name": "mh-ddp", "instance_count": 2, "distribution": {"torch_distributed": {"enabled": True}}}
    ))
    final = to_json(core.jobs.wait(d["TrainingJobName"], timeout=240))
    text = to_json(core.jobs.logs("mh-ddp"))["text"]
    assert final["TrainingJobStatus"] == "Completed", (final["FailureReason"], text[-3000:])
    ranks = {}
    for line in text.splitlines():
        host, _, rest = line.partition(" | ")
        if rest.startswith("rank="):
            fields = dict(kv.split("=") for kv in rest.split())
            ranks[fields["rank"]] = (host.rsplit("-", 1)[0], fields)
    assert set(ranks) == {"0", "1"}
    assert ranks["0"][0] == "algo-1" and ranks["1"][0] == "algo-2"  # torchrun's node rank follows the host
    assert all(f["world"] == "2" and f["sum"] == "3.0" for _, f in ranks.values())
    assert ranks["0"][1]["weight"] == ranks["1"][1]["weight"]  # DDP averaged the gradients: same model on both


def test_remote_run_ships_its_log_and_obeys_the_store_stop_flag(core, write_script) -> None:
    """What the Ray backend relies on: with `remote` in the launch plan the supervisor appends
    its output to the store, beats, and stops on the job's stop flag without any signal."""
    script = write_script("import time\nfor i in range(600):\n    print(f'tick {i}', flush=True)\n    time.sleep(0.1)\n")
    prepared = core.jobs.prepare({"entry_point": str(script), "name": "remote-run"})
    prepared.plan["remote"] = True  # what the Ray backend sets on the plans it ships
    write_plan(str(prepared.layout.job_dir), prepared.plan)
    assert read_plan(str(prepared.layout.job_dir))["remote"] is True
    core.jobs.launch(prepared)

    def shipped():
        with core.db.read() as conn:
            return logs_store.read(conn, "remote-run", 0, 1 << 20)

    wait_for(lambda: b"tick 3\n" in shipped(), timeout=60, message="output in job_log_chunks")
    with core.db.read() as conn:
        row = hosts_store.get_host(conn, "remote-run", "algo-1")
    assert row is not None and row.status == "InProgress" and row.pid and row.node and row.heartbeat_time
    first_beat = row.heartbeat_time

    # A stop request as another machine makes it: the flag in the store, no signal.
    now = time.time()
    core.db.run_write(lambda conn: jobs_store.update_job(conn, "remote-run", status="Stopping", stop_requested_time=now))
    final = to_json(core.jobs.wait("remote-run", timeout=60))
    assert final["TrainingJobStatus"] == "Stopped"
    with core.db.read() as conn:
        row = hosts_store.get_host(conn, "remote-run", "algo-1")
        stored = logs_store.read(conn, "remote-run", 0, 1 << 24)
    assert row.status == "Stopped" and row.heartbeat_time > first_beat
    assert stored == prepared.layout.log_file.read_bytes()  # every byte, in order


def test_single_host_job_records_its_host_row(core, write_script) -> None:
    script = write_script("print('one host')\n")
    d = to_json(core.jobs.submit({"entry_point": str(script), "name": "one-host"}))
    final = to_json(core.jobs.wait(d["TrainingJobName"], timeout=60))
    assert final["ResourceConfig"]["InstanceCount"] == 1
    assert [(h["Host"], h["Status"], h["ExitCode"]) for h in final["Hosts"]] == [("algo-1", "Completed", 0)]
    assert final["Hosts"][0]["Node"]
    assert to_json(core.jobs.logs("one-host"))["text"] == "one host\n"  # single-host lines carry no prefix
    assert not (Path(final["LogUri"]).parent / "hosts").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("instance_count", 65, "at most 64"),  # the bounds of CreateTrainingJobRequest.instance_count
        ("instance_count", 0, "at least 1"),
        ("distribution", {"mpi": {"enabled": True}}, "torch_distributed"),
        ("distribution", {"torch_distributed": {"enabled": "yes"}}, "enabled"),
    ],
)
def test_bad_hosts_settings_are_refused_naming_the_field(core, write_script, field, value, message) -> None:
    script = write_script("print('x')\n")
    with pytest.raises(Invalid) as bad:
        core.jobs.submit({"entry_point": str(script), field: value})
    assert bad.value.field == field and message in str(bad.value)


def test_sdk_estimator_on_two_hosts(labstudio_home: Path, write_script) -> None:
    import labstudio

    script = write_script(SHOW_SCRIPT, name="show.py")
    est = labstudio.Estimator(str(script.name), source_dir=str(script.parent), instance_count=2)
    est.fit(wait=True, logs="None")
    d = est.latest_training_job.describe()
    assert d["TrainingJobStatus"] == "Completed" and d["ResourceConfig"]["InstanceCount"] == 2
    with pytest.raises(ValueError, match="distribution"):
        labstudio.Estimator(str(script.name), instance_count=2, distribution={"parameter_server": {"enabled": True}})
