#!/usr/bin/env bash
# Prepare everything the project needs, idempotently:
#   Odoo 18 source at $ODOO_SRC, a virtualenv in .venv with Odoo's and our requirements,
#   the Odoo configuration file etc/odoo.conf, the headless Chromium of the tours.
# A second run only re-checks and rewrites the config: it changes nothing else.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ODOO_URL="${ODOO_URL:-https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz}"
PYTHON="${PYTHON:-python3}"

check_python() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Python 3.10, 3.11 or 3.12, or set PYTHON=/path/to/python3.11."
  "$PYTHON" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' \
    || die "$("$PYTHON" -V 2>&1) is not supported by Odoo 18: use Python 3.10, 3.11 or 3.12 (set PYTHON=/path/to/python3.11)."
}

odoo_is_18() { [ -f "$ODOO_SRC/odoo/release.py" ] && grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py"; }

ensure_odoo() {
  if odoo_is_18; then return; fi
  [ -f "$ODOO_SRC/odoo/release.py" ] && die "$ODOO_SRC holds an Odoo that is not 18.0: point ODOO_SRC to an Odoo 18.0 source tree."
  info "Odoo 18 not found at $ODOO_SRC, downloading it from $ODOO_URL"
  if ! curl -fsSI --max-time 10 "$ODOO_URL" >/dev/null 2>&1; then
    die "Odoo 18 source is not at $ODOO_SRC and $ODOO_URL cannot be reached: put an Odoo 18.0 source tree there (git clone -b 18.0 --depth 1 https://github.com/odoo/odoo $ODOO_SRC) or set ODOO_SRC."
  fi
  mkdir -p "$ODOO_SRC"
  curl -fsSL "$ODOO_URL" | tar -xz -C "$ODOO_SRC" --strip-components=1 \
    || die "downloading Odoo into $ODOO_SRC failed: check the network and disk, then run again."
  odoo_is_18 || die "the download at $ODOO_SRC is not Odoo 18.0."
}

# Odoo's pinned requirements minus python-ldap (only auth_ldap needs it, and it needs libldap headers).
odoo_requirements() {
  grep -viE '^\s*python-ldap' "$ODOO_SRC/requirements.txt"
}

requirements_stamp() {
  { "$PYTHON" -V 2>&1; odoo_requirements; cat "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt"; } | sha256sum | cut -d' ' -f1
}

ensure_venv() {
  local stamp_file="$VENV/.oms-requirements" stamp
  stamp="$(requirements_stamp)"
  if [ -x "$PY" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    return
  fi
  info "Creating the virtualenv in $VENV and installing requirements (first run: a few minutes)"
  [ -x "$PY" ] || "$PYTHON" -m venv "$VENV"
  local constraints; constraints="$(mktemp)"
  # Some of Odoo 18's pins (e.g. older gevent/reportlab sdists) only build with setuptools<70.
  echo "setuptools<70" >"$constraints"
  export PIP_CONSTRAINT="$constraints" PIP_DISABLE_PIP_VERSION_CHECK=1
  "$PY" -m pip install -q --upgrade "pip<25" "setuptools<70" wheel
  odoo_requirements >"$VENV/odoo-requirements.txt"
  "$PY" -m pip install -q -r "$VENV/odoo-requirements.txt"
  # Odoo itself, editable, without dependencies: the addons from PyPI (queue_job) require "odoo".
  "$PY" -m pip install -q --no-deps --no-build-isolation -e "$ODOO_SRC"
  "$PY" -m pip install -q -r "$ROOT/requirements.txt" -r "$ROOT/requirements-dev.txt"
  rm -f "$constraints"
  echo "$stamp" >"$stamp_file"
}

# What the browser tests (tours) need from the system: Debian's chromium (Odoo's HttpCase looks
# for google-chrome, chromium or chromium-browser on the PATH). Installed with apt-get when missing
# and we are root; otherwise a message says what to install. OMS_TOURS=skip: a machine that will
# not run the tours.
ensure_system_packages() {
  local missing=()
  if [ "${OMS_TOURS:-}" != "skip" ] && ! command -v chromium >/dev/null 2>&1 \
    && ! command -v google-chrome >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    missing+=(chromium)
  fi
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    info "Installing ${missing[*]} for the browser tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null \
      || die "apt-get install ${missing[*]} failed: check the network to the Debian mirror and run again."
  else
    die "${missing[*]} missing: install it as root (apt-get install -y ${missing[*]}), or set OMS_TOURS=skip to run without the browser tests."
  fi
}

write_config() {
  local site addons
  site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  addons="$ROOT,$ODOO_SRC/addons,$ODOO_SRC/odoo/addons"
  [ -d "$site/odoo/addons" ] && addons="$addons,$site/odoo/addons"
  mkdir -p "$(dirname "$ODOO_CONF")" "$ROOT/var"
  local tmp; tmp="$(mktemp)"
  cat >"$tmp" <<CONF
; Written by scripts/setup.sh from the environment; edit the variables, not this file.
[options]
addons_path = $addons
data_dir = $ROOT/var/data
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-False}
db_password = ${PGPASSWORD:-False}
db_name = ${PGDATABASE:-False}
admin_passwd = ${ODOO_ADMIN_PASSWD:-admin}
http_port = ${HTTP_PORT:-8069}
http_interface = ${HTTP_INTERFACE:-}
workers = ${ODOO_WORKERS:-0}
max_cron_threads = ${ODOO_CRON_THREADS:-1}
server_wide_modules = base,web,queue_job
without_demo = False
log_level = ${ODOO_LOG_LEVEL:-info}
limit_time_real = 600

[queue_job]
channels = ${QUEUE_JOB_CHANNELS:-root:2,root.oms:2,root.oms.intake:2,root.oms.reservation:1,root.oms.sync:1,root.oms.fulfillment:1,root.oms.forecast:1}
CONF
  if ! cmp -s "$tmp" "$ODOO_CONF"; then mv "$tmp" "$ODOO_CONF"; info "Wrote $ODOO_CONF"; else rm -f "$tmp"; fi
}

check_python
ensure_system_packages
ensure_odoo
ensure_venv
write_config
info "Setup done: Odoo $("$PY" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) in $VENV"
