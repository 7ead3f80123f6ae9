# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    oms_channel_id = fields.Many2one(
        "oms.channel",
        string="Sales Channel",
        index="btree_not_null",
        readonly=True,
        help="The sales channel of the order this invoice or credit note comes from.",
    )
    oms_channel_order_id = fields.Many2one(
        "oms.channel.order", string="Channel Order", index="btree_not_null", readonly=True
    )
    oms_is_cancellation = fields.Boolean(
        string="Cancellation Credit Note",
        readonly=True,
        copy=False,
        help="Credit note reversing the invoice of a channel order cancelled before it shipped; "
        "the channel's refund of that order is recorded against it.",
    )
    oms_external_ref = fields.Char(
        string="Channel Order Reference",
        related="oms_channel_order_id.external_name",
        store=True,
    )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # an invoice or credit note of a channel order settles the channel's payments already
        # registered for that order (paid before shipped, refund paid before review)
        bindings = posted.filtered(
            lambda m: m.move_type in ("out_invoice", "out_refund")
        ).oms_channel_order_id
        if bindings:
            # sudo: whoever posts (an accountant without OMS rights) settles the channel
            # payments registered for the order; only receivable items are touched
            bindings.sudo()._reconcile_channel_payments()
        return posted
