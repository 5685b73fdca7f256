"""Form layouts (表样) as data: what each official form looks like, read from a TOML file.

The 自评表, the 绩效运行监控表 and the 绩效目标表 are described in ``layouts/*.toml``
beside this module: the title, the font, the column widths, the rows above and below
the indicators as cells (a fixed ``text`` or a ``field`` kpitrack fills, with ``span``
and ``rows`` merges; an ``input`` field is one a unit fills in), the indicator columns
and the summary sheet's columns.  A province whose form differs gives its own file
(``kpitrack form … --layout FILE``), as a scoring profile is a file.
:mod:`kpitrack.io.forms` fills a layout and reads a filled one back; this module
only reads and checks the description, strictly: an unknown key or field is a
located problem, never a silent blank.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from kpitrack.io import strict_toml
from kpitrack.problems import Problem, ProblemsFound

__all__ = ["FORMS", "Cell", "Column", "Layout", "Placed", "builtin", "grid", "load"]

FORMS = ("selfeval", "monitor", "goals")
_HERE = Path(__file__).parent / "layouts"
_ALIGNS = ("center", "left")


@attrs.frozen
class Cell:
    """A cell of a row above or below the indicators: fixed ``text`` or a ``field`` kpitrack fills."""

    text: str = ""
    field: str = ""
    span: int = 1  # columns, to the right
    rows: int = 1  # rows, downwards
    align: str = "center"
    input: bool = False  # a field a unit fills in (the budget row's 偏差原因), read back by ``kpitrack import``


@attrs.frozen
class Column:
    """An indicator column (or a summary column): its header, the field it shows, how it looks."""

    header: str
    field: str
    merge: bool = False  # equal cells merged down (一级指标, 二级指标)
    input: bool = False  # what a unit fills in, read back by ``kpitrack import``
    align: str = "center"
    width: float = 12


@attrs.frozen
class Layout:
    """One form's layout (表样)."""

    form: str
    title: str
    font: str
    size: float
    widths: tuple[float, ...]
    head: tuple[tuple[Cell, ...], ...]
    columns: tuple[Column, ...]
    foot: tuple[tuple[Cell, ...], ...]
    signature: str
    summary: tuple[Column, ...]
    source: str = attrs.field(default="", eq=False)

    @property
    def width(self) -> int:
        """Columns the form spans."""
        return len(self.widths)


@attrs.frozen
class Placed:
    """A cell of :func:`grid` at its place: row and column (from 1) and the merge it heads."""

    cell: Cell
    row: int
    column: int
    last_row: int
    last_column: int


def grid(rows: Sequence[Sequence[Cell]], width: int, first_row: int = 1) -> tuple[list[Placed], list[str]]:
    """Place rows of cells left to right, skipping places that a ``rows`` merge above covers.

    Returns the placed cells and what does not fit (a row wider than ``width``, one that
    leaves places empty), as messages naming the row (from 1 within ``rows``).
    """
    covered: set[tuple[int, int]] = set()
    placed: list[Placed] = []
    errors: list[str] = []
    for offset, cells in enumerate(rows):
        row, column = first_row + offset, 1
        for cell in cells:
            while (row, column) in covered:
                column += 1
            last_row, last_column = row + cell.rows - 1, column + cell.span - 1
            placed.append(Placed(cell, row, column, last_row, last_column))
            covered.update((r, c) for r in range(row, last_row + 1) for c in range(column, last_column + 1))
            column = last_column + 1
        while (row, column) in covered:
            column += 1
        if column - 1 != width:
            errors.append(f"row {offset + 1} spans {column - 1} columns, the form {width}")
    return placed, errors


def builtin(form: str) -> Layout:
    """The layout kpitrack ships for ``form`` (selfeval, monitor, goals)."""
    return load(_HERE / f"{form}.toml")


def load(path: Path, fields: Mapping[str, Collection[str]] | None = None) -> Layout:
    """Read a layout file; every problem is raised at once as :class:`ProblemsFound`, located in the file.

    ``fields`` (by part: ``head``, ``columns``, ``summary``, and ``inputs``: the head's
    fields import reads) are the fields the form knows; a layout naming another is rejected.
    """
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        raise ProblemsFound([Problem(where, f"cannot read the layout: {failure}")]) from None
    raw, syntax = strict_toml.parse(text, where)
    if raw is None:
        raise ProblemsFound([syntax] if syntax else [])
    reader = _Reader(where)
    layout = reader.layout(raw, fields)
    if reader.problems or layout is None:
        raise ProblemsFound(reader.problems)
    return layout


_LAYOUT_KEYS = ("form", "title", "font", "size", "widths", "head", "columns", "foot", "signature", "summary")
_CELL_KEYS = ("text", "field", "span", "rows", "align", "input")
_COLUMN_KEYS = ("header", "field", "merge", "input", "align", "width")


