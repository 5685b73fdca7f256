"""Explanations of a project's budget row (预算执行): the table ``budget_explanations``.

The monitoring form's 项目资金 row asks, when its light is red or yellow, the cause of
the deviation, its text, the likelihood and the 纠偏 measures, as an indicator's row
does.  They are kept per project and period, one row per version, exactly as
``explanations`` keeps an indicator's (migration 0006), and beside it as ``spending``
is beside ``actuals``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_explanations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("cause", sa.String(16)),
        sa.Column("likelihood", sa.String(8)),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    columns = ["project_id", "period"]
    current, superseded = sa.text("current = 1"), sa.text("current = 0")
    if op.get_bind().dialect.name == "postgresql":
        current, superseded = sa.text("current"), sa.text("NOT current")
    op.create_index(
        "ux_budget_explanations_current",
        "budget_explanations",
        columns,
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )
    op.create_index(
        "ix_budget_explanations_superseded",
        "budget_explanations",
        columns,
        sqlite_where=superseded,
        postgresql_where=superseded,
    )


def downgrade() -> None:
    op.drop_table("budget_explanations")
