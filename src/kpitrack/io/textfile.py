"""Text files as Excel, WPS and Notepad save them on Chinese Windows (文本编码): UTF-8, GBK/GB18030, UTF-16.

"CSV UTF-8" from Excel starts with a byte-order mark; plain "CSV" is in the
system's code page, GBK on Chinese Windows; "Unicode text" is UTF-16 with a BOM
(and tab-separated).  :func:`csv_rows` reads any of them as CSV, :func:`read_text`
a goal or profile file (TOML).  A BOM decides the encoding; else the whole file is
tried as strict UTF-8, then as GB18030 (GBK's superset).  A file that is neither
is a located problem naming the line of the first bad byte.  The test reads the
file once more in C (about a second per gigabyte), so that an import never stops
half-way through on an undecodable row.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from kpitrack.problems import Problem, ProblemsFound

__all__ = ["CsvFormat", "csv_format", "csv_rows", "read_text"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16's: FF FE starts both
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHUNK = 1 << 20


@attrs.frozen
class CsvFormat:
    """How a CSV file is written: its encoding and the character between its cells."""

    encoding: str
    delimiter: str


def csv_format(path: Path) -> CsvFormat:
    """How ``path`` is written; :class:`ProblemsFound` when it is no text kpitrack can read."""
    encoding = _encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.readline()
    # Excel's "Unicode text" is tab-separated; a header of commas is a CSV whatever its encoding.
    return CsvFormat(encoding, "\t" if "\t" in first and "," not in first else ",")


@contextmanager
def csv_rows(path: Path, how: CsvFormat | None = None) -> Iterator[Any]:
    """A :func:`csv.reader` over ``path``, in the format it is written in (or ``how``), closed on leaving."""
    how = how or csv_format(path)
    with path.open(encoding=how.encoding, newline="") as handle:
        # Strict: a quote left open would otherwise swallow the rest of the file into one cell.
        yield csv.reader(handle, delimiter=how.delimiter, strict=True)


def read_text(path: Path) -> str:
    """The text of ``path`` in the encoding it is written in, without a byte-order mark.

    Raises :class:`ProblemsFound` when it is no text kpitrack can read, and
    :class:`OSError` when it cannot be read at all.
    """
    encoding = _encoding(path)
    return path.read_text(encoding="utf-8-sig" if encoding == "utf-8" else encoding).removeprefix("\ufeff")


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        start = handle.read(4)
    for bom, encoding in _BOMS:
        if start.startswith(bom):
            bad_at = _scan(path, encoding).bad_at
            if bad_at is not None:  # a byte-order mark that the rest of the file belies
                shown = encoding.upper().removesuffix("-SIG")
                reason = f"not {shown} text, though it starts as such: save the file as UTF-8"
                raise ProblemsFound([Problem(f"{path}: line {_line_of(path, bad_at)}", reason)])
            return encoding
    as_utf8 = _scan(path, "utf-8")
    if as_utf8.bad_at is None and not as_utf8.unlikely:
        return "utf-8"
    as_gbk = _scan(path, "gb18030")
    if as_gbk.bad_at is None and (as_utf8.bad_at is not None or not as_gbk.unlikely):
        return "gb18030"
    if as_utf8.bad_at is None:  # unlikely either way: UTF-8 is the likelier
        return "utf-8"
    line = _line_of(path, as_utf8.bad_at)
    raise ProblemsFound([Problem(f"{path}: line {line}", "neither UTF-8 nor GBK/GB18030 text: save the file as UTF-8")])


# Characters a goal table or a file of actuals holds: ASCII, Latin-1 signs (×, °), Greek (μ),
# punctuation, signs and symbols (≥, ℃, ①, ■), CJK punctuation and ideographs, fullwidth forms.
# GBK bytes read as UTF-8 by mistake (元 is D4 AA, which UTF-8 reads as Ԫ) fall outside it.
_UNLIKELY = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\xff\u0370-\u03ff\u2000-\u27bf\u3000-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\ufeff\uff00-\uffef\U00020000-\U0002fa1f]"
)


@attrs.frozen
class _Scan:
    """A file read in one encoding: where the first byte it cannot decode is, and whether it reads unlikely."""

    bad_at: int | None
    unlikely: bool


def _scan(path: Path, encoding: str) -> _Scan:
    """``path`` decoded in ``encoding`` a block at a time (memory stays flat on a 200 MB file)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, unlikely = 0, False
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                return _Scan(offset + error.start, unlikely)
            unlikely = unlikely or (not chunk.isascii() and _UNLIKELY.search(text) is not None)
            if not chunk:
                return _Scan(None, unlikely)
            offset += len(chunk)


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        return handle.read(offset).count(b"\n") + 1
