"""What the web tests share: the example year in a database, and a live server on a free loopback port."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

import kpitrack
from kpitrack.web import create_app

ROOT = Path(__file__).resolve().parent.parent

# A second budget unit's project, so that filtering by unit keeps some projects and drops others.
OTHER_UNIT = "昌吉州财政局"
P11 = f"""\
id = "p11"
name = "预算评审经费"
unit = "{OTHER_UNIT}"
year = 2021
budget = 20
plan = {{ Q2 = 10, Q4 = 10 }}

[[indicators]]
id = "qty1"
level2 = "数量指标"
name = "评审项目数量"
target = "≥40个"

[[indicators]]
id = "eco1"
level2 = "经济效益指标"
name = "审减率"
target = "≥5%"

[[indicators]]
id = "sat1"
level2 = "满意度指标"
name = "被评审单位满意度"
target = "≥90%"
"""


def build_year(folder: Path) -> Path:
    """A SQLite file holding the seed's ten projects, p11 of another unit, and the example year."""
    goals = folder / "goals"
    goals.mkdir()
    for path in (ROOT / "goals").glob("*.toml"):
        shutil.copy(path, goals)
    (goals / "p11.toml").write_text(P11, encoding="utf-8")
    db = folder / "year.db"
    with kpitrack.open(f"sqlite:///{db}") as ws:
        ws.load_goals([goals])
        ws.import_values([ROOT / "examples" / "actuals-2021.csv", ROOT / "examples" / "spending-2021.csv"], by="测试")
    return db


def copy_of(db: Path, folder: Path) -> str:
    """A URL of a private copy of the database file, for a test that writes."""
    copy = folder / "copy.db"
    shutil.copy(db, copy)
    return f"sqlite:///{copy}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def live_server(url: str) -> Iterator[str]:
    """``kpitrack serve``'s application under uvicorn in a thread, on 127.0.0.1 and a free port: its base URL."""
    app = create_app(url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
