"""A project's own scoring section (``projects.scoring``): the weights its goal table prints.

One nullable text column holding the section as canonical JSON (tiers are an open
set, so not a column each); NULL, as every project stored before, means the
profile's rules alone.  SQLite adds the column in place (no batch copy: with
foreign keys on, dropping the old table would cascade into the indicators).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("scoring", sa.Text))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE projects DROP COLUMN scoring")  # in place, as 0003 does (SQLite ≥ 3.35)
    else:
        op.drop_column("projects", "scoring")
