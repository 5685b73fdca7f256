"""A pandas yardstick (对照基准): each project's year-end total from the province's CSVs, in plain pandas.

Not part of kpitrack and not one of its dependencies (``pip install pandas`` to run
it).  It reads what ``benchmarks/generate.py`` wrote (``goals-2021.csv``,
``actuals-2021.csv`` with ``actuals-2021-corrections.csv`` superseding, ``spending-2021.csv``,
and ``goals-2020.csv`` / ``actuals-2020.csv`` for trends), applies the default rules of
the year-end self-evaluation (单位自评, ``domain.md`` §5) in column operations and
writes ``project,total`` per project.  ``bench_province.py`` times it beside
kpitrack's ``score``; the issue asks kpitrack to be faster::

    python benchmarks/bench_pandas.py --province bench-data/province-20000-seed1 \\
        --out bench-data/pandas-totals.csv --compare bench-data/score.json

``--compare`` takes the output of ``kpitrack score --format json`` and prints how many
totals agree to two decimals.  What it simplifies (a yardstick may be approximate):

- arithmetic in float64, the total rounded half up at two places after a 1e-9 nudge
  (kpitrack is exact Decimal, rounded once at display);
- targets are read by a few regular expressions that cover the generator's forms
  (``≧485``, ``≥90%``, ``不低于90%``, ``90%-95%``, ``=4次``, ``5万``, ``12月``,
  ``2021年1-12月``, ``逐年提高``, ``持续``), not kpitrack's full target language;
- recorded values are not checked: units are dropped (no 元/亿元 conversion), a grade's
  score is trusted to lie in its band;
- deadlines fall due at the end of the target's last month, durations count from
  1 January (no project start dates); over-achievement and the other flags are not
  computed: they do not change a total.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

TIERS = {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}
EXECUTION = 10.0
GRADE_SHARE = {"达成": 100.0, "已达成": 100.0, "部分达成": 70.0, "未达成": 30.0}
NOT_APPLICABLE = {"不适用", "n/a", "na", "不涉及"}
DURATION_UNITS = {"月": "个月", "个月": "个月", "天": "天"}
TREND_UP = ("提高", "提升", "增强", "加强", "增加", "上升", "增长", "改善", "扩大")
TREND_DOWN = ("下降", "降低", "减少")
_OPS = {"≥": "ge", "≧": "ge", ">=": "ge", ">": "gt", "≤": "le", "≦": "le", "<=": "le", "<": "lt", "=": "eq"}
_TARGET_RE = re.compile(
    r"^(?P<op>≥|≧|>=|>|≤|≦|<=|<|=|不低于|不少于|不高于|不超过)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>.*)$"
)
_RANGE_RE = re.compile(r"^(?P<low>\d+(?:\.\d+)?)\s*%?\s*[-~—至]\s*(?P<high>\d+(?:\.\d+)?)\s*(?P<unit>.*)$")
_DEADLINE_RE = re.compile(r"^(?:(?P<year>\d{4})年)?(?:\d{1,2}\s*[-~至]\s*)?(?P<month>\d{1,2})月(?:底|末)?$")
_NAME_UNIT_RE = re.compile(r"[（(]([^（）()]+)[）)]\s*$")
KINDS = ("compare", "exact", "range", "deadline", "duration", "trend", "qualitative")


def parse_target(text: str, level2: str) -> tuple[str, str, float, float, str, bool]:
    """(kind, op, value, upper, unit, downward) of one target as written; the generator's forms only."""
    text = text.strip().replace("％", "%")
    deadline = _DEADLINE_RE.match(text)
    if deadline and deadline.group("year"):
        return "deadline", "", float(deadline.group("month")), float(deadline.group("year")), "", False
    ranged = _RANGE_RE.match(text)
    if ranged:
        return "range", "", float(ranged.group("low")), float(ranged.group("high")), ranged.group("unit"), False
    match = _TARGET_RE.match(text)
    if match is None:
        upward, downward = any(w in text for w in TREND_UP), any(w in text for w in TREND_DOWN)
        return ("trend" if upward or downward else "qualitative"), "", np.nan, np.nan, "", downward
    written, unit = match.group("op"), match.group("unit").strip()
    unit = {"万": "万元", "百分比": "%"}.get(unit, DURATION_UNITS.get(unit, unit))
    if written in ("不低于", "不少于"):
        op = "ge"
    elif written in ("不高于", "不超过"):
        op = "le"
    elif written:
        op = _OPS[written]
    else:  # a bare number: a cost or a time span is a cap, anything else a floor
        op = "le" if level2 == "成本指标" or unit in ("个月", "天") else "ge"
    kind = "duration" if unit in ("个月", "天") else ("exact" if op == "eq" else "compare")
    return kind, op, float(match.group("num")), np.nan, unit, False


