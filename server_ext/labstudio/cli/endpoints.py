"""``labstudio deploy`` and ``labstudio endpoints list|describe|logs|delete|invoke|update``."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import Invalid
from . import parse_pairs
from .output import print_json, print_table


def _core() -> Any:  # the Core, imported late (`labstudio --help` loads no store)
    from ..core import Core

    return Core.from_env()


def _finish(described: dict[str, Any], action: str) -> int:
    status = described["EndpointStatus"]
    if status == "Failed" or (action == "update" and described.get("FailureReason")):
        print(f"labstudio: endpoint {described['EndpointName']} {action} failed: {described.get('FailureReason')}", file=sys.stderr)
        return 1
    return 0


def _cmd_deploy(args: argparse.Namespace) -> int:
    described = _core().endpoints.deploy(
        args.source,
        name=args.name,
        entry_point=args.entry_point,
        source_dir=args.source_dir,
        workers=args.workers,
        port=args.port,
        capture_percent=args.capture_percent,
        token=args.token,
        environment=parse_pairs(args.env, "--env"),
        variant_name=args.variant_name,
        restart_on_failure=args.restart_on_failure,
        model_timeout=args.model_timeout,
        install_requirements=not args.no_requirements,
        async_inference_config=_async_config(args),
        serverless_config=_serverless_config(args),
        wait=not args.no_wait,
        timeout=args.timeout,
        base_dir=Path.cwd(),
    )
    code = _finish(described, "deploy")
    if code == 0:
        print(f"{described['EndpointName']} {described['EndpointUrl']}")
    return code


def _async_config(args: argparse.Namespace) -> dict[str, Any] | None:
    """AsyncInferenceConfig from --async-output and its companions (which need it)."""
    given = [flag for flag, value in (("--async-failure-path", args.async_failure_path), ("--async-max-concurrent", args.async_max_concurrent),
                                       ("--async-notify", args.async_notify)) if value is not None]
    if args.async_output is None:
        if given:
            raise Invalid(f"{given[0]} needs --async-output PATH (the folder results are written to)", field=given[0])
        return None
    output: dict[str, Any] = {"S3OutputPath": args.async_output}
    if args.async_failure_path:
        output["S3FailurePath"] = args.async_failure_path
    if args.async_notify:
        output["NotificationConfig"] = {"SuccessTopic": args.async_notify, "ErrorTopic": args.async_notify}
    config: dict[str, Any] = {"OutputConfig": output}
    if args.async_max_concurrent is not None:
        config["ClientConfig"] = {"MaxConcurrentInvocationsPerInstance": args.async_max_concurrent}
    return config


def _serverless_config(args: argparse.Namespace) -> dict[str, Any] | None:
    """A variant's ServerlessConfig from --serverless-memory and --serverless-concurrency (both, or neither)."""
    if args.serverless_memory is None and args.serverless_concurrency is None:
        return None
    if args.serverless_memory is None or args.serverless_concurrency is None:
        missing = "--serverless-memory" if args.serverless_memory is None else "--serverless-concurrency"
        raise Invalid(f"a serverless endpoint needs both --serverless-memory MB and --serverless-concurrency N; {missing} is missing", field=missing)
    return {"MemorySizeInMB": args.serverless_memory, "MaxConcurrency": args.serverless_concurrency}


