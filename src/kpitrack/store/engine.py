"""Connecting to the store: URLs, SQLite settings, the write lock and migrations (数据库连接与迁移).

One code path serves SQLite and PostgreSQL.  Writers serialize: on SQLite every
write transaction starts with ``BEGIN IMMEDIATE`` (in WAL mode, with a generous
busy timeout, so readers are never blocked and a second writer waits instead of
failing); on PostgreSQL a write transaction locks the tables it changes in SHARE
ROW EXCLUSIVE mode, which lets readers through but queues the other writers.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kpitrack.problems import Problem, ProblemsFound

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["DEFAULT_URL", "connect", "database_fault", "migrate", "resolve_url", "shown_url", "write_transaction"]

DEFAULT_URL = "sqlite:///kpitrack.db"
BUSY_TIMEOUT_MS = 60_000
_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 715_400_301  # PostgreSQL advisory lock key of kpitrack's migrations
_WRITE_TABLES = (
    "projects",
    "fund_plans",
    "indicators",
    "revisions",
    "actuals",
    "spending",
    "explanations",
    "budget_explanations",
)


def resolve_url(url: str | None) -> str:
    """The URL given, else ``KPITRACK_DB``, else ``kpitrack.db`` in the working directory."""
    chosen = url or os.environ.get("KPITRACK_DB") or DEFAULT_URL
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            return "postgresql+psycopg://" + chosen[len(prefix) :]
    return chosen


def shown_url(url: str | None) -> str:
    """The database's URL as messages show it: resolved, its password hidden."""
    resolved = resolve_url(url)
    try:
        return sa.engine.make_url(resolved).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return resolved


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


_NOTHING_CHANGED = "nothing was changed"

# What a database error says (SQLite's message, or PostgreSQL's SQLSTATE or message) → what happened, for people.
_LOCKED = "the database stayed locked by another writer until the wait ran out: try again later"
_SQLITE_FAULTS = (
    ("database is locked", _LOCKED),
    ("database table is locked", _LOCKED),
    ("readonly database", "the database file or its folder is read-only"),
    ("unable to open database file", "cannot open the database file (is its folder writable?)"),
    ("file is not a database", "the file is not a kpitrack database (or it is damaged)"),
    ("disk image is malformed", "the database file is damaged"),
    ("database or disk is full", "the disk is full"),
    ("disk i/o error", "the disk failed while writing"),
)
_POSTGRESQL_FAULTS = {
    "22001": "a value is longer than the database allows",
    "25006": "the database is read-only",
    "53100": "the database server's disk is full",
    "55P03": _LOCKED,
    "57P01": "the database server ended the connection",
    "42501": "the database user may not do this",
    "3D000": "there is no such database",
}


def database_fault(error: BaseException) -> str | None:
    """What went wrong with the database, in one line for people; None when ``error`` is no database fault.

    The one place where database errors become messages: a command that meets one
    ends with this line (its transaction rolled back) instead of a traceback.
    """
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        return database_fault(error.orig) or f"{_first_line(error.orig)}; {_NOTHING_CHANGED}"
    if isinstance(error, sqlite3.Error):
        text = _first_line(error)
        for phrase, meaning in _SQLITE_FAULTS:
            if phrase in text.lower():
                return f"{meaning} ({text}); {_NOTHING_CHANGED}"
        return f"database error: {text}; {_NOTHING_CHANGED}"
    sqlstate = getattr(error, "sqlstate", None)
    if type(error).__module__.startswith("psycopg"):
        text = _first_line(error)
        if sqlstate in _POSTGRESQL_FAULTS:
            return f"{_POSTGRESQL_FAULTS[sqlstate]} ({text}); {_NOTHING_CHANGED}"
        if sqlstate is None or str(sqlstate).startswith("08"):  # no answer, or a connection exception
            return f"the connection to the database failed or was lost ({text}); {_NOTHING_CHANGED}"
        return f"database error: {text}; {_NOTHING_CHANGED}"
    if isinstance(error, sa.exc.SQLAlchemyError):
        return f"database error: {_first_line(error)}; {_NOTHING_CHANGED}"
    return None


def _fail(url: str, reason: BaseException) -> ProblemsFound:
    what = database_fault(reason) or _first_line(reason)
    return ProblemsFound([Problem(shown_url(url), f"cannot open the database: {what}")])


def connect(url: str | None) -> sa.Engine:
    """An engine for the store at ``url``, its schema migrated to the newest revision."""
    resolved = resolve_url(url)
    try:
        engine = _create_engine(resolved)
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError, ValueError) as error:
        raise ProblemsFound([Problem(shown_url(resolved), f"cannot open the database: {_first_line(error)}")]) from None
    try:
        migrate(engine)
    except sa.exc.SQLAlchemyError as error:
        engine.dispose()
        raise _fail(resolved, error) from None
    except ProblemsFound as found:  # a database from a newer kpitrack
        engine.dispose()
        raise ProblemsFound(problem.at(shown_url(resolved)) for problem in found.problems) from None
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
    # How long a writer waits for another to finish: BUSY_TIMEOUT_MS, or ?timeout=SECONDS in the URL.
    timeout_ms = round(float(parsed.query.get("timeout", BUSY_TIMEOUT_MS / 1000)) * 1000)  # type: ignore[arg-type]
    engine = sa.create_engine(url, connect_args={"timeout": timeout_ms / 1000})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
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
    return max(_known())


def _known() -> set[str]:
    """The revisions this kpitrack has migrations for (``0001`` …), from the migrations' file names."""
    return {path.name.partition("_")[0] for path in (_MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def _current(connection: sa.Connection) -> str | None:
    """The database's revision as Alembic records it; None for a database it never migrated."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    revision: str | None = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return revision


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), once, even with several processes.

    A database whose revision this kpitrack does not know was made by a newer one:
    it is refused untouched rather than half-understood.
    """
    if revision == "head":
        with engine.connect() as connection:
            current = _current(connection)
        if current == _head():
            return
        if current is not None and current not in _known():
            reason = (
                f"the database was made by a newer kpitrack (schema revision {current}; this one knows up to "
                f"{_head()}): upgrade kpitrack; {_NOTHING_CHANGED}"
            )
            raise ProblemsFound([Problem("", reason)])
    with engine.connect() as connection:
        connection.info["write"] = True
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            from alembic import command

            command.upgrade(_config(connection), revision)
