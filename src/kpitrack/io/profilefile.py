"""Profile files (评分规则文件): a TOML file that overrides any part of the default scoring profile.

Every key is optional; what is not given keeps the default of 财预〔2020〕10号::

    name = "预算执行率 20 分"

    [scoring]
    execution = 20                 # 预算执行率 points
    reverse = "ratio"              # ratio | linear: how a cost over its cap scores
    exact = "forward"              # forward | strict: how an equality target scores
    over_achievement = 1.2         # A ≥ 1.2 × T is flagged

    [scoring.tiers]                # 一级指标 points; with execution they must make 100
    "产出指标" = 40                 # TOML bare keys are ASCII: quote the Chinese names
    "效益指标" = 30
    "满意度指标" = 10

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

from kpitrack.io import strict_toml
from kpitrack.model import LEVEL1, normalise_level1
from kpitrack.problems import Problem
from kpitrack.profile import (
    DEFAULT,
    ElapsedBasis,
    ExactVariant,
    Profile,
    Rating,
    ReverseVariant,
    bands_80_50,
    validate,
)
from kpitrack.readings import Grade, GradeWord, ValueWords

__all__ = ["load", "loads"]

_GRADES = {grade.value: grade for grade in Grade}
_RATINGS = {rating.value: rating for rating in (Rating.EXCELLENT, Rating.GOOD, Rating.FAIR)}
_NAMED_BANDS = {"80/60": DEFAULT.grade_bands, "80/50": bands_80_50()}


def load(path: Path, base: Profile = DEFAULT) -> tuple[Profile | None, list[Problem]]:
    """Read a profile file over ``base``; the problems name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as failure:
        return None, [Problem(str(path), f"cannot read the profile: {failure.strerror or failure}")]
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


class _Reader:
    """Walks the TOML tables, collecting located problems and the rules it changed."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []
        self.sources: dict[str, str] = {}

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(f"{self.where}: {path}", message))

    def table(self, raw: object, path: str, known: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(raw, dict):
            self.error(path, f"expected a table, got {_describe(raw)}")
            return {}
        for key in raw:
            if key not in known:
                self.error(f"{path}.{key}" if path else key, f"unknown key; expected one of {', '.join(known)}")
        return raw

    def number(self, value: object, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(path, f"expected a number, got {_describe(value)}")
            return None
        return Decimal(value)

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
        known = ("execution", "tiers", "reverse", "exact", "over_achievement", "qualitative", "grades")
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
            tiers = self.keyed(table["tiers"], "scoring.tiers", _tier_key, base.tier_weights)
            self.set(changes, "tier_weights", "scoring.tiers", tiers)
        if "grades" in table:
            grades = self.keyed(table["grades"], "scoring.grades", _RATINGS.get, base.grade_cutoffs)
            self.set(changes, "grade_cutoffs", "scoring.grades", grades)
        if "qualitative" in table:
            self.qualitative(table["qualitative"], base, changes)

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


def _tier_key(name: str) -> str | None:
    canonical = normalise_level1(name)
    return canonical if canonical in LEVEL1 else None


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
