#!/usr/bin/env bash
# kpitrack's main job on the bundled example: the seed's ten 2021 projects (goals/) and a
# full example year of quarterly actuals and spending (examples/).  Sets everything up on
# a fresh machine (Python 3.11+ and pip), then: check the goal files, load them into a
# fresh database, import the year, and show mid-year monitoring, the year-end
# self-evaluation, and the underperformers; then write the 自评表 and 监控表 workbooks.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export PATH="$PWD/.venv/bin:$PATH"

# A fresh database for the demo, beside the example data (git-ignored).
rm -f examples/demo.db examples/demo.db-wal examples/demo.db-shm
export KPITRACK_DB="sqlite:///$PWD/examples/demo.db"

step() { printf '\n== %s ==\n' "$*"; }

step "kpitrack check goals/"
kpitrack check goals/
step "kpitrack goals load goals/"
kpitrack goals load goals/
step "kpitrack import examples/actuals-2021.csv examples/spending-2021.csv"
kpitrack import examples/actuals-2021.csv
kpitrack import examples/spending-2021.csv
step "kpitrack status --as-of 2021Q2  (mid-year 双监控)"
kpitrack status --as-of 2021Q2
step "kpitrack underperforming --year 2021 --as-of 2021Q2  (mid-year)"
kpitrack underperforming --year 2021 --as-of 2021Q2
step "kpitrack score --year 2021  (year-end 单位自评)"
kpitrack score --year 2021
step "kpitrack underperforming --year 2021  (year end)"
kpitrack underperforming --year 2021
step "kpitrack form selfeval / monitor  (the forms of record, as workbooks)"
kpitrack form selfeval --year 2021 --out examples/自评表.xlsx --force
kpitrack form monitor --year 2021 --as-of 2021-07 --out examples/监控表.xlsx --force
