"""A model package's own copy of its inference code: a sourcedir.tar.gz in the artifact store
(where SageMaker keeps it in S3), so deleting the training job that made it, or editing the
folder it came from, never changes what the package deploys, and every machine sharing the
store can deploy it. Deploying unpacks it once into a local cache."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

from ..artifacts import ArtifactStore, extract_archive, fetch
from ..config import Settings
from ..errors import Invalid

_IGNORE = shutil.ignore_patterns("__pycache__", ".git", ".ipynb_checkpoints", "*.pyc")


def store_code(settings: Settings, group: str, source: str, field: str) -> str:
    """Copy a code folder (packed) or a code archive into the artifact store; its URI."""
    store = ArtifactStore(settings.artifact_uri)
    key = f"registry/{group}/code/{uuid.uuid4().hex}/sourcedir.tar.gz"
    scratch = Path(tempfile.mkdtemp(prefix="labstudio-code-", dir=settings.home))
    try:
        local = Path(source[len("file://"):] if source.startswith("file://") else source)
        if "://" not in source or source.startswith("file://"):
            if local.is_dir():
                staged = scratch / "code"
                shutil.copytree(local, staged, ignore=_IGNORE, symlinks=False)
                return store.pack_dir(staged, key, scratch / "pack")
            if not local.is_file():
                raise Invalid(f"{field} {source!r} does not exist: give the folder holding the inference code.", field=field)
            return store.put_file(local, key)
        fetched = fetch(source, scratch / "sourcedir.tar.gz")
        return store.put_file(fetched, key)
    except OSError as exc:
        raise Invalid(f"{field} {source!r} cannot be copied into the registry: {exc}", field=field) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def delete_code(settings: Settings, uri: str) -> None:
    """Remove a package's code archive (its group or itself was deleted, or registering failed)."""
    store = ArtifactStore(settings.artifact_uri)
    root = store.root_uri.rstrip("/") + "/"
    plain = str(store.root).rstrip("/") + "/" if store.local else root
    for prefix in (root, plain):
        if uri.startswith(prefix):
            key = uri[len(prefix):].rsplit("/", 1)[0]  # registry/<group>/code/<id>
            store.delete_prefix(key)
            return


def code_dir(settings: Settings, uri: str) -> Path:
    """The code archive unpacked into `<home>/registry-code/<id>/` (once; later calls reuse it)."""
    ident = uri.rstrip("/").rsplit("/", 2)[-2]
    target = settings.home / "registry-code" / ident
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{ident}-", dir=target.parent))
    try:
        archive = fetch(uri, scratch / "sourcedir.tar.gz")
        extract_archive(archive, scratch / "code")
        try:
            os.replace(scratch / "code", target)
        except OSError:
            if not target.is_dir():  # not another process unpacking the same archive at once
                raise
    except (OSError, EOFError, ValueError) as exc:
        raise Invalid(f"the model package's code archive {uri} cannot be unpacked: {exc}", field="ModelPackageName") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
