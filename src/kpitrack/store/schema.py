"""The database schema (数据库结构) of the store, as SQLAlchemy Core tables.

Goals (绩效目标) are stored already parsed: each indicator keeps its target's
kind, operator, numbers and unit in columns beside the canonical text, so later
runs never re-parse.  Recorded values (实际完成值) and money spent (资金执行) keep
one row per version; the ``current`` flag marks the version in force, and a
partial unique index keeps at most one current version per indicator (or project)
and period, which also makes "the current values" a cheap index scan.

Periods are stored as integers ``year * 10000 + last month * 100 + first month``
(``20210907`` is 2021Q3, ``20210707`` is 2021-07) so that "this year up to July"
is a range (:func:`to_date_keys`) and the bulk path can group on one column.
Decimals are exact: NUMERIC on PostgreSQL, canonical decimal text on SQLite.
The Alembic migrations in ``migrations/versions`` build exactly these tables; a
test compares the two.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from kpitrack import limits
from kpitrack.periods import Period

__all__ = [
    "SHAPE_COLUMNS",
    "ExactDecimal",
    "actuals",
    "budget_explanations",
    "decimal_text",
    "explanations",
    "fund_plans",
    "indicator_shapes",
    "indicators",
    "metadata",
    "period_key",
    "period_of",
    "projects",
    "revisions",
    "shape_digest",
    "spending",
    "to_date_keys",
    "year_keys",
]


def decimal_text(value: Decimal) -> str:
    """Plain decimal text (no exponent) that reads back to an equal Decimal."""
    return format(value, "f")


class ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, decimal text on SQLite (whose NUMERIC is a float)."""

    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return decimal_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


def period_key(period: Period) -> int:
    """2021Q3 → 20210907; 2021-07 → 20210707 (ordered by last month, as periods of a year are)."""
    return period.year * 10000 + period.last * 100 + period.first


def period_of(key: int) -> Period:
    """20210907 → 2021Q3."""
    return Period(key // 10000, key % 100, key // 100 % 100)


def year_keys(year: int) -> tuple[int, int]:
    """The lowest and highest key of a period of ``year``."""
    return year * 10000, year * 10000 + 9999


def to_date_keys(as_of: Period) -> tuple[int, int]:
    """The keys of the periods that end by ``as_of``'s last month: the year to date at that cut-off."""
    return as_of.year * 10000, as_of.year * 10000 + as_of.last * 100 + 99


metadata = sa.MetaData()

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(limits.ID_LENGTH), nullable=False),  # the project id of the goal file (p01)
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),  # 预算单位
    sa.Column("budget", ExactDecimal, nullable=False),  # 万元
    sa.Column("fiscal", ExactDecimal),
    sa.Column("other", ExactDecimal),
    sa.Column("goal", sa.Text, nullable=False, server_default=""),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    # What the forms print (migration 0006): 主管部门, 实施单位, 年初预算数, 上年结转资金, 实际完成情况.
    sa.Column("department", sa.Text, nullable=False, server_default=""),
    sa.Column("agency", sa.Text, nullable=False, server_default=""),
    sa.Column("initial_budget", ExactDecimal),
    sa.Column("carryover", ExactDecimal),
    sa.Column("outcome", sa.Text, nullable=False, server_default=""),
    # The goal table's own scoring section (its printed weights) as canonical JSON; NULL: none
    # (migration 0005).  One text, not columns: its tiers are an open set (a department's
    # 项目决策 / 项目管理 …), and as one canonical text it compares, and is revised, as a whole.
    sa.Column("scoring", sa.Text),
    sa.UniqueConstraint("code", "year", name="uq_projects_code_year"),
)
sa.Index("ix_projects_year_name", projects.c.year, projects.c.name)

# The fund-release plan (资金分配情况): one row per entry (Q1..Q4 or H1/H2), in order.
fund_plans = sa.Table(
    "fund_plans",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(2), nullable=False),
    sa.Column("amount", ExactDecimal, nullable=False),
)


def _definition_columns() -> list[sa.Column[Any]]:
    """An indicator's definition: everything but its project, code and position.

    ``indicators`` and ``indicator_shapes`` both hold these columns (each table gets
    its own Column objects), in this order, which is also that of :func:`shape_digest`.
    """
    return [
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level1", sa.String(limits.LEVEL_LENGTH), nullable=False),
        sa.Column("level2", sa.String(limits.LEVEL_LENGTH), nullable=False),
        sa.Column("unit", sa.String(limits.UNIT_LENGTH), nullable=False),  # the unit actuals are recorded in
        sa.Column("weight", ExactDecimal),
        sa.Column("aggregate", sa.String(8), nullable=False),  # sum | latest
        sa.Column("target_text", sa.Text, nullable=False),  # canonical str(Threshold)
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("op", sa.String(2)),
        sa.Column("value", ExactDecimal),
        sa.Column("upper", ExactDecimal),
        sa.Column("target_unit", sa.String(limits.UNIT_LENGTH), nullable=False),
        sa.Column("deadline_year", sa.Integer),
        sa.Column("start_month", sa.Integer),
        sa.Column("end_month", sa.Integer),
        sa.Column("deadline_day", sa.Integer),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("explicit", sa.Boolean, nullable=False),
    ]


SHAPE_COLUMNS = tuple(column.name for column in _definition_columns())
_DECIMAL_SHAPE_COLUMNS = frozenset({"weight", "value", "upper"})


