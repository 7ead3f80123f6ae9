# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models

from ..models.accounting.oms_channel_transaction import INBOUND_KINDS

RECORD_MODELS = [
    ("sale.order", "Sales Order"),
    ("account.move", "Invoice / Credit Note"),
    ("account.payment", "Payment"),
    ("oms.channel.transaction", "Channel Transaction"),
    ("oms.channel.refund", "Channel Refund"),
    ("oms.marketplace.settlement", "Marketplace Report Line"),
]

ISSUES = [
    ("not_invoiced", "Not invoiced"),
    ("draft_invoice", "Invoice in draft"),
    ("invoice_amount", "Invoiced amount differs"),
    ("payment_missing", "Payment not registered"),
    ("payment_amount", "Payment amount differs"),
    ("payment_without_transaction", "Payment unknown to the channel"),
    ("fee_not_booked", "Fee not booked"),
    ("invoice_open", "Invoice not paid"),
    ("overpaid", "Paid more than the order total"),
    ("refund_without_credit_note", "Refund without credit note"),
    ("credit_note_draft", "Credit note to review"),
    ("credit_note_amount", "Credit note amount differs"),
    ("refund_payment_missing", "Refund payment not registered"),
    ("marketplace_payout", "Marketplace payout differs"),
    ("settlement_unmatched", "Report line of an unknown order"),
]


