"""Memory settings for the commands that stream a whole province."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["no_cycle_collection"]


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a province streams through.

    Loading, importing and scoring a province make millions of small objects (rows,
    records, memo entries), none in a reference cycle; the collector would scan the
    long-lived ones over and over as they pile up.  Reference counting still frees
    everything; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
