# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    oms_return_trusted = fields.Boolean(
        string="Trusted for Returns",
        help="Returns of this customer may be refunded or replaced before the goods are back.",
    )
