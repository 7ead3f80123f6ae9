# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Forecasts stored before ``has_demand`` existed: the flag follows from the stored average daily
demand, so that their cover does not show as "No demand" until the next run rewrites them."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE oms_forecast SET has_demand = COALESCE(avg_daily_demand, 0) > 0")
