"""The goal-table checks, each on a small inline goal file, with its exact message."""

from __future__ import annotations

from decimal import Decimal

from kpitrack import checks
from kpitrack.io import goalfile
from kpitrack.model import Project
from kpitrack.problems import Problem, Severity
from kpitrack.profile import DEFAULT

HEAD = """\
id = "p01"
name = "法制宣传工作经费"
unit = "昌吉州市场监督管理局"
year = 2021
budget = 35
plan = { Q2 = 10, Q3 = 15, Q4 = 10 }
"""

OUTPUT = """
[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "聘请法律顾问人数"
target = "1人"
"""
BENEFIT = """
[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "法治意识"
target = "逐年提高"
"""
SATISFACTION = """
[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "社会公众满意度"
target = "≥90%"
"""
CLEAN = HEAD + OUTPUT + BENEFIT + SATISFACTION


def project(text: str, where: str = "goals/p01.toml") -> Project:
    loaded, problems = goalfile.loads(text, where)
    assert problems == [] and loaded is not None
    return loaded


def validated(projects: list[Project]) -> list[Problem]:
    """:func:`checks.validate` without the notes of inferred readings (tested on their own below)."""
    return [p for p in checks.validate(projects) if p.severity is not Severity.NOTE]


def found(*projects: Project, tier_weights: dict[str, Decimal] | None = None) -> list[str]:
    """The errors and warnings (notes of inferred readings have tests of their own)."""
    chosen = DEFAULT if tier_weights is None else DEFAULT.with_tiers(tier_weights)
    problems = checks.validate(projects, chosen)
    return [str(p) for p in problems if p.severity is not Severity.NOTE]


def indicator(id: str, level2: str, name: str, target: str, extra: str = "") -> str:
    return f'\n[[indicators]]\nid = "{id}"\nlevel2 = "{level2}"\nname = "{name}"\ntarget = "{target}"\n{extra}'


def test_a_clean_project_has_no_problems() -> None:
    assert found(project(CLEAN)) == []


def test_duplicate_project_ids_in_one_year() -> None:
    first = project(CLEAN, "goals/a.toml")
    second = project(CLEAN, "goals/b.toml")
    next_year = project(CLEAN.replace("year = 2021", "year = 2022"), "goals/c.toml")
    assert found(first, second, next_year) == [
        "goals/b.toml: duplicate project id 'p01' (2021), also in goals/a.toml",
    ]


def test_duplicate_indicator_ids() -> None:
    text = CLEAN + indicator("qty1", "数量指标", "印制宣传资料", "10000份")
    assert found(project(text)) == ["goals/p01.toml: indicators[3]: duplicate indicator id 'qty1', also indicators[0]"]


def test_weights_all_or_none_within_a_tier() -> None:
    text = HEAD + OUTPUT.replace('target = "1人"', 'target = "1人"\nweight = 50') + BENEFIT + SATISFACTION
    text += indicator("qty2", "数量指标", "印制宣传资料", "10000份")
    assert found(project(text)) == [
        "goals/p01.toml: 产出指标: some indicators have a weight and indicators[3] (qty2) do not; give all or none"
    ]


def test_weights_must_add_up_to_the_tier_weight() -> None:
    text = HEAD + OUTPUT.replace('target = "1人"', 'target = "1人"\nweight = 20')
    text += indicator("qty2", "数量指标", "印制宣传资料", "10000份", "weight = 25.5\n") + BENEFIT + SATISFACTION
    assert found(project(text)) == [
        "goals/p01.toml: 产出指标: indicator weights add up to 45.5, expected the tier weight 50"
    ]
    # A profile with other tier weights (产出 45.5) accepts the same table.
    weights = {"产出指标": Decimal("45.5"), "效益指标": Decimal(30), "满意度指标": Decimal(10)}
    assert found(project(text), tier_weights=weights) == []


