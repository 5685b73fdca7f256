"""Each recorded value in one index: the history index keeps only superseded values.

``ix_actuals_indicator`` and ``ix_spending_project`` indexed every row by (key,
period), current or not, so each value recorded went into two indexes over the
same columns: the unique partial index of current values and this one.  They
become ``ix_actuals_superseded`` and ``ix_spending_superseded``, partial indexes of
the rows a correction replaced.  Readers of current values use the unique index;
readers of every version (the history) ask for the current and the superseded
rows apart, each through its own index.

SQLite uses a partial index only for a query whose terms include the index's
condition as written, and SQLAlchemy writes a boolean column's test there as
``current = 1`` / ``current = 0``; the unique indexes said ``WHERE current``, so
on SQLite they are made again with ``current = 1`` (until now the queries found
the current values through the full index).  PostgreSQL proves the implication
itself and keeps its unique indexes.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, key column, unique index of current values, full index before, index of superseded values after)
_INDEXES = (
    ("actuals", "indicator_id", "ux_actuals_current", "ix_actuals_indicator", "ix_actuals_superseded"),
    ("spending", "project_id", "ux_spending_current", "ix_spending_project", "ix_spending_superseded"),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, key, current, before, after in _INDEXES:
        columns = [key, "period"]
        op.drop_index(before, table_name=table)
        if sqlite:
            op.drop_index(current, table_name=table)
            op.create_index(current, table, columns, unique=True, sqlite_where=sa.text("current = 1"))
        on_sqlite, on_postgresql = sa.text("current = 0"), sa.text("NOT current")
        op.create_index(after, table, columns, sqlite_where=on_sqlite, postgresql_where=on_postgresql)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, key, current, before, after in _INDEXES:
        columns = [key, "period"]
        op.drop_index(after, table_name=table)
        if sqlite:
            op.drop_index(current, table_name=table)
            op.create_index(current, table, columns, unique=True, sqlite_where=sa.text("current"))
        op.create_index(before, table, columns)
