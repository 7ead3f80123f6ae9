#!/usr/bin/env bash
# make demo: the database oms_demo with the three addons and demo data, then Odoo on
# http://localhost:${HTTP_PORT:-8069} (admin / admin) with the queue_job runner.
#   DEMO_DB=name      database (default oms_demo)
#   DEMO_NO_SERVE=1   prepare the database and stop (no server)
#   DEMO_LANG=ru      the demo in Russian: activates ru_RU, loads the translations of every
#                     installed module (Odoo's and the OMS's) and sets it on admin, the demo users
#                     and the companies (the language of messages written by webhooks and crons),
#                     then retries the failed demo events so that their reasons read in it
#                     (make demo DEMO_LANG=ru). DEMO_LANG=en switches back to English.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/odoo_db.sh"

"$ROOT/scripts/setup.sh"
ensure_postgres
DB="${DEMO_DB:-oms_demo}"
PORT="${HTTP_PORT:-8069}"
[ -n "${DEMO_NO_SERVE:-}" ] || ensure_port_free "$PORT"

addons_stamp() { (cd "$ROOT" && find oms_connector oms_returns oms_forecast -type f ! -name '*.pyc' -newer /dev/null -printf '%P %T@\n' | sort | sha256sum | cut -c1-16); }
stamp_file="$ROOT/var/$DB.stamp"
installed() {
  [ "$(psql -X -tA -d "$DB" -c "SELECT count(*) FROM ir_module_module WHERE state='installed' AND name IN ('oms_connector','oms_returns','oms_forecast')" 2>/dev/null)" = "3" ]
}

if db_exists "$DB" && installed; then
  if [ "$(cat "$stamp_file" 2>/dev/null)" != "$(addons_stamp)" ]; then
    info "Addons changed since the last demo: updating them in $DB"
    odoo_install "$DB" -u "$OMS_ADDONS"
  else
    info "Reusing the database $DB"
  fi
else
  info "Creating the database $DB with demo data (first run: a few minutes)"
  create_db_from_template "$DB"
  odoo_install "$DB" -i "$OMS_ADDONS"
fi
addons_stamp >"$stamp_file"

case "${DEMO_LANG:-}" in
  "") ;;
  ru | ru_RU | en | en_US)
    lang="${DEMO_LANG}"; [ "${#lang}" -gt 2 ] || lang="$([ "$lang" = ru ] && echo ru_RU || echo en_US)"
    info "Demo language: $lang"
    # base.language.install: activates the language and loads every installed module's .po
    echo "env['base.language.install'].create({'lang_ids': [(6, 0, env['res.lang']._activate_lang('$lang').ids)], 'overwrite': True}).lang_install()
env['res.users'].with_context(active_test=False).search([('share', '=', False)]).write({'lang': '$lang'})
env['res.company'].search([]).partner_id.write({'lang': '$lang'})
env['oms.channel.event'].search([('state', '=', 'failed')]).action_retry()
env.cr.commit()" | (cd "$ROOT" && "$PY" "$ODOO_BIN" shell -c "$ODOO_CONF" -d "$DB" --log-level=warn --no-http) >/dev/null \
      || die "switching $DB to $lang failed"
    ;;
  *) die "DEMO_LANG=$DEMO_LANG: use ru or en" ;;
esac

[ -z "${DEMO_NO_SERVE:-}" ] || { info "Database $DB is ready."; exit 0; }
info "Odoo on http://localhost:$PORT  (login admin / password admin); Ctrl-C stops it"
cd "$ROOT"
exec "$PY" "$ODOO_BIN" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
