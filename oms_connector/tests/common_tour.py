# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Base of the tours: Odoo's tour framework in a headless Chromium, driven from Python.

Odoo's ``HttpCase.browser_js`` *skips* a test when it finds no Chrome/Chromium or cannot talk
to it (``unittest.SkipTest``), so a machine without a browser would report the tours as
skipped and the suite as green. Here a missing browser is a failure that says how to install
one; ``OMS_TOURS=skip`` is the explicit way out (a machine that cannot run a browser).
"""

import logging
import os
import time
import unittest

from odoo.tests import HttpCase

_logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "the tours need a headless Chromium and the Python package websocket-client: run "
    "scripts/setup.sh as root (it installs Debian's chromium), or set OMS_TOURS=skip"
)


class OmsTourCase(HttpCase):
    """An ``HttpCase`` whose tours fail, not skip, when the browser is missing, and log how long
    each tour took."""

    browser_size = "1440x900"

    def browser_js(self, url_path, code, ready="", login=None, timeout=60, **kw):
        if os.environ.get("OMS_TOURS") == "skip":
            self.skipTest("OMS_TOURS=skip")
        started = time.monotonic()
        try:
            result = super().browser_js(
                url_path, code, ready=ready, login=login, timeout=timeout, **kw
            )
        except unittest.SkipTest as exc:
            self.fail(f"{INSTALL_HINT} ({exc})")
        _logger.info("tour %s: %.1f s in the browser", code, time.monotonic() - started)
        return result
