"""One database handle per process, safe for many processes writing at once.

SQLite runs in WAL mode with a long busy timeout, and every write transaction starts with
BEGIN IMMEDIATE: a deferred transaction that reads and then writes can fail with
"database is locked" without ever waiting, which is the error users of other local
trackers meet. Reads stay deferred so they never wait for writers. As a last line of
defence a write that still meets SQLITE_BUSY is retried with back-off, so the error never
reaches a user. Any other SQLAlchemy URL (PostgreSQL) goes through the same two calls.
"""
from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.engine import Connection as Connection  # re-exported: code outside store/ types `conn` with it
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from ..config import ENV_DB_URL, Settings
from ..diskfull import is_disk_full, store_full_message
from ..errors import DiskFull, HomeUnusable, StoreUnusable
from .migrations import HEAD_REVISION

_BUSY_MARKERS = ("database is locked", "database is busy", "database table is locked")
_WRITE_OPTION = "labstudio_write"


def _is_busy(exc: OperationalError) -> bool:
    return any(marker in str(exc.orig).lower() for marker in _BUSY_MARKERS)


class Database:
    """Engine plus the read/write transaction discipline described above."""

    def __init__(self, url: str, *, migrate: bool = True, lock_dir: Path | None = None, read_only: str | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.read_only = read_only
        self._lock_dir = lock_dir
        if read_only is not None:
            self.engine = self._open_read_only(url, read_only)
            return
        self.engine = self._create_engine(url)
        if migrate:
            self.migrate()

    @classmethod
    def _open_read_only(cls, url: str, reason: str) -> Engine:
        """An engine that only reads the existing SQLite store, or HomeUnusable saying why it can't."""
        path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
        if not path or path == ":memory:" or "?" in path or path.startswith("file:"):
            raise HomeUnusable(reason)
        if not Path(path).is_file():
            raise HomeUnusable(f"{reason} Nothing to read either: there is no store at {path}.")
        last: Exception | None = None
        for option in ("mode=ro", "immutable=1"):
            engine = cls._create_engine(f"sqlite:///file:{quote(path)}?{option}&uri=true", read_only=True)
            try:
                with engine.connect() as conn:
                    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except OperationalError as exc:
                engine.dispose()
                last = exc
                continue
            if revision != HEAD_REVISION:
                engine.dispose()
                raise HomeUnusable(f"{reason} Its store at {path} needs a schema upgrade that cannot be written.")
            return engine
        raise HomeUnusable(f"{reason} Its store at {path} cannot be read either: {getattr(last, 'orig', last)}.")

    @staticmethod
    def _create_engine(url: str, read_only: bool = False) -> Engine:
        if not url.startswith("sqlite"):
            engine_url = server_url(url)
            try:
                return create_engine(engine_url, pool_pre_ping=True, future=True)
            except ImportError as exc:
                raise StoreUnusable(_missing_driver(engine_url, exc.name or str(exc))) from None
            except (ArgumentError, ValueError) as exc:
                raise StoreUnusable(_bad_url(exc)) from None
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": 60, "isolation_level": None, "check_same_thread": False},
            poolclass=NullPool if os.environ.get("LABSTUDIO_SQLITE_NULLPOOL") else None,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            if not read_only:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE_OPTION) else "BEGIN"
            conn.exec_driver_sql(mode)

        return engine

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction. Retries only the BEGIN: the body runs once, so it is never replayed.

        A store whose disk is full (SQLITE_FULL, PostgreSQL's disk_full) raises errors.DiskFull
        naming it: the transaction is rolled back, so the store stays as it was, and reads go on."""
        if self.read_only is not None:
            raise HomeUnusable(self.read_only)
        try:
            with self._write() as conn:
                yield conn
        except OperationalError as exc:
            if is_disk_full(exc):
                raise DiskFull(store_full_message(self.url)) from exc
            raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        delay = 0.01
        for attempt in range(60):
            conn = self.engine.connect().execution_options(**{_WRITE_OPTION: True})
            try:
                trans = conn.begin()
            except OperationalError as exc:
                conn.close()
                if not (self.is_sqlite and _is_busy(exc)) or attempt == 59:
                    raise
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
                continue
            try:
                yield conn
                trans.commit()
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                raise
            finally:
                conn.close()
            return

    def run_write(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run fn(conn, ...) in a write transaction, replaying the whole body if SQLite is busy at COMMIT."""
        delay = 0.01
        for attempt in range(40):
            try:
                with self.write() as conn:
                    return fn(conn, *args, **kwargs)
            except OperationalError as exc:
                if not (self.is_sqlite and _is_busy(exc)) or attempt == 39:
                    raise
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)

    # -- schema -----------------------------------------------------------------

    def current_revision(self) -> str | None:
        with self.read() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:
                return None

    def migrate(self) -> None:
        """Bring the schema to head; cheap when it already is (one SELECT, no alembic import)."""
        if self.read_only is not None:
            return
        try:
            if self.current_revision() == HEAD_REVISION:
                return
        except OperationalError:
            pass
        with self._migration_lock():
            if self.current_revision() == HEAD_REVISION:
                return
            from alembic import command
            from alembic.config import Config

            cfg = Config()
            cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
            with self.engine.connect() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if not self.is_sqlite:
            with self.engine.connect() as conn:
                if self.engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_lock(716253)"))
                    try:
                        yield
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(716253)"))
                        conn.commit()
                    return
            yield
            return
        path = self.url.split("///", 1)[-1]
        lock_path = Path(path + ".migrate.lock") if path and path != ":memory:" else None
        if lock_path is None:
            yield
            return
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.engine.dispose()