def _cmd_invoke_async(args: argparse.Namespace) -> int:
    core = _core()
    request: dict[str, Any] = {"InputLocation": args.input, "ContentType": args.content_type}
    for key, value in (("Accept", args.accept), ("InferenceId", args.inference_id)):
        if value:
            request[key] = value
    answer = core.endpoints.invoke_async(args.name, request, base_dir=Path.cwd())
    if not args.wait:
        print(f"{answer['InferenceId']} queued: the result will be at {answer['OutputLocation']}")
        return 0
    deadline = time.monotonic() + args.timeout
    while True:
        state = core.endpoints.describe_async(args.name, answer["InferenceId"])
        if state["Status"] in ("Completed", "Failed"):
            break
        if time.monotonic() > deadline:
            print(f"labstudio: error: {answer['InferenceId']} is still {state['Status']} after {args.timeout:g} s", file=sys.stderr)
            return 1
        time.sleep(0.2)
    if state["Status"] == "Failed":
        print(f"labstudio: {answer['InferenceId']} failed: {state['FailureReason']} (see {state['FailureLocation']})", file=sys.stderr)
        return 1
    print(f"{answer['InferenceId']} Completed: {state['OutputLocation']}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    result = _core().endpoints.list(status=args.status)
    if args.json:
        print_json(result)
        return 0
    rows = [
        (e["EndpointName"], e["EndpointStatus"], e["EndpointUrl"] or "-", ",".join(e["VariantNames"]), (e["CreationTime"] or "")[:19].replace("T", " "))
        for e in result["Endpoints"]
    ]
    print_table(["NAME", "STATUS", "URL", "VARIANTS", "CREATED"], rows, empty="No endpoints.")
    return 0


def _fmt_ms(value: Any) -> str:
    return "-" if value is None else f"{value:g} ms"


def _cmd_describe(args: argparse.Namespace) -> int:
    d = _core().endpoints.describe(args.name)
    if args.json:
        print_json(d)
        return 0
    print(f"Endpoint:   {d['EndpointName']}")
    print(f"Status:     {d['EndpointStatus']}")
    if d.get("FailureReason"):
        print(f"Reason:     {d['FailureReason']}")
    print(f"URL:        {d['EndpointUrl'] or '-'}  (auth: {d['AuthType']})")
    print(f"Created:    {d['CreationTime']}   modified: {d['LastModifiedTime']}")
    capture = d["DataCaptureConfig"]
    print(f"Capture:    {capture['CurrentSamplingPercentage']:g}% -> {capture['DestinationS3Uri']}" if capture["EnableCapture"] else "Capture:    off")
    print(f"Type:       {d.get('EndpointType', 'RealTime')}")
    if d.get("AsyncInferenceConfig"):
        output = d["AsyncInferenceConfig"]["OutputConfig"]
        print(f"Async:      results -> {output['S3OutputPath']}  errors -> {output['S3FailurePath']}  backlog: {d['ApproximateBacklogSize']}")
    rows = []
    for v in d["ProductionVariants"]:
        m = v["Metrics"]
        rows.append((v["VariantName"], v["VariantStatus"], f"{v['CurrentWeight']:g}", v["CurrentInstanceCount"], m["Invocations"], m["Errors"],
                     _fmt_ms(m["LatencyP50Ms"]), _fmt_ms(m["LatencyP90Ms"]), _fmt_ms(m["LatencyP99Ms"]), v["ModelData"]))
    print()
    print_table(["VARIANT", "STATUS", "WEIGHT", "WORKERS", "REQUESTS", "ERRORS", "P50", "P90", "P99", "MODEL"], rows)
    for v in d["ProductionVariants"]:
        config, figures = v.get("CurrentServerlessConfig"), v.get("ServerlessMetrics")
        if config and figures:
            print(f"Serverless {v['VariantName']}: {config['MemorySizeInMB']} MB, at most {config['MaxConcurrency']} at once; "
                  f"{v['CurrentInstanceCount']} worker(s) now, {figures['ColdStarts']} cold start(s) (last {_fmt_ms(figures['LastColdStartMs'])}), "
                  f"{figures['Throttles']} throttled")
    return 0


def _cmd_logs(args: argparse.Namespace) -> int:
    core = _core()
    text = core.endpoints.logs(args.name, tail=args.tail)
    sys.stdout.write(text)
    sys.stdout.flush()
    if not args.follow:
        return 0
    path = core.endpoints.log_path(args.name)
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        while True:
            chunk = handle.read()
            if chunk:
                sys.stdout.write(chunk.decode(errors="replace"))
                sys.stdout.flush()
            else:
                time.sleep(0.25)
                if not path.exists():
                    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    _core().endpoints.delete(args.name)
    print(f"Deleted endpoint {args.name}")
    return 0


def _read_body(raw: str) -> bytes:
    if raw.startswith("@"):
        path = Path(raw[1:]).expanduser()
        if raw == "@-":
            return sys.stdin.buffer.read()
        try:
            return path.read_bytes()
        except OSError as exc:
            raise Invalid(f"--body {raw}: {exc.strerror}", field="--body") from None
    return raw.encode()


def _cmd_invoke(args: argparse.Namespace) -> int:
    result = _core().endpoints.invoke(args.name, _read_body(args.body), args.content_type, accept=args.accept, target_variant=args.variant)
    body: bytes = result["Body"]
    if result["StatusCode"] >= 400:
        try:
            message = json.loads(body).get("message", body.decode(errors="replace"))
        except (ValueError, AttributeError):
            message = body.decode(errors="replace")
        print(f"labstudio: error: the endpoint answered {result['StatusCode']}: {message}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_bytes(body)
        print(f"{len(body)} bytes ({result['ContentType']}) from variant {result['InvokedProductionVariant']} written to {args.output}", file=sys.stderr)
        return 0
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        return 0
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def parse_variant_option(raw: str) -> dict[str, Any]:
    """NAME=SOURCE[,weight=W][,instances=K][,entry_point=F][,source_dir=D]; NAME alone keeps its model."""
    head, *options = raw.split(",")
    name, sep, source = head.partition("=")
    if not name.strip():
        raise Invalid(f"--variant {raw!r}: expected NAME=SOURCE[,weight=W]...", field="--variant")
    variant: dict[str, Any] = {"VariantName": name.strip()}
    if sep:
        if not source.strip():
            raise Invalid(f"--variant {raw!r}: the SOURCE after '=' is empty", field="--variant")
        variant["Source"] = source.strip()
    keys = {"weight": "InitialVariantWeight", "instances": "InitialInstanceCount", "workers": "InitialInstanceCount",
            "entry_point": "EntryPoint", "entry-point": "EntryPoint", "source_dir": "SourceDir", "source-dir": "SourceDir"}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or key.strip() not in keys:
            raise Invalid(f"--variant {raw!r}: unknown option {option!r} (use weight=, instances=, entry_point=, source_dir=)", field="--variant")
        variant[keys[key.strip()]] = value.strip()
    return variant


def _guarded_update(args: argparse.Namespace) -> int:
    """`endpoints update NAME --model M (--canary P | --linear P) --wait-interval S --rollback-on RULE`."""
    from ..serving import alarms

    if args.variant:
        raise Invalid("give --model (a guarded update of the endpoint's one variant) or --variant, not both", field="--model")
    if args.capture_percent is not None:
        raise Invalid("--capture-percent cannot be changed in a guarded update (--model): update it on its own", field="--capture-percent")
    if args.wait_interval is None:
        raise Invalid("--model needs --wait-interval SECONDS: how long each share of traffic is watched", field="--wait-interval")
    rules = [alarms.parse_rule(raw, args.name, i + 1) for i, raw in enumerate(args.rollback_on or [])]
    core = _core()
    current = core.endpoints.describe(args.name)
    if len(current["ProductionVariants"]) != 1:
        raise Invalid(f"endpoint {args.name} has {len(current['ProductionVariants'])} variants: --model updates a one-variant endpoint", field="--model")
    variant: dict[str, Any] = {"VariantName": current["ProductionVariants"][0]["VariantName"], "Source": args.model}
    if args.entry_point:
        variant["EntryPoint"] = args.entry_point
    if args.source_dir:
        variant["SourceDir"] = args.source_dir
    routing: dict[str, Any] = {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": args.wait_interval}
    if args.canary is not None:
        routing.update(Type="CANARY", CanarySize={"Type": "CAPACITY_PERCENT", "Value": args.canary})
    elif args.linear is not None:
        routing.update(Type="LINEAR", LinearStepSize={"Type": "CAPACITY_PERCENT", "Value": args.linear})
    config: dict[str, Any] = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}}
    if args.termination_wait is not None:
        config["BlueGreenUpdatePolicy"]["TerminationWaitInSeconds"] = args.termination_wait
    created = []
    with core.db.read() as conn:
        from ..store import alarms as alarm_store

        existing = {a.name for a in alarm_store.list_all(conn, [r["AlarmName"] for r in rules])} if rules else set()
    for rule in rules:
        alarms.put(core.db, rule)
        if rule["AlarmName"] not in existing:
            created.append(rule["AlarmName"])
    if rules:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": r["AlarmName"]} for r in rules]}
    try:
        described = core.endpoints.update(args.name, {"ProductionVariants": [variant], "DeploymentConfig": config},
                                          wait=args.wait, timeout=args.timeout, base_dir=Path.cwd())
    except Exception:
        if created:  # nothing of a refused update stays behind
            alarms.delete(core.db, created)
        raise
    progress = described.get("DeploymentProgress") or {}
    status = progress.get("Status")
    if status == "RolledBack":
        print(f"labstudio: endpoint {args.name}: the update was rolled back: {progress.get('Reason')}", file=sys.stderr)
        print(f"{args.name} {described['EndpointStatus']} on the previous version")
        return 1
    if status == "Failed":
        print(f"labstudio: endpoint {args.name}: the update failed: {progress.get('Reason')}", file=sys.stderr)
        return 1
    shares = " -> ".join(f"{s:g} %" for s in progress.get("Plan") or [])
    if status == "Completed":
        print(f"{args.name} {described['EndpointStatus']}: the update completed ({routing['Type']}: {shares})")
    else:
        print(f"{args.name} Updating: shifting traffic ({routing['Type']}: {shares}); follow it with `labstudio endpoints describe {args.name}`")
    return 0


def _cmd_update(args: argparse.Namespace) -> int:
    if args.model:
        return _guarded_update(args)
    for flag, value in (("--canary", args.canary), ("--linear", args.linear), ("--wait-interval", args.wait_interval),
                        ("--rollback-on", args.rollback_on), ("--termination-wait", args.termination_wait)):
        if value is not None:
            raise Invalid(f"{flag} needs --model (the new model a guarded update shifts traffic to)", field=flag)
    if not args.variant:
        raise Invalid("give --variant NAME=SOURCE[,weight=W] (repeatable), or --model for a guarded update", field="--variant")
    body: dict[str, Any] = {"ProductionVariants": [parse_variant_option(v) for v in args.variant]}
    if args.capture_percent is not None:
        body["DataCaptureConfig"] = {"EnableCapture": args.capture_percent > 0, "InitialSamplingPercentage": args.capture_percent}
    described = _core().endpoints.update(args.name, body, wait=not args.no_wait, timeout=args.timeout, base_dir=Path.cwd())
    code = _finish(described, "update")
    if code == 0:
        weights = ", ".join(f"{v['VariantName']}={v['CurrentWeight']:g}" for v in described["ProductionVariants"])
        print(f"{described['EndpointName']} {described['EndpointStatus']} ({weights})")
    return code


def add_requirements_option(parser: argparse.ArgumentParser) -> None:
    """--no-requirements: shared by `labstudio deploy` and %deploy, so the two never drift."""
    parser.add_argument("--no-requirements", action="store_true",
                        help="do not pip install requirements.txt of the inference code's folder (installed by default)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deploy = sub.add_parser("deploy", help="serve a training job's model, a model package, a model archive or a folder as a local endpoint")
    deploy.add_argument("source", metavar="SOURCE", help="a Completed training job, a model package (GROUP/VERSION or its ARN), a model.tar.gz or a model folder")
    deploy.add_argument("--name", help="endpoint name (default: from the source, with a timestamp)")
    deploy.add_argument("--entry-point", help="inference script (default: inference.py, or the job's entry point)")
    deploy.add_argument("--source-dir", help="folder holding the inference script and its modules")
    deploy.add_argument("--workers", type=int, default=1, help="worker processes (the variant's instance count)")
    deploy.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    deploy.add_argument("--capture-percent", type=float, help="capture this percentage of requests and responses (0-100)")
    deploy.add_argument("--token", help="require 'Authorization: Bearer TOKEN' on /invocations")
    deploy.add_argument("--env", action="append", metavar="KEY=VALUE", help="environment variable for the model server (repeatable)")
    deploy.add_argument("--variant-name", default="AllTraffic")
    deploy.add_argument("--restart-on-failure", action="store_true", help="restart the server when it is found dead")
    deploy.add_argument("--model-timeout", type=float, metavar="SECONDS", help="seconds a request may take before the endpoint answers 504 (default 60)")
    add_requirements_option(deploy)
    deploy.add_argument("--async-output", metavar="PATH", help="make the endpoint asynchronous: results go to PATH/<inference id>.out (a folder or s3:// prefix)")
    deploy.add_argument("--async-failure-path", metavar="PATH", help="where an asynchronous request's error goes (default: --async-output)")
    deploy.add_argument("--async-max-concurrent", type=int, metavar="N", help="asynchronous requests sent to each worker at once (default 4)")
    deploy.add_argument("--async-notify", metavar="URL", help="a webhook called (POST, JSON) when an asynchronous request ends")
    deploy.add_argument("--serverless-memory", type=int, metavar="MB", help="serverless: the worker's memory, 1024 to 6144 in steps of 1024")
    deploy.add_argument("--serverless-concurrency", type=int, metavar="N", help="serverless: requests served at once (more get 429)")
    deploy.add_argument("--no-wait", action="store_true", help="return while the endpoint is still Creating")
    deploy.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for InService")
    deploy.set_defaults(func=_cmd_deploy)

    endpoints = sub.add_parser("endpoints", help="list, describe, invoke, update and delete endpoints")
    esub = endpoints.add_subparsers(dest="endpoints_command", metavar="ACTION", parser_class=type(endpoints))
    esub.required = True

    ls = esub.add_parser("list", help="list endpoints")
    ls.add_argument("--status")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_list)

    de = esub.add_parser("describe", help="DescribeEndpoint, with per-variant figures")
    de.add_argument("name", metavar="NAME")
    de.add_argument("--json", action="store_true")
    de.set_defaults(func=_cmd_describe)

    lo = esub.add_parser("logs", help="print the endpoint's log")
    lo.add_argument("name", metavar="NAME")
    lo.add_argument("--tail", type=int, default=200)
    lo.add_argument("-f", "--follow", action="store_true")
    lo.set_defaults(func=_cmd_logs)

    rm = esub.add_parser("delete", help="stop every worker and free the port")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=_cmd_delete)

    inv = esub.add_parser("invoke", help="POST a body to the endpoint's /invocations")
    inv.add_argument("name", metavar="NAME")
    inv.add_argument("--content-type", required=True)
    inv.add_argument("--accept")
    inv.add_argument("--body", required=True, metavar="@FILE|TEXT", help="the body: text, @file, or @- for stdin")
    inv.add_argument("--variant", help="send to this variant (X-Labstudio-Target-Variant)")
    inv.add_argument("--output", "-o", help="write the answer to this file")
    inv.set_defaults(func=_cmd_invoke)

    ia = esub.add_parser("invoke-async", help="queue a request on an asynchronous endpoint (InvokeEndpointAsync)")
    ia.add_argument("name", metavar="NAME")
    ia.add_argument("--input", required=True, metavar="PATH", help="the payload: a file, file:// or s3:// location")
    ia.add_argument("--content-type", default="application/octet-stream")
    ia.add_argument("--accept")
    ia.add_argument("--inference-id")
    ia.add_argument("--wait", action="store_true", help="wait until the request Completed (or Failed)")
    ia.add_argument("--timeout", type=float, default=900.0, help="seconds --wait waits")
    ia.set_defaults(func=_cmd_invoke_async)

    up = esub.add_parser("update", help="blue/green update: the given variants become the endpoint's set")
    up.add_argument("name", metavar="NAME")
    up.add_argument("--variant", action="append", metavar="NAME=SOURCE[,weight=W]",
                    help="a variant of the new set (repeatable); NAME[,weight=W] alone keeps that variant's model")
    up.add_argument("--capture-percent", type=float)
    up.add_argument("--model", metavar="JOB_OR_PACKAGE", help="guarded update: the new model of the endpoint's one variant, traffic shifted in steps")
    up.add_argument("--entry-point", help="with --model: the new model's inference script")
    up.add_argument("--source-dir", help="with --model: the folder holding it")
    shift = up.add_mutually_exclusive_group()
    shift.add_argument("--canary", type=int, metavar="PERCENT", help="with --model: this share first, then all of it")
    shift.add_argument("--linear", type=int, metavar="PERCENT", help="with --model: this much more at each step")
    up.add_argument("--wait-interval", type=int, metavar="SECONDS", help="with --model: how long each share is watched")
    up.add_argument("--termination-wait", type=int, metavar="SECONDS", help="with --model: the old fleet stays this long once the new one has all traffic")
    up.add_argument("--rollback-on", action="append", metavar="METRIC>THRESHOLD",
                    help="with --model: roll back when Invocation5XXErrors, Invocation4XXErrors or ModelLatency (p99, ms) crosses it (repeatable)")
    up.add_argument("--wait", action="store_true", help="with --model: wait until the update completed or rolled back")
    up.add_argument("--no-wait", action="store_true")
    up.add_argument("--timeout", type=float, default=600.0)
    up.set_defaults(func=_cmd_update)

