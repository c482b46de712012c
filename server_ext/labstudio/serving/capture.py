"""Data capture (SageMaker's DataCaptureConfig): sampled requests and responses as JSON lines.

Records use SageMaker's capture format (``captureData.endpointInput/endpointOutput`` with
``observedContentType``, ``mode``, ``data`` and ``encoding`` CSV/JSON/BASE64, plus
``eventMetadata``), so monitoring code written for SageMaker reads them. Files land under
the artifact store at ``endpoints/<endpoint>/data-capture/<variant>/YYYY/MM/DD/HH/<uuid>.jsonl``
(SageMaker's layout). A worker buffers records and writes one file per flush (about once
a second, and at exit), so the request path only appends to a list.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import random
import uuid
from typing import Any

from ..artifacts import ArtifactStore


def _encoded(data: bytes, content_type: str) -> dict[str, str]:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in ("text/csv", "application/json") or kind.startswith("text/"):
        try:
            text = data.decode("utf-8")
            return {"data": text, "encoding": "JSON" if kind == "application/json" else "CSV"}
        except UnicodeDecodeError:
            pass
    return {"data": base64.b64encode(data).decode("ascii"), "encoding": "BASE64"}


class Capture:
    def __init__(
        self,
        store_uri: str,
        endpoint: str,
        variant: str,
        percent: float,
        capture_input: bool = True,
        capture_output: bool = True,
        exact_root: bool = False,
    ) -> None:
        # exact_root: a DestinationS3Uri folder, resolved when the endpoint was created; a link
        # anywhere in it since is refused rather than written through (artifacts.ArtifactStore).
        self.store = ArtifactStore(store_uri, exact_root=exact_root)
        self.endpoint = endpoint
        self.variant = variant
        self.fraction = max(0.0, min(100.0, float(percent))) / 100.0
        self.capture_input = capture_input
        self.capture_output = capture_output
        self.buffer: list[str] = []

    def maybe_record(self, body: bytes, content_type: str, response: bytes, response_type: str, inference_id: str | None) -> None:
        if self.fraction <= 0 or (self.fraction < 1.0 and random.random() >= self.fraction):
            return
        capture: dict[str, Any] = {}
        if self.capture_input:
            capture["endpointInput"] = {"observedContentType": content_type, "mode": "INPUT", **_encoded(body, content_type)}
        if self.capture_output:
            capture["endpointOutput"] = {"observedContentType": response_type, "mode": "OUTPUT", **_encoded(response, response_type)}
        now = dt.datetime.now(dt.timezone.utc)
        meta = {"eventId": str(uuid.uuid4()), "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
        if inference_id:
            meta["inferenceId"] = inference_id
        self.buffer.append(json.dumps({"captureData": capture, "eventMetadata": meta, "eventVersion": "0"}))

    def flush(self) -> str | None:
        if not self.buffer:
            return None
        lines, self.buffer = self.buffer, []
        now = dt.datetime.now(dt.timezone.utc)
        key = f"endpoints/{self.endpoint}/data-capture/{self.variant}/{now:%Y/%m/%d/%H}/{now:%M-%S-%f}-{uuid.uuid4().hex[:8]}.jsonl"
        return self.store.put_bytes(("\n".join(lines) + "\n").encode(), key)
