"""Database fixtures: every store test runs on SQLite (a temporary file) and on PostgreSQL.

The PostgreSQL server comes from ``KPITRACK_TEST_PG_URL`` (``scripts/test.sh`` starts a
throwaway one); each test gets a database of its own, dropped afterwards.  Without
the variable the PostgreSQL cases are skipped, unless ``KPITRACK_REQUIRE_PG=1``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import strategies as st

from kpitrack.cli import main
from kpitrack.io import load_goals
from kpitrack.model import Project
from kpitrack.periods import Period
from kpitrack.store import Store, open_store

PG_URL = os.environ.get("KPITRACK_TEST_PG_URL")
REQUIRE_PG = os.environ.get("KPITRACK_REQUIRE_PG") == "1"

# A small goal table (绩效目标表) with one indicator of every kind the recording rules care about.
GOALS_2021 = """\
id = "p01"
name = "法制宣传工作经费"
unit = "昌吉州市场监督管理局"
year = 2021
budget = 35
plan = { Q2 = 10, Q3 = 15, Q4 = 10 }

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "印制法律法规宣传资料"
target = "10000份"

[[indicators]]
id = "qual1"
level2 = "质量指标"
name = "投稿率"
target = "≥80%"

[[indicators]]
id = "time1"
level2 = "时效指标"
name = "项目完成时间"
target = "年底前"

[[indicators]]
id = "cost1"
level2 = "成本指标"
name = "宣传、培训活动经费"
target = "25万元"

[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "社会公众知晓率（%）"
target = "逐年提高"

[[indicators]]
id = "sus1"
level2 = "可持续影响指标"
name = "持续推动社会公众了解相关政策"
target = "长期"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "检查人员被投诉次数（次）"
target = "≤0"
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``kpitrack ARGV`` in-process: its exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write an inline input file (CSV, TOML) for a test."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_generator() -> ModuleType:
    """The province generator of ``benchmarks/generate.py``, imported as a module."""
    spec = importlib.util.spec_from_file_location(
        "generate", Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_goals(folder: Path, text: str, name: str = "p01.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def projects_from(folder: Path, text: str, name: str = "p01.toml") -> list[Project]:
    projects, problems = load_goals([write_goals(folder, text, name)])
    assert not problems, problems
    return projects


def _fresh_pg_database() -> Iterator[str]:
    import psycopg

    assert PG_URL is not None
    name = f"kpitrack_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    base, _, _ = PG_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kpitrack.db'}"
        return
    yield from _pg_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of a fresh PostgreSQL database, for what only PostgreSQL does."""
    yield from _pg_database()


def _pg_database() -> Iterator[str]:
    if PG_URL is None:
        if REQUIRE_PG:
            pytest.fail("KPITRACK_REQUIRE_PG=1 but KPITRACK_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL server (set KPITRACK_TEST_PG_URL)")
    yield from _fresh_pg_database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An empty store, migrated."""
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    """A store holding the 2021 goals of GOALS_2021."""
    store.load_goals(projects_from(tmp_path / "goals", GOALS_2021))
    return store


# A year of p01 (the seed's 法制宣传 project) in the `kpitrack import` CSV format: every kind of value,
# rows named by the indicator's or the project's name.
YEAR = """\
project,indicator,period,value,note
p01,qty1,2021Q1,2000,
p01,qty1,2021Q2,3000,印刷厂回单
p01,qual1,2021Q2,85%,
p01,投稿率,2021Q3,86%,named by the indicator's name
法制宣传工作经费,sus1,2021Q2,部分达成 70,named by the project's name
p01,time1,2021Q4,2021-11,
p01,cost1,2021Q4,250000元,
"""


def import_year(capsys: pytest.CaptureFixture[str], store: Store, url: str, folder: Path, *options: str) -> None:
    """Import :data:`YEAR` into a store holding no values: all seven recorded, and p01's year to date."""
    path = write(folder, "year.csv", YEAR)
    assert run(capsys, "import", str(path), *options, "--db", url) == (
        0,
        "actuals: 7 recorded (0 superseding earlier values), 0 unchanged\n"
        "spending: 0 recorded (0 superseding earlier values), 0 unchanged\n",
        "",
    )
    progress = next(store.progress(2021, Period.quarter(2021, 4), ids=["p01"]))
    assert {k: str(v) for k, v in progress.actuals.items()} == {
        "qty1": "5000份",
        "qual1": "86%",
        "sus1": "部分达成 70",
        "time1": "2021-11-30",
        "cost1": "25万元",
    }


def import_twice_then_correct(capsys: pytest.CaptureFixture[str], store: Store, url: str, folder: Path) -> None:
    """Import :data:`YEAR`, again (all unchanged), then a corrected copy: equal values stay, changed ones supersede."""
    path = write(folder, "year.csv", YEAR)
    assert run(capsys, "import", str(path), "--db", url)[0] == 0
    code, out, _ = run(capsys, "import", str(path), "--db", url)
    assert (code, out.splitlines()[0]) == (0, "actuals: 0 recorded (0 superseding earlier values), 7 unchanged")
    # 25万元 is the same value as 250000元; 3100 corrects 3000, 87% corrects 86%.
    corrected = YEAR.replace("250000元", "25万元").replace("3000,", "3100,").replace("86%", "87%")
    code, out, _ = run(capsys, "import", str(write(folder, "corrected.csv", corrected)), "--db", url)
    assert (code, out.splitlines()[0]) == (0, "actuals: 2 recorded (2 superseding earlier values), 5 unchanged")
    versions = store.history(store.find_project("p01"), "qty1")
    assert [(str(v.period), v.text, v.current) for v in versions] == [
        ("2021Q1", "2000份", True),
        ("2021Q2", "3000份", False),
        ("2021Q2", "3100份", True),
    ]


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example year (goals/ and examples/) in a SQLite file, made once; tests copy it (``example``)."""
    import kpitrack

    root = Path(__file__).resolve().parent.parent
    path = tmp_path_factory.mktemp("example") / "example.db"
    with kpitrack.open(f"sqlite:///{path}") as ws:
        ws.load_goals([root / "goals"])
        ws.import_values([root / "examples" / "actuals-2021.csv", root / "examples" / "spending-2021.csv"])
    return path


@pytest.fixture
def example(example_db: Path, tmp_path: Path) -> str:
    """The URL of a private copy of the example database: the test may write."""
    copy = tmp_path / "kpitrack.db"
    shutil.copy(example_db, copy)
    return f"sqlite:///{copy}"


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """Any period of any year kpitrack reads: a run of months ``first``..``last``."""
    year = draw(st.integers(1990, 2100))
    first = draw(st.integers(1, 12))
    return Period(year, first, draw(st.integers(first, 12)))