def test_fund_plan_must_add_up_to_the_budget() -> None:
    text = CLEAN.replace("Q4 = 10", "Q4 = 5")
    assert found(project(text)) == ["goals/p01.toml: the fund plan adds up to 30 万元, but the budget is 35 万元"]


def test_an_empty_plan_is_a_warning() -> None:
    problems = validated([project(CLEAN.replace("{ Q2 = 10, Q3 = 15, Q4 = 10 }", "{}"))])
    assert [(str(p), p.severity) for p in problems] == [
        ("goals/p01.toml: warning: no fund plan (资金分配情况)", Severity.WARNING)
    ]


def test_fiscal_and_other_must_make_the_budget() -> None:
    assert found(project(CLEAN.replace("budget = 35", "budget = 35\nfiscal = 30\nother = 0"))) == [
        "goals/p01.toml: fiscal 30 + other 0 = 30 万元, but the budget is 35 万元"
    ]
    assert found(project(CLEAN.replace("budget = 35", "budget = 35\nfiscal = 30\nother = 5"))) == []
    assert found(project(CLEAN.replace("budget = 35", "budget = 35\nother = 5"))) == [
        "goals/p01.toml: fiscal 0 + other 5 = 5 万元, but the budget is 35 万元"
    ]


def test_plan_mixing_quarters_and_half_years() -> None:
    text = CLEAN.replace("{ Q2 = 10, Q3 = 15, Q4 = 10 }", "{ Q2 = 10, H2 = 25 }")
    assert found(project(text)) == [
        "goals/p01.toml: the fund plan mixes quarters and half-years (Q2, H2); use one or the other"
    ]


def test_cost_caps_above_the_budget_warn() -> None:
    text = (
        CLEAN
        + indicator("cost1", "成本指标", "宣传经费", "25万元")
        + indicator("cost2", "成本指标", "顾问", "≤120000元")
    )
    problems = validated([project(text)])
    assert [(str(p), p.severity) for p in problems] == [
        ("goals/p01.toml: warning: 成本指标 caps add up to 37 万元, more than the budget of 35 万元", Severity.WARNING)
    ]
    # Caps that fit the budget, and ≥ targets, are fine.
    fits = (
        CLEAN + indicator("cost1", "成本指标", "宣传经费", "25万元") + indicator("cost2", "成本指标", "顾问", "≥20万元")
    )
    assert found(project(fits)) == []


def test_a_cap_on_a_count_looks_like_a_typo() -> None:
    text = CLEAN + indicator("soc2", "社会效益指标", "公开监督抽检结果（次）", "≦1")
    problems = validated([project(text)])
    assert [(str(p), p.severity) for p in problems] == [
        (
            "goals/p01.toml: indicators[3]: warning: '公开监督抽检结果（次）' caps a count at ≤1 (次); "
            "counts are normally a minimum: is it a typo for ≥1?",
            Severity.WARNING,
        )
    ]


def test_caps_on_things_one_wants_fewer_of_are_meant() -> None:
    text = (
        CLEAN
        + indicator("sat2", "满意度指标", "检查人员被投诉次数（次）", "≦0")
        + indicator("qual1", "质量指标", "发生安全事故（起）", "≤1起")
        + indicator("qual2", "质量指标", "系统故障率（%）", "≦5%")
        + indicator("cost1", "成本指标", "印刷份数成本", "≤3万元")
    )
    assert found(project(text)) == []


def test_missing_level1_categories_warn() -> None:
    problems = validated([project(HEAD + OUTPUT)])
    assert [(str(p), p.severity) for p in problems] == [
        ("goals/p01.toml: warning: no 效益指标, 满意度指标 indicators", Severity.WARNING)
    ]


def test_unknown_level2_warns() -> None:
    text = CLEAN + indicator("x1", "社会指标", "宣传", "持续")
    problems = validated([project(text)])
    assert [(str(p), p.severity) for p in problems] == [
        (
            "goals/p01.toml: indicators[3]: warning: unknown level-2 category '社会指标'; known: 数量指标, 质量指标, "
            "时效指标, 成本指标, 经济效益指标, 社会效益指标, 生态效益指标, 可持续影响指标, "
            "服务对象满意度指标, 满意度指标",
            Severity.WARNING,
        )
    ]


