"""Typed errors of the core, mapped to HTTP statuses in one place (handlers/base.py).

`Invalid` derives from ValueError so that SDK users get the ValueError the SageMaker SDK
raises for bad arguments, and the CLI prints it as one line.

One error may carry the other problems found in the same request (`also`, `Problems`): a
form then hears of every mistake at once instead of one per round trip. The first problem
stays the error's own `message` and `field`, so a client that reads only those is unchanged.
"""
from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class LabstudioError(Exception):
    """Base class: the message is written for the person who made the request."""

    status_code = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.others: list[LabstudioError] = []

    def also(self, *others: LabstudioError) -> LabstudioError:
        """Attach the other problems of the same request (each with its own field)."""
        self.others.extend(others)
        return self

    @property
    def problems(self) -> list[tuple[str, str | None]]:
        """(message, field) of this problem and of every other one attached, in order."""
        out = [(self.message, self.field)]
        for other in self.others:
            out.extend(other.problems)
        return out

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class Invalid(LabstudioError, ValueError):
    """The request names something wrong; the message says which field and how to fix it."""

    status_code = 400


class NotFound(LabstudioError, LookupError):
    status_code = 404


class Conflict(LabstudioError):
    """The request is valid but clashes with the current state (duplicate name, not running...)."""

    status_code = 409


class NameTaken(Conflict, ValueError):
    """A name that must be unique is taken (409). A ValueError too, so the SDK raises what it
    raises for other bad arguments and the CLI exits 2, as for any bad input."""


class Gone(LabstudioError, LookupError):
    """The thing existed but was deleted (410): e.g. a job's archive, deleted with its run."""

    status_code = 410


class TooLarge(LabstudioError):
    """The request body is larger than the route accepts."""

    status_code = 413


class Unavailable(LabstudioError):
    """labstudio cannot serve requests at all (its home folder is unusable); the message says why and what to do."""

    status_code = 503


class HomeUnusable(Unavailable, PermissionError):
    """LABSTUDIO_HOME (or its store) cannot be written: raised by the SDK, printed as one line by the CLI."""


class StoreUnusable(Unavailable):
    """LABSTUDIO_DB_URL cannot be used as it is: its driver is not installed (the message names
    the extra or package to install) or it is not a URL SQLAlchemy can read. The server answers
    503 with it on every route; the CLI prints it as one line and exits 2; the SDK raises it."""


class DiskFull(LabstudioError, OSError):
    """A write found no space left (a file system, a quota, or the database's own disk): 507
    Insufficient Storage. The message says what could not be written and where; reads still
    work. An OSError too, so code that handles a failed write keeps handling this one."""

    status_code = 507

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.errno = errno.ENOSPC


class Problems:
    """Runs checks that do not depend on each other and keeps each one's `Invalid`, so a request
    is refused once with all of them (`raise_any`) rather than once per mistake."""

    def __init__(self) -> None:
        self.found: list[Invalid] = []
        self._quiet: set[str] = set()

    def quiet(self, field: str) -> None:
        """Report no later problem of exactly this field: one of its values was already
        reported and taken out (`shapes.validate.parse_all`), so the field is not "empty"."""
        if field:
            self._quiet.add(field)

    def check(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """fn(*args, **kwargs), or None (the problem kept) when it raises Invalid."""
        try:
            return fn(*args, **kwargs)
        except Invalid as exc:
            self.add(exc)
            return None

    def add(self, exc: Invalid) -> None:
        if exc.field in self._quiet and not exc.others:
            return
        self.found.append(exc)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_any(self) -> None:
        """Raise the first problem with the others attached; nothing when there is none."""
        if self.found:
            first, *rest = self.found
            raise first.also(*rest)
