# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models

#: transaction kinds that bring money in, and the one that sends it back
INBOUND_KINDS = ("sale", "capture")
OUTBOUND_KINDS = ("refund",)


class OmsChannelTransaction(models.Model):
    """One payment transaction as the channel reported it, with the Odoo payment registered for it.

    The database keeps one row per channel order, transaction id and kind: a transaction
    delivered many times (webhook retries, the order payload repeating its payments, pulls) is
    registered once.
    """

    _name = "oms.channel.transaction"
    _inherit = ["oms.channel.order.document"]
    _description = "Channel Payment Transaction"
    _order = "processed_at desc, id desc"
    _rec_name = "external_id"
    _check_company_auto = True

    refund_id = fields.Many2one("oms.channel.refund", index="btree_not_null", ondelete="cascade")
    external_id = fields.Char(string="Transaction ID", required=True)
    kind = fields.Selection(
        [
            ("sale", "Sale"),
            ("capture", "Capture"),
            ("authorization", "Authorization"),
            ("refund", "Refund"),
            ("void", "Void"),
        ],
        required=True,
        default="sale",
    )
    status = fields.Char(help="The channel's status of the transaction (success, pending ...).")
    gateway = fields.Char()
    amount = fields.Monetary(help="Gross amount, fees included.")
    fee = fields.Monetary(help="Fee kept by the gateway or marketplace.")
    currency_id = fields.Many2one("res.currency", required=True)
    processed_at = fields.Datetime()
    payment_id = fields.Many2one(
        "account.payment", index="btree_not_null", ondelete="set null", copy=False
    )
    payment_state = fields.Selection(related="payment_id.state", string="Payment Status")
    event_id = fields.Many2one(
        "oms.channel.event", ondelete="set null", help="The event that reported it first."
    )
    state = fields.Selection(
        [
            ("registered", "Payment Registered"),
            ("ignored", "No Money Moved"),
            ("pending", "To Register"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
    )

    # per order: transaction ids are unique per order on every platform, and the generic format
    # does not promise more (a shop may number its payments 1, 2 ... per order)
    _sql_constraints = [
        (
            "transaction_uniq",
            "unique(binding_id, external_id, kind)",
            "This channel transaction is already recorded for this order.",
        ),
    ]

    @api.depends("kind", "status", "payment_id")
    def _compute_state(self):
        for transaction in self:
            if transaction.payment_id:
                transaction.state = "registered"
            elif not transaction._moves_money():
                transaction.state = "ignored"
            else:
                transaction.state = "pending"

    def _moves_money(self):
        """True when the transaction is money received or sent back (not an authorization, a
        void or a failed attempt)."""
        self.ensure_one()
        return (self.status or "success") == "success" and self.kind in (
            INBOUND_KINDS + OUTBOUND_KINDS
        )

    @api.model
    def _prepare_transaction_vals(self, binding, payment, currency, event=None, refund=None):
        """Values of the record of ``payment`` (a ``NormalizedPayment``)."""
        return {
            "channel_id": binding.channel_id.id,
            "binding_id": binding.id,
            "refund_id": refund.id if refund else False,
            "external_id": str(payment.transaction_id),
            "kind": payment.kind or "sale",
            "status": payment.status or "success",
            "gateway": payment.gateway or "",
            "amount": payment.amount,
            "fee": payment.fee or 0.0,
            "currency_id": currency.id,
            "processed_at": payment.processed_at and payment.processed_at.replace(tzinfo=None),
            "event_id": event.id if event else False,
        }

    @api.model
    def _find_or_create(self, binding, payment, currency, event=None, refund=None):
        """Return ``(transaction, created)`` for ``payment``. The unique constraint is the guard
        against two jobs recording the same transaction; the search only avoids the error in the
        common case of a repeated delivery."""
        kind = payment.kind or "sale"
        existing = self.search(
            [
                ("binding_id", "=", binding.id),
                ("external_id", "=", str(payment.transaction_id)),
                ("kind", "=", kind),
            ],
            limit=1,
        )
        if existing:
            return existing, False
        vals = self._prepare_transaction_vals(binding, payment, currency, event, refund)
        return self.create(vals), True

    # ------------------------------------------------------------------ payments
    def _get_payment_partner(self):
        self.ensure_one()
        order = self.binding_id.sale_order_id
        return order.partner_invoice_id.commercial_partner_id

    def _prepare_payment_vals(self):
        """Values of the ``account.payment`` of this transaction. Money received through a
        gateway that keeps a fee is booked net on the journal, the fee on the gateway's fee
        account, and the customer's receivable for the gross amount (see readme/USAGE.md)."""
        self.ensure_one()
        channel = self.channel_id
        journal = channel._get_payment_journal(self.gateway)
        inbound = self.kind in INBOUND_KINDS
        method_lines = (
            journal.inbound_payment_method_line_ids
            if inbound
            else journal.outbound_payment_method_line_ids
        )
        order = self.binding_id.sale_order_id
        fee_account = channel._get_fee_account(self.gateway) if self.fee else None
        fee = self.fee if fee_account else 0.0
        vals = {
            "payment_type": "inbound" if inbound else "outbound",
            "partner_type": "customer",
            "partner_id": self._get_payment_partner().id,
            "journal_id": journal.id,
            "payment_method_line_id": method_lines[:1].id,
            "currency_id": self.currency_id.id,
            "amount": self.amount - fee,
            "date": (self.processed_at and self.processed_at.date())
            or fields.Date.context_today(self),
            "memo": self._get_payment_memo(),
            "oms_channel_id": channel.id,
            "oms_channel_order_id": self.binding_id.id,
            "company_id": order.company_id.id,
        }
        if fee:
            vals["write_off_line_vals"] = [
                self._prepare_payment_fee_line_vals(fee, fee_account, vals["date"], inbound)
            ]
        return vals

    def _get_payment_memo(self):
        """The memo of the transaction's payment: channel, order and transaction id."""
        self.ensure_one()
        return _(
            "%(channel)s %(order)s transaction %(transaction)s",
            channel=self.channel_id.name,
            order=self.binding_id.external_name or self.binding_id.external_id,
            transaction=self.external_id,
        )

    def _prepare_payment_fee_line_vals(self, fee, fee_account, date, inbound):
        """Values of the payment's write-off line booking the gateway's ``fee`` (in the
        transaction's currency, converted at ``date`` for the company) on ``fee_account``."""
        self.ensure_one()
        company = self.binding_id.sale_order_id.company_id
        fee_currency = self.currency_id._convert(fee, company.currency_id, company, date)
        sign = 1 if inbound else -1
        return {
            "name": _(
                "%(gateway)s fee on %(transaction)s",
                gateway=self.gateway or self.channel_id.name,
                transaction=self.external_id,
            ),
            "account_id": fee_account.id,
            "partner_id": self._get_payment_partner().id,
            "currency_id": self.currency_id.id,
            "amount_currency": sign * fee,
            "balance": sign * fee_currency,
        }

    def _register_payment(self):
        """Create and post the payment of each transaction that moved money and has none yet."""
        to_register = self.filtered(lambda t: not t.payment_id and t._moves_money())
        if not to_register:
            return self.env["account.payment"]
        payments = self.env["account.payment"].create(
            [transaction._prepare_payment_vals() for transaction in to_register]
        )
        payments.action_post()
        for transaction, payment in zip(to_register, payments, strict=True):
            transaction.payment_id = payment
        return payments

    def action_open_payment(self):
        self.ensure_one()
        return self.payment_id._get_records_action() if self.payment_id else False