def test_an_indicator_printed_under_another_level1_warns_and_counts_under_its_level2_s_tier() -> None:
    # A 社会效益指标 row printed inside the 产出 block: a warning naming both; 效益 is not missing.
    text = CLEAN.replace('id = "soc1"\n', 'id = "soc1"\nlevel1 = "产出指标"\n')
    problems = validated([project(text)])
    assert [(str(p), p.severity) for p in problems] == [
        (
            "goals/p01.toml: indicators[1]: warning: '法治意识' is printed under level 1 '产出指标', but its "
            "level 2 '社会效益指标' belongs to '效益指标': it is scored under '效益指标'",
            Severity.WARNING,
        ),
    ]


def test_a_deadline_in_another_year_warns() -> None:
    text = CLEAN + indicator("time1", "时效指标", "项目开展时间", "2020年1-12月")
    problems = validated([project(text)])
    assert [(str(p), p.severity) for p in problems] == [
        (
            "goals/p01.toml: indicators[3]: warning: deadline 2020年1-12月 is not in the project's year 2021",
            Severity.WARNING,
        )
    ]
    assert found(project(CLEAN + indicator("time1", "时效指标", "项目开展时间", "2021年1-12月"))) == []


def test_a_project_without_a_source_is_named_by_its_id() -> None:
    bare = project(CLEAN.replace("Q4 = 10", "Q4 = 5"), where="")
    assert found(bare) == ["project p01: the fund plan adds up to 30 万元, but the budget is 35 万元"]


def test_the_default_tier_weights_are_the_national_ones_and_the_checks_use_the_profile_s() -> None:
    assert dict(DEFAULT.tier_weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert checks.check_weights.__defaults__ == (DEFAULT,)


def test_inferred_readings_are_notes_to_confirm() -> None:
    text = (
        CLEAN
        + indicator("time1", "时效指标", "完成时限（月）", "10")
        + indicator("cost1", "成本指标", "每亩补助标准", "每亩250")
        + indicator("qty2", "数量指标", "督查次数", "至少开展3次督查")
    )
    notes = [str(p) for p in checks.validate([project(text)]) if p.severity is Severity.NOTE]
    assert notes == [
        "goals/p01.toml: indicators[0]: note: target of '聘请法律顾问人数' read as ≥1人 (compare): "
        "no operator: ≥ for a bare number under 数量指标",
        "goals/p01.toml: indicators[3]: note: target of '完成时限（月）' read as ≤10个月 (duration): "
        "the unit 个月 comes from the indicator's name; no operator: ≤ because a duration under 时效指标 is a cap",
        "goals/p01.toml: indicators[4]: note: target of '每亩补助标准' read as ≤250元/亩 (compare): "
        "the number 250 is read from the text; the unit 元 comes from 成本指标; "
        "no operator: ≤ because 成本指标 is a cap",
        "goals/p01.toml: indicators[5]: note: target of '督查次数' read as ≥3次 (compare): "
        "the number 3次 is read from the text",
    ]


def test_written_readings_give_no_notes() -> None:
    text = CLEAN.replace('target = "1人"', 'target = "≥1人"')
    assert [p for p in checks.validate([project(text)]) if p.severity is Severity.NOTE] == []


def test_a_carryover_counts_among_the_funding_sources() -> None:
    split = "budget = 35\nfiscal = 25\ncarryover = 5\nother = 5"
    assert found(project(CLEAN.replace("budget = 35", split))) == []
    assert found(project(CLEAN.replace("budget = 35", split.replace("carryover = 5", "carryover = 2")))) == [
        "goals/p01.toml: fiscal 25 + carryover 2 + other 5 = 32 万元, but the budget is 35 万元"
    ]
