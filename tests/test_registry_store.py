"""The registry's and lineage's store functions, over SQLite and over PostgreSQL: version numbers
from concurrent writers, listings with their counts and pages, the history, deletion, and
the lineage graph (idempotent artifacts, traversal depth)."""
from __future__ import annotations

import multiprocessing as mp
import uuid

import pytest
from sqlalchemy import create_engine, text

from labstudio.store import Database
from labstudio.store import lineage as lineage_store
from labstudio.store import registry as store


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    base = request.getfixturevalue("postgres_url")
    name = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    yield database
    database.dispose()


def _package(group: str, version: int, status: str = "PendingManualApproval", created: float = 1000.0, **extra) -> dict:
    row = {
        "group_name": group, "version": version, "description": "", "approval_status": status, "approval_description": None,
        "model_data": f"/models/{group}-{version}.tar.gz", "code_uri": None, "entry_point": "inference.py", "container": {},
        "inference": {"SupportedContentTypes": ["text/csv"]}, "model_metrics": {}, "metric_values": {"acc": 0.5 + version / 100},
        "customer_metadata": {}, "extra": {}, "training_job": None, "tuning_job": None, "pipeline_execution_arn": None,
        "derived_from": None, "created_by": "tester", "creation_time": created + version,
    }
    row.update(extra)
    return row


def _register(conn, group: str, status: str = "PendingManualApproval") -> int:
    version = store.next_version(conn, group)
    store.insert_package(conn, _package(group, version, status))
    return version


def test_groups_packages_counts_and_history(db: Database) -> None:
    with db.write() as conn:
        store.insert_group(conn, "churn", "customer churn", {"team": "a"}, "ana", 100.0)
        store.insert_group(conn, "fraud", "", {}, "bob", 200.0)
        statuses = ["Approved", "Rejected", "Approved", "PendingManualApproval", "PendingManualApproval"]
        versions = [_register(conn, "churn", s) for s in statuses]
    assert versions == [1, 2, 3, 4, 5]
    with db.read() as conn:
        churn = store.get_group(conn, "churn")
        groups = store.list_groups(conn)
        empty = store.get_group(conn, "fraud")
    assert churn is not None and churn.tags == {"team": "a"}
    assert (churn.version_count, churn.latest_version, churn.latest_approved_version, churn.pending_count) == (5, 5, 3, 2)
    assert [g.name for g in groups] == ["fraud", "churn"]  # newest first
    assert empty is not None and (empty.version_count, empty.latest_version, empty.latest_approved_version) == (0, None, None)

    with db.write() as conn:
        store.update_package(conn, "churn", 4, approval_status="Approved", approval_description="ok", last_modified_time=9.0)
        store.add_activity(conn, "churn", 4, time=9.0, actor="ana", action="ApprovalChanged", from_status="PendingManualApproval",
                           to_status="Approved", comment="ok")
        store.add_activity(conn, "churn", None, time=10.0, actor="ana", action="GroupCreated")
    with db.read() as conn:
        package = store.get_package(conn, "churn", 4)
        history = store.list_activity(conn, "churn", 4)
        whole = store.list_activity(conn, "churn")
        assert store.get_group(conn, "churn").latest_approved_version == 4  # type: ignore[union-attr]
    assert package is not None and package.approval_status == "Approved" and package.metric_values == {"acc": 0.54}
    assert [(h.actor, h.from_status, h.to_status, h.comment) for h in history] == [("ana", "PendingManualApproval", "Approved", "ok")]
    assert [h.action for h in whole] == ["GroupCreated", "ApprovalChanged"]  # newest first


