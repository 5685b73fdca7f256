"""kpitrack: track government performance goals (预算绩效目标) through the year.

Record quarterly actuals and money spent, score the year-end self-evaluation
(单位自评), and list the projects that are underperforming.  The public API is
:func:`open`, which gives a :class:`Workspace` (see :mod:`kpitrack.api`).
"""

from kpitrack.api import (
    AuditReport,
    CheckReport,
    GoalsLoaded,
    History,
    Workspace,
    audit_files,
    check_goals,
    open,
    read_profile,
)
from kpitrack.problems import Problem, ProblemsFound

__version__ = "0.1.0"

__all__ = [
    "AuditReport",
    "CheckReport",
    "GoalsLoaded",
    "History",
    "Problem",
    "ProblemsFound",
    "Workspace",
    "__version__",
    "audit_files",
    "check_goals",
    "open",
    "read_profile",
]
