"""Alembic environment: migrations always run on a connection handed over by the store.

:func:`kpitrack.store.engine.migrate` opens the connection, takes the write lock
and passes it in ``config.attributes["connection"]``; nothing here reads an ini file
or a URL, so the migrations work from an installed wheel.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
