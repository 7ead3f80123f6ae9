#!/usr/bin/env bash
# Linters: ruff (lint + format check) and pylint-odoo with the OCA mandatory checks.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -x "$PY" ] || "$ROOT/scripts/setup.sh"
cd "$ROOT"
PATHS=(oms_connector oms_returns oms_forecast tests bench)
info "ruff check"
"$VENV/bin/ruff" check "${PATHS[@]}"
info "ruff format --check"
"$VENV/bin/ruff" format --check "${PATHS[@]}"
info "pylint-odoo (OCA mandatory checks)"
"$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc-mandatory" oms_connector oms_returns oms_forecast
