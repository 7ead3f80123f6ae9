# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, fields
from odoo.tests import Form, new_test_user, tagged

from .common_accounting import OmsAccountingCommon


@tagged("post_install", "-at_install", "oms_clock")
class TestChannelReconciliationReport(OmsAccountingCommon):
    """The report lists what the channel says against the books, difference by difference."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="oms_acc_accountant",
            groups="oms_connector.group_oms_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _report(self, user=None):
        env = self.env(user=user) if user else self.env
        with Form(env["oms.channel.reconciliation"]) as form:
            form.channel_ids.add(self.channel)
            form.date_from = fields.Date.add(fields.Date.today(), days=-1)
            form.date_to = fields.Date.today()
        report = form.save()
        report.action_compute()
        return report

    def test_clean_books_show_no_difference(self):
        binding = self._create_channel_order("WEB-8001")
        self._import(binding, [self._payment("ch_8001", 115.0, fee=3.64)], "paid")
        report = self._report(self.accountant)
        self.assertFalse(report.line_ids)
        self.assertRecordValues(
            report.summary_ids,
            [
                {
                    "channel_id": self.channel.id,
                    "order_count": 1,
                    "channel_total": 115.0,
                    "invoiced_total": 115.0,
                    "channel_paid": 115.0,
                    "odoo_paid": 115.0,
                    "difference_count": 0,
                }
            ],
        )

    def test_injected_differences_are_listed_with_their_record(self):
        clean = self._create_channel_order("WEB-8001")
        self._import(clean, [self._payment("ch_8001", 115.0)], "paid")

        # the channel says 125 where Odoo invoiced 115 (a line missing in Odoo)
        wrong_total = self._create_channel_order("WEB-8002")
        self._import(wrong_total, [self._payment("ch_8002", 115.0)], "paid")
        wrong_total.external_total = 125.0

        # a payment someone cancelled in Odoo after it was registered
        cancelled = self._create_channel_order("WEB-8003")
        self._import(cancelled, [self._payment("ch_8003", 115.0)], "paid")
        payment = cancelled.transaction_ids.payment_id
        payment.action_draft()
        payment.action_cancel()

        # a refund whose credit note waits for review
        refunded = self._create_channel_order("WEB-8004")
        self._import(refunded, [self._payment("ch_8004", 115.0)], "paid")
        self._process(
            self._event("refund.created", self._load("generic_refund.json", order_id="WEB-8004"))
        )

        report = self._report(self.accountant)
        found = {(line.binding_id.external_id, line.issue): line for line in report.line_ids}
        self.assertEqual(
            sorted(found),
            [
                ("WEB-8002", "invoice_amount"),
                ("WEB-8003", "invoice_open"),
                ("WEB-8003", "payment_missing"),
                ("WEB-8004", "credit_note_draft"),
            ],
        )
        amount_line = found["WEB-8002", "invoice_amount"]
        self.assertRecordValues(
            amount_line,
            [{"channel_amount": 125.0, "odoo_amount": 115.0, "difference": -10.0}],
        )
        invoice = self._invoices(wrong_total)
        self.assertEqual(amount_line.record_ref, invoice)
        action = amount_line.with_user(self.accountant).action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", invoice.id))

        missing = found["WEB-8003", "payment_missing"]
        self.assertEqual(missing.record_ref, cancelled.transaction_ids)
        self.assertEqual(missing.channel_amount, 115.0)
        self.assertEqual(found["WEB-8003", "invoice_open"].odoo_amount, 115.0)
        self.assertEqual(
            found["WEB-8004", "credit_note_draft"].record_ref, refunded.refund_ids.credit_note_id
        )

        summary = report.summary_ids
        self.assertRecordValues(
            summary,
            [
                {
                    "order_count": 4,
                    "channel_total": 470.0,
                    "invoiced_total": 460.0,
                    "channel_paid": 460.0,
                    "odoo_paid": 345.0,
                    "channel_refunded": 20.0,
                    "credit_note_total": 20.0,
                    "difference_count": 4,
                }
            ],
        )
        # the accountant opens the differences as a list / pivot
        action = report.action_open_differences()
        self.assertEqual(
            self.env["oms.channel.reconciliation.line"].search_count(action["domain"]), 4
        )

    def test_channel_filters_on_invoices_and_payments(self):
        binding = self._create_channel_order("WEB-8101")
        self._import(binding, [self._payment("ch_8101", 115.0)], "paid")
        other = self.init_invoice("out_invoice", amounts=[50.0], post=True)
        invoices = (
            self.env["account.move"]
            .with_user(self.accountant)
            .search([("oms_channel_id", "=", self.channel.id)])
        )
        self.assertEqual(invoices, self._invoices(binding))
        self.assertNotIn(other, invoices)
        self.assertEqual(invoices.oms_external_ref, "#WEB-8101")
        payments = (
            self.env["account.payment"]
            .with_user(self.accountant)
            .search([("oms_channel_id", "=", self.channel.id)])
        )
        self.assertEqual(payments, binding.transaction_ids.payment_id)
        groups = (
            self.env["account.move"]
            .with_user(self.accountant)
            .read_group(
                [("move_type", "=", "out_invoice")], ["amount_total:sum"], ["oms_channel_id"]
            )
        )
        by_channel = {g["oms_channel_id"] and g["oms_channel_id"][0]: g for g in groups}
        self.assertEqual(by_channel[self.channel.id]["amount_total"], 115.0)
