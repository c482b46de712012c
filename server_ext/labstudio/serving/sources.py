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
import os
import posixpath
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..artifacts import extract_archive, fetch
from ..errors import Invalid, NotFound
from ..shapes.common import NAME_RE

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
_IGNORE = shutil.ignore_patterns("__pycache__", ".git", ".ipynb_checkpoints", "*.pyc")


@dataclass(frozen=True)
class Source:
    kind: str  # "job" | "archive" | "folder" | "file" | "package" (a model package's archive)
    location: str  # archive URI, folder or file path
    description: str  # what describe shows as the variant's model
    code_dir: str | None = None  # the job's code snapshot
    entry_point: str | None = None  # the job's entry point
    fingerprint: str = ""  # changes when the files behind the source change
    package_arn: str | None = None  # the model package it came from (kind "package"), for lineage


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha1()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for item in files[:10000]:
        stat = item.stat()
        digest.update(f"{item}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def resolve(source: str, job_lookup: Callable[[str], object] | None, code_dir_of: Callable[[str], Path] | None,
            base_dir: Path | None = None) -> Source:
    """The source named by ``source``; ``base_dir`` is the folder a relative path was looked up in (for the message)."""
    if not source or not isinstance(source, str):
        raise Invalid("a model source is required: a training job name, a model archive or a model folder", field="Source")
    if "\x00" in source:
        raise Invalid("Source must not contain a NUL character", field="Source")
    if "://" in source and not source.startswith("file://"):
        if not _is_archive(source):
            raise Invalid(f"{source!r}: a remote source must be a model archive (.tar.gz)", field="Source")
        _check_scheme(source)
        from ..remote_storage import check_readable

        check_readable(source, "Source", "model")  # the archive, its bucket and the credentials, before anything is created
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
                raise Invalid(f"training job {source!r} is {status}: only a Completed job can be deployed", field="Source")
            if not artifact:
                raise Invalid(f"training job {source!r} has no model archive (its model folder was empty)", field="Source")
            if not archive_exists(artifact):
                raise Invalid(
                    f"the model archive of training job {source!r} was deleted with its run/experiment; "
                    "retrain the job or deploy another source",
                    field="Source",
                )
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
    raise NotFound(_missing(source, local, base_dir), field="Source")


def _missing(source: str, local: Path, base_dir: Path | None) -> str:
    """Why nothing matched: a path that does not exist says where it was looked for.

    A training job's name has only letters, digits and hyphens, so anything else can only be
    a file or folder; a bare name may be either, so both lookups are named.
    """
    where = local if local.is_absolute() else (base_dir or Path.cwd()) / local
    where = Path(os.path.normpath(where))
    if NAME_RE.match(source):
        return (f"{source!r} is not a training job, a model archive or a model folder: there is no training job of that name, "
                f"and no file or folder at {where}")
    kind = "model archive" if _is_archive(source) else "file or folder"
    return (f"the {kind} {source!r} does not exist: nothing at {where}, so it is not a training job, a model archive "
            "or a model folder; check the path")


def _check_scheme(uri: str) -> None:
    """An archive URI whose scheme no installed fsspec filesystem reads fails here, not at unpacking."""
    import fsspec

    protocol = uri.split("://", 1)[0]
    try:
        fsspec.get_filesystem_class(protocol)
    except ValueError:
        raise Invalid(f"Source {uri!r}: the scheme '{protocol}://' is not known; use a local path, file://, or an s3:// archive", field="Source") from None
    except ImportError as exc:
        from ..remote_storage import S3_EXTRA

        hint = f"; {S3_EXTRA}" if protocol in ("s3", "s3a") else ""
        raise Invalid(f"Source {uri!r}: reading '{protocol}://' needs a package that is not installed ({exc}){hint}", field="Source") from None


def archive_exists(uri: str) -> bool:
    """Whether an artifact-store URI (local path, file:// or fsspec URL) still names a file."""
    if "://" not in uri or uri.startswith("file://"):
        return Path(uri[len("file://"):] if uri.startswith("file://") else uri).is_file()
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(uri)
        return bool(fs.exists(path))
    except Exception as exc:  # noqa: BLE001 - a store that cannot be asked: say so rather than deploy blind
        raise Invalid(f"cannot check the model archive {uri}: {type(exc).__name__}: {exc}", field="Source") from None


