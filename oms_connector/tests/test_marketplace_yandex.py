# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Yandex Market (FBS and DBS) against a local imitation of the Partner API: a notification
before the API shows the order, then fetch; pull with pageToken paging and a 420; one order
for a notification and a pull at once; boxes and status pushed back exactly once; stock in
calls of 2,000; a buyer's cancellation (FBS) and cancellation requests accepted before
shipping, refused after (DBS). Expected values: tests/data/marketplace/EXPECTED.md."""

import copy
import json
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged

from ..adapters.yandex_market import YANDEX_NOTIFY_NETWORKS, yandex_datetime
from .common_marketplace import MarketplaceMixin, sample

FBS_ORDER = "48151623420"
DBS_ORDER = "48151623555"
CAMPAIGN = "21987654"
BUSINESS = "7654321"


@tagged("post_install", "-at_install")
class TestMarketplaceYandex(MarketplaceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("yandex_market", "t-ym", CAMPAIGN)
        cls.channel.write(
            {
                "marketplace_campaign_id": CAMPAIGN,
                "marketplace_business_id": BUSINESS,
                # the test's requests come from 127.0.0.1: allowed besides Yandex's networks
                "marketplace_notify_networks": YANDEX_NOTIFY_NETWORKS + " 127.0.0.1/32",
                "shipping_product_id": cls.env["product.product"]
                .create({"name": "Yandex Market delivery", "type": "service"})
                .id,
            }
        )
        cls.teapot = cls._create_product("OMS-YM-TEAPOT", "Glass teapot", stock=9)
        cls.cup = cls._create_product("OMS-YM-CUP", "Porcelain cup", stock=2)
        cls.fbs = sample("yandex_business_orders.json")["orders"][0]
        cls.dbs = sample("yandex_business_order_dbs.json")["orders"][0]

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.visible = {}  # order id -> order the fake API returns
        self.listing = None  # pages answered to a pull (list of (status, body))
        self.server.routes[("POST", f"/v1/businesses/{BUSINESS}/orders")] = self._orders_api
        self.server.routes[("PUT", f"/v2/campaigns/{CAMPAIGN}/orders/")] = self._put_order

    # ------------------------------------------------------------------ fake Yandex Market
    def _orders_api(self, request):
        if request.headers.get("Api-Key") != "test-api-key":
            return 401, {"status": "ERROR", "errors": [{"code": "UNAUTHORIZED"}]}
        if request.json.get("campaignIds") != [int(CAMPAIGN)]:
            return 400, {"status": "ERROR", "errors": [{"code": "BAD_REQUEST"}]}
        ids = request.json.get("orderIds")
        if ids:
            orders = [self.visible[str(i)] for i in ids if str(i) in self.visible]
            return 200, {"orders": copy.deepcopy(orders), "paging": {}}
        return self.listing.pop(0)

    def _put_order(self, request):
        order_id, action = request.path.split("/")[5], request.path.split("/", 6)[6]
        order = self.visible[order_id]
        if action == "status":
            order.update(request.json["order"])
            return 200, {"order": {"id": int(order_id), **request.json["order"]}}
        if action == "cancellation/accept":
            if request.json["accepted"]:
                order.update(status="CANCELLED", substatus="USER_CHANGED_MIND")
            order["cancelRequested"] = False
            return 200, {"status": "OK"}
        if action == "boxes":
            return 200, {"result": {"boxes": [{"boxId": 1, "items": request.json["boxes"][0]}]}}
        return 404, {"status": "ERROR"}

    def _notify(self, name, **values):
        body = json.dumps(dict(sample(name), **values)).encode()
        return self.url_open(
            f"/oms/marketplace/{self.channel.code}/notification",
            data=body,
            headers={"Content-Type": "application/json"},
        )

    def _receive(self, name, **values):
        """Yandex posts notification ``name``: the route answers and enqueues one job; the new
        event (read in the test's environment: the route's cursor is closed)."""
        known = self.env["oms.channel.event"].search([("channel_id", "=", self.channel.id)])
        with trap_jobs() as trap:
            response = self._notify(name, **values)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.json()), {"version", "name", "time"})
        trap.assert_jobs_count(1)
        return self.env["oms.channel.event"].search([("channel_id", "=", self.channel.id)]) - known

    def _process(self, events):
        with trap_jobs() as trap:
            events._enqueue_processing()
            trap.perform_enqueued_jobs()

    def _ship(self, order):
        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            trap.perform_enqueued_jobs()
            picking._oms_job_push_tracking()  # a second run (a retry) tells nothing again
        return picking

    def _lines(self, order):
        return sorted(
            order.order_line.mapped(
                lambda line: (line.product_id.default_code, line.product_uom_qty, line.price_unit)
            )
        )

    # ------------------------------------------------------------------ tests
    def test_notification_before_the_api_shows_the_order_then_shipped_once(self):
        event = self._receive("yandex_notification_order_created.json")
        self.assertEqual(event.topic, "marketplace.notification")
        self.assertEqual(event.platform_topic, "ORDER_CREATED")
        self.assertEqual(event.external_order_id, FBS_ORDER)
        # Yandex notifies before getBusinessOrders returns the order: the job tries again
        with self.assertRaises(RetryableJobError) as caught:
            self._process(event)
        self.assertEqual(caught.exception.seconds, 5)
        self.assertFalse(self._orders())

        self.visible[FBS_ORDER] = copy.deepcopy(self.fbs)  # a moment later
        self._process(event)
        self.assertEqual(event.state, "done", event.error)
        order = self._orders()
        self.assertEqual(event.sale_order_id, order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.client_order_ref, FBS_ORDER)
        self.assertEqual(order.currency_id.name, "RUB", "RUR is the rouble")
        self.assertEqual(order.amount_total, 2937.00)
        self.assertEqual(order.amount_tax, 529.62)
        # shipmentDate 2026-03-11 at 14:00 Moscow time
        self.assertEqual(order.oms_ship_by, datetime(2026, 3, 11, 11, 0, 0))
        self.assertEqual(
            self._lines(order), [("OMS-YM-CUP", 3.0, 349.0), ("OMS-YM-TEAPOT", 1.0, 1890.0)]
        )
        self.assertEqual(order.oms_channel_status, "PROCESSING/STARTED")

        picking = self._ship(order)
        boxes = self.server.calls("PUT", f"/v2/campaigns/{CAMPAIGN}/orders/{FBS_ORDER}/boxes")
        statuses = self.server.calls("PUT", f"/v2/campaigns/{CAMPAIGN}/orders/{FBS_ORDER}/status")
        self.assertEqual(len(boxes), 1)
        self.assertEqual(
            boxes[0].json,
            {
                "boxes": [
                    {
                        "items": [
                            {"id": 612300001, "fullCount": 1},
                            {"id": 612300002, "fullCount": 3},
                        ]
                    }
                ]
            },
        )
        self.assertEqual(
            [call.json for call in statuses],
            [{"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}],
        )
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, FBS_ORDER)

    def test_buyer_cancels_fbs_order_before_shipping(self):
        self.visible[FBS_ORDER] = copy.deepcopy(self.fbs)
        self._process(self._receive("yandex_notification_order_created.json"))
        order = self._orders()
        self.assertEqual(order.state, "sale")
        self.visible[FBS_ORDER].update(status="CANCELLED", substatus="USER_CHANGED_MIND")
        self._process(self._receive("yandex_notification_order_cancelled.json"))
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.mapped("state"), ["cancel"])

    def test_notification_and_pull_at_once_give_one_order_after_a_420(self):
        self.visible[FBS_ORDER] = copy.deepcopy(self.fbs)
        other = dict(copy.deepcopy(self.fbs), orderId=48151623421)
        self.listing = [
            (420, {"status": "ERROR", "errors": [{"code": "LIMIT_EXCEEDED"}]}),
            (200, {"orders": [other], "paging": {"nextPageToken": "eyJvcCI6Ij4ifQ"}}),
            (200, {"orders": [copy.deepcopy(self.fbs)], "paging": {}}),
        ]
        notified = self._receive("yandex_notification_order_created.json")
        with trap_jobs() as trap:
            # not assertRaises: its savepoint would undo the pause, committed apart for real
            try:
                self.channel._job_pull_orders()
            except RetryableJobError as exc:
                self.assertEqual(exc.seconds, 4, "420 without Retry-After: one bucket refill")
            else:
                self.fail("a 420 retries the pull")
            budget = self.env["oms.marketplace.budget"].search(
                [("channel_id", "=", self.channel.id)]
            )
            self.assertGreater(budget.blocked_until, time.time() + 2, "the 420 pauses the budget")
            budget.blocked_until = 0.0
            self.channel._job_pull_orders()
            notified._enqueue_processing()
            trap.perform_enqueued_jobs()
        lists = [
            call
            for call in self.server.calls("POST", f"/v1/businesses/{BUSINESS}/orders")
            if not call.json.get("orderIds")
        ]
        queries = [parse_qs(urlsplit(call.path).query) for call in lists[1:]]
        self.assertEqual(queries[0], {"limit": ["50"]})
        self.assertEqual(queries[1], {"limit": ["50"], "page_token": ["eyJvcCI6Ij4ifQ"]})
        self.assertTrue(lists[1].json["dates"]["updateDateFrom"].endswith("Z"))
        orders = self._orders()
        self.assertEqual(sorted(orders.mapped("client_order_ref")), [FBS_ORDER, "48151623421"])
        events = self.env["oms.channel.event"].search([("channel_id", "=", self.channel.id)])
        self.assertEqual(set(events.mapped("state")) - {"ignored"}, {"done"})
        # pulled again with nothing changed: nothing new is stored
        self.listing = [(200, {"orders": [copy.deepcopy(self.fbs), other], "paging": {}})]
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
        trap.assert_jobs_count(0)

    def test_cancellation_request_accepted_before_shipping_refused_after(self):
        self.visible[DBS_ORDER] = copy.deepcopy(self.dbs)
        self.listing = [(200, {"orders": [copy.deepcopy(self.dbs)], "paging": {}})]
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()
        order = self._orders()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_total, 3879.00, "2 x 1790 + delivery 299")
        self.assertEqual(order.amount_tax, 699.49)
        # no shipmentTime: the end of 2026-03-12, Moscow time
        self.assertEqual(order.oms_ship_by, datetime(2026, 3, 12, 20, 59, 59))

        # the buyer asks to cancel before Odoo shipped: accepted, order and delivery cancelled
        self.visible[DBS_ORDER]["cancelRequested"] = True
        self._process(self._receive("yandex_notification_cancellation_request.json"))
        answers = self.server.calls(
            "PUT", f"/v2/campaigns/{CAMPAIGN}/orders/{DBS_ORDER}/cancellation/accept"
        )
        self.assertEqual([call.json for call in answers], [{"accepted": True}])
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.mapped("state"), ["cancel"])

    def test_cancellation_request_refused_once_shipped(self):
        self.visible[DBS_ORDER] = copy.deepcopy(self.dbs)
        self._process(
            self._receive("yandex_notification_order_created.json", orderId=int(DBS_ORDER))
        )
        order = self._orders()
        self.assertEqual(order.state, "sale")
        self._ship(order)
        # DBS: the seller's courier has it: READY_TO_SHIP, then DELIVERY; no boxes
        path = f"/v2/campaigns/{CAMPAIGN}/orders/{DBS_ORDER}"
        self.assertFalse(self.server.calls("PUT", f"{path}/boxes"))
        self.assertEqual(
            [call.json["order"] for call in self.server.calls("PUT", f"{path}/status")],
            [{"status": "PROCESSING", "substatus": "READY_TO_SHIP"}, {"status": "DELIVERY"}],
        )
        self.visible[DBS_ORDER]["cancelRequested"] = True
        self._process(self._receive("yandex_notification_cancellation_request.json"))
        answers = self.server.calls("PUT", f"{path}/cancellation/accept")
        self.assertEqual(
            [call.json for call in answers], [{"accepted": False, "reason": "ORDER_IN_DELIVERY"}]
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.mapped("state"), ["done"])

    def test_stock_in_calls_of_2000_never_negative(self):
        self.server.routes[("PUT", f"/v2/campaigns/{CAMPAIGN}/offers/stocks")] = (
            200,
            {"status": "OK"},
        )
        products = self.teapot | self.cup
        products |= self.env["product.product"].create(
            [
                {
                    "name": f"Spoon {n}",
                    "default_code": f"OMS-YM-SPOON-{n:04d}",
                    "type": "consu",
                    "is_storable": True,
                }
                for n in range(1999)
            ]
        )
        self.channel.write({"stock_sync": True, "stock_buffer": 3})
        self.env["oms.channel.stock.level"]._ensure_levels(self.channel.id, products.ids)
        self.channel._push_stock_levels()
        self.channel._push_stock_levels()  # nothing changed: nothing sent again
        calls = self.server.calls("PUT", f"/v2/campaigns/{CAMPAIGN}/offers/stocks")
        self.assertEqual([len(call.json["skus"]) for call in calls], [2000, 1])
        sent = {item["sku"]: item["items"] for call in calls for item in call.json["skus"]}
        self.assertEqual(len(sent), 2001)
        self.assertEqual(sent["OMS-YM-TEAPOT"], [{"count": 6}], "9 minus the buffer of 3")
        self.assertEqual(sent["OMS-YM-CUP"], [{"count": 0}], "2 minus 3 is never negative")

    def test_notification_route_ping_sources_and_duplicates(self):
        self.channel.marketplace_notify_networks = YANDEX_NOTIFY_NETWORKS
        with trap_jobs() as trap:
            response = self._notify("yandex_notification_order_created.json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["type"], "UNKNOWN")
        trap.assert_jobs_count(0)
        self.channel.marketplace_notify_networks = "127.0.0.0/8"
        started = time.monotonic()
        response = self._notify("yandex_notification_ping.json")
        self.assertLess(time.monotonic() - started, 1.0, "PING is answered within 1 s")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["version"], "1.0.0")
        self.assertTrue(response.json()["time"].endswith("Z"))
        response = self.url_open(
            f"/oms/marketplace/{self.channel.code}/notification", data=b"[]", headers={}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["type"], "WRONG_EVENT_FORMAT")
        with trap_jobs() as trap:
            # the same notification twice is stored once; another store's is acknowledged
            self._notify("yandex_notification_order_created.json")
            self._notify("yandex_notification_order_created.json")
            response = self._notify("yandex_notification_order_created.json", campaignId=1234)
        self.assertEqual(response.status_code, 200)
        trap.assert_jobs_count(1)

    def test_settings_test_connection_and_moscow_dates(self):
        user = new_test_user(self.env, login="oms_ym_user", groups="oms_connector.group_oms_user")
        self.assertNotIn("api_key", self.env["oms.channel"].with_user(user).fields_get())
        self.assertEqual(
            self.channel.marketplace_notify_url.rsplit("/oms/", 1)[1], "marketplace/t-ym"
        )
        new = self.env["oms.channel"].create(
            {"name": "YM 2", "code": "t-ym-2", "platform": "yandex_market"}
        )
        self.assertEqual(new.marketplace_notify_networks, YANDEX_NOTIFY_NETWORKS)
        self.server.routes[("GET", f"/v2/campaigns/{CAMPAIGN}")] = (
            200,
            sample("yandex_campaign.json"),
        )
        self.channel.marketplace_warehouse_ids.unlink()
        action = self.channel.action_test_connection()
        self.assertIn("1 new", action["params"]["message"])
        self.assertEqual(self.channel.marketplace_warehouse_ids.external_id, CAMPAIGN)
        self.assertEqual(self.channel.marketplace_warehouse_ids.name, "Чайная лавка OMS")
        self.assertEqual(
            self.server.calls("GET", f"/v2/campaigns/{CAMPAIGN}")[0].headers["Api-Key"],
            "test-api-key",
        )
        # dd-MM-yyyy HH:mm:ss without a zone is Moscow time (UTC+3)
        self.assertEqual(yandex_datetime("10-03-2026 09:15:42"), datetime(2026, 3, 10, 6, 15, 42))
        self.assertEqual(
            yandex_datetime("2026-03-10T09:15:42+03:00"), datetime(2026, 3, 10, 6, 15, 42)
        )
