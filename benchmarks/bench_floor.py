"""The floor of a whole-province ``score``: the work that no arrangement of the Python between can avoid.

Run it on the database that ``bench_province.py`` made (the load and import stages)::

    .venv/bin/python benchmarks/bench_floor.py --workdir bench-data

``score`` reads the province in two halves, one per process, one process per core.
For each half this prints the CPU seconds of:

- each query of the bulk path (:mod:`kpitrack.store.bulk`), its rows fetched from the
  driver and dropped: what SQLite costs, whatever is done with the rows;
- scoring only the half's *distinct* indicator cases (the scoring memo's key:
  indicator, actual, last year, weight, dates), each once, with
  :func:`kpitrack.scoring.score_indicator`: every one of them is a real computation,
  because its actual differs from every other case's;
- the JSON row of each such case, written once.

Their sum is the half's floor: what a ``score`` to JSON would cost if everything else
(merging the streams, the per-project totals, the lines) were free.  The larger
half's floor is a lower bound of ``score``'s wall time on two cores.  Not a test.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_province import bare_aggregation, python_loop

from kpitrack import report, scoring
from kpitrack.periods import Quarter
from kpitrack.profile import DEFAULT
from kpitrack.store import bulk, open_store

YEAR = 2021


def cpu(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = work()
    return time.process_time() - started, result


def drained(cursor: Any) -> int:
    """Fetch every row of a driver cursor and drop it; the number of rows."""
    rows = 0
    while batch := cursor.fetchmany(bulk.BATCH):
        rows += len(batch)
    return rows


def sql_floor(engine: Any, part: tuple[int, int]) -> float:
    """Each of the bulk path's queries for one slice, timed alone; their total CPU."""
    low, high = YEAR * 10 + 1, YEAR * 10 + 4
    total = 0.0
    with engine.connect() as connection:

        def timed(label: str, work: Callable[[], Any]) -> Any:
            nonlocal total
            took, result = cpu(work)
            total += took
            print(f"  {label:<42} {took:>6.2f} s", flush=True)
            return result

        heads = timed("project headers", lambda: bulk._heads(connection, YEAR, part))
        codes = (heads[0][1], heads[-1][1])
        chosen = bulk._chosen(YEAR, codes)
        timed("fund plans", lambda: bulk._plans(connection, chosen))
        timed("spending sums", lambda: bulk._spent(connection, chosen, low, high))
        timed("last year's actuals", lambda: bulk._last_year(connection, YEAR - 1, codes))
        timed("indicator shapes", lambda: bulk._shapes(connection))
        keys = timed("indicator key range", lambda: bulk._key_range(connection, chosen))
        query = bulk._current_indicators(chosen)
        rows = timed("current indicators (rows dropped)", lambda: drained(connection.execute(query).cursor))
        aggregated = timed(
            "actuals aggregated (rows dropped)",
            lambda: sum(len(block) for block in bulk._aggregates(connection, low, high, keys)),
        )
    print(f"  {'':<42} ({rows:,} indicators, {aggregated:,} with actuals)")
    return total


def distinct_cases(engine: Any, part: tuple[int, int]) -> tuple[int, list[tuple[Any, ...]]]:
    """The slice's indicator count and its distinct cases, keyed as :func:`kpitrack.scoring.evaluator` keys them."""
    cases: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    indicators = 0
    for progress in bulk.progress(engine, YEAR, Quarter(YEAR, 4), part=part):
        project = progress.project
        weights = scoring.indicator_weights(project, DEFAULT)
        for indicator in project.indicators:
            indicators += 1
            actual, last_year = progress.actuals.get(indicator.id), progress.last_year.get(indicator.id)
            case = (indicator, actual, last_year, weights[indicator.id], project.year, project.start)
            cases.setdefault((id(indicator), id(actual), id(last_year), *case[3:]), case)
    return indicators, list(cases.values())


def half_floor(engine: Any, part: tuple[int, int]) -> float:
    """The floor of one slice of the projects: its SQL, its distinct cases scored, their JSON rows."""
    sql = sql_floor(engine, part)
    indicators, cases = distinct_cases(engine, part)
    took_scores, scored = cpu(
        lambda: [scoring.score_indicator(i, a, ly, w, DEFAULT, year=y, start=s) for i, a, ly, w, y, s in cases]
    )
    definitions = report._Texts(report._score_definition)  # the rows as score_json writes them
    took_rows, _ = cpu(lambda: [report._score_row(item, definitions) for item in scored])
    floor = sql + took_scores + took_rows
    print(f"  {'scoring the distinct cases':<42} {took_scores:>6.2f} s  ({len(cases):,} of {indicators:,})")
    print(f"  {'their JSON rows':<42} {took_rows:>6.2f} s")
    print(f"  {'floor of this half':<42} {floor:>6.2f} s  (SQL {sql:.2f} s)", flush=True)
    return floor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench-data"))
    args = parser.parse_args(argv)
    db = args.workdir / f"province-{args.projects}.db"
    if not db.exists():
        parser.error(f"{db} does not exist: run bench_province.py first")
    print(f"machine speed at the start: a fixed Python loop took {python_loop():.2f} s of CPU")
    print(f"the bare GROUP BY of every actual: {bare_aggregation(db):.2f} s", flush=True)
    store = open_store(f"sqlite:///{db}")
    floors = []
    try:
        for half in (0, 1):
            print(f"half {half + 1} of 2")
            floors.append(half_floor(store.engine, (half, 2)))
    finally:
        store.close()
    print(f"score's wall time on two cores cannot fall below {max(floors):.1f} s here")
    print(f"machine speed at the end: the same loop took {python_loop():.2f} s of CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