def shape_digest(values: Sequence[Any]) -> str:
    """The key of an indicator shape: a hash of its :data:`SHAPE_COLUMNS` values, as stored.

    The same on both databases and whether the values come from the driver or go to it:
    decimals count by their exact text (``35`` and ``35.00`` are two shapes, as they are
    two stored texts), ``explicit`` as a boolean (SQLite gives 0/1), NULL apart from
    every text.
    """
    parts = []
    for column, value in zip(SHAPE_COLUMNS, values, strict=True):
        if value is None:
            parts.append("\x00")
        elif column == "explicit":
            parts.append("1" if value else "0")
        elif column in _DECIMAL_SHAPE_COLUMNS and isinstance(value, Decimal):
            parts.append(decimal_text(value))
        else:
            parts.append(str(value))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


# Indicator shapes (指标定义): the distinct definitions among a province's indicators.  The same
# indicator (name, target, unit, weight …) recurs in thousands of projects; readers of many
# projects read each definition once through ``indicators.shape_id``.  The indicator rows
# keep their own copies of these columns, for the readers of one project.
indicator_shapes = sa.Table(
    "indicator_shapes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(32), nullable=False),  # shape_digest of the columns below
    *_definition_columns(),
    sa.UniqueConstraint("digest", name="uq_indicator_shapes_digest"),
)

indicators = sa.Table(
    "indicators",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("code", sa.String(limits.ID_LENGTH), nullable=False),  # qty1, sat1 …
    sa.Column("position", sa.Integer, nullable=False),
    *_definition_columns(),
    sa.Column("retired_on", sa.Date),  # dropped from the goal file: kept for its history
    # The definition above as a shared shape; set by every writer (and by migration 0003).
    sa.Column("shape_id", sa.Integer, sa.ForeignKey("indicator_shapes.id", name="fk_indicators_shape_id")),
    sa.UniqueConstraint("project_id", "code", name="uq_indicators_project_code"),
)

# Goal revisions (目标调整): every change a later goal load made, with its date.
revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id", ondelete="CASCADE")),
    sa.Column("revised_on", sa.Date, nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("old_text", sa.Text),
    sa.Column("new_text", sa.Text),
)
sa.Index("ix_revisions_project", revisions.c.project_id)

actuals = sa.Table(
    "actuals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period", sa.Integer, nullable=False),  # 20210907 = 2021Q3 (period_key)
    sa.Column("kind", sa.String(8), nullable=False),  # number | grade | date | n/a
    sa.Column("number", ExactDecimal),
    sa.Column("unit", sa.String(limits.UNIT_LENGTH), nullable=False),
    sa.Column("grade", sa.String(8)),
    sa.Column("score", ExactDecimal),
    sa.Column("done_on", sa.Date),
    sa.Column("text", sa.Text, nullable=False),  # canonical str(Reading)
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(limits.WHO_LENGTH), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),  # ISO 8601, UTC
    sa.Column("current", sa.Boolean, nullable=False),
)


def _version_indexes(table: sa.Table, key: sa.Column[int]) -> None:
    """The indexes of a table of recorded versions (actuals, spending, explanations) by (key, period).

    Current values: unique per period.  Values a correction replaced: an index of
    their own (migration 0004), so that each value recorded goes into one index, not
    two; a reader of every version (the history) asks for the two apart.  SQLite uses
    a partial index only for a query whose terms include the index's own condition,
    word for word: there the queries say ``current = 1`` / ``current = 0`` (SQLAlchemy's
    form of a boolean column), so the indexes say the same.
    """
    current, superseded = table.c.current, sa.not_(table.c.current)
    sa.Index(
        f"ux_{table.name}_current",
        key,
        table.c.period,
        unique=True,
        sqlite_where=current == sa.true(),
        postgresql_where=current,
    )
    sa.Index(f"ix_{table.name}_superseded", key, table.c.period, sqlite_where=superseded, postgresql_where=superseded)


_version_indexes(actuals, actuals.c.indicator_id)

spending = sa.Table(
    "spending",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("amount", ExactDecimal, nullable=False),  # 万元
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(limits.WHO_LENGTH), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
)
_version_indexes(spending, spending.c.project_id)


def _explanation_columns() -> list[sa.Column[Any]]:
    """An explanation's own columns, after its key: ``explanations`` and ``budget_explanations`` both hold them."""
    return [
        sa.Column("period", sa.String(16), nullable=False),  # "2021" (year end) or "2021Q2" (a cut-off)
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("cause", sa.String(16)),  # 经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他
        sa.Column("likelihood", sa.String(8)),  # 确定能 / 有可能 / 完全不可能
        sa.Column("measures", sa.Text, nullable=False),  # 纠偏措施
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    ]


# Explanations (情况说明): per indicator and period, the 偏差原因分析及改进措施 of the year end
# (period "2021") or, at a monitoring cut-off (period "2021Q2"), the cause category, its
# text, the likelihood of meeting the target and the 纠偏 measures.  Kept like values:
# one row per version, the ``current`` one in force (migration 0006).
explanations = sa.Table(
    "explanations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
    *_explanation_columns(),
)
_version_indexes(explanations, explanations.c.indicator_id)

# The same for a project's budget row (项目资金, 预算执行) of the monitoring form, per project as
# ``spending`` is beside ``actuals`` (migration 0008).
budget_explanations = sa.Table(
    "budget_explanations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    *_explanation_columns(),
)
_version_indexes(budget_explanations, budget_explanations.c.project_id)
