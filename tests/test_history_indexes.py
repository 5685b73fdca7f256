"""Each recorded value is indexed once (migration 0004), and an import skips SQLite's foreign-key look-ups.

The current values are found through the unique partial indexes, the superseded
ones through ``ix_*_superseded`` (``NOT current``); the history asks for the two
apart.  The import's transaction reads every key it writes under its own lock, so
on SQLite it runs without per-row foreign-key look-ups, and the connection goes
back to the pool with them on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import YEAR, write
from kpitrack.profile import DEFAULT
from kpitrack.store import ActualRow, SpendingRow, Store
from kpitrack.store.engine import write_transaction


def _index_definitions(store: Store, table: str) -> dict[str, str]:
    with store.engine.connect() as connection:
        if store.engine.dialect.name == "sqlite":
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
        else:
            query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
        return {name: " ".join(sql.split()) for name, sql in connection.exec_driver_sql(query, (table,))}


@pytest.mark.parametrize(("table", "key"), [("actuals", "indicator_id"), ("spending", "project_id")])
def test_current_and_superseded_values_each_have_their_own_partial_index(store: Store, table: str, key: str) -> None:
    indexes = _index_definitions(store, table)
    assert set(indexes) >= {f"ux_{table}_current", f"ix_{table}_superseded"}
    assert not any(name in indexes for name in ("ix_actuals_indicator", "ix_spending_project"))
    superseded = indexes[f"ix_{table}_superseded"]
    assert f"({key}, period)" in superseded
    assert superseded.endswith(("WHERE current = 0", "WHERE (NOT current)"))
    assert indexes[f"ux_{table}_current"].endswith(("WHERE current = 1", "WHERE current"))


def _record(store: Store, rows: Sequence[ActualRow], spent: Sequence[SpendingRow] = ()) -> None:
    result = store.record_rows(rows, spent, by="t", bands=DEFAULT.grade_bands)
    assert result.problems == ()


def _actual(indicator: str, period: str, value: str) -> ActualRow:
    return ActualRow("", 0, "p01", indicator, period, value)


def _spent(period: str, amount: str) -> SpendingRow:
    return SpendingRow("", 0, "p01", period, amount)


def test_the_history_lists_every_version_in_order(loaded: Store) -> None:
    for value in ("2000", "2500", "2400"):
        _record(loaded, [_actual("qty1", "2021Q1", value)], [_spent("2021Q1", value)])
    _record(loaded, [_actual("qty1", "2021Q2", "900"), _actual("qual1", "2021Q1", "91%")])
    versions = loaded.history(loaded.find_project("p01"))
    assert [(v.indicator, str(v.period), v.text, v.current) for v in versions] == [
        ("qty1", "2021Q1", "2000份", False),
        ("qty1", "2021Q1", "2500份", False),
        ("qty1", "2021Q1", "2400份", True),
        ("qty1", "2021Q2", "900份", True),
        ("qual1", "2021Q1", "91%", True),
        (None, "2021Q1", "2000万元", False),
        (None, "2021Q1", "2500万元", False),
        (None, "2021Q1", "2400万元", True),
    ]


def _plans(store: Store, action: Any) -> list[str]:
    """The query plan of every SELECT that ``action`` runs on the store's engine (SQLite)."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    with store.engine.connect() as connection:
        return [
            row[3]
            for statement, parameters in statements
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        ]


def test_no_reader_or_writer_of_values_reads_the_whole_table(tmp_path: Path) -> None:
    """Every SELECT of an import, a correction, the history and the reports finds its rows by an index (SQLite)."""
    from conftest import GOALS_2021, projects_from
    from kpitrack.periods import Period
    from kpitrack.store import bulk, open_store

    with open_store(f"sqlite:///{tmp_path / 'k.db'}") as store:
        store.load_goals(projects_from(tmp_path / "goals", GOALS_2021))
        _record(store, [_actual("qty1", "2021Q1", "2000")], [_spent("2021Q1", "3")])
        project = store.find_project("p01")

        def everything() -> None:
            _record(store, [_actual("qty1", "2021Q1", "2100")], [_spent("2021Q1", "4")])
            store.history(project)
            store.history(project, "qty1")
            store.actuals(project, Period.quarter(2021, 4))
            list(store.progress(2021, Period.quarter(2021, 2)))
            list(bulk.progress(store.engine, 2021, Period.quarter(2021, 4)))

        plans = _plans(store, everything)
        for index in ("ux_actuals_current", "ix_actuals_superseded", "ux_spending_current", "ix_spending_superseded"):
            assert any(index in step for step in plans), index
        assert [step for step in plans if step.startswith(("SCAN actuals", "SCAN spending"))] == []


def _foreign_keys_on(store: Store) -> bool:
    with store.engine.connect() as connection:
        return bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())


def test_a_transaction_whose_references_are_known_skips_sqlites_checks_and_restores_them(tmp_path: Path) -> None:
    from kpitrack.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'k.db'}") as store:
        with write_transaction(store.engine, references_known=True) as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        assert _foreign_keys_on(store)
        with pytest.raises(RuntimeError), write_transaction(store.engine, references_known=True):
            raise RuntimeError("a failing import")
        assert _foreign_keys_on(store)
        with write_transaction(store.engine) as connection:  # any other writer checks them
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        bad = "INSERT INTO spending (project_id, period, amount, note, recorded_by, recorded_at, current) "
        bad += "VALUES (999, 20210301, '1', '', 't', '2021-01-01', 1)"
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
            connection.exec_driver_sql(bad)


def test_an_import_writes_only_references_that_hold(loaded: Store, tmp_path: Path, capsys: Any) -> None:
    from conftest import run

    url = str(loaded.engine.url.render_as_string(hide_password=False))
    assert run(capsys, "import", str(write(tmp_path, "year.csv", YEAR)), "--db", url)[0] == 0
    bad = YEAR + "p01,qty9,2021Q4,5,no such indicator\n"
    code, _, err = run(capsys, "import", str(write(tmp_path, "bad.csv", bad)), "--db", url)
    assert code == 1 and "'qty9'" in err
    with loaded.engine.connect() as connection:
        if loaded.engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        orphans = connection.exec_driver_sql(
            "SELECT count(*) FROM actuals WHERE indicator_id NOT IN (SELECT id FROM indicators)"
        ).scalar()
        assert orphans == 0
        assert connection.exec_driver_sql("SELECT count(*) FROM actuals").scalar() == 7
    if loaded.engine.dialect.name == "sqlite":
        assert _foreign_keys_on(loaded)
