#!/usr/bin/env bash
# For CI: a local PostgreSQL server with a formgen database, so the registry's
# PostgreSQL path is tested for real. Prints the SQLAlchemy URL; prints nothing (and
# the PostgreSQL test is skipped) when no server can be had here.
set -u
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  { $SUDO apt-get install -y -q --no-install-recommends postgresql \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -q --no-install-recommends postgresql; }
  } >/dev/null 2>&1 || exit 0
fi
cluster=$(pg_lsclusters -h 2>/dev/null | head -1)
[ -n "$cluster" ] || exit 0
set -- $cluster
$SUDO pg_ctlcluster "$1" "$2" start >/dev/null 2>&1 || true
port=$3
for _ in 1 2 3 4 5 6 7 8 9 10; do
  as_pg psql -p "$port" -qAtc "select 1" >/dev/null 2>&1 && break
  sleep 1
done
as_pg psql -p "$port" -qAtc "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='formgen') THEN CREATE ROLE formgen LOGIN PASSWORD 'formgen'; END IF; END \$\$;" >/dev/null 2>&1 || exit 0
as_pg psql -p "$port" -qAtc "DROP DATABASE IF EXISTS formgen_test" >/dev/null 2>&1
as_pg psql -p "$port" -qAtc "CREATE DATABASE formgen_test OWNER formgen" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://formgen:formgen@127.0.0.1:${port}/formgen_test"
