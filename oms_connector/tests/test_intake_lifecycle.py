# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Channel orders over their life: updates, cancellations, out-of-order events, and every
fix-and-retry case, processed as the queue job does (``event._job_process``)."""

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_mapping import IntakeMappingMixin


@tagged("post_install", "-at_install")
class TestIntakeLifecycle(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()

    def _orders(self, channel):
        return self.env["sale.order"].search([("oms_channel_id", "=", channel.id)])

    def _ship(self, order):
        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")

    def _assert_failed(self, event, *fragments):
        self.assertEqual(event.state, "failed")
        for fragment in fragments:
            self.assertIn(fragment, event.error)
        self.assertFalse(event.sale_order_id)

    # ------------------------------------------------------------------ updates
    def test_update_before_shipping_changes_lines(self):
        payload = self._sample("shopify")
        event = self._process(self.shopify, payload)
        self.assertEqual(event.state, "done", event.error)
        order = event.sale_order_id
        self.assertEqual(order.state, "sale")
        # the customer adds a third T-shirt and drops the mug; new address
        payload = self._sample("shopify")
        shirt, mug = payload["line_items"]
        shirt.update(quantity=3, fulfillable_quantity=3)
        shirt["discount_allocations"][0]["amount"] = "7.20"
        shirt["tax_lines"][0]["price"] = "10.35"
        mug["current_quantity"] = 0
        payload["shipping_address"]["address1"] = "Unter den Linden 1"
        payload.update(
            updated_at="2026-03-02T12:00:00+01:00",
            total_price="70.70",
            current_total_price="70.70",
            # 64.80 and 5.90 with 19 % included: 10.35 + 0.94
            total_tax="11.29",
            current_total_tax="11.29",
        )
        update = self._process(self.shopify, payload, "order.updated")
        self.assertEqual(update.state, "done", update.error)
        self.assertEqual(update.sale_order_id, order)
        self.assertEqual(len(self._orders(self.shopify)), 1)
        shirt_line = order.order_line.filtered(
            lambda line: line.product_id.default_code == "OMS-APP-001"
        )
        self.assertEqual(shirt_line.product_uom_qty, 3)
        mug_line = order.order_line.filtered(
            lambda line: line.product_id.default_code == "OMS-HOM-013"
        )
        self.assertEqual(mug_line.product_uom_qty, 0)  # confirmed: set to 0, not deleted
        self.assertAlmostEqual(order.amount_total, 70.70)
        self.assertEqual(order.partner_shipping_id.street, "Unter den Linden 1")
        # the delivery follows
        moves = order.picking_ids.filtered(lambda p: p.state != "cancel").move_ids
        shirt_moves = moves.filtered(lambda m: m.product_id.default_code == "OMS-APP-001")
        self.assertEqual(sum(shirt_moves.mapped("product_uom_qty")), 3)
        self.assertEqual(order.picking_ids.partner_id.street, "Unter den Linden 1")
        binding = self._binding(self.shopify, "5690000001001")
        self.assertEqual(str(binding.external_updated_at), "2026-03-02 11:00:00")

    def test_update_of_draft_order_rewrites_lines(self):
        self.generic.confirmation_policy = "manual"
        payload = self._sample("generic")
        order = self._process(self.generic, payload).sale_order_id
        self.assertEqual(order.state, "draft")
        payload["lines"] = payload["lines"][:1]
        payload.update(updated_at="2026-03-04T10:00:00Z", total=168.28)
        # 129.00 - 5.00 + 6.90 = 130.90 net, 21 % tax = 27.49 (per line: 26.04 + 1.45); the
        # 5.00 off is a discount % on the jacket's line (at the cent that makes it exact)
        payload["total"] = 158.39
        update = self._process(self.generic, payload, "order.updated")
        self.assertEqual(update.state, "done", update.error)
        self.assertEqual(
            sorted(order.order_line.product_id.mapped("default_code")),
            ["OMS-APP-003", "OMS-TEST-SHIP"],
        )
        self.assertAlmostEqual(order.amount_total, 158.39)

    def test_stale_event_never_overwrites_newer_state(self):
        payload = self._sample("woocommerce")
        self._process(self.woo, payload)
        newer = self._sample("woocommerce")
        newer["line_items"][1].update(quantity=3, subtotal="267.00", total="267.00")
        newer["line_items"][1].update(subtotal_tax="23.70", total_tax="23.70")
        newer.update(date_modified_gmt="2026-03-03T16:00:00", total="345.25", total_tax="28.15")
        event = self._process(self.woo, newer, "order.updated")
        self.assertEqual(event.state, "done", event.error)
        order = self._orders(self.woo)
        self.assertAlmostEqual(order.amount_total, 345.25)
        # the older update arrives late (out of order): ignored, nothing changes
        older = self._sample("woocommerce")
        older.update(date_modified_gmt="2026-03-03T15:00:00", status="on-hold")
        late = self._process(self.woo, older, "order.updated")
        self.assertEqual(late.state, "ignored")
        self.assertIn("already reflects", late.error)
        self.assertAlmostEqual(order.amount_total, 345.25)
        binding = self._binding(self.woo, "4821")
        self.assertEqual(str(binding.external_updated_at), "2026-03-03 16:00:00")
        self.assertEqual(binding.external_status, "processing")

    def test_update_after_shipping_is_flagged(self):
        order = self._process(self.shopify, self._sample("shopify")).sale_order_id
        self._ship(order)
        payload = self._sample("shopify")
        payload["line_items"][0]["quantity"] = 5
        payload.update(updated_at="2026-03-02T12:00:00+01:00", total_price="150.00")
        event = self._process(self.shopify, payload, "order.updated")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(order.order_line.filtered("oms_external_line_id")[0].product_uom_qty, 2)
        self.assertTrue(order.oms_needs_review)
        self.assertIn(
            "Order changed on the channel after shipping", order.activity_ids.mapped("summary")
        )

    # ------------------------------------------------------------------ cancellations
    def test_cancel_before_shipping(self):
        with trap_jobs() as trap:
            order = self._process(self.shopify, self._sample("shopify")).sale_order_id
            # confirmed by the intake, reserved by the reservation job it enqueued
            self.assertEqual(order.picking_ids.state, "confirmed")
            self.assertEqual(
                [job.method_name for job in trap.enqueued_jobs], ["_job_reserve_channel_orders"]
            )
            trap.perform_enqueued_jobs()
        self.assertEqual(order.picking_ids.state, "assigned")
        payload = self._sample("shopify")
        payload.update(
            cancelled_at="2026-03-02T13:00:00+01:00",
            updated_at="2026-03-02T13:00:00+01:00",
            cancel_reason="customer",
            financial_status="refunded",
        )
        event = self._process(self.shopify, payload, "order.cancelled")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.state, "cancel")
        self.assertEqual(order.oms_channel_status, "cancelled")

    def test_cancel_after_shipping_is_flagged(self):
        order = self._process(self.woo, self._sample("woocommerce")).sale_order_id
        self._ship(order)
        payload = self._sample("woocommerce")
        payload.update(status="cancelled", date_modified_gmt="2026-03-04T10:00:00")
        event = self._process(self.woo, payload, "order.cancelled")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.oms_needs_review)
        self.assertEqual(order.oms_channel_status, "Cancelled on channel after shipping")
        self.assertIn(
            "Cancelled on the channel after shipping", order.activity_ids.mapped("summary")
        )

    def test_cancelled_order_never_seen_is_taken_in_cancelled(self):
        payload = self._sample("woocommerce")
        payload["status"] = "cancelled"
        event = self._process(self.woo, payload, "order.cancelled")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.sale_order_id.state, "cancel")

    def test_bare_cancellation_notice(self):
        order = self._process(self.woo, self._sample("woocommerce")).sale_order_id
        event = self._process(self.woo, {"id": 4821}, "order.cancelled")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(order.state, "cancel")

    # ------------------------------------------------------------------ fix and retry
    def test_fix_unknown_sku_then_retry(self):
        payload = self._sample("shopify")
        payload["line_items"][1]["sku"] = "MUG-CAFE-BLUE"
        event = self._process(self.shopify, payload)
        self._assert_failed(event, "MUG-CAFE-BLUE", self.shopify.name, "product mapping")
        self.assertFalse(self._orders(self.shopify))
        self.assertFalse(self._binding(self.shopify, "5690000001001"))
        self.env["oms.product.mapping"].create(
            {
                "channel_id": self.shopify.id,
                "external_sku": "MUG-CAFE-BLUE",
                "product_id": self.products["OMS-HOM-013"].id,
            }
        )
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.attempts, 2)
        self.assertIn(self.products["OMS-HOM-013"], event.sale_order_id.order_line.product_id)

    def test_fix_unmapped_tax_then_retry(self):
        self.woo.tax_mapping_ids.unlink()
        event = self._process(self.woo, self._sample("woocommerce"))
        self._assert_failed(event, "'NY Tax' 8.875 %", "tax mapping")
        self.assertFalse(self._orders(self.woo))
        self.env["oms.tax.mapping"].create(
            {"channel_id": self.woo.id, "name": "NY Tax", "rate": 8.875, "tax_id": self.tax_ny.id}
        )
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertAlmostEqual(event.sale_order_id.amount_total, 248.35)

    def test_fix_missing_address_then_retry(self):
        payload = self._sample("generic")
        del payload["shipping_address"]
        del payload["billing_address"]
        payload["customer"]["email"] = "new.customer@example.be"
        event = self._process(self.generic, payload)
        self._assert_failed(event, "no shipping address", "Noah Peeters")
        self.assertFalse(self._orders(self.generic))
        # nothing half-done: no contact was left behind
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "new.customer@example.be")])
        )
        self.env["res.partner"].create(
            {
                "name": "Noah Peeters",
                "email": "new.customer@example.be",
                "street": "Grote Markt 1",
                "city": "Antwerpen",
                "zip": "2000",
                "country_id": self.env.ref("base.be").id,
            }
        )
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.sale_order_id.partner_shipping_id.street, "Grote Markt 1")

    def test_fix_unknown_country_then_retry(self):
        payload = self._sample("generic")
        payload["shipping_address"]["country_code"] = "XK"
        self.env["res.country"].search([("code", "=", "XK")]).unlink()
        event = self._process(self.generic, payload)
        self._assert_failed(event, "'XK'", "Zoë Peeters")
        self.env["res.country"].create({"name": "Kosovo", "code": "XK"})
        self.env.registry.clear_cache()
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.sale_order_id.partner_shipping_id.country_id.code, "XK")

    def test_fix_total_mismatch_then_retry(self):
        payload = self._sample("shopify")
        payload.update(total_price="61.13", current_total_price="61.13")
        event = self._process(self.shopify, payload)
        self._assert_failed(event, "61.10 EUR", "61.13 EUR", "-0.03")
        self.assertFalse(self._orders(self.shopify))
        self.shopify.total_tolerance = 0.05
        event._job_process()
        self.assertEqual(event.state, "done", event.error)

    def test_fix_missing_shipping_product_then_retry(self):
        self.shopify.shipping_product_id = False
        event = self._process(self.shopify, self._sample("shopify"))
        self._assert_failed(event, "shipping product", "DHL Standard")
        self.shopify.shipping_product_id = self.shipping_product
        event._job_process()
        self.assertEqual(event.state, "done", event.error)

    # ------------------------------------------------------------------ hostile input
    def test_adversarial_payloads_leave_nothing(self):
        partners_before = self.env["res.partner"].search_count([])
        cases = {
            "quantity is a text": (
                lambda p: p["line_items"][0].update(quantity="two"),
                "$.line_items[0].quantity",
            ),
            "price is a list": (
                lambda p: p["line_items"][1].update(price=[12]),
                "$.line_items[1].price",
            ),
            "huge number": (
                lambda p: p["line_items"][0].update(price="1e300"),
                "$.line_items[0].price",
            ),
            "infinite quantity": (
                lambda p: p["line_items"][0].update(quantity=10**400),
                "$.line_items[0].quantity",
            ),
            "negative quantity": (
                lambda p: p["line_items"][0].update(quantity=-2),
                "$.line_items[0].quantity",
            ),
            "boolean price": (
                lambda p: p["line_items"][0].update(price=True),
                "$.line_items[0].price",
            ),
            "no line items": (lambda p: p.pop("line_items"), "$.line_items"),
            "no id": (lambda p: p.pop("id"), "$.id"),
            "customer is a text": (
                lambda p: p.update(customer="emma"),
                "$.customer",
            ),
            "bad currency": (lambda p: p.update(currency="€€"), "$.currency"),
            "bad date": (lambda p: p.update(created_at="yesterday"), "$.created_at"),
            "address is a list": (
                lambda p: p.update(shipping_address=["Berlin"]),
                "$.shipping_address",
            ),
            "line is a number": (
                lambda p: p["line_items"].append(42),
                "$.line_items[2]",
            ),
            "tax rate absurd": (
                lambda p: p["line_items"][0]["tax_lines"][0].update(rate=1e9),
                "$.line_items[0].tax_lines[0].rate",
            ),
        }
        for label, (mutate, path) in cases.items():
            with self.subTest(label):
                payload = self._sample("shopify")
                mutate(payload)
                event = self._process(self.shopify, payload)
                self._assert_failed(event, path)
        for label, body in {
            "not JSON": "{'id': 1,",
            "a list": "[1, 2, 3]",
            "deeply nested": "[" * 100000 + "]" * 100000,
        }.items():
            with self.subTest(label):
                event = self._process(self.shopify, body)
                self.assertEqual(event.state, "failed")
        self.assertFalse(self._orders(self.shopify))
        self.assertFalse(self._binding(self.shopify, "5690000001001"))
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)

    def test_nul_and_control_characters_are_dropped(self):
        payload = self._sample("generic")
        payload["customer"]["name"] = "Noah\x00 Peeters\x07"
        payload["lines"][0]["name"] = "Rain\x00Jacket"
        event = self._process(self.generic, payload)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.sale_order_id.order_line[0].name, "RainJacket")

    def test_failure_after_partial_work_leaves_nothing(self):
        """An unknown SKU on the second order of a new customer: neither the order nor the
        customer, its addresses or its binding are left."""
        payload = self._sample("woocommerce")
        payload["customer_id"] = 9999
        payload["billing"]["email"] = "someone.new@example.com"
        payload["line_items"][1]["sku"] = "NOPE-1"
        event = self._process(self.woo, payload)
        self._assert_failed(event, "NOPE-1")
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "someone.new@example.com")])
        )
        self.assertFalse(self.env["oms.channel.partner"].search([("channel_id", "=", self.woo.id)]))

    # ------------------------------------------------------------------ batch
    def _numbered(self, number, **values):
        payload = self._sample("shopify")
        payload.update(id=5690000002000 + number, name=f"#2{number:03d}", **values)
        return payload

    def test_batch_import(self):
        """Several order events in one job: one create and one confirmation for the good
        ones; the bad one fails alone, with its reason, leaving nothing behind."""
        good = [self._event(self.shopify, self._numbered(n)) for n in range(3)]
        unknown = self._numbered(3)
        unknown["line_items"][0]["sku"] = "NOT-A-SKU"
        bad = self._event(self.shopify, unknown)
        garbage = self._event(self.shopify, "not json")
        events = self.env["oms.channel.event"].concat(*good, bad, garbage)
        events._job_process_batch()
        self.assertEqual(good[0].state, "done", good[0].error)
        self.assertEqual(set((events - bad - garbage).mapped("state")), {"done"})
        orders = (events - bad - garbage).sale_order_id
        self.assertEqual(len(orders), 3)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertTrue(all(order.picking_ids for order in orders))
        self.assertEqual(sorted(orders.mapped("oms_external_ref")), ["#2000", "#2001", "#2002"])
        self._assert_failed(bad, "NOT-A-SKU")
        self.assertEqual(garbage.state, "failed")
        self.assertFalse(self._binding(self.shopify, "5690000002003"))

    def test_batch_undone_then_one_by_one(self):
        """A total mismatch only shows once the orders exist: the batch is undone and its
        orders are imported one by one, so that only the wrong one fails."""
        wrong = self._numbered(1, total_price="99.99", current_total_price="99.99")
        events = self.env["oms.channel.event"].concat(
            self._event(self.shopify, self._numbered(0)),
            self._event(self.shopify, wrong),
            self._event(self.shopify, self._numbered(2)),
        )
        events._job_process_batch()
        self.assertEqual(events.mapped("state"), ["done", "failed", "done"])
        self.assertIn("99.99 EUR", events[1].error)
        self.assertEqual(len(self._orders(self.shopify)), 2)
        self.assertFalse(self._binding(self.shopify, "5690000002001"))
