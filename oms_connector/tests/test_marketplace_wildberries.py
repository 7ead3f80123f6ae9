# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Wildberries FBS against a local imitation of the marketplace API: assembly tasks grouped
into one order, kopecks and numeric currencies, cursor paging and a 429, the shipment as a
supply (once), stock per warehouse in calls of 1,000, buyer cancellations. Expected values:
tests/data/marketplace/EXPECTED.md."""

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from odoo import Command
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from .common_marketplace import MarketplaceMixin, sample

UID = "165918930_629fbc924b984618a44354475ca58675"
WB_WH = "658434"
SUPPLY = "WB-GI-92817364"


@tagged("post_install", "-at_install")
class TestMarketplaceWildberries(MarketplaceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("wildberries", "t-wb", WB_WH)
        cls.scarf = cls._create_product("OMS-WB-SCARF", "Wool scarf", "2041234567890", 10)
        cls.mittens = cls._create_product("OMS-WB-MITTENS", "Mittens", "2041234567906", 3)
        cls.tasks = sample("wb_orders_new.json")["orders"]

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.statuses = {s["id"]: s for s in sample("wb_orders_status.json")["orders"]}
        self.new_tasks = list(self.tasks)
        self.supplies = []
        self.server.routes[("GET", "/api/v3/orders/new")] = lambda r: (
            200,
            {"orders": self.new_tasks},
        )
        self.server.routes[("GET", "/api/v3/orders")] = self._list_orders
        self.server.routes[("POST", "/api/v3/orders/status")] = self._status
        self.server.routes[("POST", "/api/v3/supplies")] = self._create_supply
        self.server.routes[("PATCH", "/api/v3/supplies/")] = self._add_to_supply

    # ------------------------------------------------------------------ fake Wildberries
    def _list_orders(self, request):
        """Two tasks a page, paged by the ``next`` cursor (the last task id of the page)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        after = int(query["next"])
        page = [t for t in self.tasks if t["id"] > after][:2]
        return 200, {"next": page[-1]["id"] if page else after, "orders": page}

    def _status(self, request):
        if request.headers.get("Authorization") != "test-api-key":
            return 401, {"title": "unauthorized"}
        return 200, {"orders": [self.statuses[i] for i in request.json["orders"]]}

    def _create_supply(self, request):
        self.supplies.append(request.json["name"])
        return 201, {"id": SUPPLY}

    def _add_to_supply(self, request):
        task_id = int(request.path.rsplit("/", 1)[1])
        self.statuses[task_id] = dict(self.statuses[task_id], supplierStatus="confirm")
        return 204, {}

    def _pull(self):
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()

    def _cancel(self, task_id):
        self.statuses[task_id] = {
            "id": task_id,
            "supplierStatus": "new",
            "wbStatus": "canceled_by_client",
        }

    # ------------------------------------------------------------------ tests
    def test_tasks_become_one_order_shipped_in_a_supply_once(self):
        self.server.routes[("GET", "/api/v3/orders/new")] = (429, {"title": "too many requests"})
        try:  # not assertRaises: its savepoint would undo the budget's pause
            self.channel._job_pull_orders()
        except RetryableJobError as exc:
            self.assertGreaterEqual(exc.seconds, 1)
        else:
            self.fail("a 429 retries the pull")
        self.assertFalse(self._orders())
        budget = self.env["oms.marketplace.budget"].search([("channel_id", "=", self.channel.id)])
        budget.blocked_until = 0.0
        self.server.routes[("GET", "/api/v3/orders/new")] = lambda r: (
            200,
            {"orders": self.new_tasks},
        )
        self._pull()
        listed = [r for r in self.server.calls("GET", "/api/v3/orders") if "/new" not in r.path]
        self.assertEqual(
            [parse_qs(urlsplit(r.path).query)["next"][0] for r in listed],
            ["0", "3801102212", "3801102213"],
            "paged by the next cursor until an empty page",
        )
        order = self._orders()
        self.assertEqual(len(order), 1, "three assembly tasks, one buyer's order")
        self.assertEqual(order.client_order_ref, "WB 3801102211")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.currency_id.name, "RUB")
        self.assertEqual(
            sorted(
                order.order_line.mapped(
                    lambda line: (
                        line.oms_external_line_id,
                        line.product_id.default_code,
                        line.product_uom_qty,
                        line.price_unit,
                    )
                )
            ),
            [
                ("3801102211", "OMS-WB-SCARF", 1.0, 1499.90),
                ("3801102212", "OMS-WB-SCARF", 1.0, 1499.90),
                ("3801102213", "OMS-WB-MITTENS", 1.0, 894.55),
            ],
        )
        self.assertAlmostEqual(order.amount_total, 3894.35, places=2)
        self.assertAlmostEqual(order.amount_tax, 702.25, places=2)
        self.assertEqual(order.oms_ship_by, datetime(2026, 3, 11, 7, 56, 29))
        # pulled again, nothing changed: nothing stored
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
        trap.assert_jobs_count(0)

        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            trap.perform_enqueued_jobs()
            picking._oms_job_push_tracking()
        self.assertEqual(len(self.supplies), 1)
        patched = sorted(r.path for r in self.server.calls("PATCH", "/api/v3/supplies/"))
        self.assertEqual(
            patched,
            [
                f"/api/v3/supplies/{SUPPLY}/orders/{task}"
                for task in (3801102211, 3801102212, 3801102213)
            ],
        )
        self.assertEqual(picking.oms_tracking_state, "pushed")
        self.assertEqual(picking.oms_channel_fulfillment_id, SUPPLY)
        self.assertEqual(self.channel.marketplace_supply_id, SUPPLY)

    def test_buyer_cancels_one_unit_then_the_order(self):
        self._pull()
        order = self._orders()
        self._cancel(3801102213)
        self._pull()
        self.assertEqual(order.state, "sale")
        # a confirmed order keeps the cancelled unit's line at quantity 0
        self.assertEqual(
            sorted(
                order.order_line.mapped(
                    lambda line: (line.oms_external_line_id, line.product_uom_qty)
                )
            ),
            [("3801102211", 1.0), ("3801102212", 1.0), ("3801102213", 0.0)],
        )
        self.assertAlmostEqual(order.amount_total, 2999.80, places=2)
        self.assertEqual(
            order.picking_ids.move_ids.filtered(lambda m: m.state != "cancel").product_id,
            self.scarf,
        )
        self._cancel(3801102211)
        self._cancel(3801102212)
        self.new_tasks = []
        self._pull()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(set(order.picking_ids.mapped("state")), {"cancel"})
        self.assertEqual(order.oms_channel_status, "cancelled")

    def test_stock_per_warehouse_in_calls_of_1000_never_negative(self):
        self.server.routes[("PUT", "/api/v3/stocks/")] = self._put_stocks
        self.channel.write(
            {
                "stock_sync": True,
                "stock_buffer": 5,
                "marketplace_warehouse_ids": [
                    Command.create(
                        {
                            "external_id": "712950",
                            "name": "Kazan",
                            "warehouse_id": self.warehouse.id,
                        }
                    )
                ],
            }
        )
        products = self.scarf | self.mittens
        products |= self.env["product.product"].create(
            [
                {
                    "name": f"Sock {n}",
                    "barcode": f"20499{n:08d}",
                    "type": "consu",
                    "is_storable": True,
                }
                for n in range(999)
            ]
        )
        self.env["oms.channel.stock.level"]._ensure_levels(self.channel.id, products.ids)
        self.channel._push_stock_levels()
        self.channel._push_stock_levels()  # nothing changed: nothing sent again
        calls = self.server.calls("PUT", "/api/v3/stocks/")
        self.assertEqual(
            [(call.path, len(call.json["stocks"])) for call in calls],
            [
                ("/api/v3/stocks/658434", 1000),
                ("/api/v3/stocks/712950", 1000),
                ("/api/v3/stocks/658434", 1),
                ("/api/v3/stocks/712950", 1),
            ],
        )
        sent = {
            item["sku"]: item["amount"]
            for item in calls[0].json["stocks"] + calls[2].json["stocks"]
        }
        self.assertEqual(sent["2041234567890"], 5, "scarf: 10 minus the buffer of 5")
        self.assertEqual(sent["2041234567906"], 0, "mittens: 3 minus 5 is never negative")
        level = self.env["oms.channel.stock.level"].search(
            [("channel_id", "=", self.channel.id), ("product_id.barcode", "=", "2049900000007")]
        )
        self.assertEqual(level.error, "Карточка товара не найдена")

    def _put_stocks(self, request):
        refused = [i for i in request.json["stocks"] if i["sku"] == "2049900000007"]
        if refused:
            return 409, [
                {"code": "NotFound", "data": refused, "message": "Карточка товара не найдена"}
            ]
        return 204, {}