def test_package_pages_and_filters(db: Database) -> None:
    with db.write() as conn:
        store.insert_group(conn, "g", "", {}, None, 1.0)
        for i in range(1, 8):
            version = store.next_version(conn, "g")
            store.insert_package(conn, _package("g", version, "Approved" if i % 2 else "Rejected", created=5000.0 - (i // 3)))
    seen: list[int] = []
    after = None
    with db.read() as conn:
        while True:
            page = store.list_packages(conn, group="g", limit=3, after=after)
            seen += [p.version for p in page]
            if len(page) < 3:
                break
            last = page[-1]
            after = (last.creation_time, last.group_name, last.version)
        approved = store.list_packages(conn, group="g", approval_status="Approved", sort_by="Name", ascending=True)
    assert sorted(seen) == list(range(1, 8)) and len(seen) == 7  # every version once, ties on creation time included
    assert [p.version for p in approved] == [1, 3, 5, 7]


def test_delete_group_removes_its_packages_and_history(db: Database) -> None:
    with db.write() as conn:
        store.insert_group(conn, "gone", "", {}, None, 1.0)
        _register(conn, "gone")
        store.update_package(conn, "gone", 1, code_uri="/store/registry/gone/code/abc/sourcedir.tar.gz")
        store.add_activity(conn, "gone", 1, time=2.0, actor=None, action="Registered")
        codes = store.delete_group(conn, "gone")
    assert codes == ["/store/registry/gone/code/abc/sourcedir.tar.gz"]
    with db.read() as conn:
        assert store.get_group(conn, "gone") is None
        assert store.get_package(conn, "gone", 1) is None
        assert store.list_activity(conn, "gone") == []


def _register_many(url: str, group: str, count: int, out) -> None:  # type: ignore[no-untyped-def]
    database = Database(url)
    got = [database.run_write(_register, group) for _ in range(count)]
    database.dispose()
    out.put(got)


def test_concurrent_registrations_never_share_a_version(db: Database, db_url: str) -> None:
    with db.write() as conn:
        store.insert_group(conn, "race", "", {}, None, 1.0)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_register_many, args=(db_url, "race", 15, out)) for _ in range(3)]
    for p in procs:
        p.start()
    versions = [v for _ in procs for v in out.get(timeout=240)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(versions) == list(range(1, 46))
    with db.read() as conn:
        assert store.get_group(conn, "race").version_count == 45  # type: ignore[union-attr]


def test_lineage_entities_are_idempotent_and_traversal_respects_depth(db: Database) -> None:
    with db.write() as conn:
        lineage_store.put_entity(conn, "a:1", "Artifact", "DataSet", "data", now=1.0, source_uri="file:///data", properties={"fingerprint": "x"})
        lineage_store.put_entity(conn, "a:1", "Artifact", "DataSet", "renamed", now=2.0, source_uri="file:///data", properties={"seen": "2"})
        chain = ["a:1", "tc:1", "a:2", "a:3", "act:1", "ctx:1"]
        for arn in chain[1:]:
            lineage_store.put_entity(conn, arn, "Artifact", "Model", arn, now=3.0)
        lineage_store.associate(conn, list(zip(chain, chain[1:], ["ContributedTo"] * 5)), 4.0)
        lineage_store.associate(conn, [("a:1", "tc:1", "Produced")], 5.0)  # an edge that exists is kept as it was
    with db.read() as conn:
        entity = lineage_store.get_entity(conn, "a:1")
        found = lineage_store.list_entities(conn, entity="Artifact", source_uri="file:///data")
        down, edges = lineage_store.traverse(conn, ["a:1"], upstream=False, max_depth=3, limit=100)
        up, _ = lineage_store.traverse(conn, ["ctx:1"], upstream=True, max_depth=10, limit=100)
        into = lineage_store.list_associations(conn, destination_arn="tc:1")
    assert entity is not None and entity.name == "data" and entity.properties == {"fingerprint": "x", "seen": "2"}
    assert [e.arn for e in found] == ["a:1"]
    assert down == {"a:1": 0, "tc:1": 1, "a:2": 2, "a:3": 3}
    assert len(edges) == 3
    assert up["a:1"] == 5 and len(up) == 6
    assert [(a.source_arn, a.association_type) for a in into] == [("a:1", "ContributedTo")]
