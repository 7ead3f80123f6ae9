#!/usr/bin/env bash
# make test: a fresh test database with the three addons, the linters, then the whole suite
# (each addon's tests/ and the top-level tests/) with pytest-odoo.
#   OMS_TEST_DB=name   database to use (default oms_test)
#   REUSE_DB=1         keep an existing test database and only update the addons (fast iteration)
#   SKIP_LINT=1        skip the linters
#   OMS_TEST_CLOCKS="iso ..."  instants under which the tests tagged oms_clock run again after the
#                      suite (default below: a Monday, a Sunday, a month's last day, 29 February and
#                      31 December); OMS_TEST_CLOCKS=none skips them
#   extra arguments    passed to pytest instead of the default paths, e.g. scripts/test.sh oms_forecast -k cover
#                      (then the clock runs are skipped unless OMS_TEST_CLOCKS is set)
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
DEFAULT_PATHS=(oms_connector oms_returns oms_forecast tests)
DEFAULT_CLOCKS="2027-03-01T12:00:00 2027-01-03T12:00:00 2027-04-30T12:00:00 2028-02-29T12:00:00 2027-12-31T12:00:00"
args=("$@")
clocks="${OMS_TEST_CLOCKS:-}"
if [ ${#args[@]} -eq 0 ]; then
  args=("${DEFAULT_PATHS[@]}")
  clocks="${clocks:-$DEFAULT_CLOCKS}"
fi
[ "$clocks" != "none" ] || clocks=""
run_pytest() { "$VENV/bin/pytest" --odoo-config="$TEST_CONF" --odoo-database="$DB" --odoo-http "$@"; }

info "pytest ${args[*]}"
run_pytest "${args[@]}"

# The tests that read today's date (Odoo tag oms_clock, see conftest.py) again under set clocks:
# no test may pass or fail with the weekday, a month's end, a leap day or the year's end.
for clock in $clocks; do
  info "pytest -m oms_clock --oms-clock=$clock"
  status=0
  run_pytest -q -m oms_clock --oms-clock="$clock" "${args[@]}" || status=$?
  # 5: no test carries the tag in the selected paths
  [ "$status" -eq 0 ] || [ "$status" -eq 5 ] || die "the date-sensitive tests fail with the clock at $clock"
done
