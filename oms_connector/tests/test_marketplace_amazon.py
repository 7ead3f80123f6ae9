# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon SP-API (MFN, amazon.de) against a local imitation of LWA, the Orders API v0 and the
Listings Items API: pull with NextToken paging and a 429, the order and its items read by
the processing job, EUR with ItemTax (VAT included), confirmShipment exactly once, stock per
SKU, a cancellation. Expected values: tests/data/marketplace/EXPECTED.md."""

import copy
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from odoo import Command
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged

from ..adapters import amazon
from .common_marketplace import MarketplaceMixin, sample

ORDER = "302-4615372-6734656"
DE = "A1PA6795UKMFR9"
TOKEN = "Atza|IwEBIOMSTestAccessTokenNotReal"


@tagged("post_install", "-at_install")
class TestMarketplaceAmazon(MarketplaceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("amazon", "t-amz", DE)
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.vat_19 = cls.env["account.tax"].create(
            {
                "name": "MwSt. 19% incl. (t-amz)",
                "amount": 19.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.pricelist.currency_id = eur
        cls.channel.write(
            {
                "marketplace_client_id": "amzn1.application-oa2-client.omstest",
                "api_secret": "amzn1.oa2-cs.v1.omstest",
                "api_key": "Atzr|IwEBIOMSTestRefreshTokenNotReal",
                "marketplace_token_url": cls.server.url + "/auth/o2/token",
                "marketplace_ids": DE,
                "marketplace_seller_id": "A2OMSTESTSELLER",
                "marketplace_vat_rate": 0.0,
                "tax_mapping_ids": [
                    Command.clear(),
                    Command.create(
                        {"rate": 19.0, "tax_id": cls.vat_19.id, "tax_included_id": cls.vat_19.id}
                    ),
                ],
                "shipping_product_id": cls.env["product.product"]
                .create({"name": "Amazon shipping", "type": "service"})
                .id,
            }
        )
        cls.lamp = cls._create_product("OMS-AMZ-LAMP", "Desk lamp", stock=12)
        cls.bulb = cls._create_product("OMS-AMZ-BULB", "LED bulb", stock=1)
        cls.summary = sample("amazon_get_orders.json")["payload"]["Orders"][0]
        cls.items = sample("amazon_get_order_items.json")["payload"]["OrderItems"]

    def setUp(self):
        super().setUp()
        amazon._TOKENS.clear()  # every test starts without an access token
        self.server.requests.clear()
        self.server.routes.clear()
        self.order = copy.deepcopy(self.summary)
        self.listing = None
        self.server.routes[("POST", "/auth/o2/token")] = (200, sample("amazon_lwa_token.json"))
        self.server.routes[("GET", "/orders/v0/orders")] = self._orders_api
        self.server.routes[("POST", "/orders/v0/orders/")] = self._confirm_shipment

    # ------------------------------------------------------------------ fake SP-API
    def _orders_api(self, request):
        if request.headers.get("x-amz-access-token") != TOKEN:
            return 403, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]}
        path = urlsplit(request.path).path
        if path == "/orders/v0/orders":
            return self.listing.pop(0)
        if path == f"/orders/v0/orders/{ORDER}":
            return 200, {"payload": self.order}
        if path == f"/orders/v0/orders/{ORDER}/orderItems":
            return 200, {"payload": {"AmazonOrderId": ORDER, "OrderItems": self.items}}
        return 404, {"errors": [{"code": "InvalidInput", "message": "Invalid order id"}]}

    def _confirm_shipment(self, request):
        self.order["OrderStatus"] = "Shipped"
        return 204, {}

    def _pull(self):
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()

    # ------------------------------------------------------------------ tests
    def test_pull_with_next_token_then_order_confirmed_and_shipment_confirmed_once(self):
        pending = dict(copy.deepcopy(self.summary), AmazonOrderId="028-0000000-0000001")
        pending["OrderStatus"] = "Pending"
        self.listing = [
            (200, sample("amazon_get_orders.json")),
            (200, {"payload": {"Orders": [pending]}}),
        ]
        self._pull()
        lists = [
            parse_qs(urlsplit(r.path).query)
            for r in self.server.calls("GET", "/orders/v0/orders")
            if urlsplit(r.path).path == "/orders/v0/orders"
        ]
        self.assertEqual(lists[0]["FulfillmentChannels"], ["MFN"])
        self.assertEqual(lists[0]["MarketplaceIds"], [DE])
        self.assertTrue(lists[0]["LastUpdatedAfter"][0].endswith("Z"))
        self.assertEqual(
            lists[1], {"MarketplaceIds": [DE], "NextToken": ["MRgZW55IGNhcm5hbCBwbGVhc3VyZS4="]}
        )
        tokens = self.server.calls("POST", "/auth/o2/token")
        self.assertEqual(len(tokens), 1, "one access token for the pull and the order's reads")
        self.assertEqual(
            parse_qs(tokens[0].body.decode())["grant_type"], ["refresh_token"], "LWA refresh"
        )
        order = self._orders()
        self.assertEqual(order.client_order_ref, ORDER, "the Pending order is not taken in")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.currency_id.name, "EUR")
        self.assertAlmostEqual(order.amount_total, 74.97, places=2)
        self.assertAlmostEqual(order.amount_tax, 11.98, places=2)
        self.assertEqual(order.oms_ship_by, datetime(2026, 3, 12, 22, 59, 59))
        self.assertEqual(
            sorted(
                order.order_line.filtered(lambda line: not line.is_delivery).mapped(
                    lambda line: (
                        line.product_id.default_code,
                        line.product_uom_qty,
                        line.price_unit,
                        line.discount,
                    )
                )
            ),
            [("OMS-AMZ-BULB", 1.0, 12.5, 20.0), ("OMS-AMZ-LAMP", 2.0, 29.99, 0.0)],
        )
        self.assertEqual(order.order_line.filtered("is_delivery").price_unit, 4.99)
        # pulled again, nothing changed: nothing stored
        self.listing = [(200, {"payload": {"Orders": [copy.deepcopy(self.summary)]}})]
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
        trap.assert_jobs_count(0)

        picking = order.picking_ids
        picking.write({"carrier_tracking_ref": "00340434161094042557", "oms_carrier_name": "DHL"})
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs() as trap:
            picking.button_validate()
            trap.perform_enqueued_jobs()
            picking._oms_job_push_tracking()  # a retry tells nothing again
        confirms = self.server.calls("POST", f"/orders/v0/orders/{ORDER}/shipmentConfirmation")
        self.assertEqual(len(confirms), 1)
        body = confirms[0].json
        self.assertRegex(body["packageDetail"].pop("shipDate"), r"^\d{4}-\d\d-\d\dT[\d:]{8}Z$")
        self.assertEqual(
            body,
            {
                "marketplaceId": DE,
                "packageDetail": {
                    "packageReferenceId": picking.name,
                    "carrierCode": "DHL",
                    "trackingNumber": "00340434161094042557",
                    "orderItems": [
                        {"orderItemId": "68828574383266", "quantity": 2},
                        {"orderItemId": "68828574383290", "quantity": 1},
                    ],
                },
            },
        )
        self.assertEqual(picking.oms_tracking_state, "pushed")

    def test_429_backs_off_then_cancellation_cancels_order_and_delivery(self):
        self.listing = [
            (429, {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]})
        ]
        try:  # not assertRaises: its savepoint would undo the budget's pause
            self.channel._job_pull_orders()
        except RetryableJobError as exc:
            self.assertEqual(exc.seconds, 5, "no Retry-After: one refill of the bucket")
        else:
            self.fail("a 429 retries the pull")
        budget = self.env["oms.marketplace.budget"].search(
            [("channel_id", "=", self.channel.id), ("name", "=", "getOrders")]
        )
        self.assertGreater(budget.blocked_until, time.time() + 3)
        self.assertEqual(budget.tokens, 0.0, "getOrders refills one call a minute from there")
        # a quarter of an hour later: the bucket is full again
        budget.write({"blocked_until": 0.0, "tokens": 20.0, "refilled_at": time.time()})
        budget.flush_recordset()  # the budget is read in its own cursor
        self.listing = [(200, {"payload": {"Orders": [copy.deepcopy(self.summary)]}})]
        self._pull()
        order = self._orders()
        self.assertEqual(order.state, "sale")
        self.order["OrderStatus"] = "Canceled"
        self.listing = [(200, {"payload": {"Orders": [copy.deepcopy(self.order)]}})]
        self._pull()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.picking_ids.mapped("state"), ["cancel"])

    def test_stock_per_sku_through_listings_items(self):
        answers = {
            "OMS-AMZ-LAMP": {"sku": "OMS-AMZ-LAMP", "status": "ACCEPTED", "issues": []},
            "OMS-AMZ-BULB": {
                "sku": "OMS-AMZ-BULB",
                "status": "INVALID",
                "issues": [{"code": "4000001", "message": "SKU not found", "severity": "ERROR"}],
            },
        }
        self.server.routes[("PATCH", "/listings/2021-08-01/items/A2OMSTESTSELLER/")] = (
            lambda request: (200, answers[urlsplit(request.path).path.rsplit("/", 1)[1]])
        )
        self.channel.write({"stock_sync": True, "stock_buffer": 2})
        self.env["oms.channel.stock.level"]._ensure_levels(
            self.channel.id, (self.lamp | self.bulb).ids
        )
        self.channel._push_stock_levels()
        calls = self.server.calls("PATCH", "/listings/2021-08-01/items/")
        self.assertEqual(len(calls), 2, "one call per SKU")
        lamp = next(c for c in calls if "OMS-AMZ-LAMP" in c.path)
        self.assertEqual(parse_qs(urlsplit(lamp.path).query), {"marketplaceIds": [DE]})
        self.assertEqual(
            lamp.json["patches"],
            [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 10}],
                }
            ],
        )
        bulb = next(c for c in calls if "OMS-AMZ-BULB" in c.path)
        self.assertEqual(bulb.json["patches"][0]["value"][0]["quantity"], 0, "never negative")
        level = self.env["oms.channel.stock.level"].search(
            [("channel_id", "=", self.channel.id), ("product_id", "=", self.bulb.id)]
        )
        self.assertEqual(level.error, "SKU not found")

    def test_credentials_for_managers_and_test_connection(self):
        user = new_test_user(self.env, login="oms_amz_user", groups="oms_connector.group_oms_user")
        seen = self.env["oms.channel"].with_user(user).fields_get()
        for name in ("api_key", "api_secret", "marketplace_client_id", "marketplace_token_url"):
            self.assertNotIn(name, seen)
        self.server.routes[("GET", "/sellers/v1/marketplaceParticipations")] = (
            200,
            sample("amazon_marketplace_participations.json"),
        )
        self.server.routes[("POST", "/auth/o2/token")] = (
            400,
            {"error": "invalid_grant", "error_description": "The request has an invalid grant"},
        )
        with self.assertRaisesRegex(Exception, "invalid_grant"):
            self.channel.action_test_connection()
        self.server.routes[("POST", "/auth/o2/token")] = (200, sample("amazon_lwa_token.json"))
        self.channel.marketplace_warehouse_ids.unlink()
        action = self.channel.action_test_connection()
        self.assertIn("1 new", action["params"]["message"])
        self.assertEqual(self.channel.marketplace_warehouse_ids.name, "Amazon.de")
