"""The first schema: goals, fund plans, quarterly actuals and spending.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kpitrack.store.schema import ExactDecimal

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("budget", ExactDecimal, nullable=False),
        sa.Column("fiscal", ExactDecimal),
        sa.Column("other", ExactDecimal),
        sa.Column("goal", sa.Text, nullable=False, server_default=""),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        sa.UniqueConstraint("code", "year", name="uq_projects_code_year"),
    )
    op.create_index("ix_projects_year_name", "projects", ["year", "name"])
    op.create_table(
        "fund_plans",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(2), nullable=False),
        sa.Column("amount", ExactDecimal, nullable=False),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
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
        sa.UniqueConstraint("project_id", "code", name="uq_indicators_project_code"),
    )
    op.create_table(
        "actuals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("number", ExactDecimal),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("grade", sa.String(8)),
        sa.Column("score", ExactDecimal),
        sa.Column("done_on", sa.Date),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ux_actuals_current",
        "actuals",
        ["indicator_id", "period"],
        unique=True,
        sqlite_where=sa.text("current"),
        postgresql_where=sa.text("current"),
    )
    op.create_index("ix_actuals_indicator", "actuals", ["indicator_id", "period"])
    op.create_table(
        "spending",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("amount", ExactDecimal, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ux_spending_current",
        "spending",
        ["project_id", "period"],
        unique=True,
        sqlite_where=sa.text("current"),
        postgresql_where=sa.text("current"),
    )
    op.create_index("ix_spending_project", "spending", ["project_id", "period"])


def downgrade() -> None:
    for table in ("spending", "actuals", "indicators", "fund_plans", "projects"):
        op.drop_table(table)
