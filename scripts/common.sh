# Shared settings for the project scripts. Sourced, never run.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo}"
VENV="${VENV:-$ROOT/.venv}"
ODOO_CONF="${ODOO_CONF:-$ROOT/etc/odoo.conf}"
PY="$VENV/bin/python"
ODOO_BIN="$ODOO_SRC/odoo-bin"
OMS_ADDONS="oms_connector,oms_returns,oms_forecast"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
info() { printf '==> %s\n' "$*"; }

# psql against the server described by the standard PG* variables.
pg() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

ensure_postgres() {
  command -v pg_isready >/dev/null 2>&1 || die "PostgreSQL client tools are missing: install them (apt-get install postgresql-client)."
  pg_isready -q ${PGHOST:+-h "$PGHOST"} ${PGPORT:+-p "$PGPORT"} \
    || die "PostgreSQL does not answer at ${PGHOST:-the local socket}:${PGPORT:-5432}: start it (pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start) or set PGHOST/PGPORT/PGUSER."
}

db_exists() {
  [ "$(psql -X -tA -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$1'" 2>/dev/null)" = "1" ]
}

ensure_port_free() {
  local port="$1"
  if "$PY" - "$port" <<'PYEOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
PYEOF
  then
    die "port $port is already taken (another Odoo?): stop that process or run with HTTP_PORT=<free port>."
  fi
}

# odoo-bin with the project's configuration; never run from inside Odoo's addons/ (calendar shadows the stdlib).
odoo() { (cd "$ROOT" && "$PY" "$ODOO_BIN" -c "$ODOO_CONF" "$@"); }
