# Database helpers shared by demo.sh and test.sh. Sourced after common.sh.
# shellcheck shell=bash

# Every non-OMS module the three addons depend on, comma separated.
base_modules() {
  "$PY" - "$ROOT" <<'PYEOF'
import ast, pathlib, sys
root = pathlib.Path(sys.argv[1])
deps = set()
for name in ("oms_connector", "oms_returns", "oms_forecast"):
    manifest = ast.literal_eval((root / name / "__manifest__.py").read_text())
    deps.update(d for d in manifest.get("depends", []) if not d.startswith("oms_"))
print(",".join(sorted(deps)))
PYEOF
}

filestore_of() { echo "$ROOT/var/data/filestore/$1"; }

drop_db() {
  local db="$1"
  if db_exists "$db"; then
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname='$db' AND pid <> pg_backend_pid()" >/dev/null
    dropdb "$db"
  fi
  rm -rf "$(filestore_of "$db")"
}

# Installs modules into a database, printing Odoo's log only when it fails.
odoo_install() {
  local db="$1" flag="$2" modules="$3" log
  mkdir -p "$ROOT/var/log"
  log="$ROOT/var/log/$db-install.log"
  : >"$log"
  if ! odoo -d "$db" "$flag" "$modules" --stop-after-init --log-level=warn --logfile="$log" --http-port=0 --max-cron-threads=0 \
       || grep -qE '(ERROR|CRITICAL) |demo data failed to install' "$log"; then
    grep -E -A40 '(ERROR|CRITICAL) |demo data failed' "$log" | head -n 120 >&2
    die "installing $modules into $db failed (full log: $log)."
  fi
}

# A cached template database holding Odoo and the modules the addons depend on, so that a fresh
# test database costs a copy instead of a full install. Keyed by Odoo's version and that module list.
ensure_base_template() {
  local modules key tmpl
  modules="$(base_modules)"
  key="$( { cat "$ODOO_SRC/odoo/release.py"; echo "$modules"; "$PY" -m pip freeze 2>/dev/null | grep -i odoo-addon; } | sha256sum | cut -c1-10)"
  tmpl="oms_base_$key"
  exec 9>"${TMPDIR:-/tmp}/oms-template.lock"
  flock 9
  if ! db_exists "$tmpl" || [ "$(psql -X -tA -d "$tmpl" -c "SELECT count(*) FROM ir_config_parameter WHERE key='oms.template.ready'" 2>/dev/null)" != "1" ]; then
    drop_db "$tmpl"
    info "Building the base template $tmpl ($modules): once per Odoo version" >&2
    createdb "$tmpl"
    odoo_install "$tmpl" -i "$modules" >&2
    psql -X -q -d "$tmpl" -c "INSERT INTO ir_config_parameter (key, value) VALUES ('oms.template.ready', '1')"
  fi
  flock -u 9
  echo "$tmpl"
}

# A new database copied from the base template (with its filestore).
create_db_from_template() {
  local db="$1" tmpl
  tmpl="$(ensure_base_template)"
  drop_db "$db"
  createdb -T "$tmpl" "$db"
  if [ -d "$(filestore_of "$tmpl")" ]; then
    mkdir -p "$(dirname "$(filestore_of "$db")")"
    cp -a "$(filestore_of "$tmpl")" "$(filestore_of "$db")"
  fi
  psql -X -q -d "$db" -c "DELETE FROM ir_config_parameter WHERE key = 'oms.template.ready';
    UPDATE ir_config_parameter SET value = gen_random_uuid()::text WHERE key IN ('database.uuid', 'database.secret')"
}
