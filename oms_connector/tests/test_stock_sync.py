# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Available-to-promise per channel and its push to the channel."""

import json
from pathlib import Path

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, new_test_user, tagged

from .fake_servers import FakeServer
from .routing_common import RoutingFactoryMixin

DATA = Path(__file__).parent / "data"


@tagged("post_install", "-at_install")
class TestStockSync(RoutingFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.shop = FakeServer().start()
        cls.addClassCleanup(cls.shop.stop)
        cls.channel.write(
            {
                "api_url": cls.shop.url,
                "api_secret": "s",
                "stock_sync": True,
                "stock_buffer": 3,
                "stock_warehouse_ids": [Command.set((cls.wh_lyon | cls.wh_hamburg).ids)],
            }
        )
        cls.lamp = cls._create_product("Lamp")
        cls.mug = cls._create_product("Mug")
        cls.chair = cls._create_product("Chair")
        cls._set_stock(cls.lamp, cls.wh_lyon, 10)
        cls._set_stock(cls.lamp, cls.wh_hamburg, 5)
        cls._set_stock(cls.lamp, cls.wh_madrid, 100)  # Madrid does not serve the channel
        cls._set_stock(cls.mug, cls.wh_lyon, 2)
        cls._set_stock(cls.chair, cls.wh_lyon, 4)
        Level = cls.env["oms.channel.stock.level"]
        cls.level_lamp = Level.create({"channel_id": cls.channel.id, "product_id": cls.lamp.id})
        cls.level_mug = Level.create({"channel_id": cls.channel.id, "product_id": cls.mug.id})
        cls.level_chair = Level.create(
            {
                "channel_id": cls.channel.id,
                "product_id": cls.chair.id,
                "use_own_buffer": True,
                "buffer": 0,
            }
        )
        cls._create_rule("Lyon", "fixed", warehouse_id=cls.wh_lyon.id)
        cls.oms_user = new_test_user(
            cls.env,
            login="stock_sync_user",
            groups="oms_connector.group_oms_user,stock.group_stock_user",
        )

    def setUp(self):
        super().setUp()
        self.shop.requests.clear()
        self.shop.routes[("POST", "/stock")] = (200, {})

    def _pushed(self):
        return {
            item["sku"]: item["quantity"]
            for call in self.shop.calls("POST", "/stock")
            for item in call.json["levels"]
        }

    def test_available_to_promise_with_buffers_never_negative(self):
        levels = (self.level_lamp | self.level_mug | self.level_chair).with_user(self.oms_user)
        # lamp: 10 + 5 in the channel's warehouses, minus 3; mug: 2 - 3 -> 0; chair: own buffer 0
        self.assertEqual(levels.mapped("available_to_promise"), [12.0, 0.0, 4.0])
        order = self._create_channel_order([(self.lamp, 4)])
        self._route(order)
        self.assertEqual(order.state, "sale")
        levels.invalidate_recordset()
        self.assertEqual(self.level_lamp.available_to_promise, 8.0, "a confirmed delivery holds 4")
        self.level_lamp.write({"use_own_buffer": True, "buffer": 50})
        self.assertEqual(self.level_lamp.available_to_promise, 0.0)

    def test_full_push_then_only_changes_are_pushed(self):
        self.channel._job_push_stock_levels(full=True)
        self.assertEqual(
            self._pushed(),
            {
                self.lamp.default_code: 12.0,
                self.mug.default_code: 0.0,
                self.chair.default_code: 4.0,
            },
        )
        self.assertEqual(self.level_lamp.last_quantity, 12.0)
        self.assertTrue(self.level_lamp.last_pushed_at)
        # nothing changed: nothing sent
        self.shop.requests.clear()
        self.channel._job_push_stock_levels()
        self.assertEqual(self.shop.requests, [])
        # two stock changes in a row: one debounced job, which sends the new level only
        with trap_jobs() as trap:
            for quantity in (20, 25):
                quant = self.env["stock.quant"].search(
                    [
                        ("product_id", "=", self.lamp.id),
                        ("location_id", "=", self.wh_lyon.lot_stock_id.id),
                    ]
                )
                quant.inventory_quantity = quantity
                quant.action_apply_inventory()
            trap.assert_jobs_count(1, only=self.channel._job_push_stock_levels)
            trap.assert_enqueued_job(
                self.channel._job_push_stock_levels, kwargs={"full": False}, properties={"eta": 30}
            )
            self.assertTrue(self.level_lamp.dirty)
            self.assertFalse(self.level_mug.dirty)
            trap.perform_enqueued_jobs()
        self.assertEqual(self._pushed(), {self.lamp.default_code: 27.0})
        self.assertFalse(self.level_lamp.dirty)

    def test_nightly_reconciliation_pushes_everything(self):
        self.channel._job_push_stock_levels(full=True)
        self.shop.requests.clear()
        with trap_jobs() as trap:
            self.env["oms.channel"]._cron_reconcile_stock_levels()
            trap.assert_enqueued_job(self.channel._job_push_stock_levels, kwargs={"full": True})
            trap.perform_enqueued_jobs()
        self.assertEqual(len(self._pushed()), 3, "every level sent again, changed or not")

    def test_refused_levels_are_shown_and_the_rest_pushed(self):
        self.shop.routes[("POST", "/stock")] = (
            200,
            {"errors": {self.mug.default_code: "Unknown SKU"}},
        )
        self.channel._job_push_stock_levels(full=True)
        self.assertEqual(self.level_mug.error, "Unknown SKU")
        self.assertFalse(self.level_mug.last_pushed_at)
        self.assertEqual(self.level_lamp.last_quantity, 12.0)
        self.assertFalse(self.level_lamp.error)

    def test_woocommerce_batch_update(self):
        woo = self.env["oms.channel"].create(
            {
                "name": "Woo Stock",
                "code": "woo-stock-test",
                "platform": "woocommerce",
                "api_url": self.shop.url,
                "api_key": "ck",
                "api_secret": "cs",
                "stock_sync": True,
                "stock_warehouse_ids": [Command.set(self.wh_lyon.ids)],
            }
        )
        Level = self.env["oms.channel.stock.level"]
        lamp = Level.create(
            {"channel_id": woo.id, "product_id": self.lamp.id, "external_id": "799"}
        )
        mug = Level.create({"channel_id": woo.id, "product_id": self.mug.id, "external_id": "800"})
        chair = Level.create({"channel_id": woo.id, "product_id": self.chair.id})
        answer = json.loads((DATA / "woocommerce_products_batch.json").read_text())
        self.shop.routes[("POST", "/wp-json/wc/v3/products/batch")] = (200, answer)
        woo._job_push_stock_levels(full=True)
        [call] = self.shop.calls("POST", "/wp-json/wc/v3/products/batch")
        self.assertEqual(
            call.json["update"],
            [
                {"id": 799, "manage_stock": True, "stock_quantity": 10},
                {"id": 800, "manage_stock": True, "stock_quantity": 2},
            ],
        )
        self.assertEqual(lamp.last_quantity, 10.0)
        self.assertEqual(mug.error, "Invalid ID.")
        self.assertEqual(chair.error, "No WooCommerce product id on this stock level.")

    def test_channel_orders_create_stock_levels(self):
        cushion = self._create_product("Cushion")
        order = self._create_channel_order([(cushion, 1), (self.lamp, 1)])
        created = self.env["oms.channel.stock.level"]._ensure_levels_for_orders(order)
        self.assertEqual(created.product_id, cushion)
        self.assertTrue(created.dirty)
