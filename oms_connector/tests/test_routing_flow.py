# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end through the real intake path: a channel event becomes an order, routing picks
the warehouse and confirms it, the delivery ships and the channel is told."""

import json

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_intake import IntakeChannelMixin, load_payload
from .fake_servers import FakeServer
from .routing_common import RoutingFactoryMixin


@tagged("post_install", "-at_install")
class TestRoutingFlow(IntakeChannelMixin, RoutingFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.shop = FakeServer().start()
        cls.addClassCleanup(cls.shop.stop)
        cls.shop.routes[("POST", "/fulfillments")] = (201, {"id": "FUL-1"})
        cls.web = cls._setup_order_mapping(
            cls._create_channel(
                "generic",
                "t-route-flow",
                routing_enabled=True,
                api_url=cls.shop.url,
                api_secret="callback-secret",
            )
        )
        cls.rule = cls._create_rule(
            "Web shop: nearest with everything",
            "nearest",
            sequence=-1,
            channel_ids=[Command.set(cls.web.ids)],
            fallback="hold",
        )
        products = cls.env["product.product"].search(
            [("default_code", "in", ("OMS-APP-003", "OMS-HOM-014"))]
        )
        products.write({"is_storable": True})
        for product in products:
            cls._set_stock(product, cls.wh_hamburg, 10)

    def _event(self, payload):
        Event = self.env["oms.channel.event"]
        adapter = self.web._get_adapter()
        return Event._store_delivery(
            Event._prepare_event_vals(
                self.web,
                "order.created",
                "dlv-route-1",
                json.dumps(payload),
                external_order_id=adapter.get_external_order_id("order.created", payload),
            )
        )

    def test_order_in_routed_shipped_and_channel_told(self):
        payload = load_payload("generic_order.json")
        event = self._event(payload)
        with trap_jobs() as trap:
            event._job_process()
            order = event.sale_order_id
            self.assertEqual(order.state, "draft", "not confirmed before routing")
            self.assertEqual(order.oms_routing_state, "pending")
            trap.assert_jobs_count(1, only=self.env["sale.order"]._oms_job_route_pending_orders)
            trap.perform_enqueued_jobs()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.oms_routing_state, "routed")
        self.assertEqual(order.oms_routing_rule_id, self.rule)
        self.assertEqual(order.warehouse_id, self.wh_hamburg)
        self.assertIn("Hamburg DC is the nearest warehouse", order.oms_routing_reason)
        picking = order.picking_ids
        self.assertEqual(picking.picking_type_id.warehouse_id, self.wh_hamburg)
        self.assertEqual(picking.oms_channel_id, self.web)
        self.assertEqual(picking.state, "assigned")

        picking.carrier_tracking_ref = "CD123456789BE"
        picking.oms_carrier_name = "bpost"
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            trap.assert_enqueued_job(picking._oms_job_push_tracking)
            trap.perform_enqueued_jobs()
        [call] = self.shop.calls("POST", "/fulfillments")
        shipment = call.json["shipment"]
        self.assertEqual(call.json["order_id"], "WS-2026-000123")
        self.assertEqual(shipment["tracking_number"], "CD123456789BE")
        self.assertEqual(shipment["carrier"], "bpost")
        self.assertEqual(
            sorted((line["line_id"], line["quantity"]) for line in shipment["lines"]),
            [("WS-123-1", 1.0), ("WS-123-2", 2.0)],
        )
        self.assertTrue(shipment["order_complete"])
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, "FUL-1")
