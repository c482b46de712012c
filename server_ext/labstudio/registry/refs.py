"""Naming a model package: its ARN or `GROUP/VERSION`, and a group: its name or ARN."""
from __future__ import annotations

import re
from pathlib import Path

from .. import arns
from ..errors import Invalid
from ..shapes.common import NAME_RE, NAME_RULE

_REF = re.compile(r"^(?P<group>[^/]+)/(?P<version>[^/]+)\Z")
_DIGITS = re.compile(r"^[0-9]+\Z")
MAX_VERSION = 2**31 - 1


def check_group_name(name: object, field: str = "ModelPackageGroupName") -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise Invalid(f"{field} {name!r} is invalid: use {NAME_RULE}.", field=field)
    return name


def group_name(value: object, field: str = "ModelPackageGroupName") -> str:
    """A group's name from its name or its ARN."""
    if isinstance(value, str):
        parsed = arns.parse(value)
        if parsed is not None:
            if parsed[0] != "model-package-group":
                raise Invalid(f"{field} {value!r} is the ARN of a {parsed[0]}, not of a model package group.", field=field)
            value = parsed[1]
    return check_group_name(value, field)


def check_version(raw: object, field: str = "ModelPackageVersion") -> int:
    """A version number: a whole number from 1 (a version out of range is refused here)."""
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if text is None or not _DIGITS.match(text) or not 1 <= int(text) <= MAX_VERSION:
        raise Invalid(f"{field} must be a version number (1, 2, ...), got {raw!r}.", field=field)
    return int(text)


def package_ref(value: object, field: str = "ModelPackageName") -> tuple[str, int]:
    """(group, version) from a model package's ARN or `GROUP/VERSION`."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"{field} must name a model package: its ARN or GROUP/VERSION (e.g. churn/3).", field=field)
    parsed = arns.parse(value)
    text = value
    if parsed is not None:
        if parsed[0] != "model-package":
            raise Invalid(f"{field} {value!r} is the ARN of a {parsed[0]}, not of a model package.", field=field)
        text = parsed[1]
    match = _REF.match(text)
    if match is None:
        raise Invalid(
            f"{field} {value!r} does not name a model package version: give its ARN or GROUP/VERSION (e.g. churn/3).",
            field=field,
        )
    version = match.group("version")
    if not _DIGITS.match(version) or not 1 <= int(version) <= MAX_VERSION:
        raise Invalid(f"{field} {value!r}: the version must be a whole number from 1 (1, 2, ...), got {version!r}.", field=field)
    return check_group_name(match.group("group"), field), int(version)


def is_package_ref(source: str, base_dir: Path | None = None) -> bool:
    """Whether a deploy source names a model package: its ARN, or `GROUP/VERSION` when no file
    or folder of that name exists (a path always wins, as it always has)."""
    parsed = arns.parse(source)
    if parsed is not None:
        return parsed[0] == "model-package"
    match = _REF.match(source)
    if match is None or not NAME_RE.match(match.group("group")) or not _DIGITS.match(match.group("version")):
        return False
    return not ((base_dir or Path.cwd()) / source).exists()
