#!/usr/bin/env bash
# make screenshots: the README's pictures (docs/screenshots/*.png) taken in a headless Chromium
# from the demo that `make demo` serves (run it first, in another terminal).
#   HTTP_PORT=port   the demo's port (default 8069)
#   DEMO_DB=name     the demo's database (default oms_demo)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ -x "$PY" ] || die "no virtualenv at $VENV: run make setup"
command -v chromium >/dev/null 2>&1 || die "chromium is missing: run scripts/setup.sh as root"
url="http://localhost:${HTTP_PORT:-8069}"
curl -fsS -o /dev/null "$url/web/login" || die "no Odoo answers at $url: start make demo first"
cd "$ROOT"
exec "$PY" scripts/screenshots.py --url "$url" --db "${DEMO_DB:-oms_demo}" --out docs/screenshots "$@"
