"""Uploaded files waiting for confirmation (导入预览): kept server-side, each under a random token.

An import is checked (dry run) when it is uploaded and written only when the user
confirms; between the two the file waits in a private temporary folder, named by
a token nobody can guess, and is deleted once imported or after an hour.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

__all__ = ["SUFFIXES", "BadUpload", "Uploads"]

SUFFIXES = (".csv", ".xlsx")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
_CHUNK = 1 << 16


class BadUpload(Exception):
    """An upload refused: wrong type, too large, or gone.  ``key`` names the message, ``values`` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class Uploads:
    """A folder of uploads, one subfolder per token; ``limit`` bytes at most per file."""

    def __init__(self, limit: int, *, keep_for: float = 3600) -> None:
        self.limit = limit
        self.keep_for = keep_for
        self.root = Path(tempfile.mkdtemp(prefix="kpitrack-uploads-"))

    def keep(self, filename: str, stream: BinaryIO) -> str:
        """Save an upload under a new token; refuse a type other than CSV/XLSX, or more than ``limit`` bytes."""
        self._expire()
        name = _UNSAFE.sub("_", Path(filename or "").name).strip("._") or "upload"
        if not name.lower().endswith(SUFFIXES):
            raise BadUpload("bad_type", name=Path(filename or "").name)
        token = secrets.token_hex(16)
        folder = self.root / token
        folder.mkdir()
        written = 0
        with (folder / name).open("wb") as out:
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > self.limit:
                    out.close()
                    self.discard(token)
                    raise BadUpload("too_large", limit=self.limit // (1 << 20))
                out.write(chunk)
        return token

    def path(self, token: str) -> Path:
        """The file kept under ``token``; a malformed or unknown token is gone."""
        folder = self.root / token if _TOKEN.match(token) else None
        files = sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []
        if not files:
            raise BadUpload("upload_gone")
        return files[0]

    def shown(self, text: str) -> str:
        """A problem's location without the private folder: ``actuals.csv: row 3, …``."""
        return re.sub(re.escape(str(self.root)) + r"/[0-9a-f]{32}/", "", text)

    def discard(self, token: str) -> None:
        if _TOKEN.match(token):
            shutil.rmtree(self.root / token, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _expire(self) -> None:
        cutoff = time.time() - self.keep_for
        for folder in self.root.iterdir():
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
