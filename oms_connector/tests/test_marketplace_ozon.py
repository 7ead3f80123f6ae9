# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ozon FBS against a local imitation of the Seller API: notification then fetch, pull with
paging and a 429, one order for a notification and a pull at once, shipment and stock pushed
back exactly once, a buyer's cancellation. Expected values: tests/data/marketplace/EXPECTED.md."""

import json
import time
from datetime import UTC, datetime, timedelta

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged

from .common_marketplace import MarketplaceMixin, sample

POSTING = "57195475-0050-3"
OZON_WH = "1020000089903000"


@tagged("post_install", "-at_install")
class TestMarketplaceOzon(MarketplaceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("ozon", "t-ozon", OZON_WH)
        # the test's requests come from 127.0.0.1: allowed besides Ozon's networks
        cls.channel.marketplace_notify_networks += " 127.0.0.1/32"
        cls.kettle = cls._create_product("OMS-OZ-KETTLE", "Electric kettle", stock=7)
        cls.mug = cls._create_product("OMS-OZ-MUG", "Ceramic mug", stock=1)
        cls.posting = sample("ozon_posting_fbs_get.json")["result"]

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.visible = {}  # posting number -> posting the fake API returns
        self.server.routes[("POST", "/v3/posting/fbs/get")] = self._get_posting
        self.server.routes[("POST", "/v4/posting/fbs/ship")] = self._ship

    # ------------------------------------------------------------------ fake Ozon
    def _get_posting(self, request):
        if request.headers.get("Client-Id") != "2380987" or not request.headers.get("Api-Key"):
            return 403, {"code": 7, "message": "Invalid Api-Key, please contact support"}
        posting = self.visible.get(request.json["posting_number"])
        if not posting:
            return 404, {"code": 5, "message": "Posting not found", "details": []}
        return 200, {"result": posting}

    def _ship(self, request):
        number = request.json["posting_number"]
        self.visible[number] = dict(self.visible[number], status="awaiting_deliver")
        return 200, {"additional_data": [], "result": [number]}

    def _notify(self, name, **values):
        body = json.dumps(dict(sample(name), **values)).encode()
        return self.url_open(
            f"/oms/marketplace/{self.channel.code}/notify",
            data=body,
            headers={"Content-Type": "application/json"},
        )

    def _receive(self, name):
        """Ozon posts notification ``name``: the route answers and enqueues one job; the new
        event (read in the test's environment: the route's cursor is closed)."""
        known = self.env["oms.channel.event"].search([("channel_id", "=", self.channel.id)])
        with trap_jobs() as trap:
            response = self._notify(name)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"result": True})
        trap.assert_jobs_count(1)
        return self.env["oms.channel.event"].search([("channel_id", "=", self.channel.id)]) - known

    def _process(self, events):
        """Run the processing jobs of ``events`` as the queue would."""
        with trap_jobs() as trap:
            events._enqueue_processing()
            trap.perform_enqueued_jobs()

    # ------------------------------------------------------------------ tests
    def test_notification_before_the_api_shows_the_posting_then_order_shipped_once(self):
        event = self._receive("ozon_push_new_posting.json")
        self.assertEqual(event.topic, "marketplace.notification")
        self.assertEqual(event.platform_topic, "TYPE_NEW_POSTING")
        self.assertEqual(event.external_order_id, POSTING)
        # Ozon notifies before /v3/posting/fbs/get returns the posting: the job tries again
        with self.assertRaises(RetryableJobError) as caught:
            self._process(event)
        self.assertEqual(caught.exception.seconds, 5)
        self.assertFalse(self._orders())
        self.assertEqual(event.state, "pending")

        self.visible[POSTING] = self.posting  # a moment later
        self._process(event)
        self.assertEqual(event.state, "done", event.error)
        order = self._orders()
        self.assertEqual(event.sale_order_id, order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.client_order_ref, POSTING)
        self.assertEqual(order.partner_id, self.guest)
        self.assertEqual(order.currency_id.name, "RUB")
        self.assertEqual(order.amount_total, 3189.00)
        self.assertEqual(order.amount_tax, 575.07)
        self.assertEqual(order.oms_ship_by, datetime(2026, 3, 11, 14, 0, 0))
        self.assertEqual(
            sorted(
                order.order_line.mapped(
                    lambda line: (
                        line.product_id.default_code,
                        line.product_uom_qty,
                        line.price_unit,
                    )
                )
            ),
            [("OMS-OZ-KETTLE", 1.0, 2490.0), ("OMS-OZ-MUG", 2.0, 349.5)],
        )
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.oms_ship_by, order.oms_ship_by)

        # the warehouse ships: Ozon is told once, the posting packed as one box
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            trap.perform_enqueued_jobs()
            picking._oms_job_push_tracking()  # a second run (a retry) tells nothing again
        ships = self.server.calls("POST", "/v4/posting/fbs/ship")
        self.assertEqual(len(ships), 1)
        self.assertEqual(
            ships[0].json,
            {
                "packages": [
                    {
                        "products": [
                            {"product_id": 1592315043, "quantity": 1},
                            {"product_id": 1592315087, "quantity": 2},
                        ]
                    }
                ],
                "posting_number": POSTING,
                "with": {"additional_data": True},
            },
        )
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, POSTING)

    def test_deadline_days_ahead_is_taken_in(self):
        # a posting taken in on a Friday is due on Monday: its shipment_date lies days ahead
        # of the clock, which the intake refuses for creation times but not for deadlines
        due = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=3)
        self.visible[POSTING] = dict(self.posting, shipment_date=due.isoformat() + "Z")
        event = self._receive("ozon_push_new_posting.json")
        self._process(event)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self._orders().oms_ship_by, due)
        self.assertEqual(self._orders().picking_ids.oms_ship_by, due)

    def test_buyer_cancels_before_shipping(self):
        self.visible[POSTING] = self.posting
        self._process(self._receive("ozon_push_new_posting.json"))
        order = self._orders()
        self.assertEqual(order.state, "sale")
        self.visible[POSTING] = dict(self.posting, status="cancelled")
        self._process(self._receive("ozon_push_posting_cancelled.json"))
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.mapped("state"), ["cancel"])
        self.assertEqual(order.oms_channel_status, "cancelled")

    def test_notification_and_pull_at_once_give_one_order(self):
        self.visible[POSTING] = self.posting
        pages = [
            {
                "result": {
                    "postings": [dict(self.posting, posting_number="57195475-0051-1")],
                    "has_next": True,
                }
            },
            {"result": {"postings": [self.posting], "has_next": False}},
        ]
        calls = iter(
            [(429, {"code": 8, "message": "You have reached request rate limit per second"})]
            + [(200, p) for p in pages]
        )
        self.server.routes[("POST", "/v3/posting/fbs/list")] = lambda request: next(calls)
        notified = self._receive("ozon_push_new_posting.json")
        with trap_jobs() as trap:
            # not assertRaises: its savepoint would undo the pause, committed apart for real
            try:
                self.channel._job_pull_orders()
            except RetryableJobError as exc:
                self.assertEqual(exc.seconds, 1)
            else:
                self.fail("a 429 retries the pull")
            budget = self.env["oms.marketplace.budget"].search(
                [("channel_id", "=", self.channel.id)]
            )
            self.assertGreater(budget.blocked_until, time.time() - 1, "the 429 pauses the budget")
            budget.blocked_until = 0.0
            self.channel._job_pull_orders()
            notified._enqueue_processing()
            trap.perform_enqueued_jobs()
        lists = self.server.calls("POST", "/v3/posting/fbs/list")
        self.assertEqual([call.json["offset"] for call in lists[1:]], [0, 1])
        self.assertEqual(lists[1].json["filter"]["last_changed_status_date"]["to"][-1], "Z")
        orders = self._orders()
        self.assertEqual(
            sorted(orders.mapped("client_order_ref")), ["57195475-0050-3", "57195475-0051-1"]
        )
        events = self.env["oms.channel.event"].search([("channel_id", "=", self.channel.id)])
        self.assertEqual(set(events.mapped("state")) - {"ignored"}, {"done"})
        # pulled again with nothing changed: nothing new is stored
        both = [self.posting, pages[0]["result"]["postings"][0]]
        self.server.routes[("POST", "/v3/posting/fbs/list")] = (
            200,
            {"result": {"postings": both, "has_next": False}},
        )
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
        trap.assert_jobs_count(0)

    def test_stock_pushed_once_per_warehouse_in_batches_of_100(self):
        self.server.routes[("POST", "/v2/products/stocks")] = (
            200,
            sample("ozon_products_stocks_response.json"),
        )
        products = self.kettle | self.mug
        products |= self.env["product.product"].create(
            [
                {
                    "name": f"Cup {n}",
                    "default_code": f"OMS-OZ-CUP-{n:03d}",
                    "type": "consu",
                    "is_storable": True,
                }
                for n in range(150)
            ]
        )
        self.channel.write({"stock_sync": True, "stock_buffer": 2})
        self.env["oms.channel.stock.level"]._ensure_levels(self.channel.id, products.ids)
        self.channel._push_stock_levels()
        self.channel._push_stock_levels()  # nothing changed: nothing sent again
        calls = self.server.calls("POST", "/v2/products/stocks")
        self.assertEqual([len(call.json["stocks"]) for call in calls], [100, 52])
        sent = {item["offer_id"]: item for call in calls for item in call.json["stocks"]}
        self.assertEqual(len(sent), 152)
        # kettle 7 - buffer 2; mug 1 - 2 is never negative
        self.assertEqual(
            sent["OMS-OZ-KETTLE"],
            {"offer_id": "OMS-OZ-KETTLE", "stock": 5, "warehouse_id": int(OZON_WH)},
        )
        self.assertEqual(sent["OMS-OZ-MUG"]["stock"], 0)

    def test_notifications_refused_from_other_addresses_and_ping(self):
        self.channel.marketplace_notify_networks = "195.34.21.0/24 185.73.192.0/22 91.223.93.0/24"
        with trap_jobs() as trap:
            response = self._notify("ozon_push_new_posting.json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], "ERROR_UNKNOWN")
        trap.assert_jobs_count(0)
        self.channel.marketplace_notify_networks = "127.0.0.0/8"
        started = time.monotonic()
        response = self._notify("ozon_push_ping.json")
        self.assertLess(time.monotonic() - started, 5.0)
        self.assertEqual(response.json()["version"], "1.0")
        self.assertTrue(response.json()["time"].endswith("Z"))
        # the same notification twice is stored once
        with trap_jobs() as trap:
            self._notify("ozon_push_new_posting.json")
            self._notify("ozon_push_new_posting.json")
        trap.assert_jobs_count(1)

    def test_credentials_for_managers_and_test_connection_fills_warehouses(self):
        user = new_test_user(self.env, login="oms_mp_user", groups="oms_connector.group_oms_user")
        fields_seen = self.env["oms.channel"].with_user(user).fields_get()
        self.assertNotIn("marketplace_client_id", fields_seen)
        self.assertNotIn("api_key", fields_seen)
        self.server.routes[("POST", "/v1/warehouse/list")] = (
            200,
            sample("ozon_warehouse_list.json"),
        )
        self.channel.marketplace_warehouse_ids.unlink()
        action = self.channel.action_test_connection()
        self.assertIn("1 new", action["params"]["message"])
        self.assertEqual(self.channel.marketplace_warehouse_ids.mapped("external_id"), [OZON_WH])
        self.assertEqual(self.channel.marketplace_warehouse_ids.name, "Склад Москва FBS")
