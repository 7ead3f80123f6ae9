# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class OmsChannelPaymentMapping(models.Model):
    """Which journal receives the money of one payment gateway of a channel, and where its fees go.

    The gateway is matched case-insensitively on the name the channel sends (``shopify_payments``,
    ``paypal``, ``stripe``, ``manual`` ...)."""

    _name = "oms.channel.payment.mapping"
    _description = "Channel Payment Gateway Mapping"
    _order = "channel_id, sequence, id"
    _check_company_auto = True

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    gateway = fields.Char(
        required=True,
        help="The gateway name exactly as the channel reports it on its transactions "
        "(case does not matter), e.g. shopify_payments, paypal, stripe.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Journal on which the payments received through this gateway are registered.",
    )
    fee_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account of the fees the gateway or marketplace keeps. Required when the "
        "channel reports fees for this gateway.",
    )

    _sql_constraints = [
        (
            "gateway_uniq",
            "unique(channel_id, gateway)",
            "A gateway can be mapped only once per channel.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("gateway"):
                vals["gateway"] = vals["gateway"].strip().lower()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("gateway"):
            vals["gateway"] = vals["gateway"].strip().lower()
        return super().write(vals)
