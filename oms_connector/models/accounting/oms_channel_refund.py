# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class OmsChannelRefund(models.Model):
    """A refund the channel reported (goodwill, shipping refund, partial refund) with the credit
    note and refund payments booked for it: one row per channel refund id, so a refund delivered
    several times is booked once."""

    _name = "oms.channel.refund"
    _inherit = ["oms.channel.order.document"]
    _description = "Channel Refund"
    _order = "refunded_at desc, id desc"
    _rec_name = "external_id"
    _check_company_auto = True

    external_id = fields.Char(string="Refund ID", required=True)
    amount = fields.Monetary(help="Total refunded to the customer, as the channel reports it.")
    shipping_amount = fields.Monetary(help="Part of the amount refunding shipping.")
    currency_id = fields.Many2one("res.currency", required=True)
    reason = fields.Char()
    refunded_at = fields.Datetime()
    credit_note_id = fields.Many2one(
        "account.move", index="btree_not_null", ondelete="set null", copy=False
    )
    credit_note_state = fields.Selection(
        related="credit_note_id.state", string="Credit Note Status"
    )
    transaction_ids = fields.One2many("oms.channel.transaction", "refund_id")
    event_id = fields.Many2one("oms.channel.event", ondelete="set null")
    state = fields.Selection(
        [
            ("draft", "Credit Note to Review"),
            ("posted", "Booked"),
            ("cancel", "Credit Note Cancelled"),
            ("payment_only", "Refunded Before Invoicing"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
    )

    _sql_constraints = [
        (
            "refund_uniq",
            "unique(channel_id, external_id)",
            "This channel refund is already recorded.",
        ),
    ]

    @api.depends("credit_note_id.state")
    def _compute_state(self):
        for refund in self:
            refund.state = refund.credit_note_id.state or "payment_only"

    @api.model
    def _prepare_refund_vals(self, binding, normalized, currency, amount, event=None):
        """Values of the record of ``normalized`` (a ``NormalizedRefund``)."""
        return {
            "channel_id": binding.channel_id.id,
            "binding_id": binding.id,
            "external_id": str(normalized.external_id),
            "amount": amount,
            "shipping_amount": normalized.shipping_amount or 0.0,
            "currency_id": currency.id,
            "reason": normalized.reason or "",
            "refunded_at": normalized.created_at and normalized.created_at.replace(tzinfo=None),
            "event_id": event.id if event else False,
        }

    def action_open_credit_note(self):
        self.ensure_one()
        return self.credit_note_id._get_records_action() if self.credit_note_id else False
