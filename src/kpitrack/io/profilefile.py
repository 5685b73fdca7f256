"""Profile files (评分规则文件): a TOML file that overrides any part of the default scoring profile.

Every key is optional; what is not given keeps the default of 财预〔2020〕10号::

    name = "预算执行率 20 分"

    [scoring]
    execution = 20                 # 预算执行率 points
    reverse = "ratio"              # ratio | linear: how a cost over its cap scores
    exact = "forward"              # forward | strict: how an equality target scores
    over_achievement = 1.2         # A ≥ 1.2 × T is flagged
    row_rounding = { places = 1, mode = "half_up" }   # each row's score before the total:
                                   # places 2 | 1 | 0, mode half_up (四舍五入) | half_down; "none" (default)

    [scoring.tiers]                # 一级指标 points; with execution they must make 100
    "产出指标" = 40                 # TOML bare keys are ASCII: quote the Chinese names
    "效益指标" = 30
    "满意度指标" = 10

A tier the default tree does not have is declared as a table with its level-2
categories, and starts a tree of its own (then only the tiers named count; the
level 2s of the dropped tiers belong to none)::

    [scoring.tiers]
    "项目决策" = { weight = 20, level2 = ["项目立项", "绩效目标", "资金投入"] }
    "项目管理" = { weight = 20, level2 = ["资金管理", "组织实施"] }
    "产出指标" = 40                 # keeps its level 2s: 数量指标, 质量指标 …
    "效益指标" = 20                 # with execution 0

    [scoring.qualitative]
    bands = "80/50"                # or a table: "达成" = [80, 100], "部分达成" = [50, 80], "未达成" = [0, 50]
    defaults = { "达成" = 100, "部分达成" = 70, "未达成" = 30 }   # percent for a bare grade
    free_text = "达成"              # other text printed as a result takes this grade (default: an error)

    [scoring.qualitative.words]    # words printed as results (实际完成值), over the default vocabulary
    "是" = "达成"
    "基本达到" = ["部分达成", 75]   # a word with its own score (percent, inside the grade's band)

    [scoring.grades]               # lowest total of each grade
    "优" = 90
    "良" = 80
    "中" = 60

    [monitoring]
    red_below = 0.6
    green_from = 0.8
    blue_from = 1.2
    impossible_catch_up = 2
    elapsed = "time"               # time | plan (cumulative planned release / budget)

    [underperforming]
    below = 80                     # year-end total below which a project is listed
    execution_floor = 0.9          # year-end execution rate below which a project is listed

Reading is strict: unknown keys are errors, numbers are exact (TOML floats are read
as Decimal, strings and booleans are not numbers), and every problem is reported as
``profile.toml: scoring.tiers.产出指标: …``.  The assembled profile is then checked
by :func:`kpitrack.profile.validate` (weights make 100, bands ordered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from kpitrack import limits
from kpitrack.io import strict_toml
from kpitrack.io.textfile import read_text
from kpitrack.model import ProjectScoring, normalise_level1, normalise_level2
from kpitrack.problems import Problem, ProblemsFound
from kpitrack.profile import (
    DEFAULT,
    ROW_PLACES,
    ElapsedBasis,
    ExactVariant,
    Halves,
    Profile,
    Rating,
    ReverseVariant,
    RowRounding,
    bands_80_50,
    validate,
)
from kpitrack.readings import Grade, GradeWord, ValueWords

__all__ = ["PROJECT_SCORING_KEYS", "load", "loads", "read_project_scoring"]

# The keys of a goal table's own [scoring] section: what a printed table shows of its rules.
PROJECT_SCORING_KEYS = ("execution", "tiers")

_GRADES = {grade.value: grade for grade in Grade}
_RATINGS = {rating.value: rating for rating in (Rating.EXCELLENT, Rating.GOOD, Rating.FAIR)}
_NAMED_BANDS = {"80/60": DEFAULT.grade_bands, "80/50": bands_80_50()}


def load(path: Path, base: Profile = DEFAULT) -> tuple[Profile | None, list[Problem]]:
    """Read a profile file over ``base``; the problems name the file."""
    try:
        text = read_text(path)
    except OSError as failure:
        return None, [Problem(str(path), f"cannot read the profile: {failure.strerror or failure}")]
    except ProblemsFound as found:
        return None, list(found.problems)
    return loads(text, str(path), base)


def loads(text: str, where: str, base: Profile = DEFAULT) -> tuple[Profile | None, list[Problem]]:
    """Read profile text over ``base``; ``where`` names it in problems and in the rules' sources."""
    raw, syntax = strict_toml.parse(text, where)
    if raw is None:
        return None, [syntax] if syntax else []
    reader = _Reader(where)
    profile = reader.profile(raw, base)
    if reader.problems:
        return None, reader.problems
    problems = [p.at(where) for p in validate(profile)]
    return (None, problems) if problems else (profile, [])


