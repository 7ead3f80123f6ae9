# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The accounting scenario through the real path: events processed by the intake job."""

import json
import uuid

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_mapping import IntakeMappingMixin


@tagged("post_install", "-at_install")
class TestAccountingThroughIntake(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        cls.bank_journal = cls.env["account.journal"].create(
            {"name": "Stripe EUR", "code": "STEU", "type": "bank", "company_id": cls.company.id}
        )
        cls.fee_account = cls.env["account.account"].create(
            {"name": "Stripe fees", "code": "627900", "account_type": "expense"}
        )
        cls.generic.write(
            {
                "invoice_policy": "paid",
                "refund_policy": "post",
                "payment_mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "gateway": "stripe",
                            "journal_id": cls.bank_journal.id,
                            "fee_account_id": cls.fee_account.id,
                        },
                    )
                ],
            }
        )

    def _child_event(self, topic, payload, order_id):
        return self.env["oms.channel.event"].create(
            {
                "channel_id": self.generic.id,
                "topic": topic,
                "delivery_id": uuid.uuid4().hex,
                "external_order_id": order_id,
                "payload": json.dumps(payload),
            }
        )

    def _receivable(self, moves):
        return moves.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def test_order_paid_invoiced_refunded_through_events(self):
        payload = self._sample("generic")
        event = self._process(self.generic, payload)
        self.assertEqual(event.state, "done", event.error)
        binding = self._binding(self.generic, "WS-2026-000123")
        order = binding.sale_order_id
        self.assertAlmostEqual(order.amount_total, 234.62)

        # the order's payment (Stripe, with its fee) is registered and settles the invoice
        transaction = binding.transaction_ids
        self.assertRecordValues(
            transaction, [{"external_id": "pi_3OrBx7Kq2Lm4Np5Q6r7S8t9U", "fee": 3.53}]
        )
        payment = transaction.payment_id
        self.assertEqual(payment.currency_id, self.eur)
        items = payment.move_id.line_ids
        self.assertEqual(
            sorted(items.mapped(lambda line: (line.account_id.account_type, line.amount_currency))),
            [("asset_current", 231.09), ("asset_receivable", -234.62), ("expense", 3.53)],
        )
        invoice = order.invoice_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "currency_id": self.eur.id,
                    "amount_total": 234.62,
                    "amount_residual": 0.0,
                    "oms_channel_id": self.generic.id,
                }
            ],
        )
        self.assertTrue(all(self._receivable(invoice | payment.move_id).mapped("reconciled")))

        # the same order delivered again: nothing more is booked
        payload["updated_at"] = "2026-03-04T09:00:00Z"
        again = self._process(self.generic, payload, "order.updated")
        self.assertEqual(again.state, "done", again.error)
        self.assertEqual(len(binding.transaction_ids), 1)
        self.assertEqual(len(order.invoice_ids), 1)

        # a goodwill refund reported by the channel, posted per the channel's policy
        refund_payload = {
            "id": "RF-77",
            "order_id": "WS-2026-000123",
            "amount": "15.00",
            "currency": "EUR",
            "reason": "Late delivery",
            "transactions": [
                {
                    "transaction_id": "re_77",
                    "gateway": "stripe",
                    "amount": "15.00",
                    "currency": "EUR",
                }
            ],
        }
        refund_event = self._child_event("refund.created", refund_payload, "WS-2026-000123")
        refund_event._job_process()
        self.assertEqual(refund_event.state, "done", refund_event.error)
        credit_note = binding.refund_ids.credit_note_id
        self.assertRecordValues(
            credit_note,
            [
                {
                    "state": "posted",
                    "amount_total": 15.0,
                    "amount_residual": 0.0,
                    "reversed_entry_id": invoice.id,
                }
            ],
        )
        refund_payment = binding.refund_ids.transaction_ids.payment_id
        self.assertEqual(refund_payment.payment_type, "outbound")
        self.assertTrue(all(self._receivable(refund_payment.move_id).mapped("reconciled")))
        # delivered twice: once
        self._child_event("refund.created", refund_payload, "WS-2026-000123")._job_process()
        self.assertEqual(len(binding.refund_ids), 1)

    def test_transaction_for_unknown_order_waits_then_applies(self):
        """Issue 12 kind 5: a payment delivered before its order waits for it and applies by
        itself when the order comes in (no Retry)."""
        payload = {
            "order_id": "WS-2026-000123",
            "transaction_id": "pi_late",
            "gateway": "stripe",
            "amount": "234.62",
            "currency": "EUR",
        }
        event = self._child_event("transaction.created", payload, "WS-2026-000123")
        event._job_process()
        self.assertEqual(event.state, "waiting")
        self.assertIn("not in Odoo", event.error)

        order_payload = self._sample("generic")
        order_payload["payments"] = []
        order_payload["financial_status"] = "pending"
        with trap_jobs() as trap:
            self.assertEqual(self._process(self.generic, order_payload).state, "done")
            trap.assert_enqueued_job(event._job_process)
            trap.perform_enqueued_jobs()
        binding = self._binding(self.generic, "WS-2026-000123")
        self.assertEqual(event.state, "done", event.error)
        invoice = binding.sale_order_id.invoice_ids
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(binding.transaction_ids.payment_id.amount, 234.62)
