"""The OpenAPI document and the panel's TypeScript types are generated; these tests fail
when a committed copy is stale (regenerate with `jlpm gen:types`)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from labstudio.handlers.openapi import build_document
from labstudio.shapes.openapi import limits_module

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "openapi" / "openapi.json"
GENERATED_TS = REPO / "labextension" / "src" / "generated" / "openapi.ts"
GENERATED_LIMITS = REPO / "labextension" / "src" / "generated" / "limits.ts"
OPENAPI_TS = REPO / "node_modules" / ".bin" / "openapi-typescript"
HINT = "regenerate with `jlpm gen:types` and commit the result"


def test_schema_file_is_the_servers_document() -> None:
    assert SCHEMA.is_file(), f"{SCHEMA} is missing; {HINT}"
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == build_document(), f"openapi/openapi.json is stale; {HINT}"


def test_generated_typescript_matches_the_document(tmp_path: Path) -> None:
    if not OPENAPI_TS.exists() or shutil.which("node") is None:
        pytest.skip("node_modules is not installed (run jlpm install): openapi-typescript is a devDependency")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(build_document()), encoding="utf-8")
    out = tmp_path / "openapi.ts"
    subprocess.run(
        [str(OPENAPI_TS), str(document), "--default-non-nullable", "false", "-o", str(out)],
        check=True, capture_output=True, timeout=300, cwd=REPO,
    )
    assert GENERATED_TS.is_file(), f"{GENERATED_TS} is missing; {HINT}"
    assert out.read_text(encoding="utf-8") == GENERATED_TS.read_text(encoding="utf-8"), f"labextension/src/generated/openapi.ts is stale; {HINT}"


def test_generated_limits_are_the_shapes_bounds() -> None:
    """The panel checks what the server checks: its bounds come from the shapes' Field(...)."""
    assert GENERATED_LIMITS.is_file(), f"{GENERATED_LIMITS} is missing; {HINT}"
    assert limits_module(build_document()) == GENERATED_LIMITS.read_text(encoding="utf-8"), f"generated/limits.ts is stale; {HINT}"
    limits = GENERATED_LIMITS.read_text(encoding="utf-8")
    assert "instance_count: { minimum: 1, maximum: 64 }" in limits  # the launch form's MAX_INSTANCE_COUNT
    form = (REPO / "labextension" / "src" / "views" / "launch" / "formModel.ts").read_text(encoding="utf-8")
    assert "LIMITS.CreateTrainingJobRequest.instance_count.maximum" in form and "MAX_INSTANCE_COUNT = 64" not in form


async def test_served_document_is_the_generated_one(jp_fetch) -> None:  # type: ignore[no-untyped-def]
    served = json.loads((await jp_fetch("labstudio", "api", "openapi.json")).body)
    assert served == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_drifts_the_issue_listed_are_gone() -> None:
    """Each of these once differed between the server, the document and the TypeScript."""
    schemas = build_document()["components"]["schemas"]
    assert "trial_name" in schemas["CreateTrainingJobRequest"]["properties"]
    assert "timestamps" not in schemas["CompareSeries"]["properties"]  # the server never sends it
    kinds = set(schemas["Event"]["discriminator"]["mapping"])
    assert {"endpoint.created", "endpoint.status", "endpoint.deleted"} <= kinds
    # Events are a union keyed on kind: each kind's payload has its own shape.
    assert schemas["Event"]["discriminator"]["mapping"]["job.status"] == "#/components/schemas/JobStatusEvent"
    assert schemas["JobStatusEvent"]["properties"]["payload"] == {"$ref": "#/components/schemas/JobStatusPayload"}
    ts = GENERATED_TS.read_text(encoding="utf-8")
    request = ts[ts.index("CreateTrainingJobRequest: {"):]
    assert "trial_name?:" in request[: request.index("\n        };")]
