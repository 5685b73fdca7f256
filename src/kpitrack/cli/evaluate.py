"""Scoring and monitoring from the command line: ``score``, ``status``, ``underperforming``, ``profile show``.

``score`` fills the year-end self-evaluation (项目支出绩效自评表) of each project,
``status`` shows the mid-year lights (双监控) at a quarter end, ``underperforming``
lists the projects that fall short with their reasons, and ``profile show`` prints
the rules in force.  Each reads the store (``--db``) and a profile file
(``--profile``, default: the built-in 财预〔2020〕10号 profile).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import multiprocessing
import operator
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import attrs

from kpitrack import limits, monitoring, report, scoring
from kpitrack.cli._memory import no_cycle_collection
from kpitrack.cli._options import add_db, add_format, add_profile, add_unit, chosen_projects, load_profile
from kpitrack.periods import InvalidPeriod, Quarter
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.readings import Progress
from kpitrack.scoring import show
from kpitrack.store import bulk, open_store

# From this many projects, ``score`` and ``status`` run the second half of them in a second
# process (when there is a second CPU); below it, starting one costs more than it saves.
PARALLEL_FROM = 20_000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = subparsers.add_parser(
        "score",
        help="the year-end self-evaluation (自评表): each project out of 100, with its grade",
        description="Score each project's year: budget execution, every indicator (weight, score, status, method "
        "and the arithmetic), the total and the grade (优/良/中/差).",
    )
    score.add_argument("--year", type=int, required=True)
    _common(score)
    score.set_defaults(handler=run_score)

    status = subparsers.add_parser(
        "status",
        help="mid-year monitoring (双监控): lights for money and indicators at a quarter end",
        description="Per project at the cut-off: the budget light (execution against elapsed time, and against "
        "the release plan), a light per indicator, the expected year-end value and the project light (worst).",
    )
    status.add_argument("--as-of", required=True, metavar="QUARTER", help="the cut-off quarter, e.g. 2021Q2")
    _common(status)
    status.set_defaults(handler=run_status)

    under = subparsers.add_parser(
        "underperforming",
        help="the projects that fall short, worst first, with their reasons",
        description="Without --as-of: year end, projects whose total is below the cut-off, with missing data, or "
        "whose execution rate is below the floor. With --as-of: the red projects at that quarter, then yellow.",
    )
    under.add_argument("--year", type=int, required=True)
    under.add_argument("--as-of", metavar="QUARTER", help="a quarter of --year for the mid-year list")
    under.add_argument("--below", metavar="TOTAL", help="year-end cut-off (default from the profile: 80)")
    under.add_argument("--floor", metavar="RATE", help="year-end execution floor, e.g. 0.9 (default from the profile)")
    _common(under)
    under.set_defaults(handler=run_underperforming)

    profile = subparsers.add_parser("profile", help="the scoring profile (评分规则) in force")
    commands = profile.add_subparsers(dest="profile_command", metavar="COMMAND", required=True)
    show = commands.add_parser(
        "show",
        help="print the profile in force, with the source of each rule",
        description="Print the profile in force in the profile-file format; each rule says where it comes from.",
    )
    add_profile(show)
    show.set_defaults(handler=run_profile_show)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", action="append", metavar="ID", help="only this project (repeatable)")
    add_unit(parser)
    add_profile(parser)
    add_format(parser)
    add_db(parser)


# -- reading the arguments -------------------------------------------------------------


def _quarter(option: str, text: str, year: int | None = None) -> Quarter:
    try:
        quarter = Quarter.parse(text)
    except InvalidPeriod as invalid:
        raise ProblemsFound([Problem(option, f"{text!r}: {invalid.reason}")]) from None
    if year is not None and quarter.year != year:
        raise ProblemsFound([Problem(option, f"{text!r} is not a quarter of --year {year}")])
    return quarter


def _decimal(option: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return limits.number(Decimal(text), text)
    except InvalidOperation:
        raise ProblemsFound([Problem(option, f"{text!r} is not a number")]) from None
    except limits.OutOfBounds as beyond:
        raise ProblemsFound([Problem(option, str(beyond))]) from None


def _chosen(args: argparse.Namespace, year: int) -> list[str] | None:
    """The projects ``--project`` and ``--unit`` name (those named first), or None for every project."""
    if not args.unit:
        return list(args.project) if args.project else None
    with open_store(args.db) as store:
        return chosen_projects(store, year, args.project, args.unit)


def _progress(db: str | None, year: int, as_of: Quarter, ids: Sequence[str] | None) -> Iterator[Progress]:
    """The recorded year to ``as_of`` from the store, streamed; unknown project ids are problems.

    Problems are raised before the first project is handed out, so nothing has been
    printed yet when they are reported.
    """
    stream = _stream(db, year, as_of, ids)
    if ids:
        found = list(stream)
        known = {p.project.id for p in found}
        unknown = [Problem("--project", f"no project {key!r} with goals for {year}") for key in ids if key not in known]
        if unknown:
            raise ProblemsFound(unknown)
        stream = iter(found)
    first = next(stream, None)
    if first is None:
        raise ProblemsFound([Problem("--year", f"no goals for {year} in the database")])
    return itertools.chain([first], stream)


def _stream(db: str | None, year: int, as_of: Quarter, ids: Sequence[str] | None) -> Iterator[Progress]:
    with open_store(db) as store:
        yield from store.progress(year, as_of, ids or None)


# Turns a stream of projects' progress into one text per project (JSON or a table).
Render = Callable[[Iterator[Progress]], Iterator[str]]


@attrs.frozen
class _Layout:
    """How the texts of the projects are printed: before the first, between two, after the last."""

    opening: str
    between: str
    closing: str
    empty: str  # printed instead when there are no texts


JSON_ARRAY = _Layout("[\n", ",\n", "\n]\n", "[\n]\n")  # one item per line: memory stays flat
BLOCKS = _Layout("", "\n\n", "\n", "")  # blocks separated by an empty line


def _print(
    db: str | None, year: int, as_of: Quarter, ids: Sequence[str] | None, render: Render, layout: _Layout
) -> None:
    """Each project's text in project order; a large province's in two processes (see :data:`PARALLEL_FROM`)."""
    if ids or not _worth_two_processes(db, year):
        _print_texts(render(_progress(db, year, as_of, ids)), layout)
    else:
        _print_in_two_processes(db, year, as_of, render, layout)


def _print_texts(texts: Iterable[str], layout: _Layout, *, more: bool = False) -> bool:
    """Print the texts in ``layout``; with ``more``, leave the closing to the caller.  Whether any was printed."""
    write = sys.stdout.write
    before = layout.opening
    for text in texts:
        write(before)
        write(text)
        before = layout.between
    printed = before is layout.between
    if not more:
        write(layout.closing if printed else layout.empty)
    return printed


def _worth_two_processes(db: str | None, year: int) -> bool:
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    with open_store(db) as store:  # closed (no open connection) before any fork
        return bulk.count(store.engine, year) >= max(PARALLEL_FROM, 2)  # each half has a project


def _half(db: str | None, year: int, as_of: Quarter, half: int) -> Iterator[Progress]:
    with open_store(db) as store:
        yield from bulk.progress(store.engine, year, as_of, part=(half, 2))


def _print_in_two_processes(db: str | None, year: int, as_of: Quarter, render: Render, layout: _Layout) -> None:
    """The first half of the projects printed here while a forked child renders the second half to a file.

    Both halves run the same code on consecutive slices of the projects in order, so
    the output is exactly that of one process; only the wall time differs.  The child
    writes its texts already laid out (each after the separator) and encoded as
    standard output encodes them, so its half is copied to the output as bytes.
    """
    with _second_half(_write_half, db, year, as_of, render, layout) as finished:
        printed = _print_texts(render(_half(db, year, as_of, 0)), layout, more=True)
        with finished().open("rb") as second:
            if not printed:  # the second half's first text needs no separator, but the opening
                second.seek(len(layout.between.encode(sys.stdout.encoding)))
                sys.stdout.write(layout.opening)
            sys.stdout.flush()
            shutil.copyfileobj(second, sys.stdout.buffer)
            printed = printed or second.tell() > 0
        sys.stdout.write(layout.closing if printed else layout.empty)


@contextlib.contextmanager
def _second_half(work: Callable[..., None], *args: Any) -> Iterator[Callable[[], Path]]:
    """A forked child running ``work(path, *args)`` on the second half while this process does the first.

    Yields a function that waits for the child and gives the file it wrote (a failed
    child is a problem); on leaving, a child still running is stopped.
    """
    with tempfile.TemporaryDirectory(prefix="kpitrack-") as folder:
        path = Path(folder) / "second-half"
        sys.stdout.flush()  # a forked child must not write the parent's pending output again
        child = multiprocessing.get_context("fork").Process(target=work, args=(path, *args), daemon=True)
        child.start()

        def finished() -> Path:
            child.join()
            _check_child(child.exitcode)
            return path

        try:
            yield finished
        finally:
            if child.is_alive():
                child.kill()
                child.join()


def _write_half(path: Path, db: str | None, year: int, as_of: Quarter, render: Render, layout: _Layout) -> None:
    encoding, errors = sys.stdout.encoding, sys.stdout.errors or "strict"
    with _as_child(), path.open("wb") as out:
        for text in render(_half(db, year, as_of, 1)):
            out.write(f"{layout.between}{text}".encode(encoding, errors))


@contextlib.contextmanager
def _as_child() -> Iterator[None]:
    """In the second process: any failure becomes a message on standard error and exit code 1, not a traceback."""
    try:
        yield
    except ProblemsFound as found:
        for problem in found.problems:
            print(problem, file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as error:  # the boundary of a process: whatever failed is reported, briefly
        print(f"second process: {type(error).__name__}: {error}", file=sys.stderr)
        raise SystemExit(1) from None


def _check_child(exitcode: int | None) -> None:
    if exitcode != 0:
        why = f"exit code {exitcode}" if exitcode and exitcode > 0 else f"signal {-(exitcode or 0)}"
        message = f"the process working on the second half of the projects failed ({why}); the output is incomplete"
        raise ProblemsFound([Problem("", message)])


# -- handlers ---------------------------------------------------------------------------


def run_score(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)

    def scores(progress: Iterator[Progress]) -> Iterator[scoring.ProjectScore]:
        return map(scoring.evaluator(profile), progress)

    def as_json(progress: Iterator[Progress]) -> Iterator[str]:
        return report.score_json(scores(progress))

    def as_table(progress: Iterator[Progress]) -> Iterator[str]:
        return (report.render_scores([score]) for score in scores(progress))

    return _print_in_format(args, Quarter(args.year, 4), as_json, as_table)


def run_status(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    as_of = _quarter("--as-of", args.as_of)

    def statuses(progress: Iterator[Progress]) -> Iterator[monitoring.ProjectStatus]:
        return map(monitoring.assessor(profile), progress)

    def as_json(progress: Iterator[Progress]) -> Iterator[str]:
        return report.status_json(statuses(progress))

    def as_table(progress: Iterator[Progress]) -> Iterator[str]:
        return (report.render_statuses([status]) for status in statuses(progress))

    return _print_in_format(args, as_of, as_json, as_table)


def _print_in_format(args: argparse.Namespace, as_of: Quarter, as_json: Render, as_table: Render) -> int:
    json_format = args.format == "json"
    with no_cycle_collection():
        render, layout = (as_json, JSON_ARRAY) if json_format else (as_table, BLOCKS)
        _print(args.db, as_of.year, as_of, _chosen(args, as_of.year), render, layout)
    return 0


def run_underperforming(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    below, floor = _decimal("--below", args.below), _decimal("--floor", args.floor)
    if below is not None:
        profile = attrs.evolve(profile, underperforming_below=below)
    if floor is not None:
        profile = attrs.evolve(profile, execution_floor=floor)
    # The projects stream through; only the listed ones are kept.
    if args.as_of:
        as_of = _quarter("--as-of", args.as_of, args.year)
        assess = monitoring.assessor(profile)

        def listed(progress: Iterator[Progress]) -> list[monitoring.Underperformer]:
            return monitoring.underperformers_midyear(map(assess, progress))

        heading = f"Red and yellow projects at {as_of}"
    else:
        as_of = Quarter(args.year, 4)
        evaluate = scoring.evaluator(profile)

        def listed(progress: Iterator[Progress]) -> list[monitoring.Underperformer]:
            return monitoring.underperformers_year_end(map(evaluate, progress), profile)

        heading = (
            f"Underperforming in {args.year} (total below {show(profile.underperforming_below)}, missing data, "
            f"or execution below {show(profile.execution_floor * 100)}%)"
        )
    chosen = _chosen(args, as_of.year)
    with no_cycle_collection():
        if args.format == "json":
            _print_texts(_listed(args.db, as_of, chosen, listed, _json_line), JSON_ARRAY)
        else:
            found = _listed(args.db, as_of, chosen, listed, _as_listed)
            print(report.render_underperformers(found, heading))
    return 0


def _json_line(item: monitoring.Underperformer) -> str:
    return json.dumps(report.underperformer_record(item), ensure_ascii=False)


def _as_listed(item: monitoring.Underperformer) -> monitoring.Underperformer:
    return item


# Lists the underperformers among a stream of projects' progress.
Listed = Callable[[Iterator[Progress]], list[monitoring.Underperformer]]
# What is printed of each listed project: its JSON text, or the record itself for a table.
Shown = TypeVar("Shown")


def _listed(
    db: str | None, as_of: Quarter, ids: Sequence[str] | None, listed: Listed, shown: Callable[[Any], Shown]
) -> list[Shown]:
    """What is shown of the underperformers at ``as_of``; a large province's halves in two processes, merged.

    The second process sends each listed project of its half as its rank and what is
    shown of it (a JSON line is far cheaper to send than the project it describes),
    and :func:`kpitrack.monitoring.merge` merges the halves by those ranks.
    """
    if ids or not _worth_two_processes(db, as_of.year):
        return [shown(item) for item in listed(_progress(db, as_of.year, as_of, ids))]
    with _second_half(_pickle_half, listed, shown, db, as_of) as finished:
        first = _ranked(listed(_half(db, as_of.year, as_of, 0)), shown)
        with finished().open("rb") as handle:
            # Written just now by our own child process: a trusted file.
            second: list[tuple[tuple[Any, ...], Shown]] = pickle.load(handle)
    return [item for _, item in monitoring.merge([first, second], rank=operator.itemgetter(0))]


def _ranked(
    found: list[monitoring.Underperformer], shown: Callable[[Any], Shown]
) -> list[tuple[tuple[Any, ...], Shown]]:
    return [(item.rank, shown(item)) for item in found]


def _pickle_half(path: Path, listed: Listed, shown: Callable[[Any], Any], db: str | None, as_of: Quarter) -> None:
    with _as_child(), path.open("wb") as handle:
        found = _ranked(listed(_half(db, as_of.year, as_of, 1)), shown)
        pickle.dump(found, handle, protocol=pickle.HIGHEST_PROTOCOL)


def run_profile_show(args: argparse.Namespace) -> int:
    print(report.profile_text(load_profile(args.profile)))
    return 0
