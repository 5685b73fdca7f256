"""The store (数据库): goals, quarterly actuals and money spent in SQLite or PostgreSQL.

``open_store(url)`` is the entry point; see :mod:`kpitrack.store.database`.
"""

from kpitrack.store.database import ActualsView, HistoryEntry, ImportResult, IndicatorActuals, Store, open_store
from kpitrack.store.goals import LoadReport, Revision
from kpitrack.store.recording import ActualRow, SpendingRow, WriteSummary

__all__ = [
    "ActualRow",
    "ActualsView",
    "HistoryEntry",
    "ImportResult",
    "IndicatorActuals",
    "LoadReport",
    "Revision",
    "SpendingRow",
    "Store",
    "WriteSummary",
    "open_store",
]
