"""What the official forms need (自评表, 绩效运行监控表): project details and explanations.

Projects gain 主管部门 (``department``), 实施单位 (``agency``), 年初预算数
(``initial_budget``), 上年结转资金 (``carryover``) and the 实际完成情况 of the
年度总体目标 (``outcome``).  A new table ``explanations`` keeps, per indicator and
period, the 偏差原因分析及改进措施 of the year end or the cause, likelihood and
纠偏 measures of a monitoring cut-off, one row per version as values are kept.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kpitrack.store.schema import ExactDecimal

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("department", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("agency", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("initial_budget", ExactDecimal))
        batch.add_column(sa.Column("carryover", ExactDecimal))
        batch.add_column(sa.Column("outcome", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "explanations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("cause", sa.String(16)),
        sa.Column("likelihood", sa.String(8)),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    columns = ["indicator_id", "period"]
    current, superseded = sa.text("current = 1"), sa.text("current = 0")
    if op.get_bind().dialect.name == "postgresql":
        current, superseded = sa.text("current"), sa.text("NOT current")
    op.create_index(
        "ux_explanations_current", "explanations", columns, unique=True, sqlite_where=current, postgresql_where=current
    )
    op.create_index(
        "ix_explanations_superseded", "explanations", columns, sqlite_where=superseded, postgresql_where=superseded
    )


def downgrade() -> None:
    op.drop_table("explanations")
    with op.batch_alter_table("projects") as batch:
        for column in ("outcome", "carryover", "initial_budget", "agency", "department"):
            batch.drop_column(column)
