"""The command groups, in the order ``kpitrack --help`` lists them."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from kpitrack.cli import audit, evaluate, explain, forms, goals, record, serve, targets

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

REGISTRARS: tuple[Registrar, ...] = (
    goals.register,
    record.register,
    explain.register,
    targets.register,
    evaluate.register,
    forms.register,
    audit.register,
    serve.register,
)
