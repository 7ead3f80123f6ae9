#!/usr/bin/env bash
# make bench: runs every script in bench/ against its own database and prints its figures.
#   BENCH_DB=prefix  databases are <prefix>_<script> (default oms_bench_*), each created fresh
#                    from the base template and dropped after its benchmark
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/odoo_db.sh"
"$ROOT/scripts/setup.sh"
ensure_postgres
shopt -s nullglob
scripts=("$ROOT"/bench/*.py)
[ ${#scripts[@]} -gt 0 ] || { info "bench/ holds no benchmark yet"; exit 0; }
# Each benchmark gets its own fresh database, so that one's data (the forecast's millions of
# stock moves) never weighs on another's figures.
for script in "${scripts[@]}"; do
  name="$(basename "$script" .py)"
  DB="${BENCH_DB:-oms_bench}_$name"
  info "bench/$name.py on a fresh database $DB"
  create_db_from_template "$DB"
  odoo_install "$DB" -i "$OMS_ADDONS"
  (cd "$ROOT" && "$PY" "$script" --config "$ODOO_CONF" --database "$DB")
  drop_db "$DB"
done
