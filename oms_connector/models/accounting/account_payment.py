# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    oms_channel_id = fields.Many2one(
        "oms.channel", string="Sales Channel", index="btree_not_null", readonly=True
    )
    oms_channel_order_id = fields.Many2one(
        "oms.channel.order", string="Channel Order", index="btree_not_null", readonly=True
    )
    oms_transaction_ids = fields.One2many(
        "oms.channel.transaction", "payment_id", string="Channel Transactions"
    )
