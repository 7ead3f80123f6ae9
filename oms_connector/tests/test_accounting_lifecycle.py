# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Books over an order's life (issue 12): cancellations before shipping, refunds of every
platform, invoicing whatever comes first, events before their order, presentment currency;
and the total checked on every update (issue 17). Asserted on the journal items; the same
events delivered twice or in another order give the same books, the reconciliation report a
clean period."""

import copy
import json
import uuid

from odoo import fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_mapping import IntakeMappingMixin


@tagged("post_install", "-at_install")
class TestAccountingLifecycle(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        cls.journal = cls.env["account.journal"].create(
            {"name": "Gateway", "code": "GWLC", "type": "bank", "company_id": cls.company.id}
        )
        for channel in (cls.shopify, cls.woo, cls.generic):
            channel.write(
                {
                    "invoice_policy": "paid",
                    "refund_policy": "post",
                    "payment_journal_id": cls.journal.id,
                }
            )
        cls.shirt = cls.products["OMS-APP-001"]

    # ------------------------------------------------------------------ payloads
    def _shopify_order(self, external_id, quantity=1, price="20.00", **values):
        payload = self._sample("shopify")
        line = payload["line_items"][0]
        line.update(
            id=int(f"{external_id}01"),
            quantity=quantity,
            current_quantity=quantity,
            price=price,
            tax_lines=[],
            discount_allocations=[],
        )
        total = f"{float(price) * quantity:.2f}"
        payload.update(
            id=int(external_id),
            name=f"#{external_id}",
            line_items=[line],
            shipping_lines=[],
            tax_lines=[],
            discount_applications=[],
            refunds=[],
            total_price=total,
            current_total_price=total,
            # untaxed: the channel's tax total says so too (Odoo's tax is checked against it)
            total_tax="0.00",
            current_total_tax="0.00",
            financial_status="paid",
        )
        payload.update(values)
        return payload

    def _shopify_refund(self, external_id, refund_id, amount, lines=(), currency="EUR"):
        return {
            "id": refund_id,
            "order_id": int(external_id),
            "note": "cancelled",
            "refund_line_items": [
                {
                    "line_item_id": int(f"{external_id}01"),
                    "quantity": quantity,
                    "subtotal": subtotal,
                    "total_tax": "0.00",
                    "restock_type": "cancel",
                }
                for quantity, subtotal in lines
            ],
            "transactions": [
                {
                    "id": refund_id + 1,
                    "kind": "refund",
                    "status": "success",
                    "amount": amount,
                    "currency": currency,
                    "gateway": "manual",
                }
            ],
        }

    def _shopify_sale(self, external_id, amount="20.00", currency="EUR", **values):
        payload = {
            "id": int(f"{external_id}99"),
            "order_id": int(external_id),
            "kind": "sale",
            "status": "success",
            "amount": amount,
            "currency": currency,
            "gateway": "manual",
        }
        payload.update(values)
        return payload

    def _child(self, channel, topic, payload):
        return self.env["oms.channel.event"].create(
            {
                "channel_id": channel.id,
                "topic": topic,
                "delivery_id": uuid.uuid4().hex,
                "external_order_id": str(payload["order_id"]),
                "payload": json.dumps(payload),
            }
        )

    def _run(self, channel, payload, topic="order.created"):
        event = self._process(channel, copy.deepcopy(payload), topic)
        self.assertEqual(event.state, "done", event.error)
        return event

    def _run_child(self, channel, topic, payload):
        event = self._child(channel, topic, payload)
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        return event

    # ------------------------------------------------------------------ readers
    def _moves(self, binding, move_type):
        return (binding.invoice_ids | binding.sale_order_id.invoice_ids).filtered(
            lambda m: m.move_type == move_type and m.state != "cancel"
        )

    def _payments(self, binding):
        return self.env["account.payment"].search(
            [("oms_channel_order_id", "=", binding.id), ("state", "!=", "canceled")]
        )

    def _items(self, moves):
        """(account type, amount in the order's currency) of the journal items of ``moves``,
        debit positive, sorted."""
        return sorted(
            (line.account_id.account_type, line.amount_currency) for line in moves.line_ids
        )

    def assertBooks(self, binding, invoiced, credited, paid, refunded):
        """The order's invoices, credit notes, payments and refund payments, to the cent,
        every receivable item reconciled."""
        invoices = self._moves(binding, "out_invoice")
        credit_notes = self._moves(binding, "out_refund")
        payments = self._payments(binding)
        inbound = payments.filtered(lambda p: p.payment_type == "inbound")
        outbound = payments - inbound
        self.assertEqual(invoices.mapped("amount_total"), invoiced)
        self.assertEqual(sorted(credit_notes.mapped("amount_total")), sorted(credited))
        self.assertEqual(inbound.mapped("amount"), paid)
        self.assertEqual(sorted(outbound.mapped("amount")), sorted(refunded))
        self.assertEqual(set((invoices | credit_notes).mapped("state")), {"posted"})
        for invoice in invoices:
            self.assertEqual(
                self._items(invoice),
                [
                    ("asset_receivable", invoice.amount_total),
                    ("income", -invoice.amount_total),
                ],
            )
        for credit_note in credit_notes:
            self.assertEqual(
                self._items(credit_note),
                [
                    ("asset_receivable", -credit_note.amount_total),
                    ("income", credit_note.amount_total),
                ],
            )
        receivable = (invoices | credit_notes | payments.move_id).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(all(receivable.mapped("reconciled")), receivable.mapped("amount_residual"))
        self.assertAlmostEqual(sum(receivable.mapped("amount_currency")), 0.0)
        for payment in payments:
            sign = 1 if payment.payment_type == "inbound" else -1
            self.assertEqual(
                self._items(payment.move_id),
                sorted(
                    [("asset_current", sign * payment.amount)]
                    + [("asset_receivable", -sign * payment.amount)]
                ),
            )

    def assertReportClean(self, binding):
        report = self.env["oms.channel.reconciliation"].create(
            {
                "company_id": self.company.id,
                "channel_ids": [(6, 0, binding.channel_id.ids)],
                "date_from": fields.Date.to_date("2000-01-01"),
                "date_to": fields.Date.to_date("2100-01-01"),
            }
        )
        report.action_compute()
        lines = report.line_ids.filtered(lambda line: line.binding_id == binding)
        self.assertFalse(lines, lines.mapped("message"))
        return report

    # ------------------------------------------------------------------ kind 1
    def _paid_shopify_order(self, external_id, quantity=1, price="20.00"):
        order_payload = self._shopify_order(external_id, quantity, price)
        self._run(self.shopify, order_payload)
        self._run_child(
            self.shopify,
            "transaction.created",
            self._shopify_sale(external_id, f"{float(price) * quantity:.2f}"),
        )
        binding = self._binding(self.shopify, external_id)
        self.assertEqual(binding.sale_order_id.state, "sale")
        binding._job_reserve_channel_orders()  # the reservation job of the intake
        self.assertBooks(binding, [float(price) * quantity], [], [float(price) * quantity], [])
        return order_payload, binding

    def _cancelled(self, order_payload, refund):
        payload = copy.deepcopy(order_payload)
        payload["line_items"][0]["current_quantity"] = 0
        payload.update(
            cancelled_at="2026-03-02T13:00:00+01:00",
            updated_at="2026-03-02T13:00:00+01:00",
            financial_status="refunded",
            current_total_price="0.00",
            refunds=[refund] if refund else [],
        )
        return payload

    def test_paid_order_cancelled_before_shipping(self):
        """#7101: one credit note reverses the invoice, the refund is paid once, the delivery
        and the order are cancelled; delivered twice, the books stay the same."""
        order_payload, binding = self._paid_shopify_order("7101")
        order = binding.sale_order_id
        self.assertEqual(order.picking_ids.state, "assigned")
        refund = self._shopify_refund("7101", 8101, "20.00", [(1, "20.00")])
        cancel = self._cancelled(order_payload, refund)
        self._run(self.shopify, cancel, "order.cancelled")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.state, "cancel")
        self.assertNotIn("after shipping", order.oms_channel_status or "")
        self.assertBooks(binding, [20.0], [20.0], [20.0], [20.0])
        self._run(self.shopify, cancel, "order.cancelled")
        self._run_child(self.shopify, "refund.created", refund)
        self.assertBooks(binding, [20.0], [20.0], [20.0], [20.0])
        self.assertFalse(order.activity_ids)
        self.assertReportClean(binding)

    def test_cancel_then_refund_gives_the_same_books(self):
        """The cancellation without its refund reverses the invoice; the refund then arriving
        is recorded against that credit note: one credit note, one refund payment."""
        order_payload, binding = self._paid_shopify_order("7102")
        self._run(self.shopify, self._cancelled(order_payload, None), "order.cancelled")
        self.assertEqual(binding.sale_order_id.state, "cancel")
        credit_note = self._moves(binding, "out_refund")
        self.assertEqual(credit_note.amount_total, 20.0)
        self.assertEqual(credit_note.reversed_entry_id, self._moves(binding, "out_invoice"))
        refund = self._shopify_refund("7102", 8102, "20.00", [(1, "20.00")])
        self._run_child(self.shopify, "refund.created", refund)
        self._run_child(self.shopify, "refund.created", refund)
        self.assertBooks(binding, [20.0], [20.0], [20.0], [20.0])
        self.assertEqual(binding.refund_ids.credit_note_id, credit_note)
        self.assertReportClean(binding)

    def test_refund_then_cancel_gives_the_same_books(self):
        order_payload, binding = self._paid_shopify_order("7103")
        refund = self._shopify_refund("7103", 8103, "20.00", [(1, "20.00")])
        self._run_child(self.shopify, "refund.created", refund)
        self._run(self.shopify, self._cancelled(order_payload, refund), "order.cancelled")
        self.assertEqual(binding.sale_order_id.state, "cancel")
        self.assertBooks(binding, [20.0], [20.0], [20.0], [20.0])
        self.assertReportClean(binding)

    def test_partial_cancel_shrinks_the_delivery(self):
        order_payload, binding = self._paid_shopify_order("7104", quantity=2, price="10.00")
        order = binding.sale_order_id
        refund = self._shopify_refund("7104", 8104, "10.00", [(1, "10.00")])
        update = copy.deepcopy(order_payload)
        update["line_items"][0]["current_quantity"] = 1
        update.update(
            updated_at="2026-03-02T13:00:00+01:00",
            current_total_price="10.00",
            financial_status="partially_refunded",
            refunds=[refund],
        )
        self._run(self.shopify, update, "order.updated")
        self._run(self.shopify, update, "order.updated")
        self.assertEqual(order.state, "sale")
        moves = order.picking_ids.filtered(lambda p: p.state != "cancel").move_ids
        self.assertEqual(sum(moves.mapped("product_uom_qty")), 1.0)
        self.assertBooks(binding, [20.0], [10.0], [20.0], [10.0])

    def test_cancel_of_a_picked_delivery_is_held_for_a_person(self):
        order_payload, binding = self._paid_shopify_order("7105")
        order = binding.sale_order_id
        order.picking_ids.move_ids.picked = True
        refund = self._shopify_refund("7105", 8105, "20.00", [(1, "20.00")])
        self._run(self.shopify, self._cancelled(order_payload, refund), "order.cancelled")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.state, "assigned")
        self.assertTrue(order.oms_needs_review)
        self.assertEqual(
            order.activity_ids.mapped("summary"),
            ["Cancelled on the channel while being prepared"],
        )
        self.assertBooks(binding, [20.0], [20.0], [20.0], [20.0])

    # ------------------------------------------------------------------ kind 2
    def test_same_change_after_shipping_one_activity(self):
        order_payload, binding = self._paid_shopify_order("7201")
        order = binding.sale_order_id
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        picking._action_done()
        for minute in ("12:00", "12:05", "12:10"):
            update = copy.deepcopy(order_payload)
            update["line_items"][0]["quantity"] = 3
            update["line_items"][0]["current_quantity"] = 3
            update.update(updated_at=f"2026-03-02T{minute}:00+01:00", current_total_price="60.00")
            self._run(self.shopify, update, "order.updated")
        self.assertEqual(
            order.activity_ids.mapped("summary"), ["Order changed on the channel after shipping"]
        )

    # ------------------------------------------------------------------ kind 3
    def _woo_order(self, **values):
        payload = self._sample("woocommerce")
        line = payload["line_items"][0]
        line.update(
            subtotal="50.00", total="50.00", subtotal_tax="0.00", total_tax="0.00", taxes=[]
        )
        payload.update(
            id=5301,
            number="5301",
            line_items=[line],
            shipping_lines=[],
            fee_lines=[],
            coupon_lines=[],
            tax_lines=[],
            meta_data=[],
            refunds=[],
            discount_total="0.00",
            shipping_total="0.00",
            shipping_tax="0.00",
            cart_tax="0.00",
            total_tax="0.00",
            total="50.00",
            status="processing",
        )
        payload.update(values)
        return payload

    def test_woocommerce_refunds_reach_the_books(self):
        self.woo.invoice_policy = "shipped"
        order_payload = self._woo_order()
        self._run(self.woo, order_payload)
        binding = self._binding(self.woo, "5301")
        picking = binding.sale_order_id.picking_ids
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        picking._action_done()
        self.assertBooks(binding, [50.0], [], [50.0], [])
        scratched = {"id": 901, "reason": "scratched", "total": "-5.00"}
        first = self._woo_order(date_modified_gmt="2026-03-05T10:00:00", refunds=[scratched])
        self._run(self.woo, first, "order.updated")
        self.assertBooks(binding, [50.0], [5.0], [50.0], [5.0])
        rest = {"id": 902, "reason": "", "total": "-45.00"}
        refunded = self._woo_order(
            date_modified_gmt="2026-03-06T10:00:00", status="refunded", refunds=[rest, scratched]
        )
        self._run(self.woo, refunded, "order.updated")
        refunded["date_modified_gmt"] = "2026-03-06T11:00:00"
        self._run(self.woo, refunded, "order.updated")
        self.assertBooks(binding, [50.0], [5.0, 45.0], [50.0], [5.0, 45.0])
        self.assertEqual(sorted(binding.refund_ids.mapped("external_id")), ["901", "902"])
        report = self.assertReportClean(binding)
        summary = report.summary_ids.filtered(lambda s: s.channel_id == self.woo)
        self.assertEqual(summary.channel_refunded, 50.0)
        self.assertEqual(summary.credit_note_total, 50.0)

    # ------------------------------------------------------------------ kind 4
    def _generic_order(self, **values):
        payload = self._sample("generic")
        payload.update(
            id="WS-4001",
            number="WS-4001",
            lines=[
                {
                    "id": "WS-4001-1",
                    "sku": "OMS-APP-001",
                    "name": "Organic Cotton T-Shirt",
                    "quantity": 2,
                    "unit_price": "25.00",
                    "discount": "0.00",
                }
            ],
            discounts=[],
            total=50.0,
            payments=[
                {
                    "transaction_id": "pi_4001",
                    "gateway": "manual",
                    "amount": "50.00",
                    "currency": "EUR",
                }
            ],
        )
        payload.pop("shipping", None)
        payload.update(values)
        return payload

    def test_paid_order_routed_first_is_invoiced_at_confirmation(self):
        self.generic.write({"routing_enabled": True, "confirmation_policy": "paid"})
        self.env["oms.routing.rule"].search([]).action_archive()
        self.env["oms.routing.rule"].create(
            {
                "name": "Main",
                "strategy": "fixed",
                "warehouse_id": self.env.ref("stock.warehouse0").id,
                "channel_ids": [(6, 0, self.generic.ids)],
            }
        )
        self._run(self.generic, self._generic_order())
        binding = self._binding(self.generic, "WS-4001")
        order = binding.sale_order_id
        self.assertEqual(order.state, "draft", "waits for routing")
        self.assertFalse(self._moves(binding, "out_invoice"))
        self.env["oms.routing.engine"].route_orders(order)
        self.assertEqual(order.state, "sale")
        self.assertBooks(binding, [50.0], [], [50.0], [])
        self.assertReportClean(binding)

    def test_sweep_invoices_a_due_order_without_invoice(self):
        self.generic.confirmation_policy = "manual"
        self._run(self.generic, self._generic_order())
        binding = self._binding(self.generic, "WS-4001")
        binding.sale_order_id.action_confirm()  # by hand, not through the channel's policy
        self.assertFalse(self._moves(binding, "out_invoice"))
        self.env["oms.channel.order"]._cron_invoice_due_orders()
        self.assertBooks(binding, [50.0], [], [50.0], [])
        self.env["oms.channel.order"]._cron_invoice_due_orders()
        self.assertBooks(binding, [50.0], [], [50.0], [])

    # ------------------------------------------------------------------ kind 5
    def test_events_before_their_order_wait_and_apply(self):
        order_payload = self._shopify_order("7501")
        sale = self._child(self.shopify, "transaction.created", self._shopify_sale("7501"))
        refund = self._shopify_refund("7501", 8501, "5.00")
        refund["refund_line_items"] = []
        early_refund = self._child(self.shopify, "refund.created", refund)
        for event in sale | early_refund:
            event._job_process()
            self.assertEqual(event.state, "waiting", event.error)
        with trap_jobs() as trap:
            self._run(self.shopify, order_payload)
            trap.assert_enqueued_job(sale._job_process)
            trap.assert_enqueued_job(early_refund._job_process)
            trap.perform_enqueued_jobs()
        binding = self._binding(self.shopify, "7501")
        self.assertEqual(sale.state, "done", sale.error)
        self.assertEqual(early_refund.state, "done", early_refund.error)
        self.assertBooks(binding, [20.0], [5.0], [20.0], [5.0])
        self.assertReportClean(binding)

    # ------------------------------------------------------------------ kind 6
    def test_presentment_currency_booked_in_the_order_currency(self):
        """Shop in EUR, customer pays USD (20.00 EUR = 21.60 USD): the USD transaction is
        booked from its shop money, the USD refund without shop money at the order's rate."""
        order_payload = self._shopify_order(
            "7601",
            presentment_currency="USD",
            current_total_price_set={
                "shop_money": {"amount": "20.00", "currency_code": "EUR"},
                "presentment_money": {"amount": "21.60", "currency_code": "USD"},
            },
        )
        self._run(self.shopify, order_payload)
        sale = self._shopify_sale(
            "7601",
            "21.60",
            "USD",
            amount_set={
                "shop_money": {"amount": "20.00", "currency_code": "EUR"},
                "presentment_money": {"amount": "21.60", "currency_code": "USD"},
            },
        )
        self._run_child(self.shopify, "transaction.created", sale)
        self._run_child(self.shopify, "transaction.created", sale)
        refund = self._shopify_refund("7601", 8601, "10.80", currency="USD")
        self._run_child(self.shopify, "refund.created", refund)
        self._run_child(self.shopify, "refund.created", refund)
        binding = self._binding(self.shopify, "7601")
        self.assertEqual(binding.presentment_currency, "USD")
        self.assertEqual(self._payments(binding).currency_id, self.eur)
        self.assertBooks(binding, [20.0], [10.0], [20.0], [10.0])
        self.assertReportClean(binding)

    # ------------------------------------------------------------------ issue 17 kind 3
    def test_update_with_another_total_fails(self):
        order_payload = self._shopify_order("7701")
        self._run(self.shopify, order_payload)
        update = copy.deepcopy(order_payload)
        update.update(updated_at="2026-03-02T12:00:00+01:00", current_total_price="25.00")
        event = self._process(self.shopify, update, "order.updated")
        self.assertEqual(event.state, "failed")
        self.assertIn("25.00", event.error)
        self.assertIn("20.00", event.error)
        binding = self._binding(self.shopify, "7701")
        self.assertEqual(binding.external_total, 20.0, "the update was not applied")
