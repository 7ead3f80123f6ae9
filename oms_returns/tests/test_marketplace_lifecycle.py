# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each marketplace end to end against its local imitation: the order pulled becomes a
confirmed, routed order with its delivery; the delivery validated, the shipment and the stock
go back; a return pulled becomes an OMS return (once), a return of an order not taken in yet
waits for it, a broken return fails naming the JSON path and is retried. The buyer's
cancellation before shipping is tested per marketplace in ``oms_connector``
(``test_marketplace_*``).
Expected values: ``data/MARKETPLACE_RETURNS.md``."""

import copy
import gzip
import json
from datetime import UTC, datetime
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from odoo import Command
from odoo.addons.oms_connector.adapters import amazon
from odoo.addons.oms_connector.tests.common_marketplace import sample
from odoo.tests import HttpCase, tagged

from ..adapters.wildberries import WildberriesReturnRequestAdapterMixin
from .common_marketplace_returns import DATA, MarketplaceReturnsMixin, returns_sample


def _query(request):
    return {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}


@tagged("post_install", "-at_install")
class TestLifecycleOzon(MarketplaceReturnsMixin, HttpCase):
    order_ref = "57195475-0050-3"
    expected_return = (
        "1000015552",
        [("OMS-OZ-MUG", 1.0, "other", "Товар не подошёл по характеристикам")],
    )
    broken_path = "$.product.quantity"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("ozon", "t-ozon-life", "1020000089903000")
        cls.kettle = cls._create_product("OMS-OZ-KETTLE", "Electric kettle", stock=7)
        cls.mug = cls._create_product("OMS-OZ-MUG", "Ceramic mug", stock=5)

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.posting = copy.deepcopy(sample("ozon_posting_fbs_get.json")["result"])
        self.listed, self.returns = [], []
        routes = self.server.routes
        routes[("POST", "/v3/posting/fbs/list")] = lambda r: (
            200,
            {"result": {"postings": copy.deepcopy(self.listed), "has_next": False}},
        )
        routes[("POST", "/v3/posting/fbs/get")] = lambda r: (200, {"result": self.posting})
        routes[("POST", "/v4/posting/fbs/ship")] = self._ship_posting
        routes[("POST", "/v1/returns/list")] = self._list_returns
        routes[("POST", "/v2/products/stocks")] = lambda r: (
            200,
            {"result": [dict(item, updated=True, errors=[]) for item in r.json["stocks"]]},
        )

    def _ship_posting(self, request):
        self.posting["status"] = "awaiting_deliver"
        return 200, {"additional_data": [], "result": [request.json["posting_number"]]}

    def _list_returns(self, request):
        """One return a page, paged by ``last_id`` while ``has_next``."""
        after = request.json["last_id"]
        page = [r for r in self.returns if r["id"] > after][:1]
        more = bool(page) and page[-1]["id"] < max(r["id"] for r in self.returns)
        return 200, {"returns": page, "has_next": more}

    def _serve_order(self):
        self.listed = [self.posting]

    def _serve_returns(self, returns):
        self.returns = returns or []

    def _sample_returns(self):
        return returns_sample("ozon_returns_list.json")["returns"]

    def _break_return(self, returns):
        returns = copy.deepcopy(returns)
        returns[0]["product"]["quantity"] = "один"
        return returns

    def _assert_shipment_told(self, order, picking):
        ships = self.server.calls("POST", "/v4/posting/fbs/ship")
        self.assertEqual(len(ships), 1)
        self.assertEqual(
            ships[0].json["packages"],
            [
                {
                    "products": [
                        {"product_id": 1592315043, "quantity": 1},
                        {"product_id": 1592315087, "quantity": 2},
                    ]
                }
            ],
        )
        self.assertEqual(picking.oms_tracking_state, "pushed")

    def _assert_stock_told(self):
        (call,) = self.server.calls("POST", "/v2/products/stocks")
        self.assertEqual(
            sorted(call.json["stocks"], key=lambda item: item["offer_id"]),
            [
                {"offer_id": "OMS-OZ-KETTLE", "stock": 6, "warehouse_id": 1020000089903000},
                {"offer_id": "OMS-OZ-MUG", "stock": 3, "warehouse_id": 1020000089903000},
            ],
        )

    def test_order_shipped_stock_told_return_taken_in_once(self):
        self._check_lifecycle()
        call = self.server.calls("POST", "/v1/returns/list")[-1]
        self.assertEqual(call.json["filter"]["return_schema"], "FBS")

    def test_return_of_an_order_not_taken_in_waits_for_it(self):
        self._check_return_waits_for_its_order(self.mug)

    def test_broken_return_fails_naming_the_path_then_retry(self):
        self._check_bad_return_fails_then_retry()


@tagged("post_install", "-at_install")
class TestLifecycleWildberries(MarketplaceReturnsMixin, HttpCase):
    order_ref = "WB 3801102211"
    expected_return = (
        "fe3e9337-e9f9-423c-8930-946a8ebef80a",
        [("OMS-WB-SCARF", 1.0, "other", "Шарф колется, вернуть деньги")],
    )
    broken_path = "$.srid"
    pulled_returns = 2  # the refused claim is not stored, the FBW one is ignored

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("wildberries", "t-wb-life", "658434")
        cls.scarf = cls._create_product("OMS-WB-SCARF", "Wool scarf", "2041234567890", 10)
        cls.mittens = cls._create_product("OMS-WB-MITTENS", "Mittens", "2041234567906", 3)

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.tasks = []
        self.statuses = {s["id"]: s for s in sample("wb_orders_status.json")["orders"]}
        self.claims = []
        routes = self.server.routes
        routes[("GET", "/api/v3/orders/new")] = lambda r: (
            200,
            {"orders": [t for t in self.tasks if self._is_new(t)]},
        )
        routes[("GET", "/api/v3/orders")] = self._list_tasks
        routes[("POST", "/api/v3/orders/status")] = lambda r: (
            200,
            {"orders": [self.statuses[i] for i in r.json["orders"]]},
        )
        routes[("POST", "/api/v3/supplies")] = (201, {"id": "WB-GI-92817364"})
        routes[("PATCH", "/api/v3/supplies/")] = self._add_to_supply
        routes[("PUT", "/api/v3/stocks/")] = (204, {})
        routes[("GET", "/api/v1/claims")] = self._list_claims

    def _is_new(self, task):
        return self.statuses[task["id"]]["supplierStatus"] == "new"

    def _list_tasks(self, request):
        """Two tasks a page, paged by the ``next`` cursor."""
        after = int(_query(request)["next"])
        page = [t for t in self.tasks if t["id"] > after][:2]
        return 200, {"next": page[-1]["id"] if page else after, "orders": page}

    def _add_to_supply(self, request):
        task_id = int(request.path.rsplit("/", 1)[1])
        self.statuses[task_id] = dict(self.statuses[task_id], supplierStatus="confirm")
        return 204, {}

    def _list_claims(self, request):
        """Claims being decided (``is_archive=false``), none archived; offset / limit."""
        query = _query(request)
        claims = self.claims if query["is_archive"] == "false" else []
        offset, limit = int(query["offset"]), int(query["limit"])
        return 200, {"claims": claims[offset : offset + limit], "total": len(claims)}

    def _serve_order(self):
        self.tasks = sample("wb_orders_new.json")["orders"]

    def _serve_returns(self, returns):
        self.claims = returns or []

    def _sample_returns(self):
        return returns_sample("wb_claims.json")["claims"]

    def _break_return(self, returns):
        returns = copy.deepcopy(returns)
        del returns[0]["srid"]
        return returns

    def _assert_stored_payload(self, event, broken):
        claim = (self._break_return if broken else lambda c: c)(self._sample_returns())[0]
        if not broken:  # the pull stamps the claim with the task of its srid
            claim.update(oms_order_uid=self.tasks[0]["orderUid"], oms_task_id="3801102212")
        self.assertEqual(json.loads(event.payload), claim)

    def _assert_shipment_told(self, order, picking):
        self.assertEqual(
            sorted(r.path for r in self.server.calls("PATCH", "/api/v3/supplies/")),
            [
                f"/api/v3/supplies/WB-GI-92817364/orders/{task}"
                for task in (3801102211, 3801102212, 3801102213)
            ],
        )
        self.assertEqual(len(self.server.calls("POST", "/api/v3/supplies")), 1)
        self.assertEqual(picking.oms_tracking_state, "pushed")

    def _assert_stock_told(self):
        (call,) = self.server.calls("PUT", "/api/v3/stocks/")
        self.assertEqual(call.path, "/api/v3/stocks/658434")
        self.assertEqual(
            sorted(call.json["stocks"], key=lambda item: item["sku"]),
            [{"sku": "2041234567890", "amount": 8}, {"sku": "2041234567906", "amount": 2}],
        )

    def test_order_shipped_stock_told_return_taken_in_once(self):
        with patch.object(WildberriesReturnRequestAdapterMixin, "wb_claims_page_size", 2):
            order, ret = self._check_lifecycle()
        # the claim's srid is the rid of task 3801102212: its line, not another scarf's
        self.assertEqual(ret.line_ids.sale_line_id.oms_external_line_id, "3801102212")
        self.assertEqual(ret.line_ids.sale_line_id.order_id, order)
        # the second pull's calls (the first one found no claim)
        claims = self.server.calls("GET", "/api/v1/claims")[2:5]
        self.assertEqual(
            [(_query(c)["is_archive"], _query(c)["offset"]) for c in claims],
            [("false", "0"), ("false", "2"), ("true", "0")],
            "paged by offset while a page is full, then the archive",
        )
        # the tasks of the claims were looked up around their order days (10 and 12 March)
        lookups = {
            _query(c)["dateFrom"]
            for c in self.server.calls("GET", "/api/v3/orders")
            if "/new" not in c.path
        }
        self.assertIn(str(int(datetime(2026, 3, 8, tzinfo=UTC).timestamp())), lookups)
        fbw = self._return_events(all_returns=True) - self._return_events()
        self.assertEqual(fbw.state, "ignored")
        self.assertIn("no FBS assembly task", fbw.error)

    def test_return_of_an_order_not_taken_in_waits_for_it(self):
        self._check_return_waits_for_its_order(self.scarf)

    def test_broken_return_fails_naming_the_path_then_retry(self):
        self._check_bad_return_fails_then_retry()


@tagged("post_install", "-at_install")
class TestLifecycleYandexMarket(MarketplaceReturnsMixin, HttpCase):
    order_ref = "48151623420"
    expected_return = ("7734120", [("OMS-YM-CUP", 1.0, "defective", "Скол на ободке чашки")])
    broken_path = "$.items[0].shopSku"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("yandex_market", "t-ym-life", "21987654")
        cls.channel.write(
            {
                "marketplace_campaign_id": "21987654",
                "marketplace_business_id": "7654321",
                "shipping_product_id": cls.env["product.product"]
                .create({"name": "Yandex Market delivery", "type": "service"})
                .id,
            }
        )
        cls.teapot = cls._create_product("OMS-YM-TEAPOT", "Glass teapot", stock=9)
        cls.cup = cls._create_product("OMS-YM-CUP", "Porcelain cup", stock=5)

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.order = copy.deepcopy(sample("yandex_business_orders.json")["orders"][0])
        self.listed, self.returns = False, None
        routes = self.server.routes
        routes[("POST", "/v1/businesses/7654321/orders")] = lambda r: (
            200,
            {"orders": [copy.deepcopy(self.order)] if self.listed else [], "paging": {}},
        )
        routes[("PUT", "/v2/campaigns/21987654/orders/")] = self._put_order
        routes[("PUT", "/v2/campaigns/21987654/offers/stocks")] = (200, {"status": "OK"})
        routes[("GET", "/v2/campaigns/21987654/returns")] = self._list_returns

    def _put_order(self, request):
        action = request.path.split("/", 6)[6]
        if action == "status":
            self.order.update(request.json["order"])
            return 200, {"order": {"id": int(self.order_ref), **request.json["order"]}}
        return 200, {"result": {"boxes": [{"boxId": 1, "items": request.json["boxes"][0]}]}}

    def _list_returns(self, request):
        """The sample's page, then (``page_token``) an empty last page."""
        if _query(request).get("page_token") or not self.returns:
            return 200, {"status": "OK", "result": {"paging": {}, "returns": []}}
        return 200, self.returns

    def _serve_order(self):
        self.listed = True

    def _serve_returns(self, returns):
        self.returns = returns and {
            "status": "OK",
            "result": dict(returns_sample("yandex_returns.json")["result"], returns=returns),
        }

    def _sample_returns(self):
        return returns_sample("yandex_returns.json")["result"]["returns"]

    def _break_return(self, returns):
        returns = copy.deepcopy(returns)
        del returns[0]["items"][0]["shopSku"]
        return returns

    def _assert_shipment_told(self, order, picking):
        path = f"/v2/campaigns/21987654/orders/{self.order_ref}"
        (boxes,) = self.server.calls("PUT", f"{path}/boxes")
        self.assertEqual(
            boxes.json["boxes"][0]["items"],
            [{"id": 612300001, "fullCount": 1}, {"id": 612300002, "fullCount": 3}],
        )
        self.assertEqual(
            [call.json for call in self.server.calls("PUT", f"{path}/status")],
            [{"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}],
        )
        self.assertEqual(picking.oms_tracking_state, "pushed")

    def _assert_stock_told(self):
        (call,) = self.server.calls("PUT", "/v2/campaigns/21987654/offers/stocks")
        sent = {item["sku"]: item["items"] for item in call.json["skus"]}
        self.assertEqual(sent, {"OMS-YM-TEAPOT": [{"count": 8}], "OMS-YM-CUP": [{"count": 2}]})

    def test_order_shipped_stock_told_return_taken_in_once(self):
        self._check_lifecycle()
        calls = self.server.calls("GET", "/v2/campaigns/21987654/returns")
        self.assertEqual(_query(calls[-1])["page_token"], "eyBuZXh0SWQ6IDc3MzQxMjAgfQ==")
        self.assertRegex(_query(calls[-1])["fromDate"], r"^\d{4}-\d\d-\d\d$")

    def test_return_of_an_order_not_taken_in_waits_for_it(self):
        self._check_return_waits_for_its_order(self.cup)

    def test_broken_return_fails_naming_the_path_then_retry(self):
        self._check_bad_return_fails_then_retry()


@tagged("post_install", "-at_install")
class TestLifecycleAmazon(MarketplaceReturnsMixin, HttpCase):
    order_ref = "302-4615372-6734656"
    expected_return = (
        "Dq7Xb3KmRRMA",
        [
            ("OMS-AMZ-LAMP", 1.0, "defective", "CR-DEFECTIVE / StandardRefund"),
            ("OMS-AMZ-BULB", 1.0, "not_as_described", "AMZ-PG-BAD-DESC / StandardRefund"),
        ],
    )
    broken_path = "$.rows[0].return_quantity"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("amazon", "t-amz-life", "A1PA6795UKMFR9")
        eur = cls.env.ref("base.EUR")
        eur.active = True
        vat_19 = cls.env["account.tax"].create(
            {
                "name": "MwSt. 19% incl. (t-amz-life)",
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
                "marketplace_ids": "A1PA6795UKMFR9",
                "marketplace_seller_id": "A2OMSTESTSELLER",
                "marketplace_vat_rate": 0.0,
                "tax_mapping_ids": [
                    Command.clear(),
                    Command.create(
                        {"rate": 19.0, "tax_id": vat_19.id, "tax_included_id": vat_19.id}
                    ),
                ],
                "shipping_product_id": cls.env["product.product"]
                .create({"name": "Amazon shipping", "type": "service"})
                .id,
            }
        )
        cls.lamp = cls._create_product("OMS-AMZ-LAMP", "Desk lamp", stock=12)
        cls.bulb = cls._create_product("OMS-AMZ-BULB", "LED bulb", stock=4)

    def setUp(self):
        super().setUp()
        amazon._TOKENS.clear()
        self.server.requests.clear()
        self.server.routes.clear()
        self.order = copy.deepcopy(sample("amazon_get_orders.json")["payload"]["Orders"][0])
        self.items = sample("amazon_get_order_items.json")["payload"]["OrderItems"]
        self.listed, self.report = False, None
        routes = self.server.routes
        routes[("POST", "/auth/o2/token")] = (200, sample("amazon_lwa_token.json"))
        routes[("GET", "/orders/v0/orders")] = self._orders_api
        routes[("POST", "/orders/v0/orders/")] = self._confirm_shipment
        routes[("PATCH", "/listings/2021-08-01/items/A2OMSTESTSELLER/")] = lambda r: (
            200,
            {"sku": urlsplit(r.path).path.rsplit("/", 1)[1], "status": "ACCEPTED", "issues": []},
        )
        routes[("POST", "/reports/2021-06-30/reports")] = self._create_report
        routes[("GET", "/reports/2021-06-30/reports/")] = self._get_report
        routes[("GET", "/reports/2021-06-30/documents/")] = lambda r: (
            200,
            {
                "reportDocumentId": "amzn1.spdoc.1.4.eu.omstest",
                "url": f"{self.server.url}/s3/returns-report.tsv.gz?X-Amz-Signature=omstest",
                "compressionAlgorithm": "GZIP",
            },
        )
        routes[("GET", "/s3/")] = lambda r: (200, gzip.compress(self.report.encode()))

    # ------------------------------------------------------------------ fake SP-API
    def _orders_api(self, request):
        path = urlsplit(request.path).path
        if path == "/orders/v0/orders":
            return 200, {"payload": {"Orders": [copy.deepcopy(self.order)] if self.listed else []}}
        if path == f"/orders/v0/orders/{self.order_ref}":
            return 200, {"payload": self.order}
        if path == f"/orders/v0/orders/{self.order_ref}/orderItems":
            return 200, {"payload": {"AmazonOrderId": self.order_ref, "OrderItems": self.items}}
        return 404, {"errors": [{"code": "InvalidInput", "message": "Invalid order id"}]}

    def _confirm_shipment(self, request):
        self.order["OrderStatus"] = "Shipped"
        return 204, {}

    def _create_report(self, request):
        return 202, {"reportId": "50039018888"}

    def _get_report(self, request):
        return 200, {
            "reportId": "50039018888",
            "reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
            "processingStatus": "DONE",
            "dataStartTime": "2026-03-01T00:00:00+00:00",
            "dataEndTime": "2026-03-25T00:00:00+00:00",
            "reportDocumentId": "amzn1.spdoc.1.4.eu.omstest",
        }

    def _serve_order(self):
        self.listed = True

    def _serve_returns(self, returns):
        header = (DATA / "amazon_returns_report.tsv").read_text().splitlines()[0]
        self.report = returns or header + "\n"

    def _sample_returns(self):
        return (DATA / "amazon_returns_report.tsv").read_text()

    def _break_return(self, returns):
        return returns.replace("\t1\tCR-DEFECTIVE\t", "\t\tCR-DEFECTIVE\t")

    def _assert_stored_payload(self, event, broken):
        payload = json.loads(event.payload)
        self.assertEqual(payload["amazon_rma_id"], "Dq7Xb3KmRRMA")
        self.assertEqual(payload["order_id"], self.order_ref)
        self.assertEqual(
            [(row["merchant_sku"], row["return_quantity"]) for row in payload["rows"]],
            [("OMS-AMZ-LAMP", "" if broken else "1"), ("OMS-AMZ-BULB", "1")],
        )
        self.assertEqual(len(payload["rows"][0]), 32, "every column of the report is kept")

    def _prepare_shipment(self, picking):
        picking.write({"carrier_tracking_ref": "00340434161094042557", "oms_carrier_name": "DHL"})

    def _assert_shipment_told(self, order, picking):
        (confirm,) = self.server.calls(
            "POST", f"/orders/v0/orders/{self.order_ref}/shipmentConfirmation"
        )
        self.assertEqual(
            confirm.json["packageDetail"]["orderItems"],
            [
                {"orderItemId": "68828574383266", "quantity": 2},
                {"orderItemId": "68828574383290", "quantity": 1},
            ],
        )
        self.assertEqual(confirm.json["packageDetail"]["trackingNumber"], "00340434161094042557")
        self.assertEqual(picking.oms_tracking_state, "pushed")

    def _assert_stock_told(self):
        calls = self.server.calls("PATCH", "/listings/2021-08-01/items/A2OMSTESTSELLER/")
        sent = {
            urlsplit(c.path).path.rsplit("/", 1)[1]: c.json["patches"][0]["value"][0]["quantity"]
            for c in calls
        }
        # by SKU: the ASIN the levels learnt from the order is no listing's id
        self.assertEqual(sent, {"OMS-AMZ-LAMP": 10, "OMS-AMZ-BULB": 3})

    def test_order_shipped_stock_told_return_taken_in_once(self):
        self._check_lifecycle()
        requested = self.server.calls("POST", "/reports/2021-06-30/reports")
        self.assertEqual(
            {k: v for k, v in requested[0].json.items() if not k.startswith("data")},
            {
                "reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
                "marketplaceIds": ["A1PA6795UKMFR9"],
            },
        )
        # the next report starts an hour before the end of the last one
        self.assertEqual(requested[-1].json["dataStartTime"], "2026-03-24T23:00:00Z")
        self.assertFalse(self.channel.oms_returns_report_id)

    def test_report_not_ready_is_read_by_the_next_pull(self):
        ready = self._get_report
        self._get_report = lambda r: (200, dict(ready(r)[1], processingStatus="IN_PROGRESS"))
        self.server.routes[("GET", "/reports/2021-06-30/reports/")] = self._get_report
        self._serve_returns(self._sample_returns())
        self._pull()
        self.assertEqual(self.channel.oms_returns_report_id, "50039018888")
        self.assertFalse(self._return_events(all_returns=True))
        self.server.routes[("GET", "/reports/2021-06-30/reports/")] = ready
        self._pull()
        self.assertEqual(len(self.server.calls("POST", "/reports/2021-06-30/reports")), 1)
        self.assertFalse(self.channel.oms_returns_report_id)
        self.assertEqual(self._return_events().state, "waiting", "its order is not in yet")

    def test_return_of_an_order_not_taken_in_waits_for_it(self):
        self._check_return_waits_for_its_order(self.bulb)

    def test_broken_return_fails_naming_the_path_then_retry(self):
        self._check_bad_return_fails_then_retry()
