"""The store itself: migrations, schema, goal loading with revisions, opening errors; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from conftest import GOALS_2021, projects_from
from kpitrack.problems import ProblemsFound
from kpitrack.store import Revision, Store, open_store
from kpitrack.store import schema as s
from kpitrack.store.engine import migrate, resolve_url


def test_the_migrations_build_exactly_the_schema_the_code_uses(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, s.metadata)
    assert differences == []


def test_a_database_at_the_first_revision_opens_with_the_current_code(db_url: str) -> None:
    engine = sa.create_engine(resolve_url(db_url))
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO projects (code, year, name, unit, budget, goal) "
                "VALUES ('p09', 2021, '旧项目', '局', '12.5', '')"
            )
        )
    engine.dispose()
    with open_store(db_url) as store:
        assert [(p.id, p.name, str(p.budget)) for p in store.projects(2021)] == [("p09", "旧项目", "12.5")]
        with store.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0008"


def test_loading_is_idempotent_and_a_changed_target_is_a_dated_revision(store: Store, tmp_path: Path) -> None:
    goals = projects_from(tmp_path / "a", GOALS_2021)
    first = store.load_goals(goals, today=pendulum.date(2021, 1, 10))
    assert (first.added, first.revised, first.unchanged) == ((("p01", 2021),), (), ())
    again = store.load_goals(goals, today=pendulum.date(2021, 2, 1))
    assert (again.added, again.revised, again.unchanged) == ((), (), (("p01", 2021),))
    assert store.projects(2021) == goals

    changed = GOALS_2021.replace('target = "10000份"', 'target = "12000份"').replace("budget = 35", "budget = 40")
    changed = changed.replace('name = "投稿率"', 'name = "信息投稿率"')
    revised = store.load_goals(projects_from(tmp_path / "b", changed), today=pendulum.date(2021, 7, 1))
    day = pendulum.date(2021, 7, 1)
    assert revised.revised == (
        Revision("p01", 2021, None, "budget", "35", "40", day),
        Revision("p01", 2021, "qty1", "target", "≥10000份", "≥12000份", day),
        Revision("p01", 2021, "qual1", "name", "投稿率", "信息投稿率", day),
    )
    assert store.revisions("p01", 2021) == list(revised.revised)
    project = store.projects(2021)[0]
    assert str(project.indicator("qty1").target) == "≥12000份"  # type: ignore[union-attr]
    assert store.load_goals(projects_from(tmp_path / "b", changed)).revised == ()


def test_a_dropped_indicator_is_retired_and_its_history_kept(loaded: Store, tmp_path: Path) -> None:
    from kpitrack.profile import DEFAULT
    from kpitrack.store import ActualRow

    row = ActualRow("", 0, "p01", "sus1", "2021Q1", "达成")
    loaded.record_rows([row], by="t", bands=DEFAULT.grade_bands)
    shorter = GOALS_2021.split('[[indicators]]\nid = "sus1"')[0] + GOALS_2021.split('target = "长期"\n')[1]
    report = loaded.load_goals(projects_from(tmp_path / "c", shorter), today=pendulum.date(2021, 5, 1))
    assert report.revised == (Revision("p01", 2021, "sus1", "retired", "长期", None, pendulum.date(2021, 5, 1)),)
    assert [i.id for i in loaded.projects(2021)[0].indicators] == ["qty1", "qual1", "time1", "cost1", "soc1", "sat1"]
    assert [v.text for v in loaded.history(loaded.find_project("p01"), "sus1")] == ["达成"]


def test_decimals_come_back_exactly(store: Store, tmp_path: Path) -> None:
    text = GOALS_2021.replace("budget = 35", "budget = 35.123456789012345678")
    store.load_goals(projects_from(tmp_path / "d", text))
    assert str(store.projects(2021)[0].budget) == "35.123456789012345678"


def test_the_url_comes_from_the_argument_else_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPITRACK_DB", raising=False)
    assert resolve_url(None) == "sqlite:///kpitrack.db"
    monkeypatch.setenv("KPITRACK_DB", "postgresql://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"


def test_an_unusable_database_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ProblemsFound) as missing_folder:
        open_store(f"sqlite:///{tmp_path}/no/such/folder/k.db")
    assert [str(p) for p in missing_folder.value.problems] == [
        f"sqlite:///{tmp_path}/no/such/folder/k.db: cannot open the database: no folder "
        f"'{tmp_path}/no/such/folder' for the database file"
    ]
    with pytest.raises(ProblemsFound) as unreachable:
        open_store("postgresql://nobody@127.0.0.1:1/none")
    (problem,) = unreachable.value.problems
    assert str(problem).startswith("postgresql+psycopg://nobody@127.0.0.1:1/none: cannot open the database: ")
    assert "\n" not in str(problem)


def test_the_newest_revision_is_read_from_the_migrations_file_names_as_alembic_reads_it() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kpitrack.store import engine

    config = Config()
    config.set_main_option("script_location", str(engine._MIGRATIONS))
    assert engine._head() == ScriptDirectory.from_config(config).get_current_head() == "0008"


def test_a_command_starts_without_alembic_or_openpyxl() -> None:
    """Both are imported only when a database is migrated or a workbook read or written."""
    import subprocess
    import sys

    script = "import sys, kpitrack.cli; print(sorted(m for m in ('alembic', 'openpyxl') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
