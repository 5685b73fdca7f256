"""Benchmark: import a large generated CSV of quarterly actuals (实际完成值) into a fresh SQLite file.

Run: ``.venv/bin/python benchmarks/bench_import.py [--rows 1000000]``.  Prints the
time to load the generated goals, to read the CSV, and to check and write its rows
(the path ``kpitrack import`` takes), with rows per second.  A script, not a test.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from kpitrack.io.tables import read_tables
from kpitrack.model import Indicator, Project
from kpitrack.profile import DEFAULT
from kpitrack.store import open_store
from kpitrack.thresholds import parse

# Indicator shapes from the seed: (id prefix, level 2, name, target, a quarterly value)
SHAPES = [
    ("qty", "数量指标", "开展监督检查（家）", "≧485", "130"),
    ("qty", "数量指标", "印制宣传资料", "10000份", "2600"),
    ("qty", "数量指标", "组织培训", "=4次", "1"),
    ("qual", "质量指标", "抽检合格率", "≥95%", "96.5%"),
    ("qual", "质量指标", "死亡率", "≤0.52%", "0.1%"),
    ("time", "时效指标", "项目所需时间", "12个月", "3个月"),
    ("cost", "成本指标", "宣传经费", "25万元", "6.25万元"),
    ("soc", "社会效益指标", "法治意识", "逐年提高", "部分达成 70"),
    ("sus", "可持续影响指标", "持续影响", "长期", "达成"),
    ("sat", "满意度指标", "社会公众满意度", "≥90%", "92%"),
]


def generate_projects(count: int, per_project: int) -> list[Project]:
    projects = []
    for n in range(count):
        indicators = []
        for k in range(per_project):
            prefix, level2, name, target, _ = SHAPES[k % len(SHAPES)]
            indicators.append(
                Indicator.create(id=f"{prefix}{k + 1}", name=f"{name}{k}", level2=level2, target=parse(target, level2))
            )
        projects.append(
            Project(
                id=f"g{n:06d}",
                name=f"项目{n}",
                unit="单位",
                year=2021,
                budget=Decimal(100),
                indicators=tuple(indicators),
            )
        )
    return projects


def write_csv(path: Path, projects: list[Project], rows: int) -> int:
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["project", "indicator", "period", "value", "note"])
        for quarter in range(1, 5):
            for project in projects:
                for k, indicator in enumerate(project.indicators):
                    writer.writerow([project.id, indicator.id, f"2021Q{quarter}", SHAPES[k % len(SHAPES)][4], ""])
                    written += 1
                    if written == rows:
                        return written
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--per-project", type=int, default=15)
    args = parser.parse_args()
    count = -(-args.rows // (4 * args.per_project))
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        csv_path = Path(folder) / "actuals.csv"
        projects = generate_projects(count, args.per_project)
        rows = write_csv(csv_path, projects, args.rows)
        store = open_store(f"sqlite:///{db}")
        start = time.perf_counter()
        store.load_goals(projects)
        loaded = time.perf_counter() - start
        print(f"goals:  {count} projects, {count * args.per_project} indicators loaded in {loaded:.2f} s")

        start = time.perf_counter()
        tables, problems = read_tables(csv_path)
        assert not problems, problems[:5]
        table_rows = [row for table in tables for row in table.actuals]
        read_time = time.perf_counter() - start
        start = time.perf_counter()
        result = store.record_rows(table_rows, by="bench", bands=DEFAULT.grade_bands)
        write_time = time.perf_counter() - start
        assert not result.problems, result.problems[:5]
        assert result.actuals.added == rows, result
        total = read_time + write_time
        print(f"read:   {rows} rows in {read_time:.2f} s")
        print(f"import: {rows} rows checked and written in {write_time:.2f} s")
        print(f"total:  {total:.2f} s = {rows / total:,.0f} rows/s (file to database)")
        store.close()


if __name__ == "__main__":
    main()
