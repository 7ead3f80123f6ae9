# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    oms_external_line_id = fields.Char(
        string="Channel Line",
        copy=False,
        readonly=True,
        help="The channel's id of this line (or 'shipping:<n>', 'discount:<taxes>' for the "
        "lines the intake adds): updates from the channel find the line with it, and shipments "
        "are reported to the channel per line with it.",
    )
