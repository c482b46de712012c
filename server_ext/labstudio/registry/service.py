"""RegistryService: model package groups, numbered model packages, approval and its history.

No tornado here: the REST handlers, the CLI, the SDK's boto-shaped client and its
`register()` methods all call these methods. Everything a registration names (the group,
the training job, the model archive, the inference code, the metrics documents) is checked
before anything is written; the package's rows, its activity entry, its lineage and its
change event are written in one transaction, so a failure leaves nothing half-created.

Errors: `Invalid` (400) names the field; `NotFound` (404) for a group, package or job that
does not exist; `Conflict` (409) for a group that still holds packages, a name taken.
"""
from __future__ import annotations

import builtins
import getpass
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import arns
from ..config import Settings
from ..errors import Conflict, Invalid, NameTaken, NotFound
from ..lineage import record as lineage_record
from ..pages import decode_token, encode_token, page_size, time_filter
from ..shapes import parse
from ..shapes.registry import (
    CreateModelPackageGroupRequest,
    CreateModelPackageRequest,
    UpdateModelPackageRequest,
)
from ..store import Database
from ..store import events as events_store
from ..store import metrics as metrics_store
from ..store import registry as store
from ..store.registry import APPROVAL_STATUSES, ModelPackage
from ..store.util import tag_dict
from . import code as package_code
from . import describe as shapes
from . import refs
from .register import prepare_registration

if TYPE_CHECKING:
    from ..jobs.service import JobService
    from ..serving.sources import Source

SORT_ORDERS = ("Ascending", "Descending")


