#!/usr/bin/env bash
# The test command: sets up a virtual environment, then runs ruff, mypy --strict and
# pytest.  Database tests run on SQLite always, and on PostgreSQL when one is reachable:
# KPITRACK_TEST_PG_URL if set, else a throwaway server started here on loopback when the
# PostgreSQL server binaries are installed (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

pg_dir=""
cleanup() {
    if [ -n "$pg_dir" ]; then
        as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
    fi
}
trap cleanup EXIT

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -z "${KPITRACK_TEST_PG_URL:-}" ]; then
    pg_bin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1 || true)")
    if [ -x "$pg_bin/initdb" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
        pg_dir=$(mktemp -d /tmp/kpitrack-pg.XXXXXX)
        port=$(( 20000 + RANDOM % 20000 ))
        [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
        as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
        as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null
        export KPITRACK_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
        echo "PostgreSQL test server on 127.0.0.1:$port"
    else
        echo "No PostgreSQL server found: the PostgreSQL half of the database tests will be skipped."
    fi
fi

.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy --strict src
.venv/bin/python -m pytest "$@"
