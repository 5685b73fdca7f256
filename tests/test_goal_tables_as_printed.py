"""Goal tables as printed (issue 13): their own scoring section, tiers as profile data, blank targets,
budget-only projects, indicators under the wrong level 1, row rounding, money in 元, =0 targets.

Goal text is inline (TOML goal files, flat CSV tables); every expected score is worked
out by hand in the comments.  Store tests run on SQLite and PostgreSQL (``db_url``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

import kpitrack
from conftest import run, write
from kpitrack import checks, scoring
from kpitrack.api import check_goals
from kpitrack.io import flat, goalfile, profilefile
from kpitrack.model import Indicator, Project, ProjectScoring
from kpitrack.periods import Period
from kpitrack.problems import ProblemsFound, Severity
from kpitrack.profile import DEFAULT, Halves, Profile, RowRounding
from kpitrack.readings import Progress, read
from kpitrack.scoring import ExecutionScore, Method, Status
from kpitrack.store import bulk, open_store
from kpitrack.store.engine import migrate, resolve_url
from kpitrack.thresholds import Kind

KPITRACK = Path(sys.executable).parent / "kpitrack"

HEAD = """\
id = "t01"
name = "市场监管执法经费"
unit = "某市市场监督管理局"
year = 2021
budget = 100
plan = { Q2 = 50, Q4 = 50 }
"""

# One indicator per tier of the national tree.
ONE_PER_TIER = """
[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "抽检批次"
target = "≥100批次"

[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "食品安全形势"
target = "持续向好"

[[indicators]]
id = "sat1"
level2 = "服务对象满意度指标"
name = "群众满意度"
target = "≥90%"
"""

SCORING_40_30_20 = """
[scoring]
execution = 10
tiers = { "产出指标" = 40, "效益指标" = 30, "满意度指标" = 20 }
"""

SCORING_70_20_10 = """
[scoring]
execution = 10
tiers = { "产出" = 70, "效益" = 20, "满意度" = 10 }
"""

# The year as recorded: 80 of 100 万元 spent, 90 of 100 batches, 达成, 90 %.
ACTUALS = "project,indicator,period,value\nt01,qty1,2021Q4,90\nt01,soc1,2021Q4,达成\nt01,sat1,2021Q4,90%\n"
SPENDING = "project,period,amount\nt01,2021Q2,50\nt01,2021Q4,30\n"


def goal(text: str, where: str = "goals/t01.toml") -> Project:
    project, problems = goalfile.loads(text, where)
    assert project is not None, problems
    return project


def progress(project: Project, values: dict[str, str], spent: str, profile: Profile = DEFAULT) -> Progress:
    """The year-end progress of ``project`` with the values as a unit writes them."""
    by_id = {i.id: i for i in project.indicators}
    actuals = {key: read(by_id[key], text, profile.grade_bands, year=project.year) for key, text in values.items()}
    return Progress(project, Period.year_end(project.year), actuals, D(spent))


def year_scored(tmp_path: Path, url: str, goals: str, profile: Profile = DEFAULT) -> scoring.ProjectScore:
    """Load ``goals`` into the database at ``url``, import the year, score it (through the store)."""
    path = write(tmp_path, "t01.toml", goals)
    with kpitrack.open(url, profile=profile) as ws:
        ws.load_goals([path])
        ws.import_values([write(tmp_path, "a.csv", ACTUALS), write(tmp_path, "s.csv", SPENDING)])
        (scored,) = ws.score(2021, projects=["t01"])
    return scored


# --- a goal table's own [scoring] section ---------------------------------------------------


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (SCORING_40_30_20, ProjectScoring(D(10), {"产出指标": D(40), "效益指标": D(30), "满意度指标": D(20)})),
        # Short level-1 names are the tiers' names.
        (SCORING_70_20_10, ProjectScoring(D(10), {"产出指标": D(70), "效益指标": D(20), "满意度指标": D(10)})),
        ("[scoring]\nexecution = 20\n", ProjectScoring(D(20))),
        ('[scoring]\ntiers = { "产出指标" = 60 }\n', ProjectScoring(None, {"产出指标": D(60)})),
        (
            '[scoring.tiers]\n"项目决策" = { weight = 20, level2 = ["项目立项", "绩效目标"] }\n',
            ProjectScoring(None, {"项目决策": D(20)}, {"项目立项": "项目决策", "绩效目标": "项目决策"}),
        ),
        ("", ProjectScoring()),
    ],
)
def test_a_goal_file_s_scoring_section_reads_as_a_profile_file_s(section: str, expected: ProjectScoring) -> None:
    assert goal(HEAD + section + ONE_PER_TIER).scoring == expected


@pytest.mark.parametrize(
    "section",
    [SCORING_70_20_10, '[scoring.tiers]\n"项目决策" = { weight = 20, level2 = ["项目立项"] }\n"产出指标" = 50\n'],
)
def test_a_scoring_section_is_written_back_as_read(section: str) -> None:
    project = goal(HEAD + section + ONE_PER_TIER)
    again, problems = goalfile.loads(goalfile.dumps(project), "again.toml")
    assert problems == [] and again == project and again.scoring == project.scoring


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            '[scoring]\nreverse = "linear"\n',
            "scoring.reverse: unknown key; expected one of execution, tiers; other rules belong in a profile file",
        ),
        ('[scoring]\nexecution = "10"\n', "scoring.execution: expected a number, got the text '10'"),
        (
            '[scoring]\ntiers = { "产出指标" = true }\n',
            "scoring.tiers.产出指标: expected a number, got the boolean true",
        ),
        (
            '[scoring.tiers]\n"项目决策" = { weight = 20 }\n',
            "scoring.tiers.项目决策: a tier of its own needs weight and level2 (its level-2 categories)",
        ),
        (
            '[scoring.tiers]\n"项目决策" = { weight = 20, level2 = [] }\n',
            "scoring.tiers.项目决策.level2: expected a list of level-2 names, got a list",
        ),
        ("scoring = 10\n", "scoring: expected a table, got 10"),
    ],
)
def test_a_bad_scoring_section_is_a_located_error(section: str, message: str) -> None:
    text = HEAD.replace("plan =", section + "plan =") if section.startswith("scoring =") else HEAD + section
    project, problems = goalfile.loads(text + ONE_PER_TIER, "goals/t01.toml")
    assert project is None
    assert [str(p) for p in problems] == [f"goals/t01.toml: {message}"]


def test_40_30_20_plus_10_scores_as_printed() -> None:
    # execution 80 / 100 × 10 = 8; 产出 90 / 100 × 40 = 36; 效益 达成 100 % × 30 = 30; 满意度 90 % ≥ 90 % → 20.
    # 8 + 36 + 30 + 20 = 94.  Under the default 50/30/10: 8 + 45 + 30 + 10 = 93.
    printed = goal(HEAD + SCORING_40_30_20 + ONE_PER_TIER)
    values = {"qty1": "90", "soc1": "达成", "sat1": "90%"}
    scored = scoring.evaluate(progress(printed, values, "80"), DEFAULT)
    assert [(s.indicator.id, s.weight, s.score) for s in scored.indicators] == [
        ("qty1", 40, 36),
        ("soc1", 30, 30),
        ("sat1", 20, 20),
    ]
    assert (scored.execution.weight, scored.execution.score, scored.total, scored.rescaled_from) == (10, 8, 94, None)
    plain = goal(HEAD + ONE_PER_TIER)
    assert scoring.evaluate(progress(plain, values, "80"), DEFAULT).total == 93


def test_70_20_10_plus_10_scores_each_row_as_printed_and_rescales_the_110_to_100() -> None:
    # Rows: execution 8 of 10; 产出 90 / 100 × 70 = 63; 效益 20; 满意度 10: 101 of 110 → 101 × 100 / 110 = 91.8181…
    printed = goal(HEAD + SCORING_70_20_10 + ONE_PER_TIER)
    scored = scoring.evaluate(progress(printed, {"qty1": "90", "soc1": "达成", "sat1": "90%"}, "80"), DEFAULT)
    assert [s.score for s in scored.indicators] == [63, 20, 10]
    assert scored.rescaled_from == 110
    assert scored.total.quantize(D("0.0001")) == D("91.8182")
    assert "the weights given do not make 100" in scored.explain
    # check says so, as a warning: the table loads.
    problems = [p for p in checks.validate([printed]) if p.severity is not Severity.NOTE]
    assert [(str(p), p.severity) for p in problems] == [
        (
            "goals/t01.toml: scoring: warning: the table's weights make 110, not 100: its total is rescaled to 100 "
            "(× 100 / 110)",
            Severity.WARNING,
        )
    ]


def test_the_section_persists_and_scores_through_the_store(db_url: str, tmp_path: Path) -> None:
    scored = year_scored(tmp_path, db_url, HEAD + SCORING_40_30_20 + ONE_PER_TIER)
    assert scored.total == 94  # as computed above
    with open_store(db_url) as store:
        (stored,) = store.projects(2021)
        # The bulk reader of many projects reads the section too.
        assert [p.project for p in bulk.progress(store.engine, 2021, Period.quarter(2021, 4))] == [stored]
    assert stored.scoring == ProjectScoring(D(10), {"产出指标": D(40), "效益指标": D(30), "满意度指标": D(20)})
    assert list(stored.scoring.tiers) == ["产出指标", "效益指标", "满意度指标"]  # the printed order


def test_a_changed_section_is_a_revision_and_the_same_section_changes_nothing(db_url: str, tmp_path: Path) -> None:
    with kpitrack.open(db_url) as ws:
        ws.load_goals([write(tmp_path, "t01.toml", HEAD + SCORING_40_30_20 + ONE_PER_TIER)])
        again = ws.load_goals([write(tmp_path, "t01.toml", HEAD + SCORING_40_30_20 + ONE_PER_TIER)])
        assert again.unchanged == (("t01", 2021),)
        revised = ws.load_goals([write(tmp_path, "t01.toml", HEAD + SCORING_70_20_10 + ONE_PER_TIER)])
    (revision,) = revised.revised
    assert revision.field == "scoring"
    assert revision.old == '{"execution":"10","tiers":{"产出指标":"40","效益指标":"30","满意度指标":"20"}}'
    assert revision.new == '{"execution":"10","tiers":{"产出指标":"70","效益指标":"20","满意度指标":"10"}}'


def test_indicator_weights_are_judged_by_the_project_s_own_tiers() -> None:
    # 产出 split 25 + 15 = 40 fits this table's 40, not the profile's 50.
    weighted = (
        ONE_PER_TIER.replace('target = "≥100批次"\n', 'target = "≥100批次"\nweight = 25\n')
        + '\n[[indicators]]\nid = "qty2"\nlevel2 = "数量指标"\nname = "培训人次"\ntarget = "≥50人次"\nweight = 15\n'
    )
    assert [str(p) for p in checks.check_weights([goal(HEAD + SCORING_40_30_20 + weighted)])] == []
    assert [str(p) for p in checks.check_weights([goal(HEAD + weighted)])] == [
        "goals/t01.toml: 产出指标: indicator weights add up to 40, expected the tier weight 50"
    ]


PROFILE_60 = """\
[scoring]
execution = 10
tiers = { "产出指标" = 60, "效益指标" = 20, "满意度指标" = 10 }
"""


def test_check_and_goals_load_agree_for_the_same_files_and_profile(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 产出 weights 30 + 20 = 50: right under the default profile, wrong under a profile giving 产出 60.
    weighted = (
        ONE_PER_TIER.replace('target = "≥100批次"\n', 'target = "≥100批次"\nweight = 30\n')
        + '\n[[indicators]]\nid = "qty2"\nlevel2 = "数量指标"\nname = "培训人次"\ntarget = "≥50人次"\nweight = 20\n'
    )
    goals = write(tmp_path, "t01.toml", HEAD + weighted)
    profile_file = write(tmp_path, "p60.toml", PROFILE_60)
    expected = f"{goals}: 产出指标: indicator weights add up to 50, expected the tier weight 60"

    checked = check_goals([goals], kpitrack.api.read_profile(profile_file))
    assert [str(p) for p in checked.problems if p.severity is Severity.ERROR] == [expected]
    with kpitrack.open(db_url) as ws, pytest.raises(ProblemsFound) as refused:
        ws.load_goals([goals], kpitrack.api.read_profile(profile_file))
    assert [str(p) for p in refused.value.problems if p.severity is Severity.ERROR] == [expected]

    code, out, _ = run(capsys, "check", str(goals), "--profile", str(profile_file))
    assert code == 1 and expected in out
    code, _, err = run(capsys, "goals", "load", str(goals), "--profile", str(profile_file), "--db", db_url)
    assert code == 1 and expected in err
    # The table's own section settles it for both: its 产出 is 50.
    own = write(tmp_path, "t01.toml", HEAD + PROFILE_60.replace("60", "50").replace("20", "30") + weighted)
    assert run(capsys, "check", str(own), "--profile", str(profile_file))[0] == 0
    assert run(capsys, "goals", "load", str(own), "--profile", str(profile_file), "--db", db_url)[0] == 0


def test_a_tier_the_profile_does_not_know_is_refused_by_check_and_load_alike(db_url: str, tmp_path: Path) -> None:
    goals = write(tmp_path, "t01.toml", HEAD + '[scoring]\ntiers = { "项目决策" = 20 }\n' + ONE_PER_TIER)
    message = (
        f"{goals}: scoring.tiers.项目决策: unknown tier; the profile's are 产出指标, 效益指标, 满意度指标 "
        '(a tier of the table\'s own is a table: { weight = 20, level2 = ["…"] })'
    )
    assert [str(p) for p in check_goals([goals]).problems if p.severity is Severity.ERROR] == [message]
    with kpitrack.open(db_url) as ws, pytest.raises(ProblemsFound) as refused:
        ws.load_goals([goals])
    assert message in [str(p) for p in refused.value.problems]


def test_a_negative_weight_in_a_scoring_section_is_an_error(tmp_path: Path) -> None:
    goals = write(
        tmp_path, "t01.toml", HEAD + '[scoring]\nexecution = -10\ntiers = { "产出指标" = 70 }\n' + ONE_PER_TIER
    )
    errors = [str(p) for p in check_goals([goals]).problems if p.severity is Severity.ERROR]
    assert errors == [f"{goals}: scoring.execution: a weight cannot be negative (-10)"]


# --- level-1 tiers are profile data ---------------------------------------------------------

DEPARTMENT_PROFILE = """\
[scoring]
execution = 0

[scoring.tiers]
"项目决策" = { weight = 20, level2 = ["项目立项", "绩效目标"] }
"项目管理" = { weight = 20, level2 = ["资金管理"] }
"产出指标" = 40
"效益指标" = 20
"""

DEPARTMENT_GOALS = (
    HEAD
    + """
[[indicators]]
id = "dec1"
level1 = "项目决策"
level2 = "项目立项"
name = "立项依据充分性"
target = "充分"

[[indicators]]
id = "dec2"
level1 = "项目决策"
level2 = "绩效目标"
name = "绩效目标明确性"
target = "明确"

[[indicators]]
id = "man1"
level1 = "项目管理"
level2 = "资金管理"
name = "资金使用合规性"
target = "合规"

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "抽检批次"
target = "≥100批次"

[[indicators]]
id = "soc1"
level2 = "社会效益指标"
name = "食品安全形势"
target = "持续向好"
"""
)


def test_a_profile_may_define_its_own_tiers_项目决策_项目管理_产出_效益() -> None:
    profile, problems = profilefile.loads(DEPARTMENT_PROFILE, "dept.toml")
    assert problems == [] and profile is not None
    assert dict(profile.tier_weights) == {"项目决策": 20, "项目管理": 20, "产出指标": 40, "效益指标": 20}
    # 满意度 is no tier of this tree: its level 2s belong to none.
    assert "满意度指标" not in profile.level2_tiers.values()
    assert profile.level2_tiers["项目立项"] == "项目决策" and profile.level2_tiers["数量指标"] == "产出指标"
    project = goal(DEPARTMENT_GOALS)
    # No warning: every level 2 is in the tree and every tier has indicators.
    assert [p for p in checks.validate([project], profile) if p.severity is not Severity.NOTE] == []
    # 项目决策 20 / 2 = 10 each: 达成 10 + 部分达成 70 % × 10 = 7; 项目管理 达成 20; 产出 90 / 100 × 40 = 36;
    # 效益 未达成 30 % × 20 = 6; execution weighs 0: 10 + 7 + 20 + 36 + 6 = 79 (中).
    values = {"dec1": "达成", "dec2": "部分达成", "man1": "达成", "qty1": "90", "soc1": "未达成"}
    scored = scoring.evaluate(progress(project, values, "100"), profile)
    assert [(s.indicator.id, s.weight, s.score) for s in scored.indicators] == [
        ("dec1", 10, 10),
        ("dec2", 10, 7),
        ("man1", 20, 20),
        ("qty1", 40, 36),
        ("soc1", 20, 6),
    ]
    assert (scored.total, scored.grade.value) == (79, "中")
    # Under the default tree the department's level 2s are unknown: warnings, not a crash.
    found = [str(p) for p in checks.validate([project]) if p.severity is Severity.WARNING]
    unknown = "unknown level-1 category '项目决策'; known: 产出指标, 效益指标, 满意度指标"
    assert f"goals/t01.toml: indicators[0]: warning: {unknown}" in found


def test_check_summarises_by_the_profile_s_tiers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    goals, chosen = write(tmp_path, "t01.toml", DEPARTMENT_GOALS), write(tmp_path, "dept.toml", DEPARTMENT_PROFILE)
    code, out, _ = run(capsys, "check", str(goals), "--profile", str(chosen), "--format", "json")
    assert code == 0
    assert json.loads(out)["totals"]["by_level1"] == {"项目决策": 2, "项目管理": 1, "产出指标": 1, "效益指标": 1}
    code, out, _ = run(capsys, "check", str(goals), "--profile", str(chosen))
    assert out.splitlines()[0].split()[-5:] == ["项目决策", "项目管理", "产出", "效益", "all"]


def test_the_default_profile_keeps_the_national_tree() -> None:
    assert dict(DEFAULT.tier_weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert {tier for tier in DEFAULT.level2_tiers.values()} == {"产出指标", "效益指标", "满意度指标"}
    assert DEFAULT.level2_tiers["可持续影响指标"] == "效益指标"


def test_re_weighting_known_tiers_keeps_the_tree() -> None:
    profile, problems = profilefile.loads('[scoring.tiers]\n"产出指标" = 40\n"满意度指标" = 20\n', "p.toml")
    assert problems == [] and profile is not None
    assert dict(profile.tier_weights) == {"产出指标": 40, "效益指标": 30, "满意度指标": 20}
    assert profile.level2_tiers == DEFAULT.level2_tiers


# --- an indicator printed under the wrong level 1 ---------------------------------------------

MISPRINTED_CSV = """\
项目编码,项目名称,单位,年度,年度资金总额,一级指标,二级指标,三级指标,指标值
t01,市场监管执法经费,某局,2021,100,产出指标,数量指标,抽检批次,≥100批次
t01,,,,,产出指标,经济效益指标,带动消费,≥500万元
t01,,,,,效益指标,社会效益指标,食品安全形势,持续向好
t01,,,,,满意度指标,服务对象满意度指标,群众满意度,≥90%
"""


def test_an_economic_benefit_row_in_the_output_block_warns_naming_both_and_scores_under_效益(tmp_path: Path) -> None:
    projects, problems = flat.load_paths([write(tmp_path, "goals.csv", MISPRINTED_CSV)])
    assert problems == []
    (project,) = projects
    assert project.indicators[1].level1 == "产出指标"  # kept as printed
    found = [str(p) for p in checks.validate(projects) if p.severity is Severity.WARNING]
    assert (
        found
        == [
            f"{tmp_path / 'goals.csv'}: row 2: indicators[1]: warning: '带动消费' is printed under level 1 '产出指标', "
            "but its level 2 '经济效益指标' belongs to '效益指标': it is scored under '效益指标'",
            f"{tmp_path / 'goals.csv'}: row 2: warning: no fund plan (资金分配情况)",
        ][::-1]
    )
    # 产出 50 to 抽检批次 alone; 效益 30 split 15 / 15 between 带动消费 and 食品安全形势.
    assert dict(scoring.indicator_weights(project, DEFAULT)) == {"I01": 50, "I02": 15, "I03": 15, "I04": 10}


# --- a blank target ------------------------------------------------------------------------------


def test_a_blank_target_in_a_goal_file_is_qualitative_by_the_name_with_a_warning() -> None:
    text = HEAD + ONE_PER_TIER.replace('target = "持续向好"', 'target = ""')
    project, problems = goalfile.loads(text, "goals/t01.toml")
    assert project is not None
    assert [(str(p), p.severity) for p in problems] == [
        (
            "goals/t01.toml: indicators[1].target: warning: blank: read as a qualitative target, "
            "judged by the indicator's name '食品安全形势'",
            Severity.WARNING,
        )
    ]
    target = project.indicators[1].target
    assert (target.kind, target.words, str(target)) == (Kind.QUALITATIVE, "食品安全形势", "食品安全形势")
    # Graded like any qualitative target: 部分达成 without a score is 70 % of 30 = 21.
    scored = scoring.evaluate(progress(project, {"soc1": "部分达成"}, "0"), DEFAULT)
    assert (scored.indicators[1].score, scored.indicators[1].method) == (21, Method.GRADED)
    # Written back, it stays blank.
    assert 'target = ""' in goalfile.dumps(project)
    assert goalfile.loads(goalfile.dumps(project), "again.toml")[0] == project


def test_a_blank_target_in_a_flat_table_is_qualitative_by_the_name_with_a_warning(tmp_path: Path) -> None:
    table = MISPRINTED_CSV.replace("带动消费,≥500万元", "带动消费,")
    projects, problems = flat.load_paths([write(tmp_path, "goals.csv", table)])
    assert [(str(p), p.severity) for p in problems] == [
        (
            f"{tmp_path / 'goals.csv'}: row 3, column 指标值: warning: blank: read as a qualitative target, "
            "judged by the indicator's name '带动消费'",
            Severity.WARNING,
        )
    ]
    assert projects[0].indicators[1].target.kind is Kind.QUALITATIVE


@pytest.mark.parametrize("missing", ['target = "≥100批次"\n'])
def test_a_missing_target_key_stays_an_error(missing: str) -> None:
    _, problems = goalfile.loads(HEAD + ONE_PER_TIER.replace(missing, ""), "goals/t01.toml")
    assert [str(p) for p in problems] == ["goals/t01.toml: indicators[0].target: required key is missing"]


# --- a budget-only project -----------------------------------------------------------------------

BUDGET_ONLY = HEAD.replace(
    "budget = 100\nplan = { Q2 = 50, Q4 = 50 }", 'budget = "200000元"\nplan = { Q2 = 10, Q4 = 10 }'
)


def test_a_project_without_indicators_loads_and_scores_on_execution_alone(db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "t01.toml", BUDGET_ONLY)
    with kpitrack.open(db_url) as ws:
        loaded = ws.load_goals([path])
        assert loaded.added == (("t01", 2021),)
        assert [str(p) for p in loaded.warnings] == [
            f"{path}: warning: no indicators: scored on budget execution alone"
        ]
        ws.import_values([write(tmp_path, "s.csv", "project,period,amount\nt01,2021Q2,10\nt01,2021Q4,5\n")])
        (scored,) = ws.score(2021)
    # 15 of 20 万元: 10 × 0.75 = 7.5 of the 10 in play → 7.5 × 100 / 10 = 75 (中).
    assert (scored.execution.score, scored.total, scored.rescaled_from, scored.grade.value) == (D("7.5"), 75, 10, "中")


def test_a_budget_only_project_through_the_installed_command(tmp_path: Path) -> None:
    assert KPITRACK.exists()
    db = f"sqlite:///{tmp_path / 'k.db'}"
    goals = write(tmp_path, "t01.toml", BUDGET_ONLY)
    spending = write(tmp_path, "s.csv", "project,period,amount\nt01,2021Q2,10\nt01,2021Q4,5\n")

    def command(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(KPITRACK), *argv, "--db", db], capture_output=True, text=True, check=False)

    loaded = command("goals", "load", str(goals))
    assert (loaded.returncode, loaded.stderr) == (0, "")
    assert loaded.stdout.endswith("added      t01 (2021)\n1 added, 0 revised, 0 unchanged\n")
    assert command("import", str(spending)).returncode == 0
    scored = command("score", "--year", "2021", "--format", "json")
    assert scored.returncode == 0 and '"total": 75' in scored.stdout


# --- row rounding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("places", "halves", "exact", "expected"),
    [
        (None, Halves.HALF_UP, "8.25", "8.25"),  # none: exact (the default)
        (2, Halves.HALF_UP, "16.665", "16.67"),
        (2, Halves.HALF_DOWN, "16.665", "16.66"),
        (1, Halves.HALF_UP, "8.25", "8.3"),
        (1, Halves.HALF_DOWN, "8.25", "8.2"),
        (1, Halves.HALF_DOWN, "8.26", "8.3"),  # only a half goes down
        (0, Halves.HALF_UP, "7.5", "8"),
        (0, Halves.HALF_DOWN, "7.5", "7"),
        (0, Halves.HALF_DOWN, "7.4", "7"),
        (1, Halves.HALF_UP, str(D(50) / 6), "8.3"),  # 8.333… of a tier split six ways
        (1, Halves.HALF_UP, str(D(33) / 4 - D("1e-25")), "8.3"),  # 8.25 less 28-digit noise: settled, a half
    ],
)
def test_row_rounding_truth_table(places: int | None, halves: Halves, exact: str, expected: str) -> None:
    row = ExecutionScore(D(10), D(10), D(1), D(exact), "e")
    assert str(scoring.round_row(row, RowRounding(places, halves)).score) == expected


def test_row_rounding_applies_to_every_row_before_the_total_and_is_explained() -> None:
    # Exact: execution 7 / 9 × 10 = 7.777…; 产出 5 / 6 × 50 = 41.666…; 效益 30; 满意度 10 → 89.444… (良).
    # Integer rows, half up: 8 + 42 + 30 + 10 = 90 (优); one decimal: 7.8 + 41.7 + 30 + 10 = 89.5 (良).
    head = HEAD.replace("budget = 100", "budget = 9").replace("Q2 = 50, Q4 = 50", "Q2 = 4, Q4 = 5")
    project = goal(head + ONE_PER_TIER.replace("≥100批次", "≥6批次"))
    values = {"qty1": "5", "soc1": "达成", "sat1": "95%"}
    exact = scoring.evaluate(progress(project, values, "7"), DEFAULT)
    assert (round(exact.total, 4), exact.grade.value) == (D("89.4444"), "良")
    by_integer = Profile(row_rounding=RowRounding(0, Halves.HALF_UP))
    whole = scoring.evaluate(progress(project, values, "7"), by_integer)
    assert [s.score for s in whole.indicators] == [42, 30, 10] and whole.execution.score == 8
    assert (whole.total, whole.grade.value) == (90, "优")
    assert whole.indicators[0].explain == ("5 / 6 × 50 = 41.67; row rounded (integer, half up): 41.666666666667 → 42")
    tenths = scoring.evaluate(progress(project, values, "7"), Profile(row_rounding=RowRounding(1, Halves.HALF_UP)))
    assert (tenths.total, tenths.grade.value) == (D("89.5"), "良")


def goal_target(text: str) -> kpitrack.thresholds.Threshold:
    return kpitrack.thresholds.parse(text, "数量指标")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ('row_rounding = "none"', RowRounding()),
        ("row_rounding = { places = 2 }", RowRounding(2, Halves.HALF_UP)),
        ('row_rounding = { places = 1, mode = "half_down" }', RowRounding(1, Halves.HALF_DOWN)),
        ('row_rounding = { places = 0, mode = "half_up" }', RowRounding(0, Halves.HALF_UP)),
    ],
)
def test_row_rounding_is_profile_data(text: str, rule: RowRounding) -> None:
    profile, problems = profilefile.loads(f"[scoring]\n{text}\n", "p.toml")
    assert problems == [] and profile is not None and profile.row_rounding == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("row_rounding = { places = 3 }", "scoring.row_rounding.places: expected 2, 1 or 0 (decimals), got 3"),
        (
            "row_rounding = { places = true }",
            "scoring.row_rounding.places: expected 2, 1 or 0 (decimals), got the boolean true",
        ),
        (
            'row_rounding = { places = 1, mode = "bankers" }',
            "scoring.row_rounding.mode: expected one of half_up, half_down, got the text 'bankers'",
        ),
        ("row_rounding = 1", 'scoring.row_rounding: expected "none" or { places = 1, mode = "half_up" }, got 1'),
    ],
)
def test_bad_row_rounding_is_a_located_error(text: str, message: str) -> None:
    _, problems = profilefile.loads(f"[scoring]\n{text}\n", "p.toml")
    assert [str(p) for p in problems] == [f"p.toml: {message}"]


def test_profile_show_prints_the_row_rounding_and_the_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profile", "show")
    assert code == 0 and 'row_rounding = "none"' in out
    rounded = 'execution = 0\nrow_rounding = { places = 1, mode = "half_down" }'
    chosen = write(tmp_path, "dept.toml", DEPARTMENT_PROFILE.replace("execution = 0", rounded))
    code, out, _ = run(capsys, "profile", "show", "--profile", str(chosen))
    assert code == 0
    assert 'row_rounding = { places = 1, mode = "half_down" }' in out
    assert '"项目决策" = { weight = 20, level2 = ["项目立项", "绩效目标"] }' in out
    assert '"产出指标" = 40' in out
    # What it prints reads back as the same rules.
    shown, problems = profilefile.loads(out, "shown.toml")
    assert problems == [] and shown is not None
    expected, _ = profilefile.loads(DEPARTMENT_PROFILE.replace("execution = 0", rounded), "dept.toml")
    assert expected is not None
    assert (shown.tier_weights, shown.level2_tiers, shown.row_rounding) == (
        expected.tier_weights,
        expected.level2_tiers,
        expected.row_rounding,
    )


# --- money in 元, =0 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "budget"),
    [
        ('budget = "125000元"', D("12.5")),
        ('budget = "12.5万元"', D("12.5")),
        ('budget = "0.001亿元"', D("10")),
        ('budget = "1,250,000元"', D("125")),
        ("budget = 12.5", D("12.5")),
    ],
)
def test_goal_file_budgets_in_元_are_万元_exactly(written: str, budget: D) -> None:
    text = HEAD.replace("budget = 100", written).replace("Q2 = 50, Q4 = 50", 'Q2 = "50000元", Q4 = 0')
    project, problems = goalfile.loads(text + ONE_PER_TIER, "goals/t01.toml")
    assert project is not None, problems
    assert project.budget == budget and str(project.budget) == str(budget)
    assert project.plan.entries == (("Q2", D(5)), ("Q4", D(0)))


def test_flat_table_budgets_in_元(tmp_path: Path) -> None:
    projects, problems = flat.load_paths([write(tmp_path, "g.csv", MISPRINTED_CSV.replace(",100,", ",125000元,"))])
    assert problems == [] and projects[0].budget == D("12.5")


@pytest.mark.parametrize(
    ("target", "actual", "score", "status"),
    [
        ("=0", "0", D(10), Status.MET),
        ("=0", "1", D(0), Status.MISSED),
        ("=0次", "0次", D(10), Status.MET),
        ("=0次", "2次", D(0), Status.MISSED),
        ("=4次", "5次", D(10), Status.FLAGGED),  # a non-zero equality stays scored as forward, flagged
    ],
)
def test_an_equality_to_zero_is_a_zero_target_full_only_at_0(
    target: str, actual: str, score: D, status: Status
) -> None:
    indicator = Indicator.create(id="z1", name="安全事故", level2="质量指标", target=goal_target(target))
    reading = read(indicator, actual, DEFAULT.grade_bands)
    scored = scoring.score_indicator(indicator, reading, None, D(10), DEFAULT, year=2021)
    assert (scored.score, scored.status) == (score, status)


# --- the import's blank rows ------------------------------------------------------------------------


def test_the_import_counts_rows_left_blank(db_url: str, tmp_path: Path) -> None:
    with kpitrack.open(db_url) as ws:
        ws.load_goals([write(tmp_path, "t01.toml", HEAD + ONE_PER_TIER)])
        blanks = "project,indicator,period,value\nt01,qty1,2021Q4,90\nt01,soc1,2021Q4,\nt01,sat1,2021Q4, \n,,,\n"
        result = ws.import_values([write(tmp_path, "a.csv", blanks)])
        assert (result.actuals.added, result.blank) == (1, 2)  # the empty line is no row
        again = ws.import_values([write(tmp_path, "a.csv", blanks)], dry_run=True)
        assert again.blank == 2  # counted per import, not added up across readings


def test_a_filled_form_s_blank_rows_are_counted_too(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with kpitrack.open(db_url) as ws:
        ws.load_goals([write(tmp_path, "t01.toml", HEAD + ONE_PER_TIER)])
        ws.import_values([write(tmp_path, "a.csv", "project,indicator,period,value\nt01,qty1,2021Q4,90\n")])
    form = tmp_path / "自评表.xlsx"
    assert run(capsys, "form", "selfeval", "--year", "2021", "--out", str(form), "--db", db_url)[0] == 0
    code, out, _ = run(capsys, "import", str(form), "--db", db_url)
    # qty1 shows its 90; soc1 and sat1 were left blank.
    assert (code, out.splitlines()[-1]) == (0, "2 rows left blank: not reported, not recorded")


# --- the migration ------------------------------------------------------------------------------------


def test_a_database_at_0004_opens_with_the_new_code_and_takes_scoring_sections(db_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(resolve_url(db_url))
    migrate(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO projects (code, year, name, unit, budget, goal) "
                "VALUES ('old', 2021, '旧项目', '局', '12.5', '')"
            )
        )
    engine.dispose()
    with open_store(db_url) as store:
        with store.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0008"  # through 0005
        (old,) = store.projects(2021)
        assert (old.id, old.scoring) == ("old", ProjectScoring())
    scored = year_scored(tmp_path, db_url, HEAD + SCORING_40_30_20 + ONE_PER_TIER)
    assert scored.total == 94


# --- flat tables: the scoring section as columns -------------------------------------------------

PRINTED_CSV = """\
项目编码,项目名称,单位,年度,年度资金总额,预算执行率分值,一级指标,一级指标分值,二级指标,三级指标,指标值
t01,市场监管执法经费,某局,2021,100,10,产出指标,40,数量指标,抽检批次,≥100批次
t01,,,,,,效益指标,30,社会效益指标,食品安全形势,持续向好
t01,,,,,,满意度指标,20,服务对象满意度指标,群众满意度,≥90%
t01,,,,,,项目决策,0,项目立项,立项依据充分性,充分
"""


def test_a_flat_table_s_execution_and_level1_weight_columns_are_its_scoring_section(tmp_path: Path) -> None:
    projects, problems = flat.load_paths([write(tmp_path, "g.csv", PRINTED_CSV)])
    assert problems == []
    # A level 2 the national tree does not know belongs to the level 1 it is printed under.
    assert projects[0].scoring == ProjectScoring(
        D(10), {"产出指标": D(40), "效益指标": D(30), "满意度指标": D(20), "项目决策": D(0)}, {"项目立项": "项目决策"}
    )
    # The same table as the goal file above: 8 + 36 + 30 + 20 = 94 (项目决策 weighs 0 here).
    values = {"I01": "90", "I02": "达成", "I03": "90%", "I04": "达成"}
    assert scoring.evaluate(progress(projects[0], values, "80"), DEFAULT).total == 94


def test_a_level1_weight_that_disagrees_with_itself_is_a_located_error(tmp_path: Path) -> None:
    table = PRINTED_CSV.replace("t01,,,,,,项目决策,0,项目立项", "t01,,,,,,产出指标,45,质量指标")
    path = write(tmp_path, "g.csv", table)
    _, problems = flat.load_paths([path])  # an error: check and goals load refuse the files
    first = f"{path}: row 2, column 一级指标分值"
    assert [str(p) for p in problems] == [
        f"{path}: row 5, column 一级指标分值: 产出指标: '45' differs from '40' given at {first}"
    ]