def default_actor(settings: Settings) -> str:
    """Who a change is recorded as when the caller does not say: the OS user on this machine."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{settings.host_id}"






def _choice(value: str | None, allowed: tuple[str, ...], field: str, default: str) -> str:
    if value is None:
        return default
    if value not in allowed:
        raise Invalid(f"{field} must be one of {', '.join(allowed)}, got {value!r}.", field=field)
    return value






class RegistryService:
    def __init__(self, settings: Settings, db: Database, jobs: JobService) -> None:
        self.settings = settings
        self.db = db
        self.jobs = jobs

    # -- groups ----------------------------------------------------------------------------------

    def create_group(self, name: str, description: str = "", tags: Any = None, *, actor: str | None = None) -> dict[str, Any]:
        """CreateModelPackageGroup. Raises Invalid, and NameTaken (409) when the group exists."""
        req = parse(CreateModelPackageGroupRequest, {
            "ModelPackageGroupName": name, "ModelPackageGroupDescription": description or "",
            **({"Tags": [{"Key": k, "Value": v} for k, v in tag_dict(tags).items()]} if tags else {}),
        })
        actor = actor or default_actor(self.settings)
        now = time.time()

        def body(conn: Any) -> None:
            if store.group_exists(conn, req.ModelPackageGroupName):
                raise NameTaken(f"A model package group named {req.ModelPackageGroupName!r} already exists; choose another name.",
                                field="ModelPackageGroupName")
            self._insert_group(conn, req.ModelPackageGroupName, req.ModelPackageGroupDescription,
                               {t.Key: t.Value for t in req.Tags or []}, actor, now)

        self.db.run_write(body)
        return {"ModelPackageGroupArn": arns.model_package_group_arn(req.ModelPackageGroupName)}

    @staticmethod
    def _insert_group(conn: Any, name: str, description: str, tags: dict[str, str], actor: str | None, now: float) -> None:
        store.insert_group(conn, name, description, tags, actor, now)
        store.add_activity(conn, name, None, time=now, actor=actor, action="GroupCreated")
        lineage_record.model_group_context(conn, name, now, now)
        events_store.append(conn, "model_package_group.created", {"group": name})

    def get_group(self, name: str) -> store.PackageGroup:
        group = refs.group_name(name)
        with self.db.read() as conn:
            found = store.get_group(conn, group)
        if found is None:
            raise NotFound(f"Model package group {group!r} does not exist.", field="ModelPackageGroupName")
        return found

    def describe_group(self, name: str) -> dict[str, Any]:
        """DescribeModelPackageGroup, with the latest approved version and the pending count."""
        return shapes.group_describe(self.get_group(name))

    def list_groups(
        self,
        *,
        name_contains: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        created_after: Any = None,
        created_before: Any = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """ListModelPackageGroups (newest first by default), each with its counts."""
        by = _choice(sort_by, ("Name", "CreationTime"), "SortBy", "CreationTime")
        ascending = _choice(sort_order, SORT_ORDERS, "SortOrder", "Descending") == "Ascending"
        limit = page_size(max_results)
        after = tuple(decode_token(next_token, 2)) if next_token else None
        with self.db.read() as conn:
            groups = store.list_groups(
                conn, name_contains=name_contains, sort_by=by, ascending=ascending, created_after=time_filter(created_after, "CreationTimeAfter"),
                created_before=time_filter(created_before, "CreationTimeBefore"), limit=limit + 1, after=after,
            )
        more = len(groups) > limit
        groups = groups[:limit]
        token = None
        if more:
            last = groups[-1]
            token = encode_token([last.creation_time if by == "CreationTime" else last.name, last.name])
        return {"ModelPackageGroupSummaryList": [shapes.group_summary(g) for g in groups], "NextToken": token}

    def delete_group(self, name: str, *, force: bool = False) -> None:
        """DeleteModelPackageGroup. A group that holds packages is refused (Conflict, 409) unless
        `force`, which deletes its packages too (their lineage stays: it is the audit trail)."""
        group = self.get_group(name)

        def body(conn: Any) -> list[str]:
            fresh = store.get_group(conn, group.name)
            if fresh is None:
                raise NotFound(f"Model package group {group.name!r} does not exist.", field="ModelPackageGroupName")
            if fresh.version_count and not force:
                raise Conflict(
                    f"Model package group {group.name!r} holds {fresh.version_count} model package(s); delete them first, "
                    "or delete the group with force (labstudio models delete GROUP --force).",
                    field="ModelPackageGroupName",
                )
            codes = store.delete_group(conn, group.name)
            events_store.append(conn, "model_package_group.deleted", {"group": group.name})
            return codes

        for uri in self.db.run_write(body):
            package_code.delete_code(self.settings, uri)

    # -- packages ----------------------------------------------------------------------------------

    def create_package(
        self,
        request: Mapping[str, Any] | CreateModelPackageRequest,
        *,
        actor: str | None = None,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> dict[str, Any]:
        """CreateModelPackage (versioned): the new package, described. Everything named is checked
        first; the version number is the group's next. Raises Invalid, NotFound."""
        req = request if isinstance(request, CreateModelPackageRequest) else parse(CreateModelPackageRequest, request)
        prepared = prepare_registration(self, req, base_dir=base_dir, root_dir=root_dir)
        actor = actor or default_actor(self.settings)
        now = time.time()

        def body(conn: Any) -> int:
            group = store.get_group(conn, prepared.group)
            if group is None:
                if not req.CreateGroup:
                    raise NotFound(f"Model package group {prepared.group!r} does not exist; create it first.", field="ModelPackageGroupName")
                self._insert_group(conn, prepared.group, "", {}, actor, now)
                created = now
            else:
                created = group.creation_time
            version = store.next_version(conn, prepared.group)
            store.insert_package(conn, {**prepared.row(), "version": version, "created_by": actor, "creation_time": now})
            activity = store.add_activity(conn, prepared.group, version, time=now, actor=actor, action="Registered",
                                          to_status=prepared.approval_status, details={"ModelDataUrl": prepared.model_data})
            lineage_record.package_registered(
                conn, group=prepared.group, group_created=created, version=version, model_data=prepared.model_data,
                training_job=prepared.training_job, job_model=prepared.job_model, derived_from=prepared.derived_from, now=now,
            )
            if prepared.approval_status != "PendingManualApproval":
                lineage_record.approval_changed(conn, group=prepared.group, version=version, activity_id=activity, previous=None,
                                                status=prepared.approval_status, actor=actor, comment=None, now=now)
            events_store.append(conn, "model_package.created", {
                "group": prepared.group, "version": version, "arn": arns.model_package_arn(prepared.group, version),
                "approval_status": prepared.approval_status,
            })
            return version

        try:
            version = self.db.run_write(body)
        except BaseException:
            if prepared.code_uri:
                package_code.delete_code(self.settings, prepared.code_uri)
            raise
        return self.describe_package(arns.model_package_arn(prepared.group, version))

    def register_job(
        self,
        job_name: str,
        group: str,
        *,
        approval_status: str | None = None,
        description: str | None = None,
        model_metrics: Mapping[str, Any] | None = None,
        customer_metadata: Mapping[str, str] | None = None,
        content_types: builtins.list[str] | None = None,
        response_types: builtins.list[str] | None = None,
        inference_instances: builtins.list[str] | None = None,
        transform_instances: builtins.list[str] | None = None,
        entry_point: str | None = None,
        source_dir: str | None = None,
        environment: Mapping[str, str] | None = None,
        create_group: bool = True,
        actor: str | None = None,
        base_dir: Path | None = None,
    ) -> dict[str, Any]:
        """Register a Completed training job's model (what `estimator.register()`, `labstudio models
        register` and `%register` do): its archive, its code snapshot and entry point unless
        `source_dir`/`entry_point` say otherwise. A reproduction inherits the content types and
        instance types of the package it reproduces. Creates the group when missing (as the SageMaker
        SDK does) unless `create_group` is False."""
        body: dict[str, Any] = {
            "ModelPackageGroupName": group,
            "TrainingJobName": job_name,
            "ModelApprovalStatus": approval_status or "PendingManualApproval",
            "CreateGroup": create_group,
        }
        if description is not None:
            body["ModelPackageDescription"] = description
        if model_metrics:
            body["ModelMetrics"] = dict(model_metrics)
        if customer_metadata:
            body["CustomerMetadataProperties"] = {str(k): str(v) for k, v in customer_metadata.items()}
        spec: dict[str, Any] = {}
        inherited = self._inherited_inference(job_name)
        for key, value in (("SupportedContentTypes", content_types), ("SupportedResponseMIMETypes", response_types),
                           ("SupportedRealtimeInferenceInstanceTypes", inference_instances),
                           ("SupportedTransformInstanceTypes", transform_instances)):
            if value is not None:
                spec[key] = [str(v) for v in value]
            elif key in inherited:
                spec[key] = inherited[key]
        if entry_point or source_dir or environment or spec:
            env = {str(k): str(v) for k, v in (environment or {}).items()}
            if entry_point:
                env["SAGEMAKER_PROGRAM"] = entry_point
            if source_dir:
                env["SAGEMAKER_SUBMIT_DIRECTORY"] = source_dir
            job = self.jobs.get(job_name)
            spec["Containers"] = [{"ModelDataUrl": job.model_artifact or "", "Environment": env}]
            body["InferenceSpecification"] = spec
        return self.create_package(body, actor=actor, base_dir=base_dir)

    def _inherited_inference(self, job_name: str) -> dict[str, Any]:
        """A reproduction's package keeps the inference settings of the package it reproduces."""
        try:
            job = self.jobs.get(job_name)
        except NotFound:
            return {}
        old = (job.spec.get("tags") or {}).get(lineage_record.REPRODUCES_TAG)
        if not old:
            return {}
        try:
            package = self.get_package(old)
        except (Invalid, NotFound):
            return {}
        return {k: v for k, v in package.inference.items() if v is not None}

    def get_package(self, ref: str, field: str = "ModelPackageName") -> ModelPackage:
        """The stored package named by its ARN or GROUP/VERSION. Raises Invalid, NotFound."""
        group, version = refs.package_ref(ref, field)
        with self.db.read() as conn:
            package = store.get_package(conn, group, version)
            if package is None:
                found = store.get_group(conn, group)
        if package is not None:
            return package
        if found is None:
            raise NotFound(f"Model package group {group!r} does not exist.", field=field)
        have = f"its versions are 1 to {found.latest_version}" if found.latest_version else "it holds no versions yet"
        raise NotFound(f"Model package {group}/{version} does not exist: {have}.", field=field)

    def describe_package(self, ref: str) -> dict[str, Any]:
        """DescribeModelPackage, with the source job, its final metrics and the metrics' numbers."""
        package = self.get_package(ref)
        final: dict[str, Any] = {}
        if package.training_job:
            with self.db.read() as conn:
                from ..store import jobs as jobs_store

                job = jobs_store.get_job(conn, package.training_job, with_transitions=False)
                if job is not None and job.run_id:
                    final = metrics_store.summaries(conn, [job.run_id]).get(job.run_id, {})
        return shapes.package_describe(package, final)

    def list_packages(
        self,
        *,
        group: str | None = None,
        approval_status: str | None = None,
        name_contains: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        created_after: Any = None,
        created_before: Any = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """ListModelPackages: a group's versions (or every package), newest first by default."""
        name = refs.group_name(group) if group is not None else None
        status = _choice(approval_status, APPROVAL_STATUSES, "ModelApprovalStatus", "") or None
        by = _choice(sort_by, ("Name", "CreationTime"), "SortBy", "CreationTime")
        ascending = _choice(sort_order, SORT_ORDERS, "SortOrder", "Descending") == "Ascending"
        limit = page_size(max_results)
        after = tuple(decode_token(next_token, 3)) if next_token else None
        with self.db.read() as conn:
            if name is not None and not store.group_exists(conn, name):
                raise NotFound(f"Model package group {name!r} does not exist.", field="ModelPackageGroupName")
            packages = store.list_package_summaries(
                conn, group=name, approval_status=status, name_contains=name_contains, sort_by=by, ascending=ascending,
                created_after=time_filter(created_after, "CreationTimeAfter"), created_before=time_filter(created_before, "CreationTimeBefore"),
                limit=limit + 1, after=after,
            )
        more = len(packages) > limit
        packages = packages[:limit]
        token = None
        if more:
            last = packages[-1]
            token = encode_token([last.creation_time, last.group_name, last.version])
        return {"ModelPackageSummaryList": [shapes.package_summary(p) for p in packages], "NextToken": token}

    def update_package(self, ref: str, request: Mapping[str, Any] | UpdateModelPackageRequest, *, actor: str | None = None) -> dict[str, Any]:
        """UpdateModelPackage: approval status and its description, metadata properties. Each change
        is a row of the package's history (who, what, when). Raises Invalid, NotFound."""
        req = request if isinstance(request, UpdateModelPackageRequest) else parse(UpdateModelPackageRequest, request)
        package = self.get_package(ref)
        group, version = package.group_name, package.version
        actor = actor or default_actor(self.settings)
        now = time.time()
        removals = list(req.CustomerMetadataPropertiesToRemove or [])

        def body(conn: Any) -> None:
            current = store.get_package(conn, group, version)
            if current is None:
                raise NotFound(f"Model package {group}/{version} does not exist.", field="ModelPackageName")
            changes: dict[str, Any] = {}
            if req.ModelApprovalStatus is not None and req.ModelApprovalStatus != current.approval_status:
                changes["approval_status"] = req.ModelApprovalStatus
            if req.ApprovalDescription is not None:
                changes["approval_description"] = req.ApprovalDescription
            metadata = dict(current.customer_metadata)
            if req.CustomerMetadataProperties is not None or removals:
                metadata.update(req.CustomerMetadataProperties or {})
                for key in removals:
                    metadata.pop(key, None)
                if len(metadata) > 50:
                    raise Invalid("CustomerMetadataProperties would hold more than 50 properties; remove some first.",
                                  field="CustomerMetadataProperties")
                if metadata != current.customer_metadata:
                    changes["customer_metadata"] = metadata
            if not changes:
                return
            store.update_package(conn, group, version, last_modified_time=now, last_modified_by=actor, **changes)
            arn = arns.model_package_arn(group, version)
            if "approval_status" in changes:
                entry = store.add_activity(conn, group, version, time=now, actor=actor, action="ApprovalChanged",
                                           from_status=current.approval_status, to_status=changes["approval_status"],
                                           comment=req.ApprovalDescription)
                lineage_record.approval_changed(conn, group=group, version=version, activity_id=entry, previous=current.approval_status,
                                                status=changes["approval_status"], actor=actor, comment=req.ApprovalDescription, now=now)
                events_store.append(conn, "model_package.status", {
                    "group": group, "version": version, "arn": arn, "approval_status": changes["approval_status"],
                    "previous": current.approval_status,
                })
            elif "approval_description" in changes:
                store.add_activity(conn, group, version, time=now, actor=actor, action="MetadataChanged",
                                   comment=req.ApprovalDescription, details={"ApprovalDescription": req.ApprovalDescription})
            if "customer_metadata" in changes:
                store.add_activity(conn, group, version, time=now, actor=actor, action="MetadataChanged",
                                   details={"CustomerMetadataProperties": metadata})
            if set(changes) - {"approval_status"}:
                events_store.append(conn, "model_package.updated", {"group": group, "version": version, "arn": arn})

        self.db.run_write(body)
        return self.describe_package(arns.model_package_arn(group, version))

    def set_approval(self, ref: str, status: str, comment: str | None = None, *, actor: str | None = None) -> dict[str, Any]:
        """Approve or reject (or send back to PendingManualApproval), with a comment."""
        return self.update_package(ref, {"ModelApprovalStatus": status, "ApprovalDescription": comment}, actor=actor)

    def delete_package(self, ref: str) -> None:
        """DeleteModelPackage: the package and its history go; its code archive too; the model
        archive stays with its job, and the lineage stays (the audit trail)."""
        package = self.get_package(ref)

        def body(conn: Any) -> None:
            store.delete_package(conn, package.group_name, package.version)
            events_store.append(conn, "model_package.deleted", {
                "group": package.group_name, "version": package.version,
                "arn": arns.model_package_arn(package.group_name, package.version),
            })

        self.db.run_write(body)
        if package.code_uri:
            package_code.delete_code(self.settings, package.code_uri)

    def activity(self, group: str, version: int | None = None) -> dict[str, Any]:
        """The history of a group (every version's changes) or of one version, newest first."""
        if version is not None:
            package = self.get_package(f"{refs.group_name(group)}/{version}")
            name, version = package.group_name, package.version
        else:
            name = self.get_group(group).name
        with self.db.read() as conn:
            entries = store.list_activity(conn, name, version)
        return {"Activity": [shapes.activity_entry(e) for e in entries]}

    def metrics_documents(self, ref: str) -> dict[str, Any]:
        """The ModelMetrics documents of a package, read: what the panel shows side by side."""
        from .metrics import documents

        package = self.get_package(ref)
        return {"ModelPackageArn": arns.model_package_arn(package.group_name, package.version), "Documents": documents(package.model_metrics)}

    # -- deploying -----------------------------------------------------------------------------------

    def code_dir(self, ref: str | ModelPackage) -> Path | None:
        """The package's inference code, unpacked locally (None when it has none of its own)."""
        package = ref if isinstance(ref, ModelPackage) else self.get_package(ref)
        return package_code.code_dir(self.settings, package.code_uri) if package.code_uri else None

    def package_source(self, ref: str) -> Source:
        """What an endpoint serves for a model package: its archive, code and entry point."""
        from ..serving import sources

        try:
            package = self.get_package(ref, field="Source")
        except NotFound as exc:
            raise NotFound(exc.message, field="Source") from None
        if not sources.archive_exists(package.model_data) and not Path(package.model_data.removeprefix("file://")).exists():
            raise Invalid(f"the model archive of model package {package.group_name}/{package.version} ({package.model_data}) no longer exists",
                          field="Source")
        arn = arns.model_package_arn(package.group_name, package.version)
        code = self.code_dir(package)
        location = package.model_data
        kind = "package"
        local = Path(location.removeprefix("file://")) if "://" not in location or location.startswith("file://") else None
        if local is not None and local.is_dir():
            kind = "folder"  # a package of a model folder: served as a folder is
        return sources.Source(
            kind, str(local) if local is not None else location, f"{location} (model package {package.group_name}/{package.version})",
            code_dir=str(code) if code is not None else None, entry_point=package.entry_point, fingerprint=arn, package_arn=arn,
        )

    # -- reproduce -------------------------------------------------------------------------------------

    def reproduce(self, ref: str, *, allow_changed: bool = False, job_name: str | None = None) -> dict[str, Any]:
        """Re-run the package's training job from its recorded code, hyperparameters and inputs,
        after checking each input's fingerprint. See registry/reproduce.py."""
        from .reproduce import reproduce

        return reproduce(self, self.get_package(ref), allow_changed=allow_changed, job_name=job_name)
