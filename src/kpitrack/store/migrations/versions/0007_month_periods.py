"""Periods of months (月): a value may be recorded for a month or a half year, not only a quarter.

The period keys of ``actuals`` and ``spending`` change from ``year * 10 + quarter``
(``20213``) to ``year * 10000 + last month * 100 + first month`` (``20210907``), so
that a month (``20210707``), a half year (``20210601``) or a run of months a form
reports at once has a key of its own and "the year to date at July" stays one range
of keys.  Every stored quarter keeps its meaning.  Explanations name their period by
its text (``2021Q2``), which does not change.  Downgrading is refused while any
stored period is not a quarter: the old keys cannot name it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = ("actuals", "spending")


def upgrade() -> None:
    for table in _TABLES:
        # 20213 → 2021 * 10000 + 9 * 100 + 7: the quarter's last and first month.
        op.execute(f"UPDATE {table} SET period = (period / 10) * 10000 + (period % 10) * 303 - 2")


def downgrade() -> None:
    quarter = "period % 100 = (period / 100) % 100 - 2 AND ((period / 100) % 100) % 3 = 0"
    for table in _TABLES:
        others = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table} WHERE NOT ({quarter})")).scalar_one()
        if others:
            raise RuntimeError(f"{table} holds {others} values of months or half years, which 0006 cannot store")
    for table in _TABLES:
        op.execute(f"UPDATE {table} SET period = (period / 10000) * 10 + (period / 100) % 100 / 3")
