# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Returns meet channel accounting: a Shopify order taken in by webhook, paid, shipped and
invoiced; a return refunded in Odoo and pushed to Shopify; Shopify's ``refunds/create`` for that
refund booked once; a refund made on Shopify for the goods of an open return."""

import copy
import json
import pathlib

from odoo import Command, fields
from odoo.addons.oms_connector.tests.common_intake import (
    post_shopify_webhook,
)
from odoo.addons.oms_connector.tests.common_mapping import IntakeMappingMixin
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import RecordingServer

DATA = pathlib.Path(__file__).parent / "data"
CONNECTOR_DATA = pathlib.Path(__file__).parents[2] / "oms_connector" / "tests" / "data"
SECRET = "shpss_returns_accounting_0123456789"
ORDER_ID = "5690000001001"
SHIRT_LINE_ID = "14300000000101"
PUSHED_REFUND_ID = 1023484809001


def load(name):
    """A sample payload: this addon's ``tests/data`` first, then the connector's."""
    path = DATA / name
    if not path.exists():
        path = CONNECTOR_DATA / name
    return json.loads(path.read_text())


@tagged("post_install", "-at_install", "oms_clock")
class TestReturnsAccounting(IntakeMappingMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_mapping()
        Journal = cls.env["account.journal"]
        cls.shopify_journal = Journal.create(
            {"name": "Shopify Payments", "code": "SHPY", "type": "bank"}
        )
        cls.refund_journal = Journal.create(
            {"name": "Refunds Bank", "code": "RFBK", "type": "bank"}
        )
        cls.fee_account = cls.env["account.account"].create(
            {"name": "Shopify Payments fees", "code": "627950", "account_type": "expense"}
        )
        cls.shopify.write(
            {
                "webhook_secret": SECRET,
                "api_key": "shpat_returns_accounting",
                "api_version": "2025-01",
                "invoice_policy": "shipped",
                "refund_policy": "post",
                "payment_mapping_ids": [
                    Command.create(
                        {
                            "gateway": "shopify_payments",
                            "journal_id": cls.shopify_journal.id,
                            "fee_account_id": cls.fee_account.id,
                        }
                    )
                ],
            }
        )
        cls.company.write(
            {
                "oms_return_credit_note_policy": "post",
                "oms_return_refund_journal_id": cls.refund_journal.id,
            }
        )
        cls.reason_size = cls.env.ref("oms_returns.oms_return_reason_size_too_small")
        cls.stock_user = new_test_user(
            cls.env,
            login="ra_stock_user",
            groups="stock.group_stock_user,sales_team.group_sale_salesman",
        )
        cls.return_user = new_test_user(
            cls.env,
            login="ra_return_user",
            groups="oms_returns.group_return_user,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="ra_accountant",
            groups="oms_connector.group_oms_user,account.group_account_invoice",
        )
        cls.stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        cls.shirt = cls.products["OMS-APP-001"]

    def setUp(self):
        super().setUp()
        self.server = RecordingServer(
            status=201,
            body={"refund": {"id": PUSHED_REFUND_ID, "order_id": int(ORDER_ID)}},
        )
        self.addCleanup(self.server.stop)
        self.shopify.api_url = self.server.url  # http on 127.0.0.1, scheme given

    # ------------------------------------------------------------------ channel side
    def _webhook(self, topic, payload):
        """Shopify delivers ``payload`` on ``topic``: signed POST to the webhook route, then
        the event's processing job. The event must end done."""
        event = post_shopify_webhook(self, self.shopify, SECRET, topic, payload)
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        return event

    def _order_paid_shipped_invoiced(self):
        """Shopify order #1001 (2 T-shirts at 21.60 after discount, a mug, shipping: 61.10 tax
        included) taken in, paid through Shopify Payments, shipped and so invoiced."""
        self._webhook("orders/create", self._sample("shopify"))
        self._webhook("order_transactions/create", load("shopify_transaction_1001_sale.json"))
        binding = self._binding(self.shopify, ORDER_ID)
        order = binding.sale_order_id
        self.assertEqual(order.state, "sale")
        picking = order.picking_ids.with_user(self.stock_user)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        invoice = order.invoice_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "amount_total": 61.10,
                    "amount_residual": 0.0,
                }
            ],
        )
        return binding, invoice

    def _shirt_line(self, binding):
        return binding.sale_order_id.order_line.filtered(
            lambda line: line.oms_external_line_id == SHIRT_LINE_ID
        )

    # ------------------------------------------------------------------ returns side
    def _create_return(self, binding):
        """Customer service records the return of one T-shirt (too small) and approves it."""
        ret = (
            self.env["oms.return"]
            .with_user(self.return_user)
            .create(
                {
                    "partner_id": binding.sale_order_id.partner_id.id,
                    "line_ids": [
                        Command.create(
                            {
                                "sale_line_id": self._shirt_line(binding).id,
                                "quantity": 1,
                                "reason_id": self.reason_size.id,
                                "outcome": "refund",
                            }
                        )
                    ],
                }
            )
        )
        ret.action_approve()
        self.assertEqual(ret.state, "waiting")
        return ret

    def _receive_and_inspect(self, ret):
        """The warehouse validates the return receipt and grades the shirt A (restock)."""
        for picking in ret.picking_ids.with_user(self.return_user):
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            picking.button_validate()
        self.assertEqual(ret.state, "received")
        wizard = Form(
            self.env["oms.return.inspect.wizard"]
            .with_user(self.return_user)
            .with_context(default_return_id=ret.id)
        ).save()
        wizard.action_apply()

    def _refunded_return(self, binding):
        ret = self._create_return(binding)
        self._receive_and_inspect(ret)
        return ret

    # ------------------------------------------------------------------ readers
    def _report(self):
        """The accountant's channel reconciliation report for the day of the order."""
        binding = self._binding(self.shopify, ORDER_ID)
        day = fields.Date.to_date(binding.sale_order_id.date_order)
        with Form(self.env["oms.channel.reconciliation"].with_user(self.accountant)) as form:
            form.channel_ids.add(self.shopify)
            form.date_from = day
            form.date_to = day
        report = form.save()
        report.action_compute()
        return report

    def _credit_notes(self, binding):
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("partner_id", "child_of", binding.sale_order_id.partner_id.id),
            ]
        )

    def _outbound_payments(self, binding):
        return self.env["account.payment"].search(
            [
                ("payment_type", "=", "outbound"),
                ("partner_id", "child_of", binding.sale_order_id.partner_id.id),
                ("state", "not in", ("draft", "canceled")),
            ]
        )

    def _journal_items(self, move):
        """(kind of item, account type, amount in the document's currency, reconciled) of each
        journal item."""
        return sorted(
            (
                line.display_type or "",
                line.account_id.account_type,
                line.amount_currency,
                line.reconciled,
            )
            for line in move.line_ids
        )

    def _assert_clean_report(self, refunded):
        report = self._report()
        self.assertFalse(
            report.line_ids, report.line_ids.mapped(lambda line: (line.issue, line.message))
        )
        self.assertRecordValues(
            report.summary_ids,
            [
                {
                    "channel_id": self.shopify.id,
                    "order_count": 1,
                    "channel_total": 61.10,
                    "invoiced_total": 61.10,
                    "channel_paid": 61.10,
                    "odoo_paid": 61.10,
                    "channel_refunded": refunded,
                    "credit_note_total": refunded,
                    "difference_count": 0,
                }
            ],
        )

    # ------------------------------------------------------------------ tests
    def test_pushed_refund_reported_back_is_booked_once(self):
        binding, invoice = self._order_paid_shipped_invoiced()
        with trap_jobs() as trap:
            ret = self._refunded_return(binding)
            credit_note = ret.credit_note_ids
            self.assertRecordValues(
                credit_note,
                [
                    {
                        "state": "posted",
                        "amount_total": 21.60,
                        "reversed_entry_id": invoice.id,
                        "oms_channel_order_id": binding.id,
                    }
                ],
            )
            self.assertEqual(ret.state, "done")
            trap.assert_jobs_count(1, only=ret._push_refund_to_channel)
            trap.perform_enqueued_jobs()

        # Shopify is told: the returned line, restocked, with the return's reference
        self.assertEqual(len(self.server.requests), 1)
        request = self.server.requests[0]
        self.assertEqual(request["path"], f"/admin/api/2025-01/orders/{ORDER_ID}/refunds.json")
        pushed = json.loads(request["body"])["refund"]
        self.assertEqual(pushed["note"], f"{ret.name}: Size too small")
        self.assertEqual(
            pushed["refund_line_items"],
            [{"line_item_id": SHIRT_LINE_ID, "quantity": 1, "restock_type": "return"}],
        )
        self.assertEqual(credit_note.oms_channel_refund_ref, str(PUSHED_REFUND_ID))

        # ... and reports that refund back (the money was paid back in Odoo: no transaction)
        echo = load("shopify_refund_1001_return.json")
        echo["note"] = pushed["note"]
        event = self._webhook("refunds/create", echo)
        self.assertEqual(event.sale_order_id, binding.sale_order_id)
        self.assertRecordValues(
            binding.refund_ids,
            [
                {
                    "external_id": str(PUSHED_REFUND_ID),
                    "amount": 21.60,
                    "reason": f"{ret.name}: Size too small",
                    "credit_note_id": credit_note.id,
                    "state": "posted",
                    "oms_return_id": ret.id,
                }
            ],
        )
        # seen on the return by an OMS user
        self.assertEqual(ret.sudo().channel_refund_ids, binding.refund_ids)
        self.assertIn("not booked again", ret.message_ids[0].body)
        # one credit note, one refund payment, settled together
        self.assertEqual(self._credit_notes(binding), credit_note)
        payment = self._outbound_payments(binding)
        self.assertRecordValues(payment, [{"amount": 21.60, "journal_id": self.refund_journal.id}])
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(
            self._journal_items(credit_note),
            [
                ("payment_term", "asset_receivable", -21.60, True),
                ("product", "income", 18.15, False),
                (
                    "tax",
                    self.tax_de_included.invoice_repartition_line_ids.account_id.account_type
                    or "income",
                    3.45,
                    False,
                ),
            ],
        )
        self.assertEqual(
            self._journal_items(payment.move_id),
            [
                ("product", "asset_current", -21.60, False),
                ("product", "asset_receivable", 21.60, True),
            ],
        )

        # delivered again (webhook retry), or the push job run again: nothing more
        self._webhook("refunds/create", echo)
        ret._push_refund_to_channel(credit_note)
        self.assertEqual(len(binding.refund_ids), 1)
        self.assertEqual(self._credit_notes(binding), credit_note)
        self.assertEqual(len(self._outbound_payments(binding)), 1)
        self.assertEqual(len(self.server.requests), 1)

        self._assert_clean_report(refunded=21.60)

    def test_refund_reported_before_the_push_stored_its_id(self):
        """Shopify's webhook beats the push job (or the merchant refunded by hand naming the
        return): the note's return reference matches the credit note, which takes the
        channel's id; the push job then tells Shopify nothing more."""
        binding, _invoice = self._order_paid_shipped_invoiced()
        with trap_jobs() as trap:
            ret = self._refunded_return(binding)
            credit_note = ret.credit_note_ids
            trap.assert_jobs_count(1, only=ret._push_refund_to_channel)
            push_job = trap.enqueued_jobs[0]

            # the job has not run: the report says Shopify does not know the refund yet
            report = self._report()
            self.assertRecordValues(
                report.line_ids,
                [
                    {
                        "issue": "credit_note_not_told",
                        "record_ref": credit_note,
                        "channel_amount": 0.0,
                        "odoo_amount": 21.60,
                    }
                ],
            )

            echo = load("shopify_refund_1001_return.json")
            echo["note"] = f"Refund of return {ret.name} (too small)"
            self._webhook("refunds/create", echo)
            self.assertEqual(credit_note.oms_channel_refund_ref, str(PUSHED_REFUND_ID))
            self.assertEqual(binding.refund_ids.credit_note_id, credit_note)

        self.assertIn("Already pushed", push_job.perform())
        self.assertFalse(self.server.requests, "Shopify already has this refund")
        self.assertEqual(self._credit_notes(binding), credit_note)
        self.assertEqual(len(self._outbound_payments(binding)), 1)
        self._assert_clean_report(refunded=21.60)

    def test_refund_paid_back_by_shopify_is_one_payment(self):
        """Odoo does not pay refunds itself (no refund journal): Shopify pays the pushed refund
        back and reports its refund transaction, which registers the one refund payment on the
        Shopify Payments journal."""
        self.company.oms_return_refund_journal_id = False
        binding, _invoice = self._order_paid_shipped_invoiced()
        with trap_jobs() as trap:
            ret = self._refunded_return(binding)
            credit_note = ret.credit_note_ids
            self.assertEqual(credit_note.payment_state, "not_paid")
            trap.perform_enqueued_jobs()
        echo = load("shopify_refund_1001_restock.json")
        echo.update(id=PUSHED_REFUND_ID, note=f"{ret.name}: Size too small")
        self._webhook("refunds/create", echo)

        self.assertEqual(self._credit_notes(binding), credit_note)
        refund = binding.refund_ids
        self.assertRecordValues(
            refund, [{"credit_note_id": credit_note.id, "amount": 21.60, "state": "posted"}]
        )
        payment = self._outbound_payments(binding)
        self.assertRecordValues(
            payment,
            [
                {
                    "amount": 21.60,
                    "journal_id": self.shopify_journal.id,
                    "oms_channel_order_id": binding.id,
                }
            ],
        )
        self.assertEqual(refund.transaction_ids.payment_id, payment)
        self.assertEqual(credit_note.amount_residual, 0.0)
        self._assert_clean_report(refunded=21.60)

    def test_refund_paid_twice_is_matched_to_odoo_payment(self):
        """Odoo paid the refund back and Shopify reports a refund transaction for it too: the
        transaction is matched with Odoo's refund payment, not paid a second time."""
        binding, _invoice = self._order_paid_shipped_invoiced()
        with trap_jobs() as trap:
            ret = self._refunded_return(binding)
            trap.perform_enqueued_jobs()
        odoo_payment = self._outbound_payments(binding)
        echo = load("shopify_refund_1001_restock.json")
        echo.update(id=PUSHED_REFUND_ID, note=f"{ret.name}: Size too small")
        self._webhook("refunds/create", echo)
        self.assertEqual(self._outbound_payments(binding), odoo_payment)
        self.assertEqual(binding.refund_ids.transaction_ids.payment_id, odoo_payment)
        self.assertEqual(odoo_payment.oms_channel_order_id, binding)
        self._assert_clean_report(refunded=21.60)

    def test_channel_refund_with_restocked_lines_belongs_to_the_open_return(self):
        """The merchant refunds the shirt on Shopify (restocked, money paid back by Shopify)
        while its return waits for the parcel: the channel's credit note is the return's, the
        inspection moves the goods and refunds nothing more, Shopify is not told again."""
        binding, invoice = self._order_paid_shipped_invoiced()
        shirt_line = self._shirt_line(binding)
        stock_before = self.shirt.with_context(location=self.stock_location.id).qty_available
        with trap_jobs() as trap:
            ret = self._create_return(binding)
            self._webhook("refunds/create", load("shopify_refund_1001_restock.json"))

            refund = binding.refund_ids
            credit_note = refund.credit_note_id
            self.assertRecordValues(
                refund,
                [
                    {
                        "external_id": "1023484809002",
                        "amount": 21.60,
                        "state": "posted",
                        "oms_return_id": ret.id,
                    }
                ],
            )
            self.assertRecordValues(
                credit_note,
                [
                    {
                        "state": "posted",
                        "amount_total": 21.60,
                        "amount_residual": 0.0,
                        "reversed_entry_id": invoice.id,
                        "oms_return_id": ret.id,
                        "oms_channel_refund_ref": "1023484809002",
                    }
                ],
            )
            self.assertIn(ret.name, credit_note.ref)
            self.assertRecordValues(
                credit_note.invoice_line_ids,
                [
                    {
                        "product_id": self.shirt.id,
                        "quantity": 1.0,
                        "price_total": 21.60,
                        "oms_return_line_id": ret.line_ids.id,
                        "sale_line_ids": shirt_line.ids,
                    }
                ],
            )
            self.assertEqual(ret.line_ids.qty_refunded, 1.0)
            self.assertAlmostEqual(ret.amount_refunded, 21.60)
            self.assertEqual(ret.state, "waiting", "the goods are still on their way")
            self.assertEqual(shirt_line.qty_invoiced, 1.0)
            payment = refund.transaction_ids.payment_id
            self.assertRecordValues(
                payment,
                [
                    {
                        "payment_type": "outbound",
                        "amount": 21.60,
                        "journal_id": self.shopify_journal.id,
                    }
                ],
            )

            # the parcel arrives: the goods go back to stock, no second credit note
            self._receive_and_inspect(ret)
            self.assertEqual(ret.state, "done")
            self.assertEqual(ret.line_ids.qty_grade_a, 1.0)
            self.assertEqual(
                self.shirt.with_context(location=self.stock_location.id).qty_available,
                stock_before + 1,
            )
            self.assertEqual(shirt_line.qty_delivered, 1.0)
            self.assertEqual(ret.credit_note_ids, credit_note)
            trap.assert_jobs_count(0, only=ret._push_refund_to_channel)
        self.assertFalse(self.server.requests, "Shopify made this refund: nothing to push")
        self.assertEqual(self._credit_notes(binding), credit_note)
        self.assertEqual(self._outbound_payments(binding), payment)
        self._assert_clean_report(refunded=21.60)

    def test_channel_refund_message_links_the_credit_note(self):
        """The return's chatter names the credit note of a channel refund as a link the user
        clicks, not as HTML source shown as text."""
        binding, _invoice = self._order_paid_shipped_invoiced()
        ret = self._create_return(binding)
        self._webhook("refunds/create", load("shopify_refund_1001_restock.json"))
        credit_note = binding.refund_ids.credit_note_id
        message = ret.message_ids.filtered(lambda m: "Refunded on" in m.body)
        self.assertEqual(len(message), 1)
        self.assertRegex(
            message.body,
            rf'credit note <a href="#" data-oe-model="account.move" data-oe-id="{credit_note.id}">'
            r"[^<]+</a>\.",
        )
        self.assertNotIn("&lt;", message.body, "no HTML shown as text")

    def test_restocked_refund_without_open_return_is_a_plain_channel_refund(self):
        """No return in Odoo for the restocked shirt: the refund is booked as any channel
        refund (credit note and payment), linked to no return."""
        binding, _invoice = self._order_paid_shipped_invoiced()
        payload = copy.deepcopy(load("shopify_refund_1001_restock.json"))
        self._webhook("refunds/create", payload)
        refund = binding.refund_ids
        self.assertFalse(refund.oms_return_id)
        self.assertFalse(refund.credit_note_id.oms_return_id)
        self.assertEqual(refund.credit_note_id.amount_total, 21.60)
        self.assertFalse(
            self.env["oms.return"].search([("sale_order_ids", "=", binding.sale_order_id.id)])
        )
        self._assert_clean_report(refunded=21.60)
