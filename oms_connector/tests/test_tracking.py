# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tracking told to the channel once a delivery is done, against local shop servers."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, new_test_user, tagged

from .fake_servers import FakeServer
from .routing_common import RoutingFactoryMixin

DATA = Path(__file__).parent / "data"


def sample(name):
    return json.loads((DATA / name).read_text())


@tagged("post_install", "-at_install", "oms_clock")
class TestTracking(RoutingFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.shop = FakeServer().start()
        cls.addClassCleanup(cls.shop.stop)
        cls.lamp = cls._create_product("Lamp")
        cls._set_stock(cls.lamp, cls.wh_lyon, 50)
        cls._create_rule("Lyon", "fixed", warehouse_id=cls.wh_lyon.id)
        cls.channel.write(
            {"api_url": cls.shop.url, "api_key": "key", "api_secret": "callback-secret"}
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="tracking_stock_user",
            groups="stock.group_stock_user,sales_team.group_sale_salesman",
        )

    def setUp(self):
        super().setUp()
        self.shop.requests.clear()
        self.shop.routes.clear()

    def _ship(self, channel, tracking="1Z999AA10123456784"):
        order = self._create_channel_order([(self.lamp, 2)], channel=channel)
        self._route(order)
        picking = order.picking_ids
        picking.carrier_tracking_ref = tracking
        picking.oms_carrier_name = "UPS"
        picking.move_ids.quantity = 2
        with trap_jobs() as trap:
            picking.with_user(self.stock_user).button_validate()
            self.assertEqual(picking.state, "done")
            trap.assert_jobs_count(1, only=picking._oms_job_push_tracking)
            trap.assert_enqueued_job(picking._oms_job_push_tracking)
        self.assertEqual(picking.oms_tracking_state, "to_push")
        return order, picking

    def test_generic_channel_is_told_exactly_once(self):
        self.shop.routes[("POST", "/fulfillments")] = (201, {"id": "F-77"})
        order, picking = self._ship(self.channel)
        picking._oms_job_push_tracking()
        [call] = self.shop.calls("POST", "/fulfillments")
        signed = call.headers["X-OMS-Timestamp"].encode() + b"." + call.body
        secret = self.channel.webhook_secret.encode()
        expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
        self.assertEqual(call.headers["X-OMS-Signature"], expected)
        self.assertEqual(call.headers["X-OMS-Topic"], "fulfillment.created")
        self.assertEqual(call.headers["Authorization"], "Bearer key")
        self.assertEqual(call.json["order_id"], order.oms_binding_ids.external_id)
        self.assertEqual(call.json["shipment"]["carrier"], "UPS")
        self.assertEqual(call.json["shipment"]["tracking_number"], "1Z999AA10123456784")
        self.assertTrue(call.json["shipment"]["order_complete"])
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, "F-77")
        self.assertTrue(picking.oms_tracking_pushed_at)
        # run again (a duplicate job, a retry): the channel is not told twice
        result = picking._oms_job_push_tracking()
        self.assertIn("already knows", result)
        with trap_jobs() as trap:
            picking._oms_tracking_enqueue()
            trap.assert_jobs_count(0)
        self.assertEqual(len(self.shop.calls("POST", "/fulfillments")), 1)

    def test_shopify_fulfils_the_open_fulfillment_orders_with_tracking(self):
        shopify = self.env["oms.channel"].create(
            {
                "name": "Shopify Test",
                "code": "shopify-tracking-test",
                "platform": "shopify",
                "routing_enabled": True,
                "api_url": self.shop.url,
                "api_key": "shpat_test_token",
                "api_version": "2025-01",
            }
        )
        self.shop.routes[("GET", "/admin/api/2025-01/orders/")] = (
            200,
            sample("shopify_fulfillment_orders.json"),
        )
        self.shop.routes[("POST", "/admin/api/2025-01/fulfillments.json")] = (
            201,
            sample("shopify_fulfillment_created.json"),
        )
        order, picking = self._ship(shopify)
        picking._oms_job_push_tracking()
        [listing] = self.shop.calls("GET", "/admin/api/2025-01/orders/")
        self.assertEqual(
            listing.path,
            f"/admin/api/2025-01/orders/{order.oms_binding_ids.external_id}/fulfillment_orders.json",
        )
        [post] = self.shop.calls("POST", "/admin/api/2025-01/fulfillments.json")
        self.assertEqual(post.headers["X-Shopify-Access-Token"], "shpat_test_token")
        fulfillment = post.json["fulfillment"]
        self.assertEqual(
            fulfillment["line_items_by_fulfillment_order"], [{"fulfillment_order_id": 1046000818}]
        )
        self.assertEqual(
            fulfillment["tracking_info"],
            {"company": "UPS", "number": "1Z999AA10123456784", "url": ""},
        )
        self.assertEqual(picking.oms_channel_fulfillment_id, "1069019876")
        self.assertEqual(picking.oms_tracking_state, "pushed")

    def test_woocommerce_gets_a_note_and_the_completed_status(self):
        woo = self.env["oms.channel"].create(
            {
                "name": "Woo Test",
                "code": "woo-tracking-test",
                "platform": "woocommerce",
                "routing_enabled": True,
                "api_url": self.shop.url,
                "api_key": "ck_test",
                "api_secret": "cs_test",
            }
        )
        self.shop.routes[("POST", "/wp-json/wc/v3/orders/")] = (
            201,
            sample("woocommerce_order_note.json"),
        )
        self.shop.routes[("PUT", "/wp-json/wc/v3/orders/")] = (
            200,
            {"id": 1, "status": "completed"},
        )
        order, picking = self._ship(woo)
        picking._oms_job_push_tracking()
        external_id = order.oms_binding_ids.external_id
        [note] = self.shop.calls("POST", f"/wp-json/wc/v3/orders/{external_id}/notes")
        self.assertIn("with UPS - tracking number 1Z999AA10123456784", note.json["note"])
        self.assertTrue(note.json["customer_note"])
        self.assertEqual(
            note.headers["Authorization"], "Basic " + base64.b64encode(b"ck_test:cs_test").decode()
        )
        [status] = self.shop.calls("PUT", f"/wp-json/wc/v3/orders/{external_id}")
        self.assertEqual(status.json, {"status": "completed"})
        self.assertEqual(picking.oms_channel_fulfillment_id, "281")

    def test_channel_down_is_retried_and_a_refusal_is_shown(self):
        self.shop.routes[("POST", "/fulfillments")] = (503, {"error": "maintenance"})
        _order, picking = self._ship(self.channel)
        with self.assertRaises(RetryableJobError):
            picking._oms_job_push_tracking()
        self.assertFalse(picking.oms_tracking_pushed_at)
        self.shop.routes[("POST", "/fulfillments")] = (404, {"error": "unknown order"})
        picking._oms_job_push_tracking()
        self.assertEqual(picking.oms_tracking_state, "error")
        self.assertIn("HTTP 404", picking.oms_tracking_error)
        self.shop.routes[("POST", "/fulfillments")] = (200, {"id": "F-78"})
        with trap_jobs() as trap:
            picking.with_user(self.stock_user).action_oms_push_tracking()
            trap.perform_enqueued_jobs()
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, "F-78")
