"""``sagemaker.model_monitor.monitoring_files``: statistics.json, constraints.json and
constraint_violations.json as objects with ``body_dict``, read from (and saved to) a local
path or URI (an ``s3://`` URI of a session bucket lands in the artifact store, sdk/storage.py)."""
from __future__ import annotations

import json
import os
from typing import Any

from .storage import as_uri, filesystem, localize, read_bytes, write_bytes


def _artifact_uri(session: Any) -> str:
    from .session import core_of

    return core_of(session).settings.artifact_uri


def _where(uri: str, session: Any) -> str:
    return localize(os.fspath(uri), _artifact_uri(session))


class ModelMonitoringFile:
    """One of the monitor's JSON files: ``body_dict`` is its content, ``file_s3_uri`` where it is."""

    FILE_NAME = ""

    def __init__(self, body_dict: dict[str, Any], file_s3_uri: str | None = None, kms_key: str | None = None, sagemaker_session: Any = None) -> None:
        self.body_dict = body_dict
        self.file_s3_uri = file_s3_uri
        self.kms_key = kms_key
        self.session = sagemaker_session

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.file_s3_uri}>"

    @classmethod
    def _read(cls, uri: str, session: Any) -> tuple[dict[str, Any], str]:
        location = _where(uri, session)
        fs, path = filesystem(location)
        if fs.isdir(path):
            location = location.rstrip("/") + "/" + cls.FILE_NAME
        try:
            body = json.loads(read_bytes(location).decode("utf-8"))
        except ValueError as exc:
            raise ValueError(f"{uri}: cannot read {cls.FILE_NAME or 'the file'}: {exc}") from None
        if not isinstance(body, dict):
            raise ValueError(f"{uri}: {cls.FILE_NAME or 'the file'} must hold a JSON object")
        return body, as_uri(location)

    @classmethod
    def from_s3_uri(cls, uri: str, kms_key: str | None = None, sagemaker_session: Any = None) -> Any:
        body, where = cls._read(uri, sagemaker_session)
        return cls(body, where, kms_key, sagemaker_session)

    @classmethod
    def from_file_path(cls, file_path: str, kms_key: str | None = None, sagemaker_session: Any = None) -> Any:
        return cls.from_s3_uri(file_path, kms_key, sagemaker_session)

    @classmethod
    def from_string(cls, string: str, kms_key: str | None = None, file_name: str | None = None, sagemaker_session: Any = None) -> Any:
        """The file from its JSON text; saved (where `save()` puts it) so a schedule can read it."""
        body = json.loads(string)
        found = cls(body, None, kms_key, sagemaker_session)
        found.save(file_name=file_name)
        return found

    def save(self, new_save_location_s3_uri: str | None = None, file_name: str | None = None) -> str:
        """Write ``body_dict`` (to ``new_save_location_s3_uri``, else back where it was read, else
        the artifact store); returns where it went."""
        if new_save_location_s3_uri is not None:
            target = _where(new_save_location_s3_uri, self.session)
            if not target.endswith(".json"):
                target = target.rstrip("/") + "/" + (file_name or self.FILE_NAME)
        elif self.file_s3_uri is not None:
            target = self.file_s3_uri
        else:
            import uuid

            target = f"{_artifact_uri(self.session).rstrip('/')}/monitoring/files/{uuid.uuid4().hex}/{file_name or self.FILE_NAME}"
        self.file_s3_uri = write_bytes(json.dumps(self.body_dict, indent=2).encode(), target)
        return self.file_s3_uri


class Statistics(ModelMonitoringFile):
    """statistics.json: per feature its type, counts and distribution."""

    FILE_NAME = "statistics.json"

    @classmethod
    def from_s3_uri(cls, statistics_file_s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None) -> Statistics:
        found: Statistics = super().from_s3_uri(statistics_file_s3_uri, kms_key, sagemaker_session)
        return found


class Constraints(ModelMonitoringFile):
    """constraints.json: per feature its type, completeness and domain; the monitoring_config."""

    FILE_NAME = "constraints.json"

    @classmethod
    def from_s3_uri(cls, constraints_file_s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None) -> Constraints:
        found: Constraints = super().from_s3_uri(constraints_file_s3_uri, kms_key, sagemaker_session)
        return found

    def set_monitoring(self, enable_monitoring: bool, feature_name: str | None = None) -> None:
        """Turn the checks on or off, for every feature or one (its monitoringConfigOverrides)."""
        flag = "Enabled" if enable_monitoring else "Disabled"
        if feature_name is None:
            self.body_dict.setdefault("monitoring_config", {})["evaluate_constraints"] = flag
            return
        for feature in self.body_dict.get("features", []):
            if feature.get("name") == feature_name:
                feature.setdefault("monitoringConfigOverrides", {})["evaluate_constraints"] = flag
                return
        raise ValueError(f"feature_name {feature_name!r} is not a feature of these constraints")


class ConstraintViolations(ModelMonitoringFile):
    """constraint_violations.json: ``body_dict["violations"]``, each with feature_name,
    constraint_check_type and description."""

    FILE_NAME = "constraint_violations.json"

    @classmethod
    def from_s3_uri(cls, constraint_violations_file_s3_uri: str, kms_key: str | None = None, sagemaker_session: Any = None) -> ConstraintViolations:
        found: ConstraintViolations = super().from_s3_uri(constraint_violations_file_s3_uri, kms_key, sagemaker_session)
        return found


__all__ = ["ConstraintViolations", "Constraints", "ModelMonitoringFile", "Statistics"]
