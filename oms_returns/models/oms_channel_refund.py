# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsChannelRefund(models.Model):
    _inherit = "oms.channel.refund"

    oms_return_id = fields.Many2one(
        "oms.return",
        string="Return",
        related="credit_note_id.oms_return_id",
        store=True,
        index="btree_not_null",
        help="The return whose credit note books this channel refund.",
    )
