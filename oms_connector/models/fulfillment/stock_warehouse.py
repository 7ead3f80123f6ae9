# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    oms_fulfillment_provider_id = fields.Many2one(
        "oms.fulfillment.provider",
        string="Operated by 3PL",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="Deliveries of this warehouse are sent to this third-party logistics partner, "
        "which confirms them with the shipped quantities and tracking number.",
    )
