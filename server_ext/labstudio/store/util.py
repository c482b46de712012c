"""Small helpers shared by the store modules: ids, JSON columns, dialect-aware upserts."""
from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from ..errors import Invalid
from ..shapes.common import check_tag_limits
from ..shapes.text import check_text


def new_id() -> str:
    return uuid.uuid4().hex


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(raw: str | None, default: Any = None) -> Any:
    if raw in (None, ""):
        return default
    return json.loads(raw)


def to_db_float(value: float) -> float | None:
    """NaN is stored as NULL (SQLite cannot hold NaN); infinities are kept."""
    value = float(value)
    return None if math.isnan(value) else value


def from_db_float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str], update: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike.

    `update` maps column name to an expression built from `excluded` (see callers) or a value.
    """
    if not rows:
        return
    stmt: Any
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    set_ = {name: (fn(stmt.excluded) if callable(fn) else fn) for name, fn in update.items()}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=set_), rows)


def json_number(value: float) -> float | str:
    """JSON has no NaN or infinity: they travel as the strings "NaN", "Infinity", "-Infinity"."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with milliseconds ("2026-11-23T05:05:43.937Z"), as the REST API shows times."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tag_dict(tags: Any) -> dict[str, str]:
    """Tags as a mapping, or SageMaker's list of {"Key": ..., "Value": ...}."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        out = {str(k): str(v) for k, v in tags.items()}
    else:
        try:
            out = {str(t["Key"]): str(t["Value"]) for t in tags}
        except (TypeError, KeyError):
            raise Invalid("tags must be a mapping or a list of {'Key': ..., 'Value': ...}", field="tags") from None
    for key, value in out.items():
        check_text(key, "tags", f"the tag name {key!r}")
        check_text(value, "tags", f"tag {key!r}")
    check_tag_limits(out)
    return out


def marks(conn: Connection, n: int) -> str:
    """`n` DBAPI placeholders for hand-written SQL on the hot read paths."""
    return ",".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * n)


def raw_rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows straight from the DBAPI cursor (in the connection's transaction): no per-row wrapping,
    which matters when a chart reads a hundred thousand rows or a listing a thousand runs."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # always set on a live connection
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()
