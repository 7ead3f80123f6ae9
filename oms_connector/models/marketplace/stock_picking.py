# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    oms_ship_by = fields.Datetime(
        related="sale_id.oms_ship_by",
        store=True,
        index="btree_not_null",
        string="Hand Over By",
        help="The marketplace's deadline to hand the order over: sort deliveries by it.",
    )
