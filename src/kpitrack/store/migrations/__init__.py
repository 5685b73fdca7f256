"""Alembic migrations of the store (数据库迁移), run programmatically by :func:`kpitrack.store.open_store`."""
