"""The README's main job, end to end through the installed ``kpitrack`` command.

The seed's ten goal files and the example year (``examples/``) go through the same
commands the demo runs; the JSON of ``score``, ``status`` and ``underperforming`` is
checked against figures worked out by hand from the example data and the rules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
KPITRACK = Path(sys.executable).parent / "kpitrack"


def kpitrack(db: str, *argv: str) -> str:
    assert KPITRACK.exists(), "the README's test command installs the kpitrack command beside this Python"
    done = subprocess.run([str(KPITRACK), *argv, "--db", db], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding the seed's goals and the example year, loaded by the installed command."""
    db = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'kpitrack.db'}"
    kpitrack(db, "goals", "load", "goals")
    kpitrack(db, "import", "examples/actuals-2021.csv")
    kpitrack(db, "import", "examples/spending-2021.csv")
    return db


def by_id(items: list[dict[str, Any]], key: str = "id") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def test_check_summarises_the_ten_seed_projects() -> None:
    done = subprocess.run([str(KPITRACK), "check", "goals"], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0
    assert "10 projects, 0 errors, 1 warning" in done.stdout
    assert "622" in done.stdout


def test_score_json(year: str) -> None:
    projects = by_id(json.loads(kpitrack(year, "score", "--year", "2021", "--format", "json")), "project")
    assert sorted(projects) == [f"p{n:02d}" for n in range(1, 11)]
    p04 = projects["p04"]
    # 57.5 of 115 万元 spent: rate 0.5, 10 × 0.5 = 5 points.
    assert p04["execution"] == {
        "budget": 115,
        "spent": 57.5,
        "rate": 0.5,
        "rate_percent": 50,
        "score": 5,
        "weight": 10,
        "explain": "57.5 / 115 = 50% × 10 = 5",
    }
    assert (p04["total"], p04["grade"]) == (72.9, "中")
    qty2 = by_id(p04["indicators"])["qty2"]
    # 产出 50 points over 18 indicators = 2.78 each; 5000 of ≥10000 份 → 5000 / 10000 × 2.78 = 1.39.
    assert {k: qty2[k] for k in ("target", "actual", "weight", "score", "status", "method")} == {
        "target": "≥10000",
        "actual": "5000份",
        "weight": 2.78,
        "score": 1.39,
        "status": "missed",
        "method": "forward",
    }
    # p02: one complaint against 检查人员被投诉次数 ≤0 scores 0 (zero target).
    sat2 = by_id(projects["p02"]["indicators"])["sat2"]
    assert (sat2["score"], sat2["status"], sat2["method"]) == (0, "missed", "zero")
    # p06 never reported qty2: missing data, not a miss.
    assert by_id(projects["p06"]["indicators"])["qty2"]["status"] == "missing"


def test_status_json_at_mid_year(year: str) -> None:
    projects = by_id(json.loads(kpitrack(year, "status", "--as-of", "2021Q2", "--format", "json")), "project")
    p04 = projects["p04"]
    # 20 of 115 万元 by Q2 against half the year: q = (20 / 115) / 0.5 = 0.35 < 0.6 → red.
    assert (p04["light"], p04["budget"]["q"], p04["budget"]["light"]) == ("red", 0.35, "red")
    qty2 = by_id(p04["indicators"])["qty2"]
    # 2000 份 by Q2 of ≥10000: v = 2000 / (10000 × 0.5) = 0.4 → red, year end ≈ 4000.
    assert (qty2["ratio"], qty2["light"], qty2["expected"]) == (0.4, "red", 4000)


def test_underperforming_json_at_year_end_and_mid_year(year: str) -> None:
    listed = json.loads(kpitrack(year, "underperforming", "--year", "2021", "--format", "json"))
    # p04 72.9 (below 80, half its budget unspent), p08 86.49 (75% spent), p06 (qty2 missing), worst first.
    assert [item["project"] for item in listed] == ["p04", "p08", "p06"]
    first = listed[0]["reasons"][0]
    assert (first["what"], first["points_lost"], first["shortfall"]) == ("预算执行", 5, 57.5)
    midyear = json.loads(kpitrack(year, "underperforming", "--year", "2021", "--as-of", "2021Q2", "--format", "json"))
    assert midyear[0]["project"] == "p04"