def read_goals(path: Path) -> pd.DataFrame:
    """One row per indicator: project, indicator, weight, target parsed, how quarters combine; the budget."""
    columns = ["项目编码", "年度资金总额", "一级指标", "二级指标", "三级指标", "指标编码", "指标值", "分值", "汇总方式"]
    goals = pd.read_csv(path, dtype=str, usecols=columns, keep_default_na=False)
    goals = goals.rename(
        columns={
            "项目编码": "project",
            "年度资金总额": "budget",
            "一级指标": "level1",
            "二级指标": "level2",
            "三级指标": "name",
            "指标编码": "indicator",
            "指标值": "target",
            "分值": "given",
            "汇总方式": "aggregate",
        }
    )
    shapes = goals[["target", "level2"]].drop_duplicates()
    parsed = [parse_target(t, level2) for t, level2 in zip(shapes["target"], shapes["level2"], strict=True)]
    shapes[["kind", "op", "value", "upper", "unit", "downward"]] = pd.DataFrame(parsed, index=shapes.index)
    goals = goals.merge(shapes, on=["target", "level2"], how="left")
    named = goals["name"].str.extract(_NAME_UNIT_RE, expand=False).fillna("")
    goals["unit"] = goals["unit"].where(goals["unit"] != "", named)
    flow_unit = (goals["unit"] != "") & (goals["unit"] != "%") & ~goals["unit"].str.contains("/", regex=False)
    flow = goals["kind"].isin(["compare", "exact", "range"]) & flow_unit & ~goals["unit"].isin(["个月", "天"])
    written = goals["aggregate"].str.strip()
    goals["sum"] = np.where(
        written.isin(["sum", "累计"]), True, np.where(written.isin(["latest", "最新"]), False, flow)
    )
    goals["weight"] = _weights(goals)
    return goals


def _weights(goals: pd.DataFrame) -> pd.Series:
    """An indicator's own weight (分值) when given, else its tier's remainder split equally."""
    given = pd.to_numeric(goals["given"], errors="coerce")
    tier = goals["level1"].map(TIERS)
    keys = [goals["project"], goals["level1"]]
    given_sum = given.fillna(0).groupby(keys).transform("sum")
    unweighted = given.isna().groupby(keys).transform("sum")
    share = (tier - given_sum).clip(lower=0) / unweighted.replace(0, np.nan)
    return given.fillna(share).where(tier.notna(), 0.0).fillna(0.0)