class _Reader:
    """Reads a layout's TOML strictly, collecting ``file: path: message`` problems."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(f"{self.where}: {path}" if path else self.where, message))

    def keys(self, raw: Mapping[str, Any], known: Sequence[str], path: str) -> None:
        for key in raw:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(f"{path}.{key}" if path else key, f"unknown key{hint}")

    def get(self, raw: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str, default: Any) -> Any:
        if key not in raw:
            if default is _REQUIRED:
                self.error(f"{path}.{key}" if path else key, "required key is missing")
            return None if default is _REQUIRED else default
        value = raw[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.error(f"{path}.{key}" if path else key, f"expected {_kind_name(kind)}, got {value!r}")
            return None if default is _REQUIRED else default
        return value

    def layout(self, raw: Mapping[str, Any], fields: Mapping[str, Collection[str]] | None) -> Layout | None:
        self.keys(raw, _LAYOUT_KEYS, "")
        form = self.get(raw, "form", str, "", _REQUIRED)
        if form is not None and form not in FORMS:
            self.error("form", f"{form!r} is not one of {', '.join(FORMS)}")
        widths = tuple(self.get(raw, "widths", list, "", _REQUIRED) or ())
        if not widths or not all(isinstance(w, int | Decimal) and not isinstance(w, bool) and w > 0 for w in widths):
            self.error("widths", "expected a list of positive column widths")
        known = fields or {}
        head = self.rows(raw, "head", known.get("head"), known.get("inputs"))
        foot = self.rows(raw, "foot", known.get("head"), ())
        columns = self.columns(raw, "columns", known.get("columns"))
        summary = self.columns(raw, "summary", known.get("summary"))
        if columns and widths and len(columns) != len(widths):
            self.error("columns", f"{len(columns)} indicator columns, but {len(widths)} widths")
        for part, rows in (("head", head), ("foot", foot)):
            for message in grid(rows, len(widths))[1]:
                self.error(part, message)
        if self.problems:
            return None
        return Layout(
            form=form,
            title=self.get(raw, "title", str, "", _REQUIRED),
            font=self.get(raw, "font", str, "", "宋体"),
            size=float(self.get(raw, "size", (int, Decimal), "", 10)),
            widths=tuple(float(w) for w in widths),
            head=head,
            columns=columns,
            foot=foot,
            signature=self.get(raw, "signature", str, "", ""),
            summary=summary,
            source=self.where,
        )

    def rows(
        self, raw: Mapping[str, Any], key: str, fields: Collection[str] | None, inputs: Collection[str] | None
    ) -> tuple[tuple[Cell, ...], ...]:
        rows = self.get(raw, key, list, "", [])
        built = []
        for r, row in enumerate(rows):
            if not isinstance(row, list):
                self.error(f"{key}[{r}]", "expected a list of cells")
                continue
            built.append(tuple(self.cell(item, f"{key}[{r}][{c}]", fields, inputs) for c, item in enumerate(row)))
        return tuple(built)

    def cell(self, raw: Any, path: str, fields: Collection[str] | None, inputs: Collection[str] | None) -> Cell:
        """A cell; ``inputs``: the fields import reads back, which alone may be an ``input`` (None: any field)."""
        if not isinstance(raw, dict):
            self.error(path, 'expected a table such as { text = "项目名称" }')
            return Cell()
        self.keys(raw, _CELL_KEYS, path)
        field = self.get(raw, "field", str, path, "")
        self.known(field, fields, f"{path}.field")
        if field and "text" in raw:
            self.error(path, "a cell has a text or a field, not both")
        filled_in = self.get(raw, "input", bool, path, False)
        if filled_in and (not field or (inputs is not None and field not in inputs)):
            known = ", ".join(inputs or ()) or "none here"
            self.error(f"{path}.input", f"import reads no field {field!r} from this part of the form ({known})")
        return Cell(
            text=self.get(raw, "text", str, path, ""),
            field=field,
            span=self.positive(raw, "span", path),
            rows=self.positive(raw, "rows", path),
            align=self.align(raw, path),
            input=filled_in,
        )

    def columns(self, raw: Mapping[str, Any], key: str, fields: Collection[str] | None) -> tuple[Column, ...]:
        items = self.get(raw, key, list, "", _REQUIRED) or []
        built = []
        for i, item in enumerate(items):
            path = f"{key}[{i}]"
            if not isinstance(item, dict):
                self.error(path, "expected a table ([[columns]])")
                continue
            self.keys(item, _COLUMN_KEYS, path)
            field = self.get(item, "field", str, path, _REQUIRED) or ""
            self.known(field, fields, f"{path}.field")
            built.append(
                Column(
                    header=self.get(item, "header", str, path, _REQUIRED) or "",
                    field=field,
                    merge=self.get(item, "merge", bool, path, False),
                    input=self.get(item, "input", bool, path, False),
                    align=self.align(item, path),
                    width=float(self.get(item, "width", (int, Decimal), path, 12)),
                )
            )
        return tuple(built)

    def known(self, field: str, fields: Collection[str] | None, path: str) -> None:
        if field and fields is not None and field not in fields:
            close = difflib.get_close_matches(field, list(fields), n=1)
            self.error(path, f"unknown field {field!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))

    def positive(self, raw: Mapping[str, Any], key: str, path: str) -> int:
        value: int = self.get(raw, key, int, path, 1)
        if value < 1:
            self.error(f"{path}.{key}", f"expected a positive number of cells, got {value}")
            return 1
        return value

    def align(self, raw: Mapping[str, Any], path: str) -> str:
        value: str = self.get(raw, "align", str, path, "center")
        if value not in _ALIGNS:
            self.error(f"{path}.align", f"{value!r} is not one of {', '.join(_ALIGNS)}")
            return "center"
        return value


_REQUIRED = object()


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", Decimal: "a number", list: "a list", bool: "true or false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
