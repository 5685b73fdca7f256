"""The report's hand-written JSON encoder gives exactly ``json.dumps(..., ensure_ascii=False)``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitrack import report

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # any code point: quotes, backslashes, control characters, CJK, lone surrogates
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_values)
def test_any_record_is_encoded_as_json_dumps_does(value: Any) -> None:
    assert report._dumps(value) == json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [
        {"explain": '≥90%: 95 ≥ 90 → full 8.33 "quoted" \\ back\tslash\n', "score": 8.33, "weight": 10},
        {"flags": ["over-achievement: 300 ≥ 2 × 100"], "last_year": None, "ok": True},
        [1.0, 0.1, 1e-07, 12345678901234567890, -0.0],
    ],
)
def test_report_shapes_are_encoded_as_json_dumps_does(value: Any) -> None:
    assert report._dumps(value) == json.dumps(value, ensure_ascii=False)


def test_a_value_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        report._dumps({"x": {1, 2}})
