"""Guarded deployments as real processes: canary and linear traffic shifting with alarms in
CloudWatch's shape, a rollback decided by a tripped alarm, the CLI, and bad input."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from labstudio.errors import Invalid
from serving_helpers import constant_model, post, write_source

pytestmark = pytest.mark.slow

BROKEN = """
def model_fn(model_dir):
    return None


def transform_fn(model, body, content_type, accept):
    raise RuntimeError("this version is broken")
"""


class Traffic:
    """Requests sent one after another from a thread while an update runs; what came back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[int, bytes]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                code, _, body = post(self.url, "{}", timeout=30)
            except OSError as exc:  # a refused connection is a failed request too
                code, body = 0, str(exc).encode()
            self.answers.append((code, body))
            self.stop.wait(0.02)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def _deploy(endpoints, tmp_path: Path, name: str = "guarded") -> dict:
    old = constant_model(tmp_path / "v1", 1.0)
    d = endpoints.create({"EndpointName": name, "Source": str(old / "model"), "SourceDir": str(old / "code")}, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    return d


def _broken(tmp_path: Path) -> tuple[Path, Path]:
    model = tmp_path / "v2" / "model"
    model.mkdir(parents=True)
    (model / "value.txt").write_text("2")
    return model, write_source(tmp_path / "v2" / "code", BROKEN)


def test_canary_rolls_back_on_a_tripped_alarm(tmp_path: Path, endpoints, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.session import Session

    d = _deploy(endpoints, tmp_path)
    model, code = _broken(tmp_path)
    session = Session()
    cloudwatch = session.boto_session.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="guarded-5xx", MetricName="Invocation5XXErrors", Namespace="AWS/SageMaker", Statistic="Sum",
        Dimensions=[{"Name": "EndpointName", "Value": "guarded"}], Period=10, EvaluationPeriods=1, Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert cloudwatch.describe_alarms(AlarmNames=["guarded-5xx"])["MetricAlarms"][0]["StateValue"] == "INSUFFICIENT_DATA"
    with Traffic(d["EndpointUrl"]) as traffic:
        session.sagemaker_client.update_endpoint(
            EndpointName="guarded",
            ProductionVariants=[{"VariantName": "AllTraffic", "Source": str(model), "SourceDir": str(code)}],
            DeploymentConfig={
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}, "WaitIntervalInSeconds": 30},
                    "TerminationWaitInSeconds": 0,
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "guarded-5xx"}]},
            },
        )
        described = endpoints.wait_deployment("guarded", timeout=120)
    progress = described["DeploymentProgress"]
    assert progress["Status"] == "RolledBack", progress
    assert "guarded-5xx" in progress["Reason"] and "Invocation5XXErrors" in progress["Reason"]
    assert described["EndpointStatus"] == "InService"
    assert described["FailureReason"].startswith("Update rolled back") and "guarded-5xx" in described["FailureReason"]
    assert [v["VariantName"] for v in described["ProductionVariants"]] == ["AllTraffic"]
    tripped = [s for s in progress["Steps"] if s["Event"] == "AlarmTripped"]
    assert tripped and tripped[0]["NewShare"] == 50 and tripped[0]["Alarms"]["guarded-5xx"]["Value"] > 0
    # decided within the canary's first interval: never shifted to 100 %
    assert [s["NewShare"] for s in progress["Steps"] if s["Event"] == "Shifted"] == [50]
    alarm = cloudwatch.describe_alarms(AlarmNames=["guarded-5xx"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM" and "Threshold Crossed" in alarm["StateReason"]
    # the old version serves everything again
    for _ in range(5):
        status, _, body = post(d["EndpointUrl"], "{}")
        assert status == 200 and json.loads(body) == {"value": 1.0}
    failed = [a for a in traffic.answers if a[0] != 200]
    assert failed and all(code == 500 and b"this version is broken" in body for code, body in failed)  # only the canary's own errors


def test_linear_shift_fails_no_request_and_completes(tmp_path: Path, endpoints) -> None:
    from labstudio.session import Session

    d = _deploy(endpoints, tmp_path, "linear")
    new = constant_model(tmp_path / "v2", 2.0)
    session = Session()
    session.cloudwatch_client.put_metric_alarm(
        AlarmName="linear-latency", MetricName="ModelLatency", Namespace="AWS/SageMaker", ExtendedStatistic="p99",
        Dimensions=[{"Name": "EndpointName", "Value": "linear"}], Period=10, EvaluationPeriods=1, Threshold=5_000_000,
        ComparisonOperator="GreaterThanThreshold",
    )
    with Traffic(d["EndpointUrl"]) as traffic:
        described = endpoints.update(
            "linear",
            {
                "ProductionVariants": [{"VariantName": "AllTraffic", "Source": str(new / "model"), "SourceDir": str(new / "code")}],
                "DeploymentConfig": {
                    "BlueGreenUpdatePolicy": {
                        "TrafficRoutingConfiguration": {"Type": "LINEAR", "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
                                                        "WaitIntervalInSeconds": 1},
                    },
                    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "linear-latency"}]},
                },
            },
            wait=True, timeout=120,
        )
    progress = described["DeploymentProgress"]
    assert progress["Status"] == "Completed", progress
    assert progress["Plan"] == [50, 100]
    assert described["EndpointStatus"] == "InService" and described["FailureReason"] is None
    assert [v["VariantName"] for v in described["ProductionVariants"]] == ["AllTraffic"]
    assert traffic.answers and all(code == 200 for code, _ in traffic.answers), [a for a in traffic.answers if a[0] != 200][:3]
    values = {json.loads(body)["value"] for _, body in traffic.answers}
    assert values <= {1.0, 2.0} and 2.0 in values
    status, _, body = post(d["EndpointUrl"], "{}")
    assert status == 200 and json.loads(body) == {"value": 2.0}


