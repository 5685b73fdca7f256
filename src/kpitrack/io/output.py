"""Files that commands write (输出文件): never half-written, never replaced unasked.

A file is written beside its final name and moved into place in one step
(``os.replace``), so a reader never sees half of it and an interrupted or failed
write leaves what was there before.  An existing file is replaced only when the
user says so (``--force``); a missing folder is a problem, not a traceback.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kpitrack.problems import Problem, ProblemsFound

__all__ = ["check_writable", "replacing"]


def check_writable(path: Path, *, force: bool) -> None:
    """Raise :class:`ProblemsFound` unless ``path`` can be written: its folder exists, it is new or ``force``."""
    folder = path.parent
    if not folder.is_dir():
        raise ProblemsFound([Problem(str(path), f"no folder {str(folder)!r}: create it first; nothing was written")])
    if path.is_dir():
        raise ProblemsFound([Problem(str(path), "is a folder: give a file name; nothing was written")])
    if path.exists() and not force:
        raise ProblemsFound([Problem(str(path), "already exists: give --force to replace it; nothing was written")])


@contextlib.contextmanager
def replacing(path: Path, *, force: bool) -> Iterator[Path]:
    """A temporary path to write to; on success it becomes ``path`` at once, on failure it is removed."""
    check_writable(path, force=force)
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    except OSError as error:
        raise _cannot_write(path, error) from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise _cannot_write(path, error) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _cannot_write(path: Path, error: OSError) -> ProblemsFound:
    return ProblemsFound([Problem(str(path), f"cannot write: {error.strerror or error}; nothing was written")])
