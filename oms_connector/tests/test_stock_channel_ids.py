# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stock levels learn the channel's product ids from the orders (and the product mappings),
and the stock push uses them: WooCommerce variations through their parent's variations batch,
Shopify variants through their inventory item."""

from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common_mapping import IntakeMappingMixin
from .fake_servers import FakeServer

WOO_API = "/wp-json/wc/v3"
SHOPIFY_API = "/admin/api/2025-01"


@tagged("post_install", "-at_install")
class TestStockChannelIds(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        cls.shop = FakeServer().start()
        cls.addClassCleanup(cls.shop.stop)
        # the channels sell the stock of a warehouse of their own: quantities known to the unit
        cls.warehouse = cls.env["stock.warehouse"].create({"name": "Web Stock", "code": "WEBS"})
        stock = {"OMS-ELE-025": 4, "OMS-APP-002": 7, "OMS-APP-001": 12, "OMS-HOM-013": 3}
        for sku, quantity in stock.items():
            cls.env["stock.quant"]._update_available_quantity(
                cls.products[sku], cls.warehouse.lot_stock_id, quantity
            )
        sync = {
            "api_url": cls.shop.url,
            "stock_sync": True,
            "stock_warehouse_ids": [Command.set(cls.warehouse.ids)],
        }
        cls.woo.write(dict(sync, api_key="ck_test", api_secret="cs_test"))
        cls.shopify.write(dict(sync, api_key="shpat_test", stock_external_location="655441491"))
        cls.charger = cls.products["OMS-ELE-025"]  # a simple product on WooCommerce
        cls.sweater = cls.products["OMS-APP-002"]  # variation 705 of variable product 701
        cls.Level = cls.env["oms.channel.stock.level"]

    def setUp(self):
        super().setUp()
        self.shop.requests.clear()

    def _level(self, channel, product):
        return self.Level.search([("channel_id", "=", channel.id), ("product_id", "=", product.id)])

    def _woo_answer(self, request):
        """WooCommerce's batch answer: every item updated."""
        return 200, {
            "update": [
                {"id": item["id"], "stock_quantity": item["stock_quantity"]}
                for item in request.json["update"]
            ]
        }

    def _woo_routes(self):
        self.shop.routes[("POST", f"{WOO_API}/products/batch")] = self._woo_answer
        self.shop.routes[("POST", f"{WOO_API}/products/701/variations/batch")] = self._woo_answer

    def _woo_order(self, number, **line_values):
        payload = self._sample("woocommerce")
        payload.update(id=number, number=str(number))
        for item in payload["line_items"]:
            item.update(line_values.get(item["sku"], {}))
        return payload

    def test_woocommerce_order_teaches_ids_and_variations_go_to_their_parent(self):
        event = self._process(self.woo, self._sample("woocommerce"))
        self.assertEqual(event.state, "done", event.error)
        charger, sweater = self._level(self.woo, self.charger), self._level(self.woo, self.sweater)
        self.assertEqual((charger.external_id, charger.external_parent_id), ("733", False))
        self.assertEqual((sweater.external_id, sweater.external_parent_id), ("705", "701"))
        self._woo_routes()
        self.woo._job_push_stock_levels(full=True)
        [simple] = self.shop.calls("POST", f"{WOO_API}/products/batch")
        self.assertEqual(
            simple.json["update"], [{"id": 733, "manage_stock": True, "stock_quantity": 4}]
        )
        [variations] = self.shop.calls("POST", f"{WOO_API}/products/701/variations/batch")
        self.assertEqual(
            variations.json["update"], [{"id": 705, "manage_stock": True, "stock_quantity": 7}]
        )
        self.assertEqual(len(self.shop.requests), 2)
        self.assertEqual((charger.last_quantity, charger.error), (4.0, False))
        self.assertEqual((sweater.last_quantity, sweater.error), (7.0, False))
        self.assertTrue(sweater.last_pushed_at)

    def test_batch_intake_fills_empty_ids_only(self):
        """The batch import teaches the levels too; an id a user typed stays, a level whose
        push failed for want of an id gets it and is pushed again."""
        typed = self.Level.create(
            {"channel_id": self.woo.id, "product_id": self.charger.id, "external_id": "9001"}
        )
        empty = self.Level.create(
            {"channel_id": self.woo.id, "product_id": self.sweater.id, "dirty": False}
        )
        self.shop.routes[("POST", f"{WOO_API}/products/batch")] = self._woo_answer
        self.woo._job_push_stock_levels(full=True)
        self.assertEqual(empty.error, "No WooCommerce product id on this stock level.")
        self.assertFalse(empty.dirty)
        items = [
            (self._normalize(self.woo, self._woo_order(number)), None) for number in (4901, 4902)
        ]
        results = self.env["oms.channel.order"]._import_normalized_orders(self.woo, items)
        self.assertEqual(len(set(results)), 2)
        self.assertFalse([r for r in results if isinstance(r, Exception)], results)
        self.assertEqual((typed.external_id, typed.external_parent_id), ("9001", False))
        self.assertEqual((empty.external_id, empty.external_parent_id), ("705", "701"))
        self.assertTrue(empty.dirty, "pushed again with its new id")
        self.assertFalse(empty.error)
        self.assertEqual(
            self.Level.search_count([("channel_id", "=", self.woo.id)]), 2, "one per product"
        )

    def test_typed_product_id_gets_the_parent_of_that_id_only(self):
        same = self.Level.create(
            {"channel_id": self.woo.id, "product_id": self.sweater.id, "external_id": "705"}
        )
        self._process(self.woo, self._sample("woocommerce"))
        self.assertEqual((same.external_id, same.external_parent_id), ("705", "701"))
        mug = self.products["OMS-HOM-013"]
        other = self.Level.create(
            {"channel_id": self.woo.id, "product_id": mug.id, "external_id": "88"}
        )
        pair = (self.woo.id, mug.id)
        self.Level._create_missing_levels({pair}, {pair: ("706", "701")})
        self.assertEqual((other.external_id, other.external_parent_id), ("88", False))

    def test_variation_without_parent_is_refused_with_what_to_fill(self):
        """WooCommerce refuses a variation id in ``products/batch``; a variations batch that
        fails as a whole (unknown parent) is the error of its levels only."""
        shirt, mug = self.products["OMS-APP-001"], self.products["OMS-HOM-013"]
        Level = self.Level
        lost = Level.create(
            {"channel_id": self.woo.id, "product_id": self.sweater.id, "external_id": "705"}
        )
        charger = Level.create(
            {"channel_id": self.woo.id, "product_id": self.charger.id, "external_id": "733"}
        )
        orphan = Level.create(
            {
                "channel_id": self.woo.id,
                "product_id": shirt.id,
                "external_id": "905",
                "external_parent_id": "900",  # deleted on WooCommerce: no route, HTTP 404
            }
        )
        typo = Level.create(
            {
                "channel_id": self.woo.id,
                "product_id": mug.id,
                "external_id": "706",
                "external_parent_id": "7O1",
            }
        )
        refused = {
            "id": 705,
            "error": {
                "code": "woocommerce_rest_invalid_product_id",
                "message": "To manipulate product variations you should use the "
                "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.",
                "data": {"status": 404},
            },
        }
        self.shop.routes[("POST", f"{WOO_API}/products/batch")] = (
            200,
            {"update": [refused, {"id": 733, "stock_quantity": 4}]},
        )
        self.woo._job_push_stock_levels(full=True)
        [call] = self.shop.calls("POST", f"{WOO_API}/products/batch")
        self.assertEqual([item["id"] for item in call.json["update"]], [705, 733])
        self.assertEqual(
            lost.error,
            "This is a WooCommerce variation: set its Channel Parent Product ID (the id of the "
            "variable product it belongs to) on the stock level.",
        )
        self.assertFalse(lost.last_pushed_at)
        self.assertEqual((charger.last_quantity, charger.error), (4.0, False))
        self.assertEqual(len(self.shop.calls("POST", f"{WOO_API}/products/900/variations")), 1)
        self.assertIn("WooCommerce answered HTTP 404", orphan.error)
        self.assertFalse(orphan.last_pushed_at)
        self.assertIn("parent product id '7O1' is not a number", typo.error)
        self.assertEqual(len(self.shop.requests), 2, "nothing sent for the level in error")

    def test_shopify_order_teaches_variant_ids_and_push_needs_no_typing(self):
        self._process(self.shopify, self._sample("shopify"))
        shirt = self._level(self.shopify, self.products["OMS-APP-001"])
        mug = self._level(self.shopify, self.products["OMS-HOM-013"])
        self.assertEqual((shirt.external_id, mug.external_id), ("4410000000001", "4410000000013"))
        self.assertFalse(shirt.external_parent_id)
        items = {"4410000000001": 808950810, "4410000000013": 808950813}

        def variant(request):
            variant_id = request.path.rsplit("/", 1)[1].removesuffix(".json")
            return 200, {"variant": {"id": int(variant_id), "inventory_item_id": items[variant_id]}}

        self.shop.routes[("GET", f"{SHOPIFY_API}/variants/")] = variant
        self.shop.routes[("POST", f"{SHOPIFY_API}/inventory_levels/set.json")] = (200, {})
        self.shopify._job_push_stock_levels(full=True)
        pushed = [
            call.json for call in self.shop.calls("POST", f"{SHOPIFY_API}/inventory_levels/set")
        ]
        self.assertEqual(
            sorted(pushed, key=lambda p: p["inventory_item_id"]),
            [
                {"location_id": 655441491, "inventory_item_id": 808950810, "available": 12},
                {"location_id": 655441491, "inventory_item_id": 808950813, "available": 3},
            ],
        )
        self.assertEqual(shirt.external_inventory_id, "808950810")
        self.assertEqual((shirt.last_quantity, shirt.error), (12.0, False))

    def test_product_mapping_gives_the_id_when_orders_do_not(self):
        Mapping = self.env["oms.product.mapping"]
        Mapping.create(
            {"channel_id": self.woo.id, "product_id": self.charger.id, "external_product_id": "733"}
        )
        shirt = self.products["OMS-APP-001"]
        for external_id in ("801", "802"):  # sold as two listings: which one is unknown
            Mapping.create(
                {
                    "channel_id": self.woo.id,
                    "product_id": shirt.id,
                    "external_product_id": external_id,
                }
            )
        levels = self.Level._ensure_levels(self.woo.id, (self.charger | shirt).ids)
        self.assertEqual(
            {level.product_id: level.external_id for level in levels},
            {self.charger: "733", shirt: False},
        )
