"""``python -m kpitrack`` runs the command line."""

from kpitrack.cli import main

raise SystemExit(main())
