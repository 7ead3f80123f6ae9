# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import new_test_user, tagged

from ..adapters.exceptions import OmsMappingError
from .common_accounting import OmsAccountingCommon


@tagged("post_install", "-at_install", "oms_clock")
class TestAccountingFlow(OmsAccountingCommon):
    """Invoices and payments of channel orders, asserted on the journal items."""

    def assertReconciled(self, *records):
        """The receivable items of ``records`` (moves or payments) are fully reconciled
        together."""
        lines = self.env["account.move.line"]
        for record in records:
            lines |= self._receivable_lines(record)
        self.assertTrue(lines)
        self.assertTrue(all(lines.mapped("reconciled")), lines.mapped("amount_residual"))
        self.assertEqual(len(lines.full_reconcile_id), 1, "one full reconciliation")

    # ------------------------------------------------------------------ invoice when paid
    def test_paid_then_shipped_invoice_on_payment(self):
        """Policy "when paid": the transaction (with a gateway fee) invoices the order; the later
        shipment invoices nothing more."""
        binding = self._create_channel_order("WEB-1042")
        self.assertEqual(binding.sale_order_id.amount_total, 115.0)
        event = self._event("transaction.created", self._load("generic_transaction.json"))
        self._process(event)

        self.assertEqual(event.sale_order_id, binding.sale_order_id)
        transaction = binding.transaction_ids
        self.assertRecordValues(
            transaction,
            [
                {
                    "external_id": "pi_3PdA7x2eZvKYlo2C1nY6hZr0",
                    "gateway": "stripe",
                    "amount": 115.0,
                    "fee": 3.64,
                    "state": "registered",
                }
            ],
        )
        payment = transaction.payment_id
        self.assertEqual(payment.journal_id, self.stripe_journal)
        self.assertEqual(payment.oms_channel_id, self.channel)
        # gross to the customer, net to the gateway's journal, fee to the fee account
        self.assertRecordValues(
            payment.move_id.line_ids.sorted("balance"),
            [
                {"account_id": self.receivable.id, "balance": -115.0},
                {"account_id": self.fee_account.id, "balance": 3.64},
                {"account_id": payment.outstanding_account_id.id, "balance": 111.36},
            ],
        )
        invoice = self._invoices(binding)
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "amount_total": 115.0,
                    "amount_residual": 0.0,
                    "oms_channel_id": self.channel.id,
                    "oms_channel_order_id": binding.id,
                    "ref": "#WEB-1042",
                    "invoice_origin": binding.sale_order_id.name,
                }
            ],
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertReconciled(invoice, payment)

        self._ship(binding, user=self.stock_user)
        self.assertEqual(self._invoices(binding), invoice, "shipping does not invoice again")
        self.assertEqual(binding.sale_order_id.invoice_status, "invoiced")

    def test_transaction_delivered_twice_registered_once(self):
        binding = self._create_channel_order("WEB-1042")
        payload = self._load("generic_transaction.json")
        self._process(self._event("transaction.created", payload))
        self._process(self._event("transaction.created", payload))
        # the order payload repeating the same payment registers nothing either
        self._import(binding, [self._payment("pi_3PdA7x2eZvKYlo2C1nY6hZr0", 115.0, fee=3.64)])
        self.assertEqual(len(binding.transaction_ids), 1)
        self.assertEqual(
            self.env["account.payment"].search_count([("oms_channel_order_id", "=", binding.id)]),
            1,
        )
        self.assertEqual(len(self._invoices(binding)), 1)

    # ------------------------------------------------------------------ invoice when shipped
    def test_paid_then_shipped_invoice_on_shipment(self):
        """Policy "when shipped": the payment waits on the customer's account, the shipment
        invoices and the invoice is reconciled with it at once."""
        self.channel.invoice_policy = "shipped"
        binding = self._create_channel_order("WEB-2001", shipping=True)
        self.assertEqual(binding.sale_order_id.amount_total, 126.5)
        self._import(binding, [self._payment("pay-2001", 126.5, gateway="PayPal")], "paid")

        payment = binding.transaction_ids.payment_id
        self.assertEqual(payment.journal_id, self.paypal_journal)
        self.assertFalse(self._invoices(binding), "not shipped: not invoiced")
        self.assertFalse(any(self._receivable_lines(payment).mapped("reconciled")))

        self._ship(binding, user=self.stock_user)
        invoice = self._invoices(binding)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 126.5)
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("quantity")),
            [1.0, 1.0],
            "goods and shipping invoiced",
        )
        self.assertReconciled(invoice, payment)

    def test_shipped_then_paid(self):
        self.channel.invoice_policy = "shipped"
        binding = self._create_channel_order("WEB-2002", quantity=2)
        self._ship(binding, user=self.stock_user)
        invoice = self._invoices(binding)
        self.assertRecordValues(
            invoice, [{"state": "posted", "amount_total": 230.0, "amount_residual": 230.0}]
        )
        self.assertEqual(invoice.invoice_line_ids.quantity, 2.0)

        event = self._event(
            "transaction.created",
            self._load(
                "generic_transaction.json",
                order_id="WEB-2002",
                amount="230.00",
                fee=None,
                gateway="paypal",
                transaction_id="PAYID-M2002",
            ),
        )
        self._process(event)
        payment = binding.transaction_ids.payment_id
        self.assertRecordValues(
            payment.move_id.line_ids.sorted("balance"),
            [
                {"account_id": self.receivable.id, "balance": -230.0},
                {"account_id": payment.outstanding_account_id.id, "balance": 230.0},
            ],
        )
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertReconciled(invoice, payment)

    # ------------------------------------------------------------------ several transactions
    def test_partial_payments_two_transactions(self):
        """Two transactions on two gateways: the first leaves the order unpaid (no invoice), the
        second completes it; both settle the invoice."""
        binding = self._create_channel_order("WEB-3001")
        first = self._payment("ch_first", 50.0, gateway="stripe", fee=1.75)
        self._import(binding, [first], "partially_paid")
        self.assertFalse(self._invoices(binding), "partially paid: not invoiced yet")
        self.assertEqual(binding.channel_paid_amount, 50.0)

        second = self._payment("PAYID-second", 65.0, gateway="paypal")
        self._import(binding, [first, second], "paid")
        self.assertEqual(len(binding.transaction_ids), 2)
        payments = binding.transaction_ids.payment_id
        self.assertEqual(
            sorted(payments.mapped("amount")), [48.25, 65.0], "net of the fee on stripe"
        )
        invoice = self._invoices(binding)
        self.assertEqual(invoice.amount_total, 115.0)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertReconciled(invoice, payments)
        fee_line = payments.move_id.line_ids.filtered(
            lambda line: line.account_id == self.fee_account
        )
        self.assertEqual(fee_line.balance, 1.75)

    def test_foreign_currency_order(self):
        """An order in EUR (company in USD): invoice and payment in EUR, converted at the rate,
        reconciled without difference."""
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR shop", "currency_id": eur.id, "company_id": self.company.id}
        )
        binding = self._create_channel_order("WEB-4001", pricelist=pricelist)
        order = binding.sale_order_id
        self.assertEqual(order.currency_id, eur)
        self.assertEqual(order.amount_total, 230.0)

        self._import(binding, [self._payment("ch_eur", 230.0, currency="EUR", fee=6.9)])
        payment = binding.transaction_ids.payment_id
        invoice = self._invoices(binding)
        self.assertEqual(payment.currency_id, eur)
        self.assertRecordValues(
            payment.move_id.line_ids.sorted("balance"),
            [
                {"account_id": self.receivable.id, "amount_currency": -230.0, "balance": -115.0},
                {"account_id": self.fee_account.id, "amount_currency": 6.9, "balance": 3.45},
                {
                    "account_id": payment.outstanding_account_id.id,
                    "amount_currency": 223.1,
                    "balance": 111.55,
                },
            ],
        )
        self.assertRecordValues(
            invoice, [{"currency_id": eur.id, "amount_total": 230.0, "amount_residual": 0.0}]
        )
        self.assertEqual(self._receivable_lines(invoice).balance, 115.0)
        self.assertReconciled(invoice, payment)

    # ------------------------------------------------------------------ bad input
    def test_currency_mismatch_fails_and_posts_nothing(self):
        binding = self._create_channel_order("WEB-1042")
        event = self._event(
            "transaction.created", self._load("generic_transaction.json", currency="EUR")
        )
        self._process_fails(event, OmsMappingError, "is in EUR", "is in USD")
        self.assertFalse(binding.transaction_ids)
        self.assertFalse(self._invoices(binding))
        self.assertFalse(
            self.env["account.payment"].search([("oms_channel_order_id", "=", binding.id)])
        )

    def test_payment_for_unknown_order_retried_after_import(self):
        event = self._event(
            "transaction.created", self._load("generic_transaction.json", order_id="WEB-9999")
        )
        self._process_fails(event, OmsMappingError, "WEB-9999", "not in Odoo")
        self.assertFalse(
            self.env["oms.channel.transaction"].search([("channel_id", "=", self.channel.id)])
        )

        binding = self._create_channel_order("WEB-9999")
        # an OMS user (no accounting rights) retries the event
        oms_user = new_test_user(
            self.env,
            login="oms_acc_retry_user",
            groups="oms_connector.group_oms_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self._process(event.with_user(oms_user))
        self.assertEqual(binding.transaction_ids.state, "registered")
        self.assertEqual(self._invoices(binding).amount_residual, 0.0)

    def test_amounts_do_not_add_up(self):
        binding = self._create_channel_order("WEB-5001")
        self._import(binding, [self._payment("ch_a", 100.0)])
        event = self._event(
            "transaction.created",
            self._load(
                "generic_transaction.json",
                order_id="WEB-5001",
                transaction_id="ch_b",
                amount="50.00",
                fee="0",
            ),
        )
        self._process_fails(event, OmsMappingError, "more than the order's total", "115.00")
        self.assertEqual(len(binding.transaction_ids), 1)
        self.assertEqual(
            self.env["account.payment"].search_count([("oms_channel_order_id", "=", binding.id)]),
            1,
        )
        self.assertFalse(self._invoices(binding))

    def test_fee_without_fee_account_booked_gross(self):
        """A fee on a gateway without fee account: the payment is booked gross (the fee is left
        for the bank reconciliation) and the channel reconciliation report shows it."""
        binding = self._create_channel_order("WEB-1042")
        self._process(
            self._event(
                "transaction.created", self._load("generic_transaction.json", gateway="paypal")
            )
        )
        payment = binding.transaction_ids.payment_id
        self.assertEqual(payment.journal_id, self.paypal_journal)
        self.assertEqual(payment.amount, 115.0)
        self.assertFalse(
            payment.move_id.line_ids.filtered(lambda line: line.account_id == self.fee_account)
        )
        self.assertEqual(self._invoices(binding).amount_residual, 0.0)
        report = self.env["oms.channel.reconciliation"].create(
            {
                "channel_ids": [Command.set(self.channel.ids)],
                "date_from": "2000-01-01",
                "date_to": "2100-01-01",
            }
        )
        report.action_compute()
        self.assertRecordValues(
            report.line_ids,
            [
                {
                    "issue": "fee_not_booked",
                    "channel_amount": 3.64,
                    "record_ref": payment,
                }
            ],
        )

    def test_unmapped_gateway_uses_default_journal(self):
        binding = self._create_channel_order("WEB-6001")
        self._import(binding, [self._payment("cod-6001", 115.0, gateway="cash_on_delivery")])
        self.assertEqual(binding.transaction_ids.payment_id.journal_id, self.bank_journal)
        self.channel.payment_journal_id = False
        other = self._create_channel_order("WEB-6002")
        with self.assertRaisesRegex(OmsMappingError, "cash_on_delivery"):
            with self.env.cr.savepoint():
                self._import(other, [self._payment("cod-6002", 115.0, gateway="cash_on_delivery")])
