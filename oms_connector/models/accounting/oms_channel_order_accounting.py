# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_amount

from ...adapters.exceptions import OmsMappingError, OmsPayloadError
from .oms_channel_transaction import INBOUND_KINDS, OUTBOUND_KINDS

_logger = logging.getLogger(__name__)


class OmsChannelOrder(models.Model):
    """Accounting of a channel order: the channel's transactions and refunds, the invoices per
    the channel's policy, payments reconciled with them."""

    _inherit = "oms.channel.order"

    transaction_ids = fields.One2many("oms.channel.transaction", "binding_id")
    refund_ids = fields.One2many("oms.channel.refund", "binding_id")
    invoice_ids = fields.One2many(
        "account.move", "oms_channel_order_id", string="Invoices and Credit Notes"
    )
    channel_paid_amount = fields.Monetary(
        compute="_compute_channel_amounts",
        currency_field="currency_id",
        help="Money received according to the channel's transactions.",
    )
    channel_refunded_amount = fields.Monetary(
        compute="_compute_channel_amounts", currency_field="currency_id"
    )

    def _compute_channel_amounts(self):
        for binding in self:
            binding.channel_paid_amount = binding._get_channel_paid_amount()
            binding.channel_refunded_amount = sum(binding.refund_ids.mapped("amount"))

    def _get_channel_paid_amount(self):
        self.ensure_one()
        return sum(
            self.transaction_ids.filtered(
                lambda t: t.kind in INBOUND_KINDS and t._moves_money()
            ).mapped("amount")
        )

    # ------------------------------------------------------------------ intake hook
    def _after_order_imported(self, normalized, event):
        res = super()._after_order_imported(normalized, event)
        self._apply_channel_accounting(normalized, event)
        return res

    def _apply_channel_accounting(self, normalized, event=None):
        """Bring the books of this order in line with what the channel reports in ``normalized``
        (a ``NormalizedOrder``): record its transactions and register their payments, book its
        refunds, invoice per the channel's policy, reconcile. Idempotent."""
        self.ensure_one()
        # an order edited after payment is overpaid until the channel's refund arrives: the
        # order payload is taken as the channel states it (the report lists an overpayment)
        self._sync_channel_payments(normalized.payments, event, check_total=False)
        for refund in normalized.refunds:
            self._apply_channel_refund(refund, event)
        self._invoice_when_paid(channel_says_paid=normalized.financial_status == "paid")
        self._credit_cancelled_order()
        self._reconcile_channel_payments()
        return True

    # ------------------------------------------------------------------ cancellation
    def _get_uncredited_amount(self):
        """What the order's posted invoices bill that no credit note (draft or posted) takes
        back yet."""
        self.ensure_one()
        moves = (self.invoice_ids | self.sale_order_id.invoice_ids).filtered(
            lambda m: m.state != "cancel"
        )
        invoiced = sum(
            moves.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted").mapped(
                "amount_total"
            )
        )
        credited = sum(moves.filtered(lambda m: m.move_type == "out_refund").mapped("amount_total"))
        return invoiced - credited

    def _credit_cancelled_order(self):
        """A sale order cancelled before it shipped must not keep its revenue: its invoice is
        reversed by one credit note (draft or posted per the channel's refund policy), unless
        the channel's refunds already credited it. After partial refunds the remainder is left
        to a person (flagged). Idempotent."""
        for binding in self:
            order = binding.sale_order_id
            uncredited = binding._get_uncredited_amount()
            if order.state != "cancel" or order.currency_id.compare_amounts(uncredited, 0.0) <= 0:
                continue
            invoice = binding._get_refunded_invoice()
            partly_credited = order.currency_id.compare_amounts(uncredited, invoice.amount_total)
            if (
                partly_credited
                or len(order.invoice_ids.filtered(lambda m: m.state == "posted")) > 1
            ):
                binding._flag_for_review(
                    _("Cancelled on the channel: credit the invoices"),
                    _(
                        "Order %(order)s was cancelled on the channel before it shipped, but "
                        "%(amount)s of its invoices is not credited: reverse it by hand.",
                        order=binding.external_name,
                        amount=binding._format_amount(uncredited),
                    ),
                )
                continue
            binding._create_cancellation_credit_note(invoice)

    def _prepare_cancellation_credit_note_vals(self, invoice):
        self.ensure_one()
        return {
            "ref": _(
                "Cancellation of %(order)s on the channel",
                order=self.external_name or self.external_id,
            ),
            "oms_channel_id": self.channel_id.id,
            "oms_channel_order_id": self.id,
            "oms_is_cancellation": True,
        }

    def _create_cancellation_credit_note(self, invoice):
        """The credit note reversing ``invoice`` entirely (Odoo's reversal)."""
        self.ensure_one()
        credit_note = invoice._reverse_moves([self._prepare_cancellation_credit_note_vals(invoice)])
        if self.channel_id.refund_policy == "post":
            credit_note.action_post()
        return credit_note

    def _get_cancellation_credit_note_to_refund(self, refund):
        """The cancellation credit note that the channel's ``refund`` (``NormalizedRefund``) pays
        back, when it has no refund recorded yet and the amounts match."""
        self.ensure_one()
        credit_notes = self.invoice_ids.filtered(
            lambda m: m.oms_is_cancellation
            and m.state != "cancel"
            and m not in self.refund_ids.credit_note_id
        )
        return credit_notes.filtered(
            lambda m: not m.currency_id.compare_amounts(m.amount_total, refund.amount)
        )[:1]

    # ------------------------------------------------------------------ checks
    def _format_amount(self, amount):
        """``amount`` in the order's currency, as users read it in messages."""
        self.ensure_one()
        return format_amount(self.env, amount, self.sale_order_id.currency_id)

    def _convert_channel_amount(self, amount, code, what):
        """``amount`` reported by the channel in currency ``code`` (may be empty: the order's),
        in the order's currency. Only the currency the customer paid in
        (``presentment_currency``) is converted: at the order's own rate (its two totals), else
        at Odoo's rate of the order's date. Any other currency is refused."""
        self.ensure_one()
        order = self.sale_order_id
        code = (code or "").strip().upper()
        if not code or code == order.currency_id.name:
            return amount
        if code != self.presentment_currency:
            self._get_channel_currency(code, what)  # raises the currency error
        if self.presentment_total and self.external_total:
            return order.currency_id.round(amount * self.external_total / self.presentment_total)
        source = (
            self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)])
        )
        if not source:
            self._get_channel_currency(code, what)
        return source._convert(amount, order.currency_id, order.company_id, order.date_order)

    def _convert_channel_payment(self, payment, what):
        """Put ``payment`` (``NormalizedPayment``) in the order's currency, in place."""
        self.ensure_one()
        if (payment.currency or "").strip().upper() in ("", self.sale_order_id.currency_id.name):
            return
        payment.amount = self._convert_channel_amount(payment.amount, payment.currency, what)
        payment.fee = self._convert_channel_amount(payment.fee, payment.currency, what)
        payment.currency = self.sale_order_id.currency_id.name

    def _convert_channel_refund(self, refund, what):
        """Put ``refund`` (``NormalizedRefund``: amount, shipping, lines and transactions) in
        the order's currency, in place."""
        self.ensure_one()
        for transaction in refund.transactions:
            transaction.currency = transaction.currency or refund.currency
            self._convert_channel_payment(transaction, what)
        code = (refund.currency or "").strip().upper()
        if code in ("", self.sale_order_id.currency_id.name):
            return
        refund.amount = self._convert_channel_amount(refund.amount, code, what)
        refund.shipping_amount = self._convert_channel_amount(refund.shipping_amount, code, what)
        for line in refund.lines:
            line.amount = self._convert_channel_amount(line.amount, code, what)
        refund.currency = self.sale_order_id.currency_id.name

    def _get_channel_currency(self, code, what):
        """The order's currency, after checking that ``code`` (an ISO code from the channel, may
        be empty) is that currency."""
        self.ensure_one()
        currency = self.sale_order_id.currency_id
        if code and code.strip().upper() != currency.name:
            raise OmsMappingError(
                _(
                    "%(what)s is in %(currency)s but order %(order)s is in %(order_currency)s: "
                    "the order's pricelist must use the channel's currency. Fix the order (or "
                    "the channel's pricelist), then retry the event.",
                    what=what,
                    currency=code,
                    order=self.sale_order_id.name,
                    order_currency=currency.name,
                )
            )
        return currency

    def _check_channel_payment(self, payment):
        """Raise when the ``NormalizedPayment`` cannot be booked."""
        what = _("Transaction %(transaction)s", transaction=payment.transaction_id)
        if not payment.transaction_id:
            raise OmsPayloadError(_("A transaction has no id: it cannot be recorded once."))
        self._convert_channel_payment(payment, what)
        if payment.amount <= 0:
            raise OmsPayloadError(
                _(
                    "%(what)s has an amount of %(amount)s: it must be positive.",
                    what=what,
                    amount=payment.amount,
                )
            )
        if payment.fee < 0 or payment.fee >= payment.amount:
            raise OmsPayloadError(
                _(
                    "%(what)s has a fee of %(fee)s for an amount of %(amount)s: the fee must be "
                    "between 0 and the amount.",
                    what=what,
                    fee=payment.fee,
                    amount=payment.amount,
                )
            )
        return self._get_channel_currency(payment.currency, what)

    def _check_channel_paid_total(self):
        """The channel's payments must not exceed the order's total (as the channel reports it,
        else as Odoo has it); a difference between those two totals is intake's concern and
        shows in the channel reconciliation report."""
        for binding in self:
            order = binding.sale_order_id
            paid = binding._get_channel_paid_amount()
            total = binding.external_total or order.amount_total
            if order.currency_id.compare_amounts(paid, total) > 0:
                raise OmsMappingError(
                    _(
                        "The channel's transactions for order %(order)s total %(paid)s, "
                        "more than the order's total (%(total)s): the "
                        "amounts do not add up. Check the order's lines, taxes and shipping "
                        "against the channel, fix them, then retry the event.",
                        order=order.name,
                        paid=binding._format_amount(paid),
                        total=binding._format_amount(total),
                    )
                )

    def _check_channel_total(self, normalized):
        """The total the channel reports must be the order's total in Odoo."""
        self.ensure_one()
        order = self.sale_order_id
        if normalized.total and order.currency_id.compare_amounts(
            normalized.total, order.amount_total
        ):
            raise OmsMappingError(
                _(
                    "Order %(order)s totals %(total)s in Odoo but %(channel_total)s "
                    "on the channel: the amounts do not add up. Fix the order's lines, taxes or "
                    "shipping, then retry the event.",
                    order=order.name,
                    total=self._format_amount(order.amount_total),
                    channel_total=self._format_amount(normalized.total),
                )
            )

    # ------------------------------------------------------------------ payments
    def _sync_channel_payments(self, payments, event=None, check_total=True):
        """Record the channel's transactions (``NormalizedPayment``) of this order and register a
        payment for each new one that moved money. Refund transactions are booked with their
        refund (``_apply_channel_refund``). ``check_total``: refuse transactions that take the
        order's payments over its total (a transaction event that does not add up)."""
        self.ensure_one()
        Transaction = self.env["oms.channel.transaction"]
        currencies = [self._check_channel_payment(payment) for payment in payments]
        transactions = Transaction
        for payment, currency in zip(payments, currencies, strict=True):
            transaction, _created = Transaction._find_or_create(self, payment, currency, event)
            transactions |= transaction
        if check_total:
            self._check_channel_paid_total()
        transactions.filtered(lambda t: t.kind not in OUTBOUND_KINDS)._register_payment()
        return transactions

    def _reconcile_channel_payments(self):
        """Reconcile the order's posted invoices with the payments of its channel transactions,
        and its posted credit notes with its refund payments; what remains open afterwards is
        matched together (a credit note against an invoice)."""
        for binding in self:
            moves = (binding.invoice_ids | binding.sale_order_id.invoice_ids).filtered(
                lambda m: m.state == "posted"
            )
            payments = binding.transaction_ids.payment_id.filtered(
                lambda p: p.state not in ("draft", "canceled")
            )
            inbound = payments.filtered(lambda p: p.payment_type == "inbound")
            outbound = payments - inbound
            invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
            credit_notes = moves.filtered(lambda m: m.move_type == "out_refund")
            binding._reconcile_receivable_lines(invoices.line_ids | inbound.move_id.line_ids)
            binding._reconcile_receivable_lines(credit_notes.line_ids | outbound.move_id.line_ids)
            binding._reconcile_receivable_lines(moves.line_ids | payments.move_id.line_ids)

    def _reconcile_receivable_lines(self, lines):
        open_lines = lines.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
            and line.parent_state == "posted"
            and not line.reconciled
        )
        for account in open_lines.account_id:
            account_lines = open_lines.filtered(lambda line, a=account: line.account_id == a)
            if account_lines.filtered(lambda line: line.balance > 0) and account_lines.filtered(
                lambda line: line.balance < 0
            ):
                account_lines.reconcile()

    # ------------------------------------------------------------------ invoicing
    def _confirm_sale_order(self):
        """Once confirmed (by intake, by the routing job, after a payment), an order its
        channel invoices "when paid" and that is paid is invoiced at once, whichever of
        payment, routing and confirmation came first."""
        res = super()._confirm_sale_order()
        self._invoice_due_orders()
        return res

    def _invoice_due_orders(self):
        """Invoice the orders of these bindings that meet their channel's invoicing policy
        and are not invoiced yet, and reconcile them with their payments. Idempotent."""
        for binding in self:
            if binding.channel_id.invoice_policy == "paid":
                binding._invoice_when_paid(
                    channel_says_paid=binding.external_financial_status == "paid"
                )
            elif binding.channel_id.invoice_policy == "shipped" and binding._is_shipped():
                binding.sale_order_id._oms_invoice_on_shipment()
        self._reconcile_channel_payments()

    @api.model
    def _cron_invoice_due_orders(self, limit=500):
        """Scheduled sweep: invoice every confirmed channel order that its channel's policy
        says is due ("when paid" and paid, "when shipped" and delivered) but has nothing
        invoiced yet, e.g. when the invoicing step ran while the order waited. One order's
        failure is logged and does not stop the others."""
        # sudo: the sweep books invoices for every company's channels, as the policy says
        bindings = self.sudo().search(self._get_invoice_due_domain(), limit=limit)
        for binding in bindings:
            try:
                with self.env.cr.savepoint():
                    binding.with_company(binding.company_id)._invoice_due_orders()
            except (UserError, ValidationError) as exc:
                _logger.warning("Channel order %s not invoiced: %s", binding.display_name, exc)
        return bindings

    @api.model
    def _get_invoice_due_domain(self):
        return [
            ("channel_id.invoice_policy", "in", ("paid", "shipped")),
            ("sale_order_id.state", "=", "sale"),
            ("sale_order_id.invoice_status", "=", "to invoice"),
        ]

    def _invoice_when_paid(self, channel_says_paid=False):
        """Invoice (and post) the orders of channels invoicing "when paid" once the channel says
        they are paid or their transactions cover the total. An order is invoiced this way once:
        a later refund does not make it invoiceable again."""
        invoices = self.env["account.move"]
        for binding in self.filtered(lambda b: b.channel_id.invoice_policy == "paid"):
            order = binding.sale_order_id
            if order.state != "sale" or order.invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice" and m.state != "cancel"
            ):
                continue
            covered = (
                order.currency_id.compare_amounts(
                    binding._get_channel_paid_amount(), order.amount_total
                )
                >= 0
            )
            if covered or channel_says_paid:
                invoices |= order._oms_create_posted_invoices()
        return invoices

    # ------------------------------------------------------------------ refunds
    def _is_refund_handled_by_return(self, refund):
        """Hook for returns: True when the ``NormalizedRefund`` is already booked by a return
        (the credit note of the returned goods, which Odoo told the channel about and the
        channel now reports back). It is then recorded by ``_record_refund_handled_by_return``
        instead of being booked as a refund without return."""
        return False

    def _record_refund_handled_by_return(self, refund, currency, event=None):
        """Hook for returns: record the refund ``_is_refund_handled_by_return`` claimed (usually
        with ``_record_refund_of_credit_note``) and return its ``oms.channel.refund``. By
        default nothing is recorded."""
        return self.env["oms.channel.refund"]

    def _record_refund_of_credit_note(self, refund, credit_note, currency, event=None):
        """Record ``refund`` (a ``NormalizedRefund``) as the channel's side of ``credit_note``,
        a credit note already in Odoo: no second credit note. The money the channel reports paid
        back is matched with the outbound payments already settling the credit note; what
        remains gets its payment registered, so the refund is paid once. The amount is the
        channel's refund transactions, else the credit note's total (the channel echoes a
        refund whose money Odoo paid back)."""
        self.ensure_one()
        Refund = self.env["oms.channel.refund"]
        money = self._get_refund_money(refund)
        amount = sum(t.amount for t in money) or credit_note.amount_total
        vals = Refund._prepare_refund_vals(self, refund, currency, amount, event)
        vals["credit_note_id"] = credit_note.id
        record = Refund.create(vals)
        transactions = self._record_refund_transactions(record, money, currency, event)
        settled = credit_note._get_reconciled_payments().filtered(
            lambda p: p.payment_type == "outbound" and not p.oms_transaction_ids
        )
        for transaction, payment in zip(
            transactions.filtered(lambda t: not t.payment_id), settled, strict=False
        ):
            transaction.payment_id = payment
            payment.write({"oms_channel_id": self.channel_id.id, "oms_channel_order_id": self.id})
        transactions._register_payment()
        self._reconcile_channel_payments()
        return record

    def _get_refunded_amount(self):
        self.ensure_one()
        return sum(self.refund_ids.mapped("amount"))

    def _apply_channel_refund(self, refund, event=None):
        """Book a refund without return reported by the channel (``NormalizedRefund``): a credit
        note linked to the order and its invoice (draft or posted per the channel's policy) and
        the refund payment. Exactly once per channel refund id. A refund the returns book, or
        that pays back the credit note of a cancellation, is recorded against that credit
        note. Before anything is invoiced, only the refund payment is booked."""
        self.ensure_one()
        existing = self._get_recorded_refund(refund)
        if existing:
            return existing
        what = _("Refund %(refund)s", refund=refund.external_id)
        self._convert_channel_refund(refund, what)
        currency = self._get_channel_currency(refund.currency, what)
        if self._is_refund_handled_by_return(refund):
            return self._record_refund_handled_by_return(refund, currency, event)
        cancellation = self._get_cancellation_credit_note_to_refund(refund)
        if cancellation:
            return self._record_refund_of_credit_note(refund, cancellation, currency, event)
        money = self._get_refund_money(refund)
        amount = self._check_refund_amount(refund, money, currency, what)
        return self._book_refund(refund, money, currency, amount, event)

    def _get_recorded_refund(self, refund):
        """The ``oms.channel.refund`` already recorded for ``refund``, or an empty record."""
        self.ensure_one()
        return self.env["oms.channel.refund"].search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("external_id", "=", str(refund.external_id)),
            ],
            limit=1,
        )

    def _check_refund_amount(self, refund, money, currency, what):
        """The amount of ``refund``, checked against its transactions (``money``) and what the
        customer paid and was not refunded yet."""
        self.ensure_one()
        transactions_total = sum(t.amount for t in money)
        amount = refund.amount or transactions_total
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise OmsPayloadError(_("%(what)s has no amount: nothing to book.", what=what))
        if money and currency.compare_amounts(transactions_total, amount):
            raise OmsMappingError(
                _(
                    "%(what)s is for %(amount)s but its transactions total %(total)s: the amounts "
                    "do not add up.",
                    what=what,
                    amount=self._format_amount(amount),
                    total=self._format_amount(transactions_total),
                )
            )
        paid = self._get_channel_paid_amount()
        refunded = self._get_refunded_amount()
        if currency.compare_amounts(amount, paid - refunded) > 0:
            raise OmsMappingError(
                _(
                    "%(what)s of %(amount)s is larger than what the customer paid for "
                    "order %(order)s (%(paid)s paid, %(refunded)s already refunded). Record the "
                    "missing payment (its transaction event) first, then retry.",
                    what=what,
                    amount=self._format_amount(amount),
                    order=self.sale_order_id.name,
                    paid=self._format_amount(paid),
                    refunded=self._format_amount(refunded),
                )
            )
        return amount

    def _book_refund(self, refund, money, currency, amount, event=None):
        """Record ``refund`` and book its credit note (when something is invoiced) and its
        refund payments, reconciled."""
        self.ensure_one()
        Refund = self.env["oms.channel.refund"]
        record = Refund.create(Refund._prepare_refund_vals(self, refund, currency, amount, event))
        # nothing invoiced yet (e.g. a cancellation before shipping): the refund payment alone
        # gives the customer's payment back; there is no revenue to credit
        credit_note = self.env["account.move"]
        if self._get_refunded_invoice():
            credit_note = self._create_refund_credit_note(record, refund)
            record.credit_note_id = credit_note
        self._record_refund_transactions(record, money, currency, event)._register_payment()
        if credit_note and self.channel_id.refund_policy == "post":
            credit_note.action_post()
        self._reconcile_channel_payments()
        return record

    def _get_refund_money(self, refund):
        """The successful transactions (``NormalizedPayment``) of the ``NormalizedRefund``,
        checked, as refund transactions."""
        self.ensure_one()
        money = [t for t in refund.transactions if (t.status or "success") == "success"]
        for transaction in money:
            transaction.kind = "refund"
            # money given back goes out the way it came in, unless the channel names a gateway
            transaction.gateway = transaction.gateway or self._get_refund_gateway()
            self._check_channel_payment(transaction)
        return money

    def _get_refund_gateway(self):
        """The gateway of the order's first payment: where a refund naming none is paid from."""
        self.ensure_one()
        inbound = self.transaction_ids.filtered(lambda t: t.kind in INBOUND_KINDS)
        return inbound.sorted("id")[:1].gateway or ""

    def _record_refund_transactions(self, record, money, currency, event=None):
        """The ``oms.channel.transaction`` of each of ``money`` (``NormalizedPayment``), linked
        to ``record`` (an ``oms.channel.refund``); payments are not registered here."""
        self.ensure_one()
        Transaction = self.env["oms.channel.transaction"]
        transactions = Transaction
        for transaction in money:
            found, _created = Transaction._find_or_create(
                self, transaction, currency, event, record
            )
            if not found.refund_id:
                found.refund_id = record
            transactions |= found
        return transactions

    def _get_refunded_invoice(self):
        self.ensure_one()
        return self.sale_order_id.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        ).sorted("id")[-1:]

    def _get_sale_line_for_refund_line(self, refund_line):
        """The order line a ``NormalizedRefundLine`` refunds, or an empty record (the amount is
        then booked like a goodwill refund)."""
        lines = self.sale_order_id.order_line
        if "oms_external_line_id" in lines._fields:
            return lines.filtered(
                lambda line: line.oms_external_line_id == str(refund_line.line_external_id)
            )[:1]
        return lines.browse()

    def _prepare_refund_credit_note_vals(self, record, refund):
        self.ensure_one()
        order = self.sale_order_id
        invoice = self._get_refunded_invoice()
        journal = invoice.journal_id or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(order.company_id),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        # outside _(): an f-string among its arguments stops the .pot export
        reason = f": {record.reason}" if record.reason else ""
        return {
            "move_type": "out_refund",
            "partner_id": order.partner_invoice_id.id,
            "partner_shipping_id": order.partner_shipping_id.id,
            "currency_id": record.currency_id.id,
            "company_id": order.company_id.id,
            "journal_id": journal.id,
            "fiscal_position_id": order.fiscal_position_id.id,
            "invoice_origin": order.name,
            "ref": _(
                "Refund %(refund)s of %(order)s%(reason)s",
                refund=record.external_id,
                order=self.external_name or self.external_id,
                reason=reason,
            ),
            "reversed_entry_id": invoice.id,
            "team_id": order.team_id.id,
            "invoice_user_id": order.user_id.id,
            "oms_channel_id": self.channel_id.id,
            "oms_channel_order_id": self.id,
            "invoice_line_ids": [
                Command.create(vals)
                for vals in self._prepare_refund_credit_note_line_vals(record, refund, journal)
            ],
        }

    def _prepare_refund_line_from_sale_line(self, sale_line, quantity, total):
        """A credit note line refunding ``total`` (taxes included) for ``quantity`` of
        ``sale_line``, with the line's product, taxes and discount."""
        unit_total = sale_line.price_total / (sale_line.product_uom_qty or 1.0)
        ratio = (total / quantity) / unit_total if unit_total else 0.0
        return {
            "product_id": sale_line.product_id.id,
            "name": sale_line.name,
            "quantity": quantity,
            "product_uom_id": sale_line.product_uom.id,
            "price_unit": sale_line.price_unit * ratio,
            "discount": sale_line.discount,
            "tax_ids": [Command.set(sale_line.tax_id.ids)],
        }

    def _prepare_refund_adjustment_line(self, record, amount, journal, taxes=None):
        """A credit note line of ``amount`` (its total, ``taxes`` included) on the channel's
        refund account, else the journal's income account, for what the refund's lines and
        shipping do not explain. No ``taxes``: an untaxed line."""
        taxes = taxes or self.env["account.tax"]
        account = self.channel_id.refund_account_id or journal.default_account_id
        name = _(
            "Refund %(refund)s: %(reason)s",
            refund=record.external_id,
            reason=record.reason or _("refund without return"),
        )
        if taxes:
            name = _(
                "%(name)s (%(taxes)s)",
                name=name,
                taxes=", ".join(taxes.mapped(lambda tax: tax.invoice_label or tax.name)),
            )
        return {
            "name": name,
            "account_id": account.id,
            "quantity": 1.0,
            "price_unit": self._get_refund_price_unit(taxes, amount),
            "tax_ids": [Command.set(taxes.ids)],
        }

    def _prepare_refund_rounding_line(self, record, amount, journal):
        """An untaxed line of ``amount`` (a cent or so) that makes the credit note's total the
        refunded amount when taxes computed on scaled prices round away from it."""
        vals = self._prepare_refund_adjustment_line(record, amount, journal)
        vals["name"] = _("%(name)s (rounding)", name=vals["name"])
        return vals

    def _prepare_refund_remainder_lines(self, record, amount, journal):
        """Credit note lines for ``amount``, the part of the refund ``record`` that its lines and
        shipping do not explain (goodwill): one line per part of
        ``_get_refund_remainder_parts``."""
        return [
            self._prepare_refund_adjustment_line(record, part, journal, taxes)
            for taxes, part in self._get_refund_remainder_parts(record, amount)
        ]

    def _get_refund_remainder_parts(self, record, amount):
        """``amount`` (taxes included) of the refund ``record`` that its lines and shipping do
        not explain, as a list of ``(taxes, amount)`` adding up to ``amount``, per the
        channel's *Tax on Refund Remainder*: split pro rata to the order's total per set of
        taxes (a price reduction reduces the tax paid), or one untaxed part. Override to tax
        goodwill another way."""
        self.ensure_one()
        no_tax = self.env["account.tax"]
        if self.channel_id.refund_remainder_tax != "proportional":
            return [(no_tax, amount)]
        totals = self._get_order_totals_per_taxes()
        if not totals:
            return [(no_tax, amount)]
        amounts = self._split_refund_amount(amount, [total for _taxes, total in totals])
        return [
            (taxes, part)
            for (taxes, _total), part in zip(totals, amounts, strict=True)
            if not record.currency_id.is_zero(part)
        ]

    def _get_order_totals_per_taxes(self):
        """The order's total (taxes included) per set of taxes of its lines (shipping
        included), as a list of ``(taxes, total)`` in the order of the lines; sets whose total is
        not positive (e.g. only discounts) are left out. Fixed-amount taxes (per unit, e.g. a
        recycling fee) are not in the sets: a price reduction does not reduce them."""
        self.ensure_one()
        totals = {}
        for line in self.sale_order_id.order_line.filtered(lambda line: not line.display_type):
            taxes = line.tax_id.filtered(lambda tax: tax.amount_type != "fixed")
            totals[taxes] = totals.get(taxes, 0.0) + line.price_total
        currency = self.sale_order_id.currency_id
        return [
            (taxes, total)
            for taxes, total in totals.items()
            if currency.compare_amounts(total, 0.0) > 0
        ]

    def _split_refund_amount(self, amount, weights):
        """``amount`` split pro rata to ``weights`` (positive), each part rounded to the order's
        currency; the rounding difference goes to the largest part so the parts add up to
        ``amount`` exactly."""
        self.ensure_one()
        currency = self.sale_order_id.currency_id
        total = sum(weights)
        parts = [currency.round(amount * weight / total) for weight in weights]
        largest = parts.index(max(parts))
        parts[largest] = currency.round(parts[largest] + amount - sum(parts))
        return parts

    def _get_refund_price_unit(self, taxes, total):
        """Unit price of a one-unit credit note line with ``taxes`` whose total, taxes included,
        is ``total``: Odoo's taxes computation gives the untaxed base of ``total`` (all taxes
        taken as included), then the taxes included in price are added back, as
        ``account.tax._adapt_price_unit_to_another_taxes`` does. Some totals cannot be reached
        at the currency's precision (e.g. 10.05 with 19 % tax excluded: 8.45 + 1.61); the
        credit note's rounding line makes up the cent."""
        self.ensure_one()
        if not taxes:
            return total
        rounding = self.sale_order_id.currency_id.rounding
        base = taxes._get_tax_details(
            total,
            1.0,
            precision_rounding=rounding,
            rounding_method="round_globally",
            special_mode="total_included",
        )["total_excluded"]
        included = taxes._get_tax_details(
            base,
            1.0,
            precision_rounding=rounding,
            rounding_method="round_globally",
            special_mode="total_excluded",
        )["taxes_data"]
        return base + sum(data["tax_amount"] for data in included if data["tax"].price_include)

    def _prepare_refund_credit_note_line_vals(self, record, refund, journal):
        """Lines of the credit note: the refunded order lines and shipping at their sold prices
        and taxes, and what remains of the refunded amount (goodwill) on the refund account,
        taxed per the channel's *Tax on Refund Remainder*."""
        currency = record.currency_id
        lines = []
        allocated = 0.0
        for refund_line in refund.lines:
            sale_line = self._get_sale_line_for_refund_line(refund_line)
            quantity = refund_line.quantity or 1.0
            if not sale_line or not sale_line.price_total:
                continue
            total = (
                refund_line.amount or sale_line.price_total / sale_line.product_uom_qty * quantity
            )
            lines.append(self._prepare_refund_line_from_sale_line(sale_line, quantity, total))
            allocated += total
        shipping_line = self.sale_order_id.order_line.filtered(
            lambda line: line.is_delivery and line.price_total
        )[:1]
        if record.shipping_amount and shipping_line:
            lines.append(
                self._prepare_refund_line_from_sale_line(shipping_line, 1.0, record.shipping_amount)
            )
            allocated += record.shipping_amount
        remainder = currency.round(record.amount - allocated)
        if currency.compare_amounts(remainder, 0.0) < 0:
            raise OmsMappingError(
                _(
                    "Refund %(refund)s refunds lines and shipping for %(allocated)s, more than its "
                    "amount %(amount)s: the amounts do not add up.",
                    refund=record.external_id,
                    allocated=self._format_amount(allocated),
                    amount=self._format_amount(record.amount),
                )
            )
        if not currency.is_zero(remainder):
            lines += self._prepare_refund_remainder_lines(record, remainder, journal)
        return lines

    def _create_refund_credit_note(self, record, refund):
        self.ensure_one()
        vals = self._prepare_refund_credit_note_vals(record, refund)
        journal = self.env["account.journal"].browse(vals["journal_id"])
        credit_note = self.env["account.move"].create(vals)
        # taxes computed on scaled prices may round a cent away from the refunded amount
        difference = record.currency_id.round(record.amount - credit_note.amount_total)
        if not record.currency_id.is_zero(difference):
            credit_note.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            self._prepare_refund_rounding_line(record, difference, journal)
                        )
                    ]
                }
            )
        return credit_note
