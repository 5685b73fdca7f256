"""Scoring profiles (评分规则): the default of 财预〔2020〕10号 and profile files that override it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kpitrack.io.profilefile import load, loads
from kpitrack.profile import DEFAULT, ElapsedBasis, ExactVariant, Profile, Rating, ReverseVariant, validate
from kpitrack.readings import Grade

D = Decimal


def test_default__weights_follow_cai_yu_2020_10() -> None:
    # 预算执行率 10 + 产出 50 + 效益 30 + 满意度 10 = 100
    assert DEFAULT.execution_weight == 10
    assert dict(DEFAULT.tier_weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert DEFAULT.total_weight == 100
    assert validate(DEFAULT) == []


def test_default__qualitative_bands_80_60_and_bare_grade_scores_100_70_30() -> None:
    assert dict(DEFAULT.grade_bands) == {
        Grade.ACHIEVED: (80, 100),
        Grade.PARTIAL: (60, 80),
        Grade.MISSED: (0, 60),
    }
    assert dict(DEFAULT.grade_defaults) == {Grade.ACHIEVED: 100, Grade.PARTIAL: 70, Grade.MISSED: 30}


@pytest.mark.parametrize(
    ("grade", "score", "inside"),
    [
        (Grade.ACHIEVED, "100", True),  # the top band is closed
        (Grade.ACHIEVED, "80", True),
        (Grade.PARTIAL, "80", False),  # [60, 80) is half-open
        (Grade.PARTIAL, "60", True),
        (Grade.PARTIAL, "59.9", False),
        (Grade.MISSED, "0", True),
        (Grade.MISSED, "60", False),
    ],
)
def test_in_band__top_band_closed_others_half_open(grade: Grade, score: str, inside: bool) -> None:
    assert DEFAULT.in_band(grade, D(score)) is inside


def test_profile_file__twenty_point_execution_with_forty_point_output() -> None:
    profile, problems = loads(
        """
        name = "预算执行率 20 分"
        [scoring]
        execution = 20
        [scoring.tiers]
        "产出指标" = 40
        """,
        "profile.toml",
    )
    assert problems == []
    assert profile is not None
    # 20 + 40 + 30 (kept) + 10 (kept) = 100
    assert (profile.execution_weight, dict(profile.tier_weights)) == (
        D(20),
        {"产出指标": D(40), "效益指标": D(30), "满意度指标": D(10)},
    )
    assert profile.sources["scoring.tiers"] == "profile.toml"
    assert profile.sources["scoring.grades"].startswith("default")


def test_profile_file__every_variant_and_band_can_be_set() -> None:
    profile, problems = loads(
        """
        [scoring]
        reverse = "linear"
        exact = "strict"
        over_achievement = 1.5
        [scoring.qualitative]
        bands = "80/50"
        defaults = { "部分达成" = 65 }
        [scoring.grades]
        "优" = 95
        [monitoring]
        red_below = 0.5
        green_from = 0.9
        blue_from = 1.3
        elapsed = "plan"
        [underperforming]
        below = 70
        execution_floor = 0.85
        """,
        "p.toml",
    )
    assert problems == []
    assert profile is not None
    assert profile.reverse is ReverseVariant.LINEAR
    assert profile.exact is ExactVariant.STRICT
    assert profile.over_achievement == D("1.5")
    assert profile.grade_bands[Grade.PARTIAL] == (50, 80)
    assert profile.grade_defaults[Grade.PARTIAL] == 65
    assert profile.grade_cutoffs[Rating.EXCELLENT] == 95
    assert (profile.monitoring.red_below, profile.monitoring.green_from) == (D("0.5"), D("0.9"))
    assert profile.elapsed_basis is ElapsedBasis.PLAN
    assert (profile.underperforming_below, profile.execution_floor) == (70, D("0.85"))


def test_profile_file__bands_as_a_table() -> None:
    profile, problems = loads('[scoring.qualitative.bands]\n"部分达成" = [50, 80]\n"未达成" = [0, 50]\n', "p.toml")
    assert problems == []
    assert profile is not None and profile.grade_bands[Grade.MISSED] == (0, 50)


def test_profile_file__weights_must_make_100() -> None:
    # 10 + 45 + 30 + 10 = 95
    profile, problems = loads('[scoring.tiers]\n"产出指标" = 45\n', "profile.toml")
    assert profile is None
    assert [str(p) for p in problems] == [
        "profile.toml: scoring.tiers: tier weights and the execution weight must make 100, not 95 "
        "(预算执行率 10 + 产出指标 45 + 效益指标 30 + 满意度指标 10)"
    ]


def test_profile_file__every_problem_located_and_quoted() -> None:
    profile, problems = loads(
        """
        name = 3
        [scoring]
        execution = "20"
        colour = 1
        [scoring.tiers]
        "产品指标" = 3
        [scoring.qualitative]
        bands = "80/40"
        [monitoring]
        elapsed = "calendar"
        """,
        "profile.toml",
    )
    assert profile is None
    assert [str(p) for p in problems] == [
        "profile.toml: name: expected text, got 3",
        "profile.toml: scoring.colour: unknown key; expected one of execution, tiers, row_rounding, reverse, "
        "exact, over_achievement, qualitative, grades",
        "profile.toml: scoring.execution: expected a number, got the text '20'",
        "profile.toml: scoring.tiers.产品指标: unknown key; expected one of 产出指标, 效益指标, 满意度指标 "
        '(a tier of your own is a table: { weight = 20, level2 = ["…"] })',
        "profile.toml: scoring.qualitative.bands: expected one of 80/60, 80/50, got the text '80/40'",
        "profile.toml: monitoring.elapsed: expected one of time, plan, got the text 'calendar'",
    ]


def test_profile_file__a_boolean_is_not_a_number() -> None:
    _, problems = loads("[underperforming]\nbelow = true\n", "p.toml")
    assert [str(p) for p in problems] == ["p.toml: underperforming.below: expected a number, got the boolean true"]


def test_profile_file__bands_must_be_ordered_and_defaults_inside() -> None:
    _, problems = loads(
        '[scoring.qualitative]\nbands = "80/50"\ndefaults = { "部分达成" = 45 }\n[monitoring]\nred_below = 0.9\n',
        "p.toml",
    )
    assert [str(p) for p in problems] == [
        "p.toml: scoring.qualitative.defaults.部分达成: "
        "the default score 45 lies outside the band [50, 80) of 部分达成",
        "p.toml: monitoring: bands must be ordered 0 < red_below < green_from ≤ 1 < blue_from",
    ]


def test_profile_file__overlapping_bands_rejected() -> None:
    _, problems = loads('[scoring.qualitative.bands]\n"部分达成" = [50, 70]\n', "p.toml")
    assert [p.where for p in problems] == ["p.toml: scoring.qualitative.bands"]


def test_profile_file__invalid_toml_and_unreadable_file(tmp_path: Path) -> None:
    _, problems = loads("[scoring\n", "p.toml")  # located as a goal file's syntax error is: file:line
    assert [str(p) for p in problems] == [
        "p.toml:1: not valid TOML: Expected ']' at the end of a table declaration (column 9)"
    ]
    _, problems = load(tmp_path / "absent.toml")
    assert problems[0].message.startswith("cannot read the profile")


def test_validate__a_hand_built_profile_is_checked_too() -> None:
    odd = Profile(execution_weight=D(20))  # 20 + 50 + 30 + 10 = 110
    assert [p.where for p in validate(odd)] == ["scoring.tiers"]
