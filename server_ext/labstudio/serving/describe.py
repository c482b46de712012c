"""DescribeEndpoint- and ListEndpoints-shaped JSON, with the per-variant figures."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..store.endpoints import Endpoint
from ..store.util import iso
from . import stats
from .runtime import serverless
from .spec import EndpointSpec


def summary(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "EndpointName": endpoint.name,
        "EndpointStatus": endpoint.status,
        "FailureReason": endpoint.failure_reason,
        "EndpointUrl": endpoint.url,
        "CreationTime": iso(endpoint.creation_time),
        "LastModifiedTime": iso(endpoint.last_modified_time),
        "VariantNames": [v.name for v in endpoint.variants],
    }


def _capture(endpoint: Endpoint, spec: EndpointSpec | None) -> dict[str, Any]:
    raw = endpoint.config.get("capture") or (spec.capture.__dict__ if spec else {})
    enabled = bool(raw.get("enabled"))
    modes = [m for m, on in (("Input", raw.get("capture_input", True)), ("Output", raw.get("capture_output", True))) if on]
    return {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": raw.get("percent", 0) if enabled else 0,
        "DestinationS3Uri": raw.get("destination") or (f"{spec.artifact_uri}/endpoints/{endpoint.name}/data-capture" if spec and spec.artifact_uri else None),
        "CaptureOptions": [{"CaptureMode": m} for m in modes],
    }


def describe_endpoint(endpoint: Endpoint, folder: Path, spec: EndpointSpec | None) -> dict[str, Any]:
    out = summary(endpoint)
    stats_dir = folder / "stats"
    variants = []
    snapshots_all: list[dict[str, Any]] = []
    served = {variant.name: variant for variant in spec.variants} if spec else {}
    for v in endpoint.variants:
        figures = stats.read_variant(stats_dir, v.name)
        described: dict[str, Any] = {
            "VariantName": v.name,
            "ModelData": v.model_data,
            "EntryPoint": v.entry_point,
            "SourceDir": v.source_dir,
            "CurrentWeight": v.weight,
            "CurrentInstanceCount": v.instance_count,
            "VariantStatus": v.status,
            "WorkerPids": [p for p, _ in (v.config.get("worker_pids") or [])],
            "Metrics": figures,
        }
        if spec is not None and v.name in (spec.scaling or {}):
            described["CurrentInstanceCount"] = len(described["WorkerPids"]) or v.instance_count
            described["DesiredInstanceCount"] = described["CurrentInstanceCount"]
        config = served[v.name].serverless if v.name in served else None
        if config:
            figures_now = serverless.read(stats_dir, v.name)
            described["CurrentInstanceCount"] = figures_now.pop("CurrentInstanceCount")
            described["CurrentServerlessConfig"] = {"MemorySizeInMB": config["memory_mb"], "MaxConcurrency": config["max_concurrency"]}
            described["ServerlessMetrics"] = figures_now
        variants.append(described)
    if stats_dir.is_dir():
        for path in stats_dir.glob("*/*.json"):
            try:
                snapshots_all.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue
    out.update(
        {
            "EndpointArn": f"arn:labstudio:local:endpoint/{endpoint.name}",
            "InvocationsUrl": f"{endpoint.url}/invocations" if endpoint.url else None,
            "Host": endpoint.host,
            "Port": endpoint.port,
            "Pid": endpoint.pid,
            "AuthType": "Bearer" if endpoint.config.get("auth") else "None",
            "ProductionVariants": variants,
            "DataCaptureConfig": _capture(endpoint, spec),
            "MaxPayloadBytes": endpoint.config.get("body_limit"),
            "ModelServerTimeout": endpoint.config.get("timeout"),
            "RestartOnFailure": bool(endpoint.config.get("restart_on_failure")),
            "Metrics": stats.merge(snapshots_all),
            "EndpointType": "Serverless" if any("CurrentServerlessConfig" in v for v in variants) else "RealTime",
        }
    )
    return out