def read_values(paths: list[Path]) -> pd.DataFrame:
    """The recorded values, a later file's row superseding an earlier one, read into columns."""
    frames = [pd.read_csv(p, dtype=str, usecols=["project", "indicator", "period", "value"]) for p in paths]
    values = pd.concat(frames, ignore_index=True)
    values = values.drop_duplicates(["project", "indicator", "period"], keep="last")
    values = values.sort_values(["project", "indicator", "period"], kind="stable")
    text = values["value"].fillna("").str.strip()
    values["na"] = text.str.lower().isin(NOT_APPLICABLE)
    graded = text.str.extract(r"^(?P<grade>[^\d\s:：(（]+)\s*[:：(（]?\s*(?P<score>\d+(?:\.\d+)?)?")
    share = graded["grade"].map(GRADE_SHARE)
    values["share"] = pd.to_numeric(graded["score"], errors="coerce").where(share.notna()).fillna(share)
    dated = text.str.extract(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*月?\s*(?:[-./]?\s*(?P<d>\d{1,2}))?")
    day = pd.to_numeric(dated["d"], errors="coerce").fillna(31)
    values["date"] = pd.to_numeric(dated["y"], errors="coerce") * 10000 + pd.to_numeric(dated["m"]) * 100 + day
    number = pd.to_numeric(text.str.extract(r"^(\d+(?:\.\d+)?)", expand=False), errors="coerce")
    values["number"] = number.where(~values["na"])
    return values


def year_actuals(goals: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's year actual: flows add their quarters' numbers up, levels keep the latest reading."""
    keys = ["project", "indicator"]
    latest = values.groupby(keys, sort=False).tail(1)[[*keys, "na", "share", "date", "number"]]
    summed = values[values["number"].notna()].groupby(keys, sort=False)["number"].sum().rename("summed")
    merged = goals.merge(latest, on=keys, how="left").merge(summed, on=keys, how="left")
    flow = merged["sum"] & merged["summed"].notna()
    dated = merged["kind"].isin(["deadline", "duration"])  # only these read a date (2021-12-05)
    merged["date"] = merged["date"].where(dated)
    merged["number"] = merged["summed"].where(flow, merged["number"].where(merged["date"].isna()))
    for column in ("share", "date"):
        merged[column] = merged[column].where(~flow)
    merged["na"] = merged["na"].where(~flow, False).astype("boolean").fillna(False).astype(bool)
    merged["recorded"] = merged["number"].notna() | merged["share"].notna() | merged["date"].notna()
    return merged


def score_indicators(rows: pd.DataFrame) -> np.ndarray:
    """Each indicator's score (得分) by the kind of its target, in column operations."""
    w, a, t, u, b = (rows[c].to_numpy(dtype=float) for c in ("weight", "number", "value", "upper", "before"))
    op, kind = rows["op"].to_numpy(), rows["kind"].to_numpy()
    graded = w * rows["share"].to_numpy(dtype=float) / 100
    with np.errstate(divide="ignore", invalid="ignore"):
        forward = np.where(a >= t, w, np.where(t > 0, w * a / t, 0.0))
        reverse = np.where(t <= 0, np.where(a <= 0, w, 0.0), np.where(a <= t, w, w * t / a))
        ranged = np.where(a < t, w * a / t, np.where(a > u, w * u / a, np.where(a <= u, w, 0.0)))
        upward = np.where(a >= b, w, np.where(b > 0, w * a / b, 0.0))
        downward = np.where(a <= b, w, np.where(b > 0, w * b / a, np.where(a <= 0, w, 0.0)))
        trend_measured = np.where(rows["downward"].to_numpy(dtype=bool), downward, upward)
        within = np.where(op == "lt", a < t, a <= t)
        span = np.where(np.isin(op, ["ge", "gt"]), forward, np.where(within, w, 0.0))
    date = rows["date"].to_numpy(dtype=float)
    due_deadline = u * 10000 + t * 100 + 31
    months = np.nan_to_num(t, nan=1.0) - 1  # a span of months from 1 January ends with its last month
    due_duration = (rows["year"].to_numpy() + months // 12) * 10000 + (months % 12 + 1) * 100 + 31
    due_duration = np.where(rows["unit"].to_numpy() == "天", np.nan, due_duration)
    by_kind = {
        "compare": np.where(np.isin(op, ["le", "lt"]), reverse, forward),
        "exact": forward,
        "range": ranged,
        "qualitative": graded,
        "trend": np.where(~np.isnan(graded), graded, trend_measured),
        "deadline": np.where(~np.isnan(graded), graded, np.where(date <= due_deadline, w, 0.0)),
        "duration": np.where(
            ~np.isnan(graded), graded, np.where(~np.isnan(date), np.where(date <= due_duration, w, 0.0), span)
        ),
    }
    scores = np.select([kind == k for k in KINDS], [by_kind[k] for k in KINDS], 0.0)
    return np.nan_to_num(scores, nan=0.0)  # a value that cannot score its target, or none: 0


def totals(province: Path) -> pd.DataFrame:
    """Each project's total out of 100: execution + indicators, rescaled over the weight in play."""
    goals = read_goals(province / "goals-2021.csv")
    values = read_values([province / "actuals-2021.csv", province / "actuals-2021-corrections.csv"])
    rows = year_actuals(goals, values)
    last = read_values([province / "actuals-2020.csv"])
    known = pd.read_csv(province / "goals-2020.csv", dtype=str, usecols=["项目编码", "指标编码"])
    known.columns = ["project", "indicator"]
    last = last.merge(known, on=["project", "indicator"])  # values only of last year's goals
    before = last.groupby(["project", "indicator"], sort=False)["number"].last().rename("before")
    rows = rows.merge(before, on=["project", "indicator"], how="left")
    rows["year"] = 2021
    rows["score"] = score_indicators(rows)
    rows["in_play"] = rows["weight"].where(~rows["na"], 0.0)
    rows["earned"] = rows["score"].where(~rows["na"], 0.0)
    per_project = rows.groupby("project", sort=False)[["in_play", "earned"]].sum()
    budget = pd.to_numeric(goals.groupby("project", sort=False)["budget"].first(), errors="coerce")
    budget = budget.reindex(per_project.index)
    spending = pd.read_csv(province / "spending-2021.csv", dtype={"project": str, "period": str})
    spending = spending.drop_duplicates(["project", "period"], keep="last")
    spent = spending.groupby("project")["amount"].sum().reindex(budget.index, fill_value=0.0)
    has_budget = budget > 0
    execution = np.where(has_budget, EXECUTION * np.minimum(spent / budget.where(has_budget), 1.0), 0.0)
    raw = per_project["earned"] + execution
    available = per_project["in_play"] + np.where(has_budget, EXECUTION, 0.0)
    total = np.where(available.round(9) == 100, raw, raw * 100 / available.where(available > 0))
    total = np.nan_to_num(total, nan=0.0)
    shown = np.floor(total * 100 + 0.5 + 1e-9) / 100  # 四舍五入 at two places
    return pd.DataFrame({"project": per_project.index, "total": shown})


def compare(result: pd.DataFrame, score_json: Path) -> tuple[int, int, list[str]]:
    """How many of the totals agree with kpitrack's ``score --format json`` to two decimals; a few that differ."""
    theirs = {}
    with score_json.open(encoding="utf-8") as lines:
        for line in lines:  # a JSON array written one project a line: read a line at a time
            text = line.strip().rstrip(",")
            if text not in ("", "[", "]"):
                record = json.loads(text)
                theirs[record["project"]] = round(float(record["total"]), 2)
    agree, differ = 0, []
    for project, total in zip(result["project"], result["total"], strict=True):
        if theirs.get(project) == round(float(total), 2):
            agree += 1
        elif len(differ) < 5:
            differ.append(f"{project}: pandas {total:.2f}, kpitrack {theirs.get(project)}")
    return agree, len(theirs), differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=Path, required=True, help="a folder made by benchmarks/generate.py")
    parser.add_argument("--out", type=Path, required=True, help="the CSV of totals to write (project,total)")
    parser.add_argument("--compare", type=Path, help="kpitrack's score --format json of the same province")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = totals(args.province)
    result.to_csv(args.out, index=False, float_format="%.2f")
    elapsed = time.perf_counter() - started
    print(f"{len(result):,} projects' totals written to {args.out} in {elapsed:.1f} s")
    if args.compare:
        agree, count, differ = compare(result, args.compare)
        print(f"{agree:,} of {count:,} totals agree with {args.compare} to 2 decimals")
        for line in differ:
            print(f"  differs: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
