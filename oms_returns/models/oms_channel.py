# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    oms_return_ids = fields.One2many("oms.return", "channel_id", string="Returns")
