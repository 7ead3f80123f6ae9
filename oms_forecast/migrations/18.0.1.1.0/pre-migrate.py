# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Weekly forecast lines take their product, warehouse and company from their forecast: the
columns (NOT NULL, with their foreign keys) go. The lines are derived data, rebuilt by the
next run; nothing is lost."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE oms_forecast_line
            DROP COLUMN IF EXISTS company_id,
            DROP COLUMN IF EXISTS product_id,
            DROP COLUMN IF EXISTS warehouse_id
        """
    )
    cr.execute("DROP INDEX IF EXISTS oms_forecast_line__week_start_index")
