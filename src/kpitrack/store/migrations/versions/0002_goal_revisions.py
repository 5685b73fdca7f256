"""Goal revisions (目标调整): a changed target is a dated revision, a dropped indicator is retired.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id", ondelete="CASCADE")),
        sa.Column("revised_on", sa.Date, nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_text", sa.Text),
        sa.Column("new_text", sa.Text),
    )
    op.create_index("ix_revisions_project", "revisions", ["project_id"])
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("retired_on", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.drop_column("retired_on")
    op.drop_table("revisions")
