"""Queries over job_log_chunks: the log of a job whose supervisor runs on another machine.

A local job's log is its file; a job on a remote backend (Ray) sends its output here in
chunks, so the server, the CLI and the panel read it exactly as they read a file: by byte
offset. Appending bumps jobs.log_size in the same statement, which hands every writer (one
per host) its own range even when several append at once.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from . import schema


def append(conn: Connection, job_name: str, data: bytes) -> int:
    """Add `data` at the end of the job's log; returns the offset it starts at (-1: no such job)."""
    if not data:
        return -1
    t = schema.jobs
    size = conn.execute(
        update(t).where(t.c.name == job_name).values(log_size=t.c.log_size + len(data)).returning(t.c.log_size)
    ).scalar()
    if size is None:
        return -1
    start = int(size) - len(data)
    conn.execute(schema.job_log_chunks.insert().values(job_name=job_name, start_offset=start, data=data))
    return start


def size(conn: Connection, job_name: str) -> int:
    value = conn.execute(select(schema.jobs.c.log_size).where(schema.jobs.c.name == job_name)).scalar()
    return int(value or 0)


def read(conn: Connection, job_name: str, offset: int, max_bytes: int) -> bytes:
    """Up to `max_bytes` of the log from byte `offset` (what a file's seek + read would give)."""
    t = schema.job_log_chunks
    # The chunk holding `offset` starts at or before it; later ones follow in order.
    first = conn.execute(
        select(t.c.start_offset).where(t.c.job_name == job_name, t.c.start_offset <= offset).order_by(t.c.start_offset.desc()).limit(1)
    ).scalar()
    query = select(t.c.start_offset, t.c.data).where(t.c.job_name == job_name, t.c.start_offset >= (first if first is not None else 0))
    out = bytearray()
    end = offset + max_bytes
    for start, data in conn.execute(query.order_by(t.c.start_offset)):
        if start >= end:
            break
        data = bytes(data)
        lo = max(offset - start, 0)
        out += data[lo : max(end - start, 0)]
    return bytes(out)
