# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsChannelOrderDocument(models.AbstractModel):
    """What a record the channel reports about one of its orders (a payment transaction, a
    refund) carries: the channel, the channel order and its sale order, with the company of the
    channel for multi-company rules."""

    _name = "oms.channel.order.document"
    _description = "Record of a Channel Order"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    binding_id = fields.Many2one(
        "oms.channel.order", string="Channel Order", required=True, index=True, ondelete="cascade"
    )
    sale_order_id = fields.Many2one(related="binding_id.sale_order_id", store=True, index=True)
