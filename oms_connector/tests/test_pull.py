# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
from datetime import datetime, timedelta

from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_intake import FakePlatformServer, IntakeChannelMixin, load_payload


def shopify_order(order_id, updated_at, **values):
    order = load_payload("shopify_order.json")
    order.update(id=order_id, name=f"#{order_id}", updated_at=updated_at, **values)
    return order


def woo_order(order_id, modified_gmt, **values):
    order = load_payload("woocommerce_order.json")
    order.update(id=order_id, number=str(order_id), date_modified_gmt=modified_gmt, **values)
    return order


@tagged("post_install", "-at_install", "oms_clock")
class TestPullReconciliation(IntakeChannelMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_channels()
        cls.customer = cls.env["res.partner"].create({"name": "Pulled Customer"})

    def _bind(self, channel, external_id, updated_at):
        """An order Odoo already holds (e.g. taken in by webhook) at channel time
        ``updated_at``."""
        order = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "oms_channel_id": channel.id}
        )
        return self.env["oms.channel.order"].create(
            {
                "channel_id": channel.id,
                "external_id": external_id,
                "sale_order_id": order.id,
                "external_updated_at": updated_at,
            }
        )

    def _pull(self, channel):
        with trap_jobs() as trap:
            message = channel._job_pull_orders()
        return trap, message

    def test_shopify_pull_pages_retries_and_skips_orders_already_in(self):
        already_in = shopify_order(5690000001002, "2026-03-02T11:00:00+01:00")
        changed = shopify_order(5690000001003, "2026-03-02T12:30:00+01:00")
        new = shopify_order(5690000001001, "2026-03-02T10:14:33+01:00")
        cancelled = shopify_order(
            5690000001004, "2026-03-02T13:00:00Z", cancelled_at="2026-03-02T13:00:00Z"
        )
        # Odoo holds 1002 exactly as the channel has it, 1003 and 1004 in an older state
        self._bind(self.shopify, "5690000001002", datetime(2026, 3, 2, 10, 0, 0))
        self._bind(self.shopify, "5690000001003", datetime(2026, 3, 2, 10, 0, 0))
        self._bind(self.shopify, "5690000001004", datetime(2026, 3, 2, 12, 0, 0))
        calls = {"count": 0}

        def responder(path, query, headers):
            calls["count"] += 1
            if path != "/admin/api/2025-01/orders.json":
                return 404, {}, {"errors": "Not Found"}
            if headers.get("X-Shopify-Access-Token") != "shpat_test_token":
                return 401, {}, {"errors": "Invalid API key or access token"}
            if calls["count"] == 1:
                return 429, {"Retry-After": "2.0"}, {"errors": "Exceeded 2 calls per second"}
            if query.get("page_info") == "cGFnZTI":
                return 200, {}, {"orders": [changed, cancelled]}
            link = '<{base}/admin/api/2025-01/orders.json?limit=250&page_info=cGFnZTI>; rel="next"'
            return 200, {"Link": link}, {"orders": [new, already_in]}

        with FakePlatformServer(responder) as server:
            self.shopify.write({"api_url": server.base_url, "api_key": "shpat_test_token"})
            with self.assertRaises(RetryableJobError) as caught:
                self._pull(self.shopify)
            self.assertEqual(caught.exception.seconds, 2, "Retry-After is honoured")
            self.assertFalse(self.shopify.last_sync_at, "no sync recorded on a 429")
            self.assertFalse(self._events(self.shopify))

            before = fields.Datetime.now()
            trap, message = self._pull(self.shopify)
            first_query = server.requests[1][1]
            second_query = server.requests[2][1]

        self.assertEqual(first_query["status"], "any")
        self.assertEqual(first_query["limit"], "250")
        since = datetime.fromisoformat(first_query["updated_at_min"]).replace(tzinfo=None)
        self.assertAlmostEqual(since, before - timedelta(days=7), delta=timedelta(minutes=1))
        self.assertEqual(second_query, {"limit": "250", "page_info": "cGFnZTI"})

        events = self._events(self.shopify)
        topics = {e.external_order_id: e.topic for e in events}
        self.assertEqual(
            topics,
            {
                "5690000001001": "order.created",
                "5690000001003": "order.updated",
                "5690000001004": "order.cancelled",
            },
            "the order already taken in by webhook is not taken in twice",
        )
        self.assertEqual(set(events.mapped("source")), {"pull"})
        self.assertEqual(set(events.mapped("state")), {"pending"})
        self.assertEqual(json.loads(events[0].payload)["id"], int(events[0].external_order_id))
        self.assertEqual(
            sorted((job.recordset.id, job.method_name) for job in trap.enqueued_jobs),
            sorted((event.id, "_job_process") for event in events),
            "each new event is processed through the same job as webhooks",
        )
        self.assertGreaterEqual(self.shopify.last_sync_at, before)
        self.assertFalse(self.shopify.last_sync_error)
        self.assertIn("4 orders fetched, 3 to take in", message)

    def test_pull_again_stores_nothing_new_and_starts_before_last_sync(self):
        order = shopify_order(5690000002001, "2026-03-05T09:00:00Z")

        def responder(path, query, headers):
            return 200, {}, {"orders": [order]}

        with FakePlatformServer(responder) as server:
            self.shopify.write({"api_url": server.base_url, "api_key": "shpat_test_token"})
            self._pull(self.shopify)
            last_sync = self.shopify.last_sync_at
            self.shopify.sync_overlap_minutes = 15
            trap, _message = self._pull(self.shopify)
            since = server.requests[-1][1]["updated_at_min"]
        self.assertEqual(len(self._events(self.shopify)), 1, "the same update is stored once")
        trap.assert_jobs_count(0)
        self.assertEqual(
            datetime.fromisoformat(since).replace(tzinfo=None),
            last_sync.replace(microsecond=0) - timedelta(minutes=15),
        )

    def test_woocommerce_pull_pages_and_retries_on_5xx(self):
        orders = [
            woo_order(4821, "2026-03-03T14:41:15"),
            woo_order(4822, "2026-03-03T15:00:00", status="cancelled"),
            woo_order(4823, "2026-03-03T16:00:00"),
        ]
        self._bind(self.woo, "4823", datetime(2026, 3, 3, 16, 0, 0))
        calls = {"count": 0}
        expected_auth = "Basic " + base64.b64encode(b"ck_test:cs_test").decode()

        def responder(path, query, headers):
            calls["count"] += 1
            if path != "/wp-json/wc/v3/orders":
                return 404, {}, {"code": "rest_no_route"}
            if headers.get("Authorization") != expected_auth:
                return 401, {}, {"code": "woocommerce_rest_cannot_view"}
            if calls["count"] == 1:
                return 503, {}, {"code": "service_unavailable"}
            page = int(query["page"])
            chunk = orders[(page - 1) * 2 : page * 2]
            return 200, {"X-WP-Total": "3", "X-WP-TotalPages": "2"}, chunk

        with FakePlatformServer(responder) as server:
            self.woo.write(
                {"api_url": server.base_url, "api_key": "ck_test", "api_secret": "cs_test"}
            )
            with self.assertRaises(RetryableJobError):
                self._pull(self.woo)
            self.assertFalse(self.woo.last_sync_at)
            trap, _message = self._pull(self.woo)
            queries = [query for _path, query, _headers in server.requests[1:]]
        self.assertEqual([q["page"] for q in queries], ["1", "2"])
        self.assertEqual(queries[0]["per_page"], "100")
        self.assertEqual(queries[0]["dates_are_gmt"], "true")
        self.assertIn("modified_after", queries[0])
        events = self._events(self.woo)
        self.assertEqual(
            {e.external_order_id: e.topic for e in events},
            {"4821": "order.created", "4822": "order.created"},
        )
        trap.assert_jobs_count(2)
        self.assertTrue(self.woo.last_sync_at)

    def test_generic_pull_follows_next_page(self):
        first = load_payload("generic_order.json")
        second = dict(first, id="WS-2026-000124", updated_at="2026-03-04T09:00:00Z")

        def responder(path, query, headers):
            if headers.get("Authorization") != "Bearer generic-key":
                return 401, {}, {"error": "unauthorized"}
            if query["page"] == "1":
                return 200, {}, {"orders": [first], "next_page": 2}
            return 200, {}, {"orders": [second], "next_page": None}

        with FakePlatformServer(responder) as server:
            self.generic.write(
                {"pull_url": f"{server.base_url}/api/orders", "api_key": "generic-key"}
            )
            self._pull(self.generic)
            self.assertEqual([r[1]["page"] for r in server.requests], ["1", "2"])
            self.assertTrue(server.requests[0][1]["updated_since"].endswith("+00:00"))
        self.assertEqual(
            sorted(self._events(self.generic).mapped("external_order_id")),
            ["WS-2026-000123", "WS-2026-000124"],
        )

    def test_wrong_credentials_are_reported_on_the_channel(self):
        def responder(path, query, headers):
            return 401, {}, {"errors": "[API] Invalid API key or access token"}

        with FakePlatformServer(responder) as server:
            self.shopify.write({"api_url": server.base_url, "api_key": "wrong"})
            _trap, message = self._pull(self.shopify)
        self.assertFalse(self.shopify.last_sync_at)
        self.assertIn("HTTP 401", self.shopify.last_sync_error)
        self.assertIn("credentials", self.shopify.last_sync_error)
        self.assertIn("Pull failed", message)
        # a channel without API settings says what to set
        self.woo._job_pull_orders()
        self.assertIn("consumer key", self.woo.last_sync_error)

    def test_cron_and_sync_now_enqueue_one_pull_per_channel(self):
        self.shopify.pull_enabled = True
        self.woo.pull_enabled = True
        with trap_jobs() as trap:
            self.env["oms.channel"]._cron_pull_orders()
        pulled = self.env["oms.channel"].search([("pull_enabled", "=", True)])
        self.assertIn(self.shopify, pulled)
        self.assertNotIn(self.generic, pulled)
        self.assertEqual(
            sorted((job.recordset.id, job.method_name) for job in trap.enqueued_jobs),
            sorted((channel.id, "_job_pull_orders") for channel in pulled),
        )
        trap.assert_enqueued_job(
            self.shopify._job_pull_orders,
            properties={"identity_key": f"oms.channel.pull:{self.shopify.id}"},
        )
        with trap_jobs() as trap:
            action = self.generic.action_sync_now()
        trap.assert_jobs_count(1)
        self.assertEqual(action["tag"], "display_notification")
