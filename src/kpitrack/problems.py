"""Problems found in user data: small records that say where, what, and quote the text.

Loaders and importers return every problem they find instead of stopping at the
first; the command line prints them one per line as ``where: message``.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

import attrs

__all__ = ["MAX_SHOWN", "Problem", "ProblemsFound", "Severity", "ambiguous", "closest", "has_errors", "more_problems"]

# Problems kept and shown at most: a 200 MB file of bad rows has millions, and the first
# thousand say what is wrong; the rest are counted (more_problems).
MAX_SHOWN = 1000


class Severity(enum.Enum):
    """Errors reject the input; warnings point at what looks wrong; notes ask the user to confirm a reading."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@attrs.frozen
class Problem:
    """One thing wrong with the input: ``goals/x.toml: indicators[3].target: cannot read target '≥9O%'``."""

    where: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{self.where}: {prefix}{self.message}" if self.where else f"{prefix}{self.message}"

    def at(self, outer: str) -> Problem:
        """The same problem located inside ``outer`` (a file, a sheet)."""
        where = f"{outer}: {self.where}" if self.where else outer
        return attrs.evolve(self, where=where)


def closest(key: str, candidates: Sequence[str]) -> str:
    """A hint for an unknown name: ``"; closest: a, b"`` with up to three near candidates, or nothing."""
    matches = difflib.get_close_matches(key, candidates, n=3, cutoff=0.4)
    return f"; closest: {', '.join(matches)}" if matches else ""


def ambiguous(what: str, ids: Sequence[str], scope: str) -> str:
    """Why a name cannot be looked up: ``names 2 projects in 2021: p01, p02; give the id``."""
    return f"names {len(ids)} {what} {scope}: {', '.join(ids)}; give the id"


def more_problems(count: int) -> Problem:
    """The line that stands for the problems not kept: ``… and 123,456 more problems``."""
    return Problem("", f"… and {count:,} more problem{'s' if count != 1 else ''}")


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


class ProblemsFound(Exception):
    """Raised at the edges when input is rejected; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
