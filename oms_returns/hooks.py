# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def post_init_hook(env):
    """Give every existing warehouse its Returns and Quarantine locations."""
    env["stock.warehouse"].with_context(active_test=False).search([])._ensure_oms_return_locations()
