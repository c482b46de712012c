"""What a variant serves: a completed training job, a model archive, a model folder or file.

``resolve`` checks the source exists before anything is created (a typo is a 400/404,
not a Failed endpoint); ``prepare`` snapshots it into the endpoint's folder: archives are
unpacked safely, folders and code are copied, so later edits of the user's files never
change a running endpoint (SageMaker serves a copy too). Deploying a job uses its
``model.tar.gz``, its code snapshot and its entry point, as SageMaker's
``estimator.deploy()`` does; ``entry_point``/``source_dir`` given by the user win.
"""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..artifacts import extract_archive, fetch
from ..errors import Invalid, NotFound

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
_IGNORE = shutil.ignore_patterns("__pycache__", ".git", ".ipynb_checkpoints", "*.pyc")


@dataclass(frozen=True)
class Source:
    kind: str  # "job" | "archive" | "folder" | "file"
    location: str  # archive URI, folder or file path
    description: str  # what describe shows as the variant's model
    code_dir: str | None = None  # the job's code snapshot
    entry_point: str | None = None  # the job's entry point
    fingerprint: str = ""  # changes when the files behind the source change


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha1()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for item in files[:10000]:
        stat = item.stat()
        digest.update(f"{item}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def resolve(source: str, job_lookup: Callable[[str], object] | None, code_dir_of: Callable[[str], Path] | None) -> Source:
    if not source or not isinstance(source, str):
        raise Invalid("a model source is required: a training job name, a model archive or a model folder", field="source")
    if "://" in source and not source.startswith("file://"):
        if not _is_archive(source):
            raise Invalid(f"{source!r}: a remote source must be a model archive (.tar.gz)", field="source")
        return Source("archive", source, source, fingerprint=source)
    local = Path(source[len("file://"):] if source.startswith("file://") else source).expanduser()
    if local.exists():
        local = local.resolve()
        if local.is_dir():
            return Source("folder", str(local), str(local), fingerprint=_fingerprint(local))
        kind = "archive" if _is_archive(local.name) else "file"
        return Source(kind, str(local), str(local), fingerprint=_fingerprint(local))
    if job_lookup is not None and "/" not in source:
        try:
            job = job_lookup(source)
        except NotFound:
            job = None
        if job is not None:
            status = getattr(job, "status", "")
            artifact = getattr(job, "model_artifact", None)
            if status != "Completed":
                raise Invalid(f"training job {source!r} is {status}: only a Completed job can be deployed", field="source")
            if not artifact:
                raise Invalid(f"training job {source!r} has no model archive (its model folder was empty)", field="source")
            spec = getattr(job, "spec", {}) or {}
            code = str(code_dir_of(source)) if code_dir_of is not None else None
            return Source(
                "job",
                artifact,
                f"{artifact} (training job {source})",
                code_dir=code if code and Path(code).is_dir() else None,
                entry_point=spec.get("entry_point"),
                fingerprint=artifact,
            )
    raise NotFound(f"{source!r} is not a training job, a model archive or a model folder", field="source")


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=_IGNORE, symlinks=False, dirs_exist_ok=True)


def prepare(source: Source, dest: Path, source_dir: str | None, entry_point: str | None) -> tuple[str, str | None, str | None]:
    """Snapshot the source under dest; returns (model_dir, code_dir, entry_point) to serve."""
    model_dir = dest / "model"
    if dest.exists():
        shutil.rmtree(dest)
    model_dir.mkdir(parents=True)
    if source.kind in ("archive", "job"):
        archive = fetch(source.location, dest / "model.tar.gz")
        try:
            extract_archive(archive, model_dir)
        except (OSError, EOFError, ValueError) as exc:
            raise Invalid(f"cannot unpack the model archive {source.location}: {exc}", field="source") from None
        finally:
            if Path(archive).parent == dest:
                Path(archive).unlink(missing_ok=True)
    elif source.kind == "folder":
        _copy_tree(Path(source.location), model_dir)
    else:
        shutil.copy2(source.location, model_dir / Path(source.location).name)

    # The user's entry point / source dir win; a job brings its own code and entry point.
    code_src = Path(source_dir).expanduser().resolve() if source_dir else (Path(source.code_dir) if source.code_dir else None)
    entry = entry_point if entry_point else (None if source_dir else source.entry_point)
    code_dir: str | None = None
    if code_src is not None:
        if not code_src.is_dir():
            raise Invalid(f"source_dir {code_src} is not a folder", field="source_dir")
        target = dest / "code"
        _copy_tree(code_src, target)
        code_dir = str(target)
    if entry:
        where = Path(code_dir) if code_dir is not None else model_dir / "code"
        if not (where / entry).is_file():
            raise Invalid(f"entry point {entry!r} was not found in {code_src or where}", field="entry_point")
    return str(model_dir), code_dir, entry


def default_name(source: Source, now: float) -> str:
    import time as _time

    if source.kind == "job":
        base = source.description.rsplit("training job ", 1)[-1].rstrip(")")
    else:
        base = Path(source.location.rstrip("/")).name
        for suffix in ARCHIVE_SUFFIXES + (".joblib", ".pkl", ".pickle"):
            if base.lower().endswith(suffix):
                base = base[: -len(suffix)]
                break
    base = "".join(c if c.isalnum() else "-" for c in base).strip("-") or "endpoint"
    while "--" in base:
        base = base.replace("--", "-")
    stamp = _time.strftime("%Y-%m-%d-%H-%M-%S", _time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    return f"{base[: 63 - len(stamp) - 1].rstrip('-')}-{stamp}"


def environment_ok(env: dict[str, object]) -> dict[str, str]:
    out = {}
    for key, value in (env or {}).items():
        if not isinstance(key, str) or not key or "=" in key:
            raise Invalid(f"environment variable name {key!r} is not valid", field="environment")
        out[key] = str(value)
    return out