def test_bad_guarded_updates_change_nothing(tmp_path: Path, endpoints) -> None:
    from labstudio.sdk.boto_errors import ClientError
    from labstudio.session import Session

    _deploy(endpoints, tmp_path, "careful")
    new = constant_model(tmp_path / "v2", 2.0)
    variant = {"VariantName": "AllTraffic", "Source": str(new / "model"), "SourceDir": str(new / "code")}

    def update(routing: dict, alarms: list[str] | None = None) -> None:
        config: dict = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}}
        if alarms is not None:
            config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in alarms]}
        endpoints.update("careful", {"ProductionVariants": [variant], "DeploymentConfig": config})

    for routing, alarms, field in (
        ({"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 100}, "WaitIntervalInSeconds": 1}, None, "CanarySize"),
        ({"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 0}, "WaitIntervalInSeconds": 1}, None, "Value"),
        ({"Type": "LINEAR", "WaitIntervalInSeconds": 1}, None, "LinearStepSize"),
        ({"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 1}, ["no-such-alarm"], "AutoRollbackConfiguration.Alarms"),
    ):
        with pytest.raises(Invalid) as info:
            update(routing, alarms)
        assert field in (info.value.field or "") + info.value.message, info.value.message
    with pytest.raises(ClientError) as boto:
        Session().cloudwatch_client.put_metric_alarm(
            AlarmName="x", MetricName="CPUUtilization", Dimensions=[{"Name": "EndpointName", "Value": "careful"}],
            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
        )
    assert boto.value.response["Error"]["Code"] == "ValidationException" and "CPUUtilization" in str(boto.value)
    d = endpoints.describe("careful")
    assert d["EndpointStatus"] == "InService" and "DeploymentProgress" not in d
    assert Session().cloudwatch_client.describe_alarms()["MetricAlarms"] == []


def test_cli_guarded_update_rolls_back(tmp_path: Path, endpoints) -> None:
    d = _deploy(endpoints, tmp_path, "cli-guard")
    model, code = _broken(tmp_path)
    run = cli_runner(tmp_path)
    for args, words in (
        (["--canary", "100"], "less than 100"),
        (["--canary", "0"], "Value"),
        (["--canary", "10", "--rollback-on", "CPUUtilization>5"], "CPUUtilization"),
    ):
        bad = run("endpoints", "update", "cli-guard", "--model", str(model), "--source-dir", str(code), "--wait-interval", "2", *args, check=False)
        assert bad.returncode == 2 and words in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert run("endpoints", "describe", "cli-guard", "--json").stdout.count("DeploymentProgress") == 0
    with Traffic(d["EndpointUrl"]):
        result = run("endpoints", "update", "cli-guard", "--model", str(model), "--source-dir", str(code), "--canary", "50",
                     "--wait-interval", "20", "--rollback-on", "Invocation5XXErrors>0", "--wait", check=False)
    assert result.returncode == 1, result.stderr
    assert "the update was rolled back" in result.stderr and "Invocation5XXErrors" in result.stderr
    described = endpoints.describe("cli-guard")
    assert described["DeploymentProgress"]["Status"] == "RolledBack" and described["EndpointStatus"] == "InService"


def test_target_tracking_scales_a_variant_out_and_in(tmp_path: Path, endpoints) -> None:
    from labstudio.sdk.boto_errors import ClientError
    from labstudio.session import Session

    d = _deploy(endpoints, tmp_path, "scaled")
    client = Session().boto_session.client("application-autoscaling")
    target = {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/scaled/variant/AllTraffic",
              "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}
    policy = {"TargetValue": 60.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
              "ScaleOutCooldown": 0, "ScaleInCooldown": 1}
    for call, kwargs, words in (
        (client.register_scalable_target, {**target, "MinCapacity": 0, "MaxCapacity": 3}, "MinCapacity"),
        (client.register_scalable_target, {**target, "ResourceId": "endpoint/scaled/variant/Nope", "MinCapacity": 1, "MaxCapacity": 3}, "Nope"),
        (client.put_scaling_policy, {"PolicyName": "p", **target, "PolicyType": "TargetTrackingScaling",
                                     "TargetTrackingScalingPolicyConfiguration": policy}, "register_scalable_target first"),
    ):
        with pytest.raises(ClientError) as info:
            call(**kwargs)
        assert words in str(info.value)
    client.register_scalable_target(**target, MinCapacity=1, MaxCapacity=3)
    with pytest.raises(ClientError) as info:
        client.put_scaling_policy(PolicyName="p", **target, PolicyType="TargetTrackingScaling",
                                  TargetTrackingScalingPolicyConfiguration={**policy, "PredefinedMetricSpecification": {"PredefinedMetricType": "CPU"}})
    assert info.value.response["Error"]["Code"] == "ValidationException"
    client.put_scaling_policy(PolicyName="per-worker", **target, PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=policy)
    assert client.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"][0]["MaxCapacity"] == 3
    assert client.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"][0]["PolicyName"] == "per-worker"

    def workers() -> int:
        return int(endpoints.describe("scaled")["ProductionVariants"][0]["CurrentInstanceCount"])

    from conftest import wait_for

    with Traffic(d["EndpointUrl"]) as traffic:  # tens of requests a second: far above 60 a minute per worker
        wait_for(lambda: workers() == 3, timeout=60, message="the variant to scale out to its MaxCapacity")
    wait_for(lambda: workers() == 1, timeout=60, message="the variant to scale back in to its MinCapacity")
    assert traffic.answers and all(code == 200 for code, _ in traffic.answers)


async def test_alarms_scaling_and_guarded_update_over_rest(jp_fetch, jp_root_dir: Path, labstudio_home: Path) -> None:
    from httpjson import body as _body
    from httpjson import error as _error

    constant_model(jp_root_dir / "v1", 1.0)
    constant_model(jp_root_dir / "v2", 2.0)
    resp = await jp_fetch("labstudio", "api", "endpoints", method="POST", params={"wait": "true"},
                          body=json.dumps({"EndpointName": "rest-guard", "Source": "v1/model", "SourceDir": "v1/code"}))
    assert _body(resp)["EndpointStatus"] == "InService"
    try:
        alarm = {"MetricName": "Invocation5XXErrors", "Statistic": "Sum", "Dimensions": [{"Name": "EndpointName", "Value": "rest-guard"}],
                 "EvaluationPeriods": 1, "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold"}
        code, bad = await _error(jp_fetch, "labstudio", "api", "alarms", "rest-5xx", method="PUT", body=json.dumps({**alarm, "MetricName": "Nope"}))
        assert code == 400 and bad["field"] == "MetricName", bad
        created = _body(await jp_fetch("labstudio", "api", "alarms", "rest-5xx", method="PUT", body=json.dumps(alarm)))
        assert created["StateValue"] == "INSUFFICIENT_DATA" and created["AlarmName"] == "rest-5xx"
        assert [a["AlarmName"] for a in _body(await jp_fetch("labstudio", "api", "alarms"))["MetricAlarms"]] == ["rest-5xx"]

        variant = {"VariantName": "AllTraffic", "Source": "v2/model", "SourceDir": "v2/code"}
        routing = {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 100}, "WaitIntervalInSeconds": 1}
        code, bad = await _error(jp_fetch, "labstudio", "api", "endpoints", "rest-guard", method="PATCH", body=json.dumps({
            "ProductionVariants": [variant], "DeploymentConfig": {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}}}))
        assert code == 400 and "CanarySize" in bad["field"], bad
        routing["CanarySize"]["Value"] = 50
        resp = await jp_fetch("labstudio", "api", "endpoints", "rest-guard", method="PATCH", params={"wait": "true"}, body=json.dumps({
            "ProductionVariants": [variant],
            "DeploymentConfig": {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing},
                                 "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "rest-5xx"}]}}}))
        described = _body(resp)
        assert described["DeploymentProgress"]["Status"] == "Completed", described["DeploymentProgress"]
        assert described["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"

        code, bad = await _error(jp_fetch, "labstudio", "api", "endpoints", "rest-guard", "variants", "AllTraffic", "scaling", method="PUT",
                                 body=json.dumps({"MinCapacity": 3, "MaxCapacity": 2}))
        assert code == 400 and bad["field"] == "MinCapacity", bad
        scaling = _body(await jp_fetch("labstudio", "api", "endpoints", "rest-guard", "variants", "AllTraffic", "scaling", method="PUT", body=json.dumps({
            "MinCapacity": 1, "MaxCapacity": 2, "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 100, "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}})))
        assert scaling["MaxCapacity"] == 2 and scaling["ScalingPolicies"][0]["PolicyType"] == "TargetTrackingScaling"
        resp = await jp_fetch("labstudio", "api", "endpoints", "rest-guard", "variants", "AllTraffic", "scaling", method="DELETE")
        assert resp.code == 204
        resp = await jp_fetch("labstudio", "api", "alarms", "rest-5xx", method="DELETE")
        assert resp.code == 204
        code, _ = await _error(jp_fetch, "labstudio", "api", "alarms", "rest-5xx")
        assert code == 404
    finally:
        await jp_fetch("labstudio", "api", "endpoints", "rest-guard", method="DELETE")


def test_an_update_whose_coordinator_died_is_failed_and_can_be_replaced(tmp_path: Path, endpoints, core, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from conftest import wait_for
    from labstudio import procs
    from labstudio.core import Core
    from labstudio.errors import Conflict
    from labstudio.store import leases

    monkeypatch.setenv("LABSTUDIO_HEARTBEAT_LIMIT_SECONDS", "2")  # the coordinator's lease runs out 2 s after its last renewal
    endpoints = Core.from_env().endpoints  # a service with that setting: the coordinator it starts inherits it
    d = _deploy(endpoints, tmp_path, "orphan")
    new = constant_model(tmp_path / "v2", 2.0)
    variant = {"VariantName": "AllTraffic", "Source": str(new / "model"), "SourceDir": str(new / "code")}
    endpoints.update("orphan", {"ProductionVariants": [variant], "DeploymentConfig": {"BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}, "WaitIntervalInSeconds": 600}}}})
    wait_for(lambda: any(s["Event"] == "Shifted" for s in endpoints.describe("orphan")["DeploymentProgress"]["Steps"]), timeout=60,
             message="the canary to take traffic")
    with pytest.raises(Conflict):  # while its coordinator lives, another update waits
        endpoints.update("orphan", {"ProductionVariants": [{"VariantName": "AllTraffic", "InitialVariantWeight": 1}]})
    with core.db.read() as conn:
        holder = leases.get(conn, "deployment:orphan")
    assert holder is not None and holder.pid
    os.kill(holder.pid, signal.SIGKILL)  # the coordinator this test started
    wait_for(lambda: not procs.is_alive(holder.pid, None), timeout=20, message="the coordinator to die")
    described = wait_for(lambda: (d := endpoints.wait_deployment("orphan", timeout=30))["DeploymentProgress"]["Status"] != "InProgress" and d,
                         timeout=60, message="the orphaned update to be recorded Failed")
    assert described["DeploymentProgress"]["Status"] == "Failed" and "coordinator stopped" in described["DeploymentProgress"]["Reason"]
    old = constant_model(tmp_path / "v1", 1.0)
    fixed = endpoints.update("orphan", {"ProductionVariants": [{"VariantName": "AllTraffic", "Source": str(old / "model"),
                                                               "SourceDir": str(old / "code")}]}, wait=True, timeout=120)
    assert fixed["EndpointStatus"] == "InService" and [v["VariantName"] for v in fixed["ProductionVariants"]] == ["AllTraffic"]
    status, _, body = post(d["EndpointUrl"], "{}")
    assert status == 200 and json.loads(body) == {"value": 1.0}
