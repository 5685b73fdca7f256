"""Indicator shapes (指标定义): each distinct definition stored once, on SQLite and PostgreSQL.

Migration 0003 gives existing indicators their shapes; the goal writer writes or
reuses shapes on every insert and revision; the bulk path reads definitions only
from the shapes, so its projects must stay those of the per-project path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
import sqlalchemy as sa
from alembic import command

from conftest import GOALS_2021, projects_from
from kpitrack.periods import Period
from kpitrack.profile import DEFAULT
from kpitrack.store import ActualRow, Store, bulk, open_store
from kpitrack.store import schema as s
from kpitrack.store.engine import _config, migrate, resolve_url

_DECIMALS = {"weight", "value", "upper"}

# A second project: the same goals except the target of qty1.
GOALS_P02 = GOALS_2021.replace('id = "p01"', 'id = "p02"').replace('target = "10000份"', 'target = "12000份"')


def _exact(column: Any) -> Any:
    return sa.cast(column, sa.String) if column.name in _DECIMALS else column


def _shape_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(s.indicator_shapes)).scalar_one())


def _mismatched(store: Store) -> list[tuple[str, str]]:
    """(project, indicator) whose shape is missing or differs from the indicator's own columns in any way."""
    i, h, p = s.indicators, s.indicator_shapes, s.projects
    same = [_exact(h.c[name]).is_not_distinct_from(_exact(i.c[name])) for name in s.SHAPE_COLUMNS]
    query = (
        sa.select(p.c.code, i.c.code)
        .select_from(i.join(p, p.c.id == i.c.project_id).outerjoin(h, h.c.id == i.c.shape_id))
        .where(sa.not_(sa.and_(h.c.id.is_not(None), *same)))
        .order_by(p.c.code, i.c.code)
    )
    with store.engine.connect() as connection:
        return [(row[0], row[1]) for row in connection.execute(query)]


def _digests_agree(store: Store) -> bool:
    h = s.indicator_shapes
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(h.c.digest, *(h.c[name] for name in s.SHAPE_COLUMNS))).all()
    return bool(rows) and all(row[0] == s.shape_digest(row[1:]) for row in rows)


def _bulk_projects_equal_the_stored(store: Store) -> None:
    through_shapes = [p.project for p in bulk.progress(store.engine, 2021, Period.quarter(2021, 4))]
    assert through_shapes == store.projects(2021)
    assert [[i.id for i in p.indicators] for p in through_shapes] == [
        [i.id for i in p.indicators] for p in store.projects(2021)
    ]


def test_the_migration_gives_existing_indicators_their_shapes(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        store.load_goals(projects_from(tmp_path / "a", GOALS_2021) + projects_from(tmp_path / "b", GOALS_P02))
        store.record_rows([ActualRow("", 0, "p02", "qty1", "2021Q1", "4000份")], by="t", bands=DEFAULT.grade_bands)
    # Back to a database written before shapes existed, where p02's cost1 target reads 25.00, not 25.
    engine = sa.create_engine(resolve_url(db_url))
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0002")
        connection.execute(
            sa.text(
                "UPDATE indicators SET value = '25.00' WHERE code = 'cost1'"
                " AND project_id = (SELECT id FROM projects WHERE code = 'p02')"
            )
        )
    migrate(engine)
    engine.dispose()
    with open_store(db_url) as store:
        # 7 definitions of p01, and p02's own qty1 target and cost1 value text: 9 shapes for 14 indicators.
        assert _shape_count(store) == 9
        assert _mismatched(store) == []
        assert _digests_agree(store)
        _bulk_projects_equal_the_stored(store)
        # Nothing else was touched: the recorded value and its history are still there.
        assert [v.text for v in store.history(store.find_project("p02"), "qty1")] == ["4000份"]
        # The writer finds the migrated shapes by their digest: loading p01 again adds none.
        report = store.load_goals(projects_from(tmp_path / "a", GOALS_2021))
        assert report.unchanged == (("p01", 2021),)
        assert _shape_count(store) == 9


def test_the_goal_writer_shares_shapes_and_keeps_them_right_through_revisions(store: Store, tmp_path: Path) -> None:
    store.load_goals(projects_from(tmp_path / "a", GOALS_2021) + projects_from(tmp_path / "b", GOALS_P02))
    assert _shape_count(store) == 8  # p02 differs from p01 in one target only
    assert _mismatched(store) == []
    assert _digests_agree(store)

    # p02 revised: qty1 back to p01's target (p01's shape reused), a new indicator (a new shape).
    revised = GOALS_P02.replace('target = "12000份"', 'target = "10000份"') + (
        '\n[[indicators]]\nid = "qty2"\nlevel2 = "数量指标"\nname = "举办培训班"\ntarget = "≥3期"\n'
    )
    report = store.load_goals(projects_from(tmp_path / "c", revised), today=pendulum.date(2021, 7, 1))
    assert [(r.indicator, r.field) for r in report.revised] == [("qty1", "target"), ("qty2", "added")]
    assert _mismatched(store) == []
    assert _shape_count(store) == 9  # the 12000份 shape stays, unused; qty2's is new
    i, p = s.indicators, s.projects
    query = (
        sa.select(p.c.code, i.c.shape_id)
        .select_from(i.join(p, p.c.id == i.c.project_id))
        .where(i.c.code == "qty1")
        .order_by(p.c.code)
    )
    with store.engine.connect() as connection:
        shapes = [row[1] for row in connection.execute(query)]
    assert shapes[0] == shapes[1]
    _bulk_projects_equal_the_stored(store)