class OmsChannelReconciliation(models.TransientModel):
    """Per channel and period: what the channel reported (orders, totals, payments, refunds)
    against Odoo's invoices, payments and credit notes, with every difference listed.

    Orders are taken by their order date; each figure of an order (payments and refunds
    included) is compared whatever its own date, so that an order is whole in one period."""

    _name = "oms.channel.reconciliation"
    _description = "Channel Reconciliation Report"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    channel_ids = fields.Many2many(
        "oms.channel",
        string="Channels",
        domain="[('company_id', '=', company_id)]",
        help="Empty: every channel of the company.",
    )
    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    summary_ids = fields.One2many("oms.channel.reconciliation.summary", "reconciliation_id")
    line_ids = fields.One2many("oms.channel.reconciliation.line", "reconciliation_id")
    difference_count = fields.Integer(compute="_compute_difference_count")
    computed = fields.Boolean(readonly=True)

    @api.depends("line_ids")
    def _compute_difference_count(self):
        for report in self:
            report.difference_count = len(report.line_ids)

    def _get_channels(self):
        self.ensure_one()
        return self.channel_ids or self.env["oms.channel"].search(
            [("company_id", "=", self.company_id.id)]
        )

    def _get_bindings(self):
        self.ensure_one()
        channels = self._get_channels()
        return self.env["oms.channel.order"].search(
            [
                ("channel_id", "in", channels.ids),
                ("sale_order_id.date_order", ">=", fields.Datetime.to_datetime(self.date_from)),
                (
                    "sale_order_id.date_order",
                    "<",
                    fields.Datetime.to_datetime(fields.Date.add(self.date_to, days=1)),
                ),
            ]
        )

    def action_compute(self):
        """(Re)compute the summary and the differences of the period."""
        for report in self:
            report.line_ids.unlink()
            report.summary_ids.unlink()
            summaries, line_vals = report._compare_bindings(report._get_bindings())
            line_vals += report._add_marketplace_payouts(summaries)
            self.env["oms.channel.reconciliation.line"].create(
                [dict(vals, reconciliation_id=report.id) for vals in line_vals]
            )
            self.env["oms.channel.reconciliation.summary"].create(
                [
                    dict(
                        values,
                        reconciliation_id=report.id,
                        channel_id=channel_id,
                        currency_id=currency_id,
                    )
                    for (channel_id, currency_id), values in summaries.items()
                ]
            )
            report.computed = True
        return True

    def _compare_bindings(self, bindings):
        """The figures of ``bindings`` summed per (channel id, currency id) -> {figure: amount,
        order_count, difference_count}, and the values of their difference lines."""
        self.ensure_one()
        # every posted payment booked on these orders, read once
        booked_payments = self.env["account.payment"].search(
            [
                ("oms_channel_order_id", "in", bindings.ids),
                ("state", "not in", ("draft", "canceled")),
            ]
        )
        line_vals = []
        summaries = defaultdict(lambda: defaultdict(float))
        for binding in bindings:
            figures, differences = self._compare_binding(
                binding,
                booked_payments.filtered(lambda p, b=binding: p.oms_channel_order_id == b),
            )
            key = (binding.channel_id.id, binding.currency_id.id)
            for name, value in figures.items():
                summaries[key][name] += value
            summaries[key]["order_count"] += 1
            summaries[key]["difference_count"] += len(differences)
            line_vals += differences
        return summaries, line_vals

    def _prepare_difference_vals(
        self, binding, issue, record, channel_amount, odoo_amount, message
    ):
        return {
            "channel_id": binding.channel_id.id,
            "binding_id": binding.id,
            "sale_order_id": binding.sale_order_id.id,
            "issue": issue,
            "record_ref": f"{record._name},{record.id}",
            "channel_amount": channel_amount,
            "odoo_amount": odoo_amount,
            "difference": odoo_amount - channel_amount,
            "currency_id": binding.currency_id.id,
            "message": message,
        }

    @api.model
    def _get_payment_gross_amount(self, payment):
        """What the payment settles on the customer's account (fees included), in its currency."""
        receivable = payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        return abs(sum(receivable.mapped("amount_currency")))

    def _compare_binding(self, binding, booked_payments):
        """Figures of one channel order and the list of its differences (line values).
        ``booked_payments``: the posted payments of the order in Odoo. Each kind of difference
        is one ``_compare_*`` method of ``_get_comparisons``: extend it to add checks."""
        docs = self._get_binding_documents(binding, booked_payments)
        figures = self._get_binding_figures(binding, docs)
        differences = []
        for compare in self._get_comparisons():
            differences += compare(binding, docs, figures)
        return figures, differences

    def _get_comparisons(self):
        return [
            self._compare_invoices,
            self._compare_transactions,
            self._compare_unknown_payments,
            self._compare_paid_total,
            self._compare_open_invoices,
            self._compare_refunds,
            self._compare_marketplace_payout,
        ]

    def _get_binding_documents(self, binding, booked_payments):
        """The Odoo documents and channel records of ``binding`` the comparisons read."""
        moves = binding.invoice_ids | binding.sale_order_id.invoice_ids
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice" and m.state != "cancel")
        money = binding.transaction_ids.filtered(lambda t: t._moves_money())
        return {
            "invoices": invoices,
            "posted_invoices": invoices.filtered(lambda m: m.state == "posted"),
            "credit_notes": moves.filtered(
                lambda m: m.move_type == "out_refund" and m.state != "cancel"
            ),
            "money": money,
            "inbound": money.filtered(lambda t: t.kind in INBOUND_KINDS),
            "payments": binding.transaction_ids.payment_id.filtered(
                lambda p: p.state not in ("draft", "canceled")
            ),
            "booked_payments": booked_payments,
            "fee_moves": binding._get_marketplace_fee_moves().filtered(
                lambda m: m.state == "posted"
            ),
            "settlements": binding.marketplace_settlement_ids,
        }

    def _get_binding_figures(self, binding, docs):
        return {
            "channel_total": binding.external_total or binding.sale_order_id.amount_total,
            "invoiced_total": sum(docs["posted_invoices"].mapped("amount_total")),
            "channel_paid": sum(docs["inbound"].mapped("amount")),
            "odoo_paid": sum(
                self._get_payment_gross_amount(p)
                for p in docs["payments"]
                if p.payment_type == "inbound"
            ),
            "channel_refunded": sum(binding.refund_ids.mapped("amount")),
            "credit_note_total": sum(docs["credit_notes"].mapped("amount_total")),
            "fee_total": sum(
                move.amount_total * (-1 if move.move_type == "in_refund" else 1)
                for move in docs["fee_moves"]
            ),
            "channel_payout": sum(docs["settlements"].mapped("payout_amount")),
        }

    def _compare_invoices(self, binding, docs, figures):
        order = binding.sale_order_id
        posted = docs["posted_invoices"]
        channel_total, invoiced = figures["channel_total"], figures["invoiced_total"]
        differences = [
            self._prepare_difference_vals(
                binding,
                "draft_invoice",
                invoice,
                0.0,
                invoice.amount_total,
                _("Invoice %(invoice)s is not posted.", invoice=invoice.display_name),
            )
            for invoice in docs["invoices"] - posted
        ]
        if order.state == "sale" and not posted:
            differences.append(
                self._prepare_difference_vals(
                    binding,
                    "not_invoiced",
                    order,
                    channel_total,
                    0.0,
                    _("Order %(order)s has no posted invoice.", order=order.name),
                )
            )
        elif posted and binding.currency_id.compare_amounts(invoiced, channel_total):
            message = _(
                "The channel's total of order %(order)s is %(channel)s, its invoices total "
                "%(odoo)s.",
                order=order.name,
                channel=channel_total,
                odoo=invoiced,
            )
            differences.append(
                self._prepare_difference_vals(
                    binding, "invoice_amount", posted[-1:], channel_total, invoiced, message
                )
            )
        return differences

    def _compare_transactions(self, binding, docs, figures):
        differences = []
        for transaction in docs["money"]:
            payment = transaction.payment_id
            if not payment or payment.state in ("draft", "canceled"):
                issue = (
                    "payment_missing"
                    if transaction in docs["inbound"]
                    else "refund_payment_missing"
                )
                message = _(
                    "Transaction %(transaction)s (%(gateway)s) has no posted payment.",
                    transaction=transaction.external_id,
                    gateway=transaction.gateway,
                )
                differences.append(
                    self._prepare_difference_vals(
                        binding, issue, transaction, transaction.amount, 0.0, message
                    )
                )
                continue
            differences += self._compare_transaction_payment(binding, transaction, payment)
        return differences

    def _compare_transaction_payment(self, binding, transaction, payment):
        currency = binding.currency_id
        differences = []
        gross = self._get_payment_gross_amount(payment)
        if transaction.fee and not currency.compare_amounts(payment.amount, gross):
            message = _(
                "The channel kept a fee of %(fee)s on transaction %(transaction)s but "
                "no fee account is mapped to %(gateway)s: the payment was booked gross.",
                fee=transaction.fee,
                transaction=transaction.external_id,
                gateway=transaction.gateway,
            )
            differences.append(
                self._prepare_difference_vals(
                    binding, "fee_not_booked", payment, transaction.fee, 0.0, message
                )
            )
        if currency.compare_amounts(gross, transaction.amount):
            message = _(
                "Transaction %(transaction)s is for %(channel)s, payment %(payment)s "
                "settles %(odoo)s.",
                transaction=transaction.external_id,
                payment=payment.display_name,
                channel=transaction.amount,
                odoo=gross,
            )
            differences.append(
                self._prepare_difference_vals(
                    binding, "payment_amount", payment, transaction.amount, gross, message
                )
            )
        return differences

    def _compare_unknown_payments(self, binding, docs, figures):
        return [
            self._prepare_difference_vals(
                binding,
                "payment_without_transaction",
                payment,
                0.0,
                payment.amount,
                _(
                    "Payment %(payment)s is not a transaction the channel reported.",
                    payment=payment.display_name,
                ),
            )
            for payment in docs["booked_payments"] - docs["payments"]
        ]

    def _compare_paid_total(self, binding, docs, figures):
        order = binding.sale_order_id
        channel_total = figures["channel_total"]
        channel_kept = figures["channel_paid"] - figures["channel_refunded"]
        if binding.currency_id.compare_amounts(channel_kept, channel_total) <= 0:
            return []
        message = _(
            "The channel's payments for order %(order)s (%(paid)s, refunds deducted) "
            "exceed its total %(total)s: a refund is missing.",
            order=order.name,
            paid=channel_kept,
            total=channel_total,
        )
        return [
            self._prepare_difference_vals(
                binding, "overpaid", order, channel_total, channel_kept, message
            )
        ]

    def _compare_open_invoices(self, binding, docs, figures):
        if (
            binding.currency_id.compare_amounts(figures["channel_paid"], figures["channel_total"])
            < 0
        ):
            return []
        return [
            self._prepare_difference_vals(
                binding,
                "invoice_open",
                invoice,
                0.0,
                invoice.amount_residual,
                _(
                    "The channel reports order %(order)s paid but invoice %(invoice)s still "
                    "has %(residual)s to pay.",
                    order=binding.sale_order_id.name,
                    invoice=invoice.display_name,
                    residual=invoice.amount_residual,
                ),
            )
            for invoice in docs["posted_invoices"].filtered(
                lambda m: not m.currency_id.is_zero(m.amount_residual)
            )
        ]

    def _compare_refunds(self, binding, docs, figures):
        differences = []
        for refund in binding.refund_ids:
            credit_note = refund.credit_note_id
            if not credit_note and not docs["posted_invoices"]:
                continue  # refunded before invoicing: no revenue to credit
            if not credit_note or credit_note.state == "cancel":
                message = _("Refund %(refund)s has no credit note.", refund=refund.external_id)
                differences.append(
                    self._prepare_difference_vals(
                        binding, "refund_without_credit_note", refund, refund.amount, 0.0, message
                    )
                )
                continue
            differences += self._compare_refund_credit_note(binding, refund, credit_note)
        return differences

    def _compare_refund_credit_note(self, binding, refund, credit_note):
        differences = []
        if credit_note.state == "draft":
            message = _(
                "Credit note of refund %(refund)s is waiting for review.",
                refund=refund.external_id,
            )
            differences.append(
                self._prepare_difference_vals(
                    binding,
                    "credit_note_draft",
                    credit_note,
                    refund.amount,
                    credit_note.amount_total,
                    message,
                )
            )
        if binding.currency_id.compare_amounts(credit_note.amount_total, refund.amount):
            message = _(
                "Refund %(refund)s is for %(channel)s, its credit note totals %(odoo)s.",
                refund=refund.external_id,
                channel=refund.amount,
                odoo=credit_note.amount_total,
            )
            differences.append(
                self._prepare_difference_vals(
                    binding,
                    "credit_note_amount",
                    credit_note,
                    refund.amount,
                    credit_note.amount_total,
                    message,
                )
            )
        return differences

    def _compare_marketplace_payout(self, binding, docs, figures):
        """What the marketplace pays out for the order (its report lines) against what the
        books leave to collect: invoiced − credit notes − the marketplace's fee bills."""
        if not docs["settlements"] or not docs["posted_invoices"]:
            return []
        expected = figures["invoiced_total"] - figures["credit_note_total"] - figures["fee_total"]
        payout = figures["channel_payout"]
        if not binding.currency_id.compare_amounts(expected, payout):
            return []
        message = _(
            "The marketplace pays out %(payout)s for order %(order)s; its invoices less credit "
            "notes and fee bills leave %(expected)s.",
            payout=payout,
            order=binding.sale_order_id.name,
            expected=expected,
        )
        return [
            self._prepare_difference_vals(
                binding, "marketplace_payout", docs["settlements"][:1], payout, expected, message
            )
        ]

    def _add_marketplace_payouts(self, summaries):
        """Add to ``summaries`` ({(channel id, currency id): figures}) the report lines of
        the period without an order (unknown orders, the period's charges), the payouts
        received from each marketplace in the period and what stays open; return the
        differences of the lines whose order Odoo does not know."""
        self.ensure_one()
        channels = self._get_channels().filtered("marketplace_fee_partner_id")
        orphans = self.env["oms.marketplace.settlement"].search(
            [
                ("channel_id", "in", channels.ids),
                ("state", "in", ("unmatched", "period")),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
            ]
        )
        for line in orphans:
            figures = summaries[(line.channel_id.id, line.currency_id.id)]
            figures["channel_payout"] += line.payout_amount
            figures["difference_count"] += line.state == "unmatched"
        for channel_id, currency_id in list(summaries):
            channel = channels.filtered(lambda c, i=channel_id: c.id == i)
            if channel:
                figures = summaries[(channel_id, currency_id)]
                currency = self.env["res.currency"].browse(currency_id)
                figures["received_payout"] = self._get_received_payout(channel, currency)
                figures["payout_open"] = figures["channel_payout"] - figures["received_payout"]
        return [
            self._prepare_unmatched_settlement_vals(line)
            for line in orphans
            if line.state == "unmatched"
        ]

    def _prepare_unmatched_settlement_vals(self, settlement):
        return {
            "channel_id": settlement.channel_id.id,
            "issue": "settlement_unmatched",
            "record_ref": f"{settlement._name},{settlement.id}",
            "channel_amount": settlement.payout_amount,
            "odoo_amount": 0.0,
            "difference": -settlement.payout_amount,
            "currency_id": settlement.currency_id.id,
            "message": _(
                "Report line %(line)s names order %(order)s, which Odoo does not know (yet).",
                line=settlement.external_id,
                order=settlement.order_key or "-",
            ),
        }

    def _get_received_payout(self, channel, currency):
        """What the marketplace (the channel's fee vendor) paid in the period in
        ``currency``: bank statement lines of the partner, and posted inbound payments of
        the partner that no statement line matched yet (those would count twice)."""
        partner = channel.marketplace_fee_partner_id.commercial_partner_id
        period = [("date", ">=", self.date_from), ("date", "<=", self.date_to)]
        company = [("company_id", "=", channel.company_id.id)]
        statement_lines = self.env["account.bank.statement.line"].search(
            [*company, *period, ("partner_id", "child_of", partner.id), ("amount", ">", 0)]
        )
        total = sum(
            line.amount_currency if line.foreign_currency_id == currency else line.amount
            for line in statement_lines
            if currency in (line.foreign_currency_id, line.currency_id)
        )
        payments = self.env["account.payment"].search(
            [
                *company,
                *period,
                ("partner_id", "child_of", partner.id),
                ("payment_type", "=", "inbound"),
                ("state", "in", ("in_process", "paid")),
                ("currency_id", "=", currency.id),
                ("is_matched", "=", False),
            ]
        )
        return total + sum(payments.mapped("amount"))

    def action_open_differences(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "oms_connector.oms_channel_reconciliation_line_action"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        return action


class OmsChannelReconciliationSummary(models.TransientModel):
    _name = "oms.channel.reconciliation.summary"
    _description = "Channel Reconciliation Summary"
    _order = "channel_id"

    reconciliation_id = fields.Many2one(
        "oms.channel.reconciliation", required=True, ondelete="cascade"
    )
    channel_id = fields.Many2one("oms.channel", required=True)
    currency_id = fields.Many2one("res.currency", required=True)
    order_count = fields.Integer(string="Orders")
    channel_total = fields.Monetary(string="Channel Orders Total")
    invoiced_total = fields.Monetary(string="Invoiced")
    channel_paid = fields.Monetary(string="Channel Payments")
    odoo_paid = fields.Monetary(string="Odoo Payments")
    channel_refunded = fields.Monetary(string="Channel Refunds")
    credit_note_total = fields.Monetary(string="Credit Notes")
    fee_total = fields.Monetary(string="Marketplace Fees")
    channel_payout = fields.Monetary(string="Marketplace Payouts")
    received_payout = fields.Monetary(string="Payouts Received")
    payout_open = fields.Monetary(string="Payouts Open")
    difference_count = fields.Integer(string="Differences")


class OmsChannelReconciliationLine(models.TransientModel):
    _name = "oms.channel.reconciliation.line"
    _description = "Channel Reconciliation Difference"
    _order = "channel_id, sale_order_id, id"

    reconciliation_id = fields.Many2one(
        "oms.channel.reconciliation", required=True, ondelete="cascade", index=True
    )
    channel_id = fields.Many2one("oms.channel", required=True)
    binding_id = fields.Many2one("oms.channel.order", string="Channel Order")
    sale_order_id = fields.Many2one("sale.order")
    issue = fields.Selection(ISSUES, required=True)
    record_ref = fields.Reference(RECORD_MODELS, string="Record")
    channel_amount = fields.Monetary(string="Channel Says")
    odoo_amount = fields.Monetary(string="Odoo Says")
    difference = fields.Monetary()
    currency_id = fields.Many2one("res.currency")
    message = fields.Char()

    def action_open_record(self):
        self.ensure_one()
        if not self.record_ref:
            return False
        return self.record_ref._get_records_action()