def check_entry_point(entry: str, code_dir: Path | None, *, allow_absolute: bool) -> str:
    """The entry point as a path relative to its code folder, or Invalid naming EntryPoint.

    The entry point is imported by the endpoint's workers, so it must be a file inside the
    folder that gets snapshotted (SourceDir, the job's code, the model's ``code/``): after
    resolving symlinks, an absolute path or a ``..`` that climbs out would run a script from
    elsewhere. REST callers must give a relative path; the CLI and SDK may give an absolute
    one that lies inside the folder. ``code_dir`` None (an archive not unpacked yet) checks
    only the spelling; ``prepare`` checks again once the archive is unpacked.
    """
    if not isinstance(entry, str) or not entry.strip() or "\x00" in entry:
        raise Invalid("EntryPoint must be a file name such as 'inference.py'", field="EntryPoint")
    raw = Path(entry)
    if (raw.is_absolute() or entry.startswith("~")) and not allow_absolute:
        raise Invalid(
            f"EntryPoint {entry!r} must be a path relative to the source folder (SourceDir, or the job's code), e.g. 'inference.py'",
            field="EntryPoint",
        )
    if not raw.is_absolute() and posixpath.normpath(entry.replace(os.sep, "/")).split("/")[0] == "..":
        raise Invalid(f"EntryPoint {entry!r} climbs out of its source folder: give a path inside SourceDir", field="EntryPoint")
    if code_dir is None:
        return entry
    base = code_dir.resolve()
    target = (base / raw.expanduser()).resolve()
    if base not in target.parents:
        raise Invalid(
            f"EntryPoint {entry!r} must be inside its source folder {base} (symlinks resolved); "
            "put the script there, or give the folder holding it as SourceDir",
            field="EntryPoint",
        )
    if not target.is_file():
        raise Invalid(f"EntryPoint {entry!r} was not found in {base}: give the folder holding it as SourceDir", field="EntryPoint")
    return str(target.relative_to(base))


def code_folder(source: Source, source_dir: str | None) -> Path | None:
    """The folder an entry point is looked up in, when known before the source is unpacked."""
    if source_dir:
        return Path(source_dir).expanduser()
    if source.code_dir:
        return Path(source.code_dir)
    if source.kind == "folder":
        return Path(source.location) / "code"
    return None


def check_links(folder: Path, roots: Sequence[Path] | None, field: str) -> None:
    """Refuse a symlink in a folder (or a file) that is about to be snapshotted when it leaves the roots.

    The snapshot copies what a link points to (``symlinks=False``), so a link inside the
    Jupyter root to ``/etc/passwd`` or another folder would publish that file through the
    endpoint. One walk that does not follow links: each link is resolved and checked, and a
    link to a folder outside is refused without descending into it. No roots (CLI, SDK):
    a local user may copy what they like.
    """
    if not roots:
        return
    resolved_roots = [root.resolve() for root in roots]

    def outside(link: Path) -> None:
        try:
            target = link.resolve()
        except (OSError, RuntimeError) as exc:  # a loop of links: nothing the snapshot could copy
            raise Invalid(f"{field} {folder}: the symbolic link {link} cannot be resolved ({exc}); remove it", field=field) from None
        if not any(target == root or root in target.parents for root in resolved_roots):
            raise Invalid(
                f"{field} {folder}: the symbolic link {link} points to {target}, outside the Jupyter root "
                f"{resolved_roots[0]}; copy the file into the root or remove the link",
                field=field,
            )

    if folder.is_symlink():  # a single model file, or the folder itself, that is a link
        outside(folder)
    if not folder.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(folder.resolve(), followlinks=False):
        ignored = _IGNORE(dirpath, dirnames + filenames)
        dirnames[:] = [d for d in dirnames if d not in ignored]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if name not in ignored and path.is_symlink():
                outside(path)


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=_IGNORE, symlinks=False, dirs_exist_ok=True)


def prepare(source: Source, dest: Path, source_dir: str | None, entry_point: str | None, *, allow_absolute: bool = True) -> tuple[str, str | None, str | None]:
    """Snapshot the source under dest; returns (model_dir, code_dir, entry_point) to serve."""
    model_dir = dest / "model"
    if dest.exists():
        shutil.rmtree(dest)
    model_dir.mkdir(parents=True)
    if source.kind in ("archive", "job", "package"):
        archive = fetch(source.location, dest / "model.tar.gz")
        try:
            extract_archive(archive, model_dir)
        except (OSError, EOFError, ValueError) as exc:
            raise Invalid(f"cannot unpack the model archive {source.location}: {exc}", field="Source") from None
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
            raise Invalid(f"SourceDir {code_src} is not a folder", field="SourceDir")
        if entry:  # checked on the original: the snapshot copies a symlink's target as a plain file
            entry = check_entry_point(entry, code_src, allow_absolute=allow_absolute)
        target = dest / "code"
        _copy_tree(code_src, target)
        code_dir = str(target)
    elif entry:
        entry = check_entry_point(entry, model_dir / "code", allow_absolute=allow_absolute)
    return str(model_dir), code_dir, entry


def default_name(source: Source, now: float) -> str:
    import time as _time

    if source.kind == "package":  # "<group>/<version>" -> <group>-<version>
        base = source.description.rsplit("model package ", 1)[-1].rstrip(")").replace("/", "-")
    elif source.kind == "job":
        base = source.description.rsplit("training job ", 1)[-1].rstrip(")")
        # a generated job name already ends in a timestamp: the endpoint gets one, not two
        base = re.sub(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d{3})?$", "", base) or base
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
            raise Invalid(f"environment variable name {key!r} is not valid", field="Environment")
        out[key] = str(value)
    return out

