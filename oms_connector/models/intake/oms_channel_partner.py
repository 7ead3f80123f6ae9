# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class OmsChannelPartner(models.Model):
    """The Odoo customer of a channel's customer: by the channel's customer id (the next order
    of that customer finds the same contact even when the email address changed), or by the
    lower-case email address within the channel's company (customers matched by email).

    Both are unique in the database: two orders of one new shopper taken in at the same
    instant by two jobs create one customer; the second job meets the key, is retried and
    finds the first one's customer (issue 13)."""

    _name = "oms.channel.partner"
    _description = "Channel Customer"
    _order = "channel_id, external_id, email"
    _rec_name = "external_id"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    external_id = fields.Char(help="The channel's id of the customer.")
    email = fields.Char(
        index="btree_not_null",
        help="Lower-case email address of a customer found by email: one customer per "
        "address in the company.",
    )
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This channel customer is already bound to a contact.",
        ),
        (
            "email_uniq",
            "unique(company_id, email)",
            "This email address is already bound to a contact of the company.",
        ),
        (
            "key_required",
            "CHECK(external_id IS NOT NULL OR email IS NOT NULL)",
            "A channel customer is bound by its id or by its email address.",
        ),
    ]

    @api.depends("external_id", "email")
    def _compute_display_name(self):
        for binding in self:
            binding.display_name = binding.external_id or binding.email
