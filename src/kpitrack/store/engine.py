"""Connecting to the store: URLs, SQLite settings, the write lock and migrations (数据库连接与迁移).

One code path serves SQLite and PostgreSQL.  Writers serialize: on SQLite every
write transaction starts with ``BEGIN IMMEDIATE`` (in WAL mode, with a generous
busy timeout, so readers are never blocked and a second writer waits instead of
failing); on PostgreSQL a write transaction locks the tables it changes in SHARE
ROW EXCLUSIVE mode, which lets readers through but queues the other writers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kpitrack.problems import Problem, ProblemsFound

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["DEFAULT_URL", "connect", "migrate", "resolve_url", "write_transaction"]

DEFAULT_URL = "sqlite:///kpitrack.db"
BUSY_TIMEOUT_MS = 60_000
_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 715_400_301  # PostgreSQL advisory lock key of kpitrack's migrations
_WRITE_TABLES = ("projects", "fund_plans", "indicators", "revisions", "actuals", "spending", "explanations")


def resolve_url(url: str | None) -> str:
    """The URL given, else ``KPITRACK_DB``, else ``kpitrack.db`` in the working directory."""
    chosen = url or os.environ.get("KPITRACK_DB") or DEFAULT_URL
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            return "postgresql+psycopg://" + chosen[len(prefix) :]
    return chosen


def _fail(url: str, reason: object) -> ProblemsFound:
    shown = sa.engine.make_url(url).render_as_string(hide_password=True) if "://" in url else url
    text = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    return ProblemsFound([Problem(shown, f"cannot open the database: {text}")])


def connect(url: str | None) -> sa.Engine:
    """An engine for the store at ``url``, its schema migrated to the newest revision."""
    resolved = resolve_url(url)
    try:
        engine = _create_engine(resolved)
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError) as error:
        raise _fail(resolved, error) from None
    try:
        migrate(engine)
    except sa.exc.DBAPIError as error:
        engine.dispose()
        raise _fail(resolved, error.orig if error.orig is not None else error) from None
    except sa.exc.SQLAlchemyError as error:
        engine.dispose()
        raise _fail(resolved, error) from None
    return engine


def _create_engine(url: str) -> sa.Engine:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=False)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise sa.exc.ArgumentError(f"no folder {str(folder)!r} for the database file")
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get("write") else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: sa.Engine, *tables: str, references_known: bool = False) -> Iterator[sa.Connection]:
    """A transaction that holds the writers' lock: committed on success, rolled back on any error.

    ``references_known``: every key the transaction writes was read in it, under its
    lock, so no other writer can have removed what it names.  SQLite then skips its
    foreign-key look-ups (one per row: a fifth of a large import's insert); PostgreSQL
    keeps them, as they cannot be turned off for one transaction there.
    """
    unchecked = references_known and engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        connection.info["write"] = True
        if unchecked:  # before BEGIN: inside a transaction SQLite ignores this pragma
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    locked = ", ".join(tables or _WRITE_TABLES)
                    connection.exec_driver_sql(f"LOCK TABLE {locked} IN SHARE ROW EXCLUSIVE MODE")
                yield connection
        finally:
            connection.info.pop("write", None)
            if unchecked and not connection.invalidated:  # back to the pool as it came
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def _config(connection: sa.Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _head() -> str:
    """The newest revision, from the migrations' file names (``0004_….py`` is revision 0004).

    Read without Alembic, which is imported only when a database must be migrated:
    it adds a tenth of a second to the start of every command.  A test holds this
    equal to Alembic's own head.
    """
    return max(path.name.partition("_")[0] for path in (_MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _current(connection: sa.Connection) -> str | None:
    """The database's revision as Alembic records it; None for a database it never migrated."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    revision: str | None = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return revision


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), once, even with several processes."""
    if revision == "head":
        with engine.connect() as connection:
            if _current(connection) == _head():
                return
    with engine.connect() as connection:
        connection.info["write"] = True
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            from alembic import command

            command.upgrade(_config(connection), revision)
