# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsChannelPartner(models.Model):
    """The Odoo customer of a channel's customer id: the next order of that customer finds
    the same contact even when the email address changed."""

    _name = "oms.channel.partner"
    _description = "Channel Customer"
    _order = "channel_id, external_id"
    _rec_name = "external_id"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    external_id = fields.Char(required=True, help="The channel's id of the customer.")
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This channel customer is already bound to a contact.",
        ),
    ]
