#!/usr/bin/env bash
# make test: a fresh test database with the three addons, the linters, then the whole suite
# (each addon's tests/ and the top-level tests/) with pytest-odoo.
#   OMS_TEST_DB=name   database to use (default oms_test)
#   REUSE_DB=1         keep an existing test database and only update the addons (fast iteration)
#   SKIP_LINT=1        skip the linters
#   extra arguments    passed to pytest instead of the default paths, e.g. scripts/test.sh oms_forecast -k cover
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/odoo_db.sh"

"$ROOT/scripts/setup.sh"
ensure_postgres
[ -n "${SKIP_LINT:-}" ] || "$ROOT/scripts/lint.sh"

DB="${OMS_TEST_DB:-oms_test}"
if [ -n "${REUSE_DB:-}" ] && db_exists "$DB"; then
  info "Updating $OMS_ADDONS in $DB"
  odoo_install "$DB" -u "$OMS_ADDONS"
else
  info "Creating the test database $DB"
  create_db_from_template "$DB"
  info "Installing $OMS_ADDONS"
  odoo_install "$DB" -i "$OMS_ADDONS"
fi

# The suite's own configuration: no cron thread and no queue_job runner. pytest-odoo starts a
# threaded Odoo server for the HTTP tests; with crons and the runner on, that server would run the
# demo data's scheduled actions and queued jobs in the test database while a test class sets up,
# and both would update the same rows (a SerializationFailure at random). Tests run jobs themselves.
TEST_CONF="$ROOT/etc/odoo-test.conf"
sed -e 's/^max_cron_threads = .*/max_cron_threads = 0/' \
    -e 's/^channels = .*/channels = root:0/' "$ODOO_CONF" >"$TEST_CONF"
grep -q '^max_cron_threads = 0$' "$TEST_CONF" && grep -q '^channels = root:0$' "$TEST_CONF" \
  || die "could not write $TEST_CONF from $ODOO_CONF"

cd "$ROOT"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(oms_connector oms_returns oms_forecast tests)
info "pytest ${args[*]}"
"$VENV/bin/pytest" --odoo-config="$TEST_CONF" --odoo-database="$DB" --odoo-http "${args[@]}"
