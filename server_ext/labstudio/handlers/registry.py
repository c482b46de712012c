"""REST for the model registry: /labstudio/api/model-package-groups[/{group}[/activity]] and
/labstudio/api/model-packages[/{group}/{version}[/approve|/reject|/activity|/metrics|/reproduce]].

The handlers only parse HTTP; the registry service checks and records. Paths a request names
(a model archive, inference code, metrics documents) are taken from the Jupyter root and may
not leave it (labstudio's own artifact store excepted, where jobs' archives live). A change is
recorded as the Jupyter user who made it. Deploying a package is POST /endpoints with the
package's ARN (or GROUP/VERSION) as a variant's Source.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tornado import web

from ..errors import Invalid
from ..registry import refs
from ..shapes import NAME_PATTERN, parse
from ..shapes.openapi import Operation, Param, Reply
from ..shapes.registry import (
    ApprovalRequest,
    CreateModelPackageGroupRequest,
    CreateModelPackageGroupResponse,
    CreateModelPackageRequest,
    DescribeModelPackageGroupResponse,
    DescribeModelPackageResponse,
    ListActivityResponse,
    ListModelPackageGroupsResponse,
    ListModelPackagesResponse,
    ModelMetricsDocumentsResponse,
    ReproduceRequest,
    ReproduceResponse,
    UpdateModelPackageRequest,
)
from .base import LabstudioHandler

GROUP = r"(?P<group>[^/]+)"
VERSION = r"(?P<version>[^/]+)"
MAX_RESULTS = 1000
APPROVAL = ("Approved", "Rejected", "PendingManualApproval")


class _RegistryHandler(LabstudioHandler):
    def root_dir(self) -> Path:
        return Path(os.path.expanduser(self.settings.get("server_root_dir", os.getcwd())))

    def actor(self) -> str:
        """Who made the change: the Jupyter user."""
        user: Any = self.current_user
        return str(getattr(user, "username", None) or getattr(user, "name", None) or user or "jupyter")

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self.get_query_argument(name, None) or None
        if raw is not None and raw not in choices:
            raise Invalid(f"Query parameter '{name}' must be one of {', '.join(choices)}, got {raw!r}.", field=name)
        return raw

    def ref(self, group: str, version: str) -> str:
        """GROUP/VERSION checked: a version that is not a whole number from 1 is a 400."""
        return f"{refs.check_group_name(group, 'group')}/{refs.check_version(version, 'version')}"


class GroupsHandler(_RegistryHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(
            self.core.registry.list_groups,
            name_contains=self.get_query_argument("name_contains", None) or None,
            sort_by=self.choice("sort_by", ("Name", "CreationTime")),
            sort_order=self.choice("sort_order", ("Ascending", "Descending")),
            max_results=self.int_argument("max_results", 100, minimum=1, maximum=MAX_RESULTS),
            next_token=self.get_query_argument("next_token", None) or None,
        ))

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreateModelPackageGroupRequest, self.json_body())
        tags = {t.Key: t.Value for t in body.Tags or []}
        created = await self.call(self.core.registry.create_group, body.ModelPackageGroupName, body.ModelPackageGroupDescription, tags,
                                  actor=self.actor())
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/model-package-groups/{body.ModelPackageGroupName}")
        self.reply(created, status=201)


class GroupHandler(_RegistryHandler):
    @web.authenticated
    async def get(self, group: str) -> None:
        self.reply(await self.call(self.core.registry.describe_group, refs.check_group_name(group, "group")))

    @web.authenticated
    async def delete(self, group: str) -> None:
        force = (self.get_query_argument("force", "false") or "false").lower() in ("1", "true", "yes")
        await self.call(self.core.registry.delete_group, refs.check_group_name(group, "group"), force=force)
        self.set_status(204)
        self.finish()


class GroupActivityHandler(_RegistryHandler):
    @web.authenticated
    async def get(self, group: str) -> None:
        self.reply(await self.call(self.core.registry.activity, refs.check_group_name(group, "group")))


class PackagesHandler(_RegistryHandler):
    @web.authenticated
    async def get(self) -> None:
        group = self.get_query_argument("group", None) or None
        self.reply(await self.call(
            self.core.registry.list_packages,
            group=refs.check_group_name(group, "group") if group is not None else None,
            approval_status=self.choice("approval_status", APPROVAL),
            sort_by=self.choice("sort_by", ("Name", "CreationTime")),
            sort_order=self.choice("sort_order", ("Ascending", "Descending")),
            max_results=self.int_argument("max_results", 100, minimum=1, maximum=MAX_RESULTS),
            next_token=self.get_query_argument("next_token", None) or None,
        ))

    @web.authenticated
    async def post(self) -> None:
        body = parse(CreateModelPackageRequest, self.json_body())
        described = await self.call(self.core.registry.create_package, body, actor=self.actor(), base_dir=self.root_dir(),
                                    root_dir=self.root_dir())
        group, version = described["ModelPackageGroupName"], described["ModelPackageVersion"]
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/model-packages/{group}/{version}")
        self.reply(described, status=201)


class PackageHandler(_RegistryHandler):
    @web.authenticated
    async def get(self, group: str, version: str) -> None:
        self.reply(await self.call(self.core.registry.describe_package, self.ref(group, version)))

    @web.authenticated
    async def patch(self, group: str, version: str) -> None:
        body = parse(UpdateModelPackageRequest, self.json_body())
        self.reply(await self.call(self.core.registry.update_package, self.ref(group, version), body, actor=self.actor()))

    @web.authenticated
    async def delete(self, group: str, version: str) -> None:
        await self.call(self.core.registry.delete_package, self.ref(group, version))
        self.set_status(204)
        self.finish()


class _ApprovalHandler(_RegistryHandler):
    STATUS = "Approved"

    @web.authenticated
    async def post(self, group: str, version: str) -> None:
        body = parse(ApprovalRequest, self.json_body())
        self.reply(await self.call(self.core.registry.set_approval, self.ref(group, version), self.STATUS, body.ApprovalDescription,
                                   actor=self.actor()))


class ApproveHandler(_ApprovalHandler):
    STATUS = "Approved"


class RejectHandler(_ApprovalHandler):
    STATUS = "Rejected"


class PackageActivityHandler(_RegistryHandler):
    @web.authenticated
    async def get(self, group: str, version: str) -> None:
        ref = self.ref(group, version)
        name, number = ref.split("/")
        self.reply(await self.call(self.core.registry.activity, name, int(number)))


class PackageMetricsHandler(_RegistryHandler):
    @web.authenticated
    async def get(self, group: str, version: str) -> None:
        self.reply(await self.call(self.core.registry.metrics_documents, self.ref(group, version)))


class ReproduceHandler(_RegistryHandler):
    @web.authenticated
    async def post(self, group: str, version: str) -> None:
        body = parse(ReproduceRequest, self.json_body())
        started = await self.call(self.core.registry.reproduce, self.ref(group, version), allow_changed=body.AllowChangedInputs,
                                  job_name=body.TrainingJobName)
        self.set_header("Location", f"{self.base_url.rstrip('/')}/labstudio/api/jobs/{started['TrainingJobName']}")
        self.reply(started, status=202)


def routes() -> list[tuple[str, type]]:
    return [
        (r"/model-package-groups", GroupsHandler),
        (rf"/model-package-groups/{GROUP}", GroupHandler),
        (rf"/model-package-groups/{GROUP}/activity", GroupActivityHandler),
        (r"/model-packages", PackagesHandler),
        (rf"/model-packages/{GROUP}/{VERSION}", PackageHandler),
        (rf"/model-packages/{GROUP}/{VERSION}/approve", ApproveHandler),
        (rf"/model-packages/{GROUP}/{VERSION}/reject", RejectHandler),
        (rf"/model-packages/{GROUP}/{VERSION}/activity", PackageActivityHandler),
        (rf"/model-packages/{GROUP}/{VERSION}/metrics", PackageMetricsHandler),
        (rf"/model-packages/{GROUP}/{VERSION}/reproduce", ReproduceHandler),
    ]


_GROUP = Param("group", "path", {"type": "string", "pattern": NAME_PATTERN})
_VERSION = Param("version", "path", {"type": "integer", "minimum": 1, "maximum": refs.MAX_VERSION}, "The version number (1, 2, ...).")
_PAGE = (
    Param("sort_by", schema={"type": "string", "enum": ["Name", "CreationTime"], "default": "CreationTime"}),
    Param("sort_order", schema={"type": "string", "enum": ["Ascending", "Descending"], "default": "Descending"}),
    Param("max_results", schema={"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 100}),
    Param("next_token", description="NextToken of the previous page"),
)
_PACKAGE = (_GROUP, _VERSION)

OPENAPI = [
    Operation(
        "get", "/model-package-groups", "List model package groups, newest first, each with its latest approved version and pending count",
        {200: Reply("A page of groups", ListModelPackageGroupsResponse)}, errors=(400,),
        params=(Param("name_contains"), *_PAGE),
    ),
    Operation(
        "post", "/model-package-groups", "Create a model package group",
        {201: Reply("The new group's ARN", CreateModelPackageGroupResponse)}, errors=(400, 409), request=CreateModelPackageGroupRequest,
    ),
    Operation(
        "get", "/model-package-groups/{group}", "Describe a model package group",
        {200: Reply("The group", DescribeModelPackageGroupResponse)}, errors=(404,), params=(_GROUP,),
    ),
    Operation(
        "delete", "/model-package-groups/{group}", "Delete a model package group (refused while it holds packages, unless force)",
        {204: Reply("Deleted")}, errors=(404, 409),
        params=(_GROUP, Param("force", schema={"type": "boolean", "default": False}, description="Delete its packages too.")),
    ),
    Operation(
        "get", "/model-package-groups/{group}/activity", "The group's history: registrations and approval changes, newest first",
        {200: Reply("The history", ListActivityResponse)}, errors=(404,), params=(_GROUP,),
    ),
    Operation(
        "get", "/model-packages", "List model packages (a group's versions), newest first, with their metrics' numbers",
        {200: Reply("A page of packages", ListModelPackagesResponse)}, errors=(400, 404),
        params=(
            Param("group", schema={"type": "string", "pattern": NAME_PATTERN}, description="Only this group's versions."),
            Param("approval_status", schema={"type": "string", "enum": list(APPROVAL)}),
            *_PAGE,
        ),
    ),
    Operation(
        "post", "/model-packages", "Register a model package: a Completed training job's model (TrainingJobName) or an InferenceSpecification",
        {201: Reply("The new package, described", DescribeModelPackageResponse)}, errors=(400, 404), request=CreateModelPackageRequest,
    ),
    Operation(
        "get", "/model-packages/{group}/{version}", "Describe a model package (DescribeModelPackage)",
        {200: Reply("The package", DescribeModelPackageResponse)}, errors=(404,), params=_PACKAGE,
    ),
    Operation(
        "patch", "/model-packages/{group}/{version}", "Update a model package's approval or metadata (UpdateModelPackage)",
        {200: Reply("The package, described", DescribeModelPackageResponse)}, errors=(404,), params=_PACKAGE, request=UpdateModelPackageRequest,
    ),
    Operation(
        "delete", "/model-packages/{group}/{version}", "Delete a model package (its lineage stays)",
        {204: Reply("Deleted")}, errors=(404,), params=_PACKAGE,
    ),
    Operation(
        "post", "/model-packages/{group}/{version}/approve", "Approve a model package, with a comment",
        {200: Reply("The package, described", DescribeModelPackageResponse)}, errors=(404,), params=_PACKAGE, request=ApprovalRequest,
    ),
    Operation(
        "post", "/model-packages/{group}/{version}/reject", "Reject a model package, with a comment",
        {200: Reply("The package, described", DescribeModelPackageResponse)}, errors=(404,), params=_PACKAGE, request=ApprovalRequest,
    ),
    Operation(
        "get", "/model-packages/{group}/{version}/activity", "A package's history: who changed what, when",
        {200: Reply("The history", ListActivityResponse)}, errors=(404,), params=_PACKAGE,
    ),
    Operation(
        "get", "/model-packages/{group}/{version}/metrics", "The package's ModelMetrics documents, read",
        {200: Reply("The documents", ModelMetricsDocumentsResponse)}, errors=(404,), params=_PACKAGE,
    ),
    Operation(
        "post", "/model-packages/{group}/{version}/reproduce",
        "Re-train the package's training job from its recorded code, hyperparameters and inputs (409 naming an input that changed)",
        {202: Reply("The new training job and the check of each input", ReproduceResponse)}, errors=(400, 404, 409), params=_PACKAGE,
        request=ReproduceRequest,
    ),
]