def read_project_scoring(raw: object, where: str) -> tuple[ProjectScoring, list[Problem]]:
    """A goal table's ``[scoring]`` section: the keys of a profile file's (``execution``, ``tiers``), read alike.

    Any tier name is taken here: which tiers exist is the profile's to say, and
    :func:`kpitrack.checks.check_project_scoring` judges the section against the
    profile in force (names, and weights that make 100).
    """
    reader = _Reader(where)
    table = reader.table(raw, "scoring", PROJECT_SCORING_KEYS, hint="; other rules belong in a profile file")
    execution = reader.number(table["execution"], "scoring.execution") if "execution" in table else None
    tiers = reader.tiers(table["tiers"], None) if "tiers" in table else None
    weights, members = tiers if tiers is not None else ({}, {})
    return ProjectScoring(execution, weights, members), reader.problems


class _Reader:
    """Walks the TOML tables, collecting located problems and the rules it changed."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []
        self.sources: dict[str, str] = {}

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(f"{self.where}: {path}" if self.where else path, message))

    def table(self, raw: object, path: str, known: tuple[str, ...], hint: str = "") -> Mapping[str, Any]:
        if not isinstance(raw, dict):
            self.error(path, f"expected a table, got {_describe(raw)}")
            return {}
        for key in raw:
            if key not in known:
                self.error(f"{path}.{key}" if path else key, f"unknown key; expected one of {', '.join(known)}{hint}")
        return raw

    def number(self, value: object, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(path, f"expected a number, got {_describe(value)}")
            return None
        try:
            return limits.number(Decimal(value))
        except limits.OutOfBounds as beyond:
            self.error(path, f"{value} is {beyond.reason}")
            return None

    def choice(self, value: object, path: str, choices: Mapping[str, Any]) -> Any:
        if not isinstance(value, str) or value not in choices:
            self.error(path, f"expected one of {', '.join(choices)}, got {_describe(value)}")
            return None
        return choices[value]

    def set(self, changes: dict[str, Any], field: str, rule: str, value: object) -> None:
        if value is not None:
            changes[field] = value
            self.sources[rule] = self.where

    def profile(self, raw: Mapping[str, Any], base: Profile) -> Profile:
        top = self.table(raw, "", ("name", "scoring", "monitoring", "underperforming"))
        changes: dict[str, Any] = {}
        if "name" in top:
            if isinstance(top["name"], str):
                changes["name"] = top["name"]
            else:
                self.error("name", f"expected text, got {_describe(top['name'])}")
        if "scoring" in top:
            self.scoring(top["scoring"], base, changes)
        if "monitoring" in top:
            self.monitoring(top["monitoring"], base, changes)
        if "underperforming" in top:
            table = self.table(top["underperforming"], "underperforming", ("below", "execution_floor"))
            for key, field in (("below", "underperforming_below"), ("execution_floor", "execution_floor")):
                if key in table:
                    self.set(
                        changes, field, f"underperforming.{key}", self.number(table[key], f"underperforming.{key}")
                    )
        changes["sources"] = {**base.sources, **self.sources}
        return attrs.evolve(base, **changes)

    def scoring(self, raw: object, base: Profile, changes: dict[str, Any]) -> None:
        known = ("execution", "tiers", "row_rounding", "reverse", "exact", "over_achievement", "qualitative", "grades")
        table = self.table(raw, "scoring", known)
        if "execution" in table:
            self.set(
                changes, "execution_weight", "scoring.execution", self.number(table["execution"], "scoring.execution")
            )
        if "over_achievement" in table:
            value = self.number(table["over_achievement"], "scoring.over_achievement")
            self.set(changes, "over_achievement", "scoring.over_achievement", value)
        variants: tuple[tuple[str, str, Mapping[str, Any]], ...] = (
            ("reverse", "reverse", {v.value: v for v in ReverseVariant}),
            ("exact", "exact", {v.value: v for v in ExactVariant}),
        )
        for key, field, choices in variants:
            if key in table:
                self.set(changes, field, f"scoring.{key}", self.choice(table[key], f"scoring.{key}", choices))
        if "tiers" in table:
            tiers = self.tiers(table["tiers"], base.tier_weights)
            if tiers is not None:
                tree = base.with_tiers(*tiers)
                changes["level2_tiers"] = tree.level2_tiers
                self.set(changes, "tier_weights", "scoring.tiers", tree.tier_weights)
        if "row_rounding" in table:
            self.set(changes, "row_rounding", "scoring.row_rounding", self.row_rounding(table["row_rounding"]))
        if "grades" in table:
            grades = self.keyed(table["grades"], "scoring.grades", _RATINGS.get, base.grade_cutoffs)
            self.set(changes, "grade_cutoffs", "scoring.grades", grades)
        if "qualitative" in table:
            self.qualitative(table["qualitative"], base, changes)

    def tiers(
        self, raw: object, known: Mapping[str, Decimal] | None
    ) -> tuple[dict[str, Decimal], dict[str, str]] | None:
        """Tier weights (一级指标分值) and the level 2s of tiers declared here, or None if any is bad.

        ``"产出指标" = 40`` re-weights a tier of ``known`` (any name when ``known`` is
        None: a goal table's section, judged later against the profile); a tier of
        one's own is ``{ weight = 20, level2 = ["项目立项", …] }``.
        """
        path = "scoring.tiers"
        if not isinstance(raw, dict):
            self.error(path, f"expected a table, got {_describe(raw)}")
            return None
        weights: dict[str, Decimal] = {}
        members: dict[str, str] = {}
        ok = True
        for name, value in raw.items():
            tier, where = normalise_level1(name), f"{path}.{name}"
            if isinstance(value, dict):
                declared = self.declared_tier(value, where)
                if declared is None:
                    ok = False
                    continue
                weight, level2 = declared
                members.update((category, tier) for category in level2)
            elif known is not None and tier not in known:
                expected = ", ".join(known)
                self.error(
                    where,
                    f"unknown key; expected one of {expected} "
                    '(a tier of your own is a table: { weight = 20, level2 = ["…"] })',
                )
                ok = False
                continue
            else:
                weight = self.number(value, where)
            if weight is None:
                ok = False
            else:
                weights[tier] = weight
        return (weights, members) if ok else None

    def declared_tier(self, raw: Mapping[str, Any], where: str) -> tuple[Decimal | None, list[str]] | None:
        """``{ weight = 20, level2 = ["项目立项", "绩效目标"] }``: a tier with its level-2 categories."""
        table = self.table(raw, where, ("weight", "level2"))
        if "weight" not in table or "level2" not in table:
            self.error(where, "a tier of its own needs weight and level2 (its level-2 categories)")
            return None
        level2 = table["level2"]
        if not (isinstance(level2, list) and level2 and all(isinstance(n, str) and n.strip() for n in level2)):
            self.error(f"{where}.level2", f"expected a list of level-2 names, got {_describe(level2)}")
            return None
        return self.number(table["weight"], f"{where}.weight"), [normalise_level2(n) for n in level2]

    def row_rounding(self, raw: object) -> RowRounding | None:
        """``"none"`` or ``{ places = 2 | 1 | 0, mode = "half_up" | "half_down" }``: how each row is rounded."""
        path = "scoring.row_rounding"
        if raw == "none":
            return RowRounding()
        if not isinstance(raw, dict):
            self.error(path, f'expected "none" or {{ places = 1, mode = "half_up" }}, got {_describe(raw)}')
            return None
        table = self.table(raw, path, ("places", "mode"))
        places = table.get("places")
        if isinstance(places, bool) or places not in ROW_PLACES:
            self.error(f"{path}.places", f"expected 2, 1 or 0 (decimals), got {_describe(places)}")
            return None
        halves = self.choice(table.get("mode", "half_up"), f"{path}.mode", {h.value: h for h in Halves})
        return None if halves is None else RowRounding(int(places), halves)

    def keyed(
        self, raw: object, path: str, key_of: Callable[[str], Any], base: Mapping[Any, Decimal]
    ) -> dict[Any, Decimal] | None:
        """A table of numbers keyed by names (tiers, grades) laid over the base mapping."""
        if not isinstance(raw, dict):
            self.error(path, f"expected a table, got {_describe(raw)}")
            return None
        merged = dict(base)
        ok = True
        for name, value in raw.items():
            key = key_of(name)
            number = self.number(value, f"{path}.{name}")
            if key is None:
                self.error(f"{path}.{name}", f"unknown key; expected one of {', '.join(str(_name(k)) for k in base)}")
                ok = False
            elif number is None:
                ok = False
            else:
                merged[key] = number
        return merged if ok else None

    def qualitative(self, raw: object, base: Profile, changes: dict[str, Any]) -> None:
        table = self.table(raw, "scoring.qualitative", ("bands", "defaults", "words", "free_text"))
        if "bands" in table:
            bands = table["bands"]
            if isinstance(bands, str):
                value = self.choice(bands, "scoring.qualitative.bands", _NAMED_BANDS)
            else:
                value = self.band_table(bands, base)
            self.set(changes, "grade_bands", "scoring.qualitative.bands", value)
        if "defaults" in table:
            defaults = self.keyed(table["defaults"], "scoring.qualitative.defaults", _GRADES.get, base.grade_defaults)
            self.set(changes, "grade_defaults", "scoring.qualitative.defaults", defaults)
        words: Mapping[str, GradeWord] | None = base.value_words.words
        free_text = base.value_words.free_text
        if "words" in table:
            words = self.word_table(table["words"], base.value_words.words)
            if words is not None:
                self.sources["scoring.qualitative.words"] = self.where
        if "free_text" in table:
            free_text = self.choice(table["free_text"], "scoring.qualitative.free_text", _GRADES)
            if free_text is not None:
                self.sources["scoring.qualitative.free_text"] = self.where
        if words is not None and ("words" in table or "free_text" in table):
            changes["value_words"] = ValueWords(words=MappingProxyType(dict(words)), free_text=free_text)

    def word_table(self, raw: object, base: Mapping[str, GradeWord]) -> dict[str, GradeWord] | None:
        """Words printed as results: ``"是" = "达成"`` or, with the word's own score, ``["部分达成", 75]``."""
        path = "scoring.qualitative.words"
        if not isinstance(raw, dict):
            self.error(path, f"expected a table of words, got {_describe(raw)}")
            return None
        merged = dict(base)
        ok = True
        for word, value in raw.items():
            where = f"{path}.{word}"
            if isinstance(value, list) and len(value) == 2:
                grade, score = self.choice(value[0], f"{where}[0]", _GRADES), self.number(value[1], f"{where}[1]")
                ok = ok and grade is not None and score is not None
                if grade is not None and score is not None:
                    merged[word] = GradeWord(grade, score)
            elif isinstance(value, str):
                grade = self.choice(value, where, _GRADES)
                ok = ok and grade is not None
                if grade is not None:
                    merged[word] = GradeWord(grade)
            else:
                self.error(where, f'expected a grade ("达成") or [grade, score], got {_describe(value)}')
                ok = False
        return merged if ok else None

    def band_table(self, raw: object, base: Profile) -> dict[Grade, tuple[Decimal, Decimal]] | None:
        path = "scoring.qualitative.bands"
        if not isinstance(raw, dict):
            self.error(path, f'expected "80/60", "80/50" or a table of [low, high], got {_describe(raw)}')
            return None
        merged = dict(base.grade_bands)
        ok = True
        for name, value in raw.items():
            grade = _GRADES.get(name)
            if grade is None:
                self.error(f"{path}.{name}", f"unknown grade; expected one of {', '.join(_GRADES)}")
                ok = False
                continue
            if not (isinstance(value, list) and len(value) == 2):
                self.error(f"{path}.{name}", f"expected [low, high], got {_describe(value)}")
                ok = False
                continue
            low, high = self.number(value[0], f"{path}.{name}[0]"), self.number(value[1], f"{path}.{name}[1]")
            if low is None or high is None:
                ok = False
                continue
            merged[grade] = (low, high)
        return merged if ok else None

    def monitoring(self, raw: object, base: Profile, changes: dict[str, Any]) -> None:
        bands = ("red_below", "green_from", "blue_from", "impossible_catch_up")
        table = self.table(raw, "monitoring", (*bands, "elapsed"))
        band_changes: dict[str, Decimal] = {}
        for key in bands:
            if key in table:
                value = self.number(table[key], f"monitoring.{key}")
                if value is not None:
                    band_changes[key] = value
                    self.sources[f"monitoring.{key}"] = self.where
        if band_changes:
            changes["monitoring"] = attrs.evolve(base.monitoring, **band_changes)
        if "elapsed" in table:
            choices = {v.value: v for v in ElapsedBasis}
            self.set(
                changes,
                "elapsed_basis",
                "monitoring.elapsed",
                self.choice(table["elapsed"], "monitoring.elapsed", choices),
            )


def _name(key: object) -> object:
    return key.value if isinstance(key, Rating | Grade) else key


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
