"""A file named .xlsx that is no workbook (damaged, or a renamed CSV) is a located problem, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run


@pytest.mark.parametrize("content", [b"project,indicator,period,value\n", b"PK\x03\x04 cut short"])
@pytest.mark.parametrize(
    ("command", "message"),
    [
        (("import",), "not a readable workbook (damaged or not XLSX): File is not a zip file"),
        (("goals", "load"), "not a readable workbook (damaged or not XLSX): File is not a zip file"),
    ],
)
def test_a_file_that_is_no_workbook_is_reported_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, command: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "季度.xlsx"
    path.write_bytes(content)
    database = tmp_path / "k.db"
    code, out, err = run(capsys, *command, str(path), "--db", f"sqlite:///{database}")
    assert code == 1
    assert err.splitlines()[0].startswith(f"{path}: {message}")
    assert "Traceback" not in out + err
