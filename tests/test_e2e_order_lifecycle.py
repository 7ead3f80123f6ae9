# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end, as people and outside systems live it: a Shopify order comes in by webhook, is
routed to the warehouse a 3PL runs, shipped by the 3PL, tracked on Shopify, invoiced, paid and
reconciled; a bad order is fixed by a manager and retried by a user."""

from common_e2e import API, E2EWorldMixin, load

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

ORDER_ID = "5690000001001"


@tagged("post_install", "-at_install")
class TestE2EOrderLifecycle(E2EWorldMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_e2e_world()
        # the 3PL in Madrid ships every Shopify order
        cls.rule_3pl = cls._create_rule(
            "Shopify: all to FastShip",
            "fixed",
            sequence=-1,
            warehouse_id=cls.wh_madrid.id,
            channel_ids=[Command.set(cls.shopify.ids)],
        )
        for product in (cls.shirt, cls.mug, cls.products["OMS-ELE-025"]):
            cls._set_stock(product, cls.wh_madrid, 10)

    def test_order_to_cash_through_a_3pl(self):
        # 1. Shopify sends the order: accepted, processed by the queue
        event = self._post_shopify("orders/create", self._shopify_order())
        self.assertEqual(event.state, "pending")
        ran = self._run_jobs()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(
            ran[:3], ["_job_process", "_oms_job_route_pending_orders", "_oms_3pl_job_send"]
        )

        # 2. the order as a salesperson sees it: customer, lines, taxes
        order = self._binding(self.shopify, ORDER_ID).sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id.name, "Emma Schneider")
        self.assertEqual(order.partner_shipping_id.city, "Berlin")
        self.assertEqual(order.partner_shipping_id.country_id.code, "DE")
        self.assertEqual(order.currency_id.name, "EUR")
        self.assertAlmostEqual(order.amount_total, 61.10)
        goods = order.order_line.filtered(lambda line: line.product_id.type == "consu")
        self.assertEqual(
            sorted((line.product_id.default_code, line.product_uom_qty) for line in goods),
            [("OMS-APP-001", 2.0), ("OMS-HOM-013", 1.0)],
        )
        self.assertEqual(goods.tax_id, self.tax_de_included)

        # 3. routed to the 3PL warehouse, the request reached the 3PL once
        self.assertEqual(order.oms_routing_state, "routed")
        self.assertEqual(order.oms_routing_rule_id, self.rule_3pl)
        self.assertEqual(order.warehouse_id, self.wh_madrid)
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.picking_type_id.warehouse_id, self.wh_madrid)
        self.assertEqual(picking.oms_3pl_state, "sent")
        [request] = self.threepl.calls("POST", "/shipments")
        self.assertEqual(request.headers["Idempotency-Key"], picking.oms_3pl_request_key)
        sent = request.json
        self.assertEqual(sent["ship_to"]["country_code"], "DE")
        self.assertEqual(
            sorted((line["sku"], line["quantity"]) for line in sent["lines"]),
            [("OMS-APP-001", 2.0), ("OMS-HOM-013", 1.0)],
        )
        self.assertEqual(
            picking.oms_3pl_reference,
            self.threepl.shipments[picking.oms_3pl_request_key]["shipment_id"],
        )

        # 4. the 3PL confirms the shipment, twice (a webhook retry)
        response = self._post_3pl_confirmation(picking, "SHIP-E2E-1")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "done")
        again = self._post_3pl_confirmation(picking, "SHIP-E2E-1")
        self.assertEqual(again.json()["status"], "duplicate")
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_id, self.ups)
        self.assertEqual(picking.carrier_tracking_ref, "1Z999AA10123456784")
        self.assertEqual(
            sorted(order.order_line.filtered("qty_delivered").mapped("qty_delivered")), [1.0, 2.0]
        )

        # 5. Shopify is told the tracking exactly once
        self.assertEqual(self._run_jobs(), ["_oms_job_push_tracking"])
        picking.with_user(self.stock_user).action_oms_push_tracking()  # nothing to push again
        self.assertEqual(self._run_jobs(), [])
        [fulfillment] = self.shop.calls("POST", f"{API}/fulfillments.json")
        sent = fulfillment.json["fulfillment"]
        self.assertEqual(sent["tracking_info"]["number"], "1Z999AA10123456784")
        self.assertEqual(sent["tracking_info"]["company"], "UPS")
        self.assertEqual(
            sent["line_items_by_fulfillment_order"][0]["fulfillment_order_line_items"],
            [{"id": 14300000000102, "quantity": 2}, {"id": 14300000000103, "quantity": 1}],
        )
        self.assertEqual(fulfillment.headers["X-Shopify-Access-Token"], "shpat_e2e_token")
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, "1069019876")

        # 6. shipped: invoiced (the channel invoices shipments), not paid yet
        invoice = order.invoice_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "amount_total": 61.10,
                    "payment_state": "not_paid",
                }
            ],
        )

        # 7. Shopify reports the payment: registered on the gateway's journal, reconciled
        transaction_event = self._post_shopify(
            "order_transactions/create", load("shopify_transaction_1001_sale.json")
        )
        self._run_jobs()
        self.assertEqual(transaction_event.state, "done", transaction_event.error)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(receivable.mapped("reconciled"), [True])
        payment_lines = receivable.matched_credit_ids.credit_move_id
        self.assertEqual(payment_lines.journal_id, self.shopify_journal)
        self.assertAlmostEqual(sum(payment_lines.mapped("amount_currency")), -61.10)
        self.assertEqual(payment_lines.currency_id.name, "EUR")

        # 8. the accountant's reconciliation report of that day: no difference
        report = self._reconciliation_report(self._order_day(order))
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
                    "difference_count": 0,
                }
            ],
        )

    def test_unknown_sku_fixed_by_a_manager_and_retried_by_a_user(self):
        external_id = "5690000009001"
        payload = self._shopify_order(external_id)
        payload["line_items"][1]["sku"] = "OMS-NEW-777"

        # 1. the order cannot be taken in: the event says which SKU
        event = self._post_shopify("orders/create", payload)
        self._run_jobs()
        self.assertEqual(event.state, "failed")
        self.assertIn("OMS-NEW-777", event.error)
        self.assertFalse(self._binding(self.shopify, external_id))
        failed = (
            self.env["oms.channel.event"]
            .with_user(self.oms_user)
            .search([("state", "=", "failed"), ("channel_id", "=", self.shopify.id)])
        )
        self.assertIn(event, failed, "listed for the OMS user")

        # 2. the manager maps the channel's SKU to the charger
        self.env["oms.product.mapping"].with_user(self.oms_manager).create(
            {
                "channel_id": self.shopify.id,
                "external_sku": "OMS-NEW-777",
                "product_id": self.products["OMS-ELE-025"].id,
            }
        )

        # 3. the user clicks Retry: the event is queued again, then processed
        with trap_jobs() as trap:
            event.with_user(self.oms_user).action_retry()
            trap.assert_jobs_count(1)
            for _round in range(4):
                if not trap.enqueued_jobs:
                    break
                trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "done", event.error)
        binding = self._binding(self.shopify, external_id)
        self.assertEqual(len(binding), 1)
        order = binding.sale_order_id
        self.assertEqual(
            self.env["sale.order"].search_count([("oms_channel_id", "=", self.shopify.id)]), 1
        )
        self.assertIn("OMS-ELE-025", order.order_line.product_id.mapped("default_code"))
        self.assertEqual(order.oms_routing_state, "routed")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.warehouse_id, self.wh_madrid)
        self.assertEqual(event.sale_order_id, order)
