#!/usr/bin/env bash
# make clean: drop the project's test/bench databases and templates, remove .venv, var/ and etc/odoo.conf.
# The demo database is kept unless CLEAN_DEMO=1.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if pg_isready -q; then
  for db in $(psql -X -tA -d postgres -c "SELECT datname FROM pg_database WHERE datname ~ '^oms_(test|bench|base_)'"); do
    dropdb "$db" && info "dropped $db"
  done
  [ -z "${CLEAN_DEMO:-}" ] || dropdb --if-exists oms_demo
fi
rm -rf "$ROOT/.venv" "$ROOT/var" "$ODOO_CONF"
