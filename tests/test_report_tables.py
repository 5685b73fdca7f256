"""The report's tables: laid out by hand as ``tabulate`` lays them out, for speed, and held equal to it.

A province prints a hundred thousand 自评表; ``report._table`` makes them without
``tabulate``'s per-cell type inference, and must give exactly its text, for Chinese
(two columns wide), ASCII, empty cells, and the cells it hands back to ``tabulate``
(line breaks, tabs, escapes, spaces at either end, unprintable characters).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from kpitrack import report

_PLAIN = "产出指标数量质量满意度达成部分未元万%≥≤→—·abcXYZ019 .:/()（）"
_AWKWARD = ["\n", "\t", "\x1b[31m", "\x07", "\u0301", "\u200b", "\u3000", " ", "😀", "\r"]

cells = st.one_of(
    st.text(alphabet=_PLAIN, max_size=12),
    st.text(alphabet=_PLAIN + "".join(_AWKWARD), max_size=6),
)


plain_cells = st.text(alphabet=_PLAIN, max_size=12).map(str.strip)


@st.composite
def tables(draw: st.DrawFn, cell: st.SearchStrategy[str] = cells, least: int = 0) -> tuple[list[list[str]], list[str]]:
    columns = draw(st.integers(1, 6))
    headers = draw(st.lists(cell, min_size=columns, max_size=columns))
    rows = draw(st.lists(st.lists(cell, min_size=columns, max_size=columns), min_size=least, max_size=5))
    return rows, headers


@settings(max_examples=400)
@given(tables())
def test_the_layout_is_tabulate_s(table: tuple[list[list[str]], list[str]]) -> None:
    rows, headers = table
    assert report._table(rows, headers) == tabulate(rows, headers=headers, disable_numparse=True)


@settings(max_examples=300)
@given(tables(plain_cells, least=1))
def test_plain_tables_are_laid_out_without_tabulate(table: tuple[list[list[str]], list[str]]) -> None:
    rows, headers = table
    expected = tabulate(rows, headers=headers, disable_numparse=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "tabulate", _not_called)
        assert report._table(rows, headers) == expected


def _not_called(*args: object, **kwargs: object) -> str:
    raise AssertionError("a table of plain cells went to tabulate")


@pytest.mark.parametrize(
    ("rows", "headers"),
    [
        ([["9", "8.29", "92.11%", "10", "9.21"]], ["全年预算数(万元)", "全年执行数", "执行率", "分值", "得分"]),
        ([["产出指标", "", "≥90%: 92.4 ≥ 90 → full 6.25"], ["", "", ""]], ["一级指标", "", "计算"]),
        ([["", ""]], ["", ""]),
        ([], ["一级指标", "计算"]),
        ([["两行\n文字", "x"]], ["a", "b"]),
        ([[" 前后有空格 ", "x"]], ["a", "b"]),
    ],
)
def test_tables_of_the_reports(rows: list[list[str]], headers: list[str]) -> None:
    assert report._table(rows, headers) == tabulate(rows, headers=headers, disable_numparse=True)