# The extra that installs the driver of a PostgreSQL URL (psycopg 3, binary).
POSTGRES_EXTRA = "pip install 'labstudio[postgres]'"


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False


def server_url(url: str) -> URL:
    """The URL SQLAlchemy opens for a database server's store URL.

    A bare `postgresql://` (the URL the docs give) means psycopg 3, the driver the `postgres`
    extra installs, whatever SQLAlchemy's own default for it is (psycopg2 before 2.1); an
    environment that only has psycopg2 keeps using it. `postgresql+psycopg2://` and any other
    explicit driver are opened as written. Raises StoreUnusable for text that is not a URL.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreUnusable(_bad_url(exc)) from None
    if parsed.drivername == "postgresql":
        driver = "psycopg2" if not _importable("psycopg") and _importable("psycopg2") else "psycopg"
        parsed = parsed.set(drivername=f"postgresql+{driver}")
    return parsed


def _missing_driver(url: URL, module: str) -> str:
    """One line: which driver the store URL needs and the command that installs it."""
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        return f"{ENV_DB_URL} is a PostgreSQL URL but its driver, psycopg, is not installed in this Python environment: {POSTGRES_EXTRA}."
    if url.get_backend_name() == "postgresql":
        return (
            f"{ENV_DB_URL} names the PostgreSQL driver {url.get_driver_name()}, which is not installed (no module {module!r}): "
            f"install it, or write the URL as postgresql://user@host/db and {POSTGRES_EXTRA}."
        )
    return (
        f"{ENV_DB_URL} is a {url.drivername}:// URL but its driver (the Python module {module!r}) is not installed: install it, "
        f"or use PostgreSQL (postgresql://user@host/db, {POSTGRES_EXTRA}) or the default SQLite store (unset {ENV_DB_URL})."
    )


def _bad_url(exc: Exception) -> str:
    return (
        f"{ENV_DB_URL} is not a database URL labstudio can open ({exc}); write it as postgresql://user@host/db, "
        f"or unset it for the SQLite store in the home folder."
    )


_cache: dict[str, Database] = {}
_cache_lock = threading.Lock()
_cache_pid = os.getpid()


def get_database(settings: Settings | None = None, *, read_only: str | None = None) -> Database:
    """The process-wide Database for these settings (re-created after fork).

    ``read_only`` (the reason the home cannot be written) opens the store for reading only.
    """
    global _cache_pid
    settings = settings or Settings.from_env()
    with _cache_lock:
        if os.getpid() != _cache_pid:
            _cache.clear()
            _cache_pid = os.getpid()
        key = settings.db_url if read_only is None else f"{settings.db_url} (read-only)"
        db = _cache.get(key)
        if db is None:
            if read_only is None:
                settings.home.mkdir(parents=True, exist_ok=True)
            db = Database(settings.db_url, read_only=read_only)
            _cache[key] = db
        return db


# SQLite's words for a store it cannot write (as opposed to, say, a busy one, which is retried).
_UNWRITABLE_STORE = re.compile(r"readonly|read-only|unable to open|permission denied", re.IGNORECASE)


class StoreUnwritable(Exception):
    """The SQLite store file (or its folder) cannot be written; `reason` is SQLite's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_writable(settings: Settings) -> Database:
    """`get_database` for writing; a SQLite store that cannot be written raises StoreUnwritable
    (so the caller can say which folder to fix), any other database error propagates."""
    try:
        return get_database(settings)
    except OperationalError as exc:
        if settings.db_url.startswith("sqlite") and _UNWRITABLE_STORE.search(str(exc.orig)):
            raise StoreUnwritable(str(exc.orig)) from exc
        raise
