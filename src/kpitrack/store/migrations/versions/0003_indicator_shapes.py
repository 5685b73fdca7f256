"""Indicator shapes (指标定义): each distinct indicator definition stored once, ``indicators.shape_id`` to it.

The indicator rows keep their own definition columns; the shapes are an added
normalisation for readers of many projects (the bulk path).  Existing indicators
get their shapes here: the distinct definitions are read once (each decimal by its
exact text), numbered and keyed by :func:`~kpitrack.store.schema.shape_digest`, and
every indicator row is pointed at its shape by one ``UPDATE`` inside the database.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from kpitrack.store.schema import SHAPE_COLUMNS, ExactDecimal, shape_digest

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DECIMALS = ("weight", "value", "upper")
_NULLABLE = ("weight", "op", "value", "upper", "deadline_year", "start_month", "end_month", "deadline_day")


def upgrade() -> None:
    shapes = op.create_table(
        "indicator_shapes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level1", sa.String(32), nullable=False),
        sa.Column("level2", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("weight", ExactDecimal),
        sa.Column("aggregate", sa.String(8), nullable=False),
        sa.Column("target_text", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("op", sa.String(2)),
        sa.Column("value", ExactDecimal),
        sa.Column("upper", ExactDecimal),
        sa.Column("target_unit", sa.String(32), nullable=False),
        sa.Column("deadline_year", sa.Integer),
        sa.Column("start_month", sa.Integer),
        sa.Column("end_month", sa.Integer),
        sa.Column("deadline_day", sa.Integer),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("explicit", sa.Boolean, nullable=False),
        sa.UniqueConstraint("digest", name="uq_indicator_shapes_digest"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: it would copy the table and drop the old one, and with foreign keys on
        # that drop deletes every actual and revision (ON DELETE CASCADE).  SQLite adds a nullable
        # column with a reference in place.
        op.execute(
            "ALTER TABLE indicators ADD COLUMN shape_id INTEGER "
            "CONSTRAINT fk_indicators_shape_id REFERENCES indicator_shapes (id)"
        )
    else:
        op.add_column(
            "indicators",
            sa.Column("shape_id", sa.Integer, sa.ForeignKey("indicator_shapes.id", name="fk_indicators_shape_id")),
        )
    _backfill(shapes)


def _backfill(shapes: sa.Table) -> None:
    """Shapes for the indicators already stored, and each indicator's ``shape_id``."""
    connection = op.get_bind()
    indicators = sa.table("indicators", sa.column("id"), sa.column("shape_id"), *map(sa.column, SHAPE_COLUMNS))

    def exact(name: str) -> Any:
        # Decimals compared and kept by their text: PostgreSQL's NUMERIC has 35 = 35.00, the stored texts differ.
        column = indicators.c[name]
        return sa.cast(column, sa.String) if name in _DECIMALS else column

    distinct = sa.select(*(exact(name) for name in SHAPE_COLUMNS)).distinct()
    rows = []
    for values in connection.execute(distinct):
        row = dict(zip(SHAPE_COLUMNS, values, strict=True))
        for name in _DECIMALS:
            if row[name] is not None:
                row[name] = Decimal(row[name])
        row["explicit"] = bool(row["explicit"])
        row["digest"] = shape_digest([row[name] for name in SHAPE_COLUMNS])
        rows.append(row)
    if not rows:
        return
    op.bulk_insert(shapes, rows)
    # Each indicator finds its shape through an index on two of its columns, then compares the rest.
    op.create_index("ix_indicator_shapes_backfill", "indicator_shapes", ["name", "target_text"])
    s = shapes.alias("s")

    def same(name: str) -> Any:
        mine, theirs = exact(name), sa.cast(s.c[name], sa.String) if name in _DECIMALS else s.c[name]
        return theirs.is_not_distinct_from(mine) if name in _NULLABLE else theirs == mine

    found = sa.select(s.c.id).where(*(same(name) for name in SHAPE_COLUMNS)).scalar_subquery()
    connection.execute(sa.update(indicators).values(shape_id=found))
    op.drop_index("ix_indicator_shapes_backfill", "indicator_shapes")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE indicators DROP COLUMN shape_id")  # in place, as in upgrade (SQLite ≥ 3.35)
    else:
        op.drop_column("indicators", "shape_id")
    op.drop_table("indicator_shapes")
