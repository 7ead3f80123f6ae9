# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The returns add their platform behaviour to the connector's adapters (extension mixins)."""

from types import SimpleNamespace

from odoo.addons.oms_connector.adapters import OmsPayloadError, get_adapter_class
from odoo.addons.oms_connector.adapters.shopify import ShopifyAdapter
from odoo.addons.oms_connector.adapters.woocommerce import WooCommerceAdapter
from odoo.tests import TransactionCase, tagged

from ..adapters.generic import ReturnRequestAdapterMixin
from ..adapters.shopify import ShopifyReturnRequestAdapterMixin


@tagged("post_install", "-at_install")
class TestReturnsAdapterExtension(TransactionCase):
    def test_every_adapter_reads_return_requests(self):
        shopify = get_adapter_class("shopify")
        self.assertTrue(issubclass(shopify, ShopifyAdapter))
        self.assertEqual(shopify.platform, "shopify")
        self.assertEqual(
            shopify.__mro__[1:4],
            (ShopifyReturnRequestAdapterMixin, ReturnRequestAdapterMixin, ShopifyAdapter),
            "the platform's own mixin first, then the default of every platform",
        )
        self.assertIs(get_adapter_class("shopify"), shopify, "one class per platform")
        woo = get_adapter_class("woocommerce")
        self.assertEqual(woo.__mro__[1:3], (ReturnRequestAdapterMixin, WooCommerceAdapter))

    def test_adapter_of_a_database_without_the_returns(self):
        env = SimpleNamespace(registry=SimpleNamespace(_init_modules={"base", "oms_connector"}))
        self.assertIs(get_adapter_class("woocommerce", env), WooCommerceAdapter)
        self.assertTrue(issubclass(get_adapter_class("woocommerce", self.env), WooCommerceAdapter))
        self.assertIsNot(get_adapter_class("woocommerce", self.env), WooCommerceAdapter)

    def test_channel_adapter_reads_its_platform_format(self):
        channel = self.env["oms.channel"].create(
            {"name": "Ext Shopify", "code": "ext-shopify", "platform": "shopify"}
        )
        adapter = channel._get_adapter()
        request = adapter.normalize_return_request(
            {
                "id": 17,
                "order": {"id": 42},
                "return_line_items": [
                    {"quantity": 2, "return_reason": "DEFECTIVE", "line_item": {"id": 7}}
                ],
                "exchange_line_items": [{"id": 1}],
            }
        )
        self.assertEqual((request.external_id, request.order_external_id), ("17", "42"))
        self.assertEqual(
            [
                (ln.line_external_id, ln.quantity, ln.reason_code, ln.outcome)
                for ln in request.lines
            ],
            [("7", 2.0, "defective", "exchange")],
        )
        with self.assertRaisesRegex(OmsPayloadError, "has no 'return_line_items'"):
            adapter.normalize_return_request({"id": 18, "order": {"id": 42}})
