# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Configured channels of the three platforms for the intake mapping tests: products with the
sample payloads' SKUs, taxes and tax mappings, shipping, fee and discount products, a EUR
pricelist. Reusable by other addons' tests and the benchmark (``IntakeMappingMixin``)."""

import copy
import json
import uuid

from .common import OmsFactoryMixin
from .common_intake import load_payload

SAMPLE_PRODUCTS = {
    "OMS-APP-001": ("Organic Cotton T-Shirt", 24.0),
    "OMS-APP-002": ("Merino Wool Sweater", 89.0),
    "OMS-APP-003": ("Rain Jacket", 129.0),
    "OMS-HOM-013": ("Ceramic Coffee Mug", 12.0),
    "OMS-HOM-014": ("Scented Candle Set", 35.0),
    "OMS-ELE-025": ("USB-C Charger 65W", 39.0),
}

SAMPLES = {
    "shopify": "shopify_order.json",
    "woocommerce": "woocommerce_order.json",
    "generic": "generic_order.json",
}


class IntakeMappingMixin(OmsFactoryMixin):
    """Call ``_setup_mapping`` from ``setUpClass``."""

    @classmethod
    def _get_or_create_product(cls, sku, name, price, **values):
        product = cls.env["product.product"].search([("default_code", "=", sku)], limit=1)
        if product:
            return product
        return cls._create_oms_product(name, default_code=sku, list_price=price, **values)

    @classmethod
    def _setup_mapping(cls):
        env = cls.env
        cls.company = env.company
        cls.eur = env.ref("base.EUR")
        cls.eur.active = True
        cls.usd = env.ref("base.USD")
        cls.products = {
            sku: cls._get_or_create_product(sku, name, price)
            for sku, (name, price) in SAMPLE_PRODUCTS.items()
        }
        for product in cls.products.values():
            env["stock.quant"]._update_available_quantity(
                product, env.ref("stock.warehouse0").lot_stock_id, 1000.0
            )
        service = {"type": "service", "invoice_policy": "order", "taxes_id": [(5, 0, 0)]}
        cls.shipping_product = env["product.product"].create(
            {"name": "Channel Shipping", "default_code": "OMS-TEST-SHIP", **service}
        )
        cls.fee_product = env["product.product"].create(
            {"name": "Channel Fee", "default_code": "OMS-TEST-FEE", **service}
        )
        cls.discount_product = env["product.product"].create(
            {"name": "Channel Discount", "default_code": "OMS-TEST-DISC", **service}
        )
        Tax = env["account.tax"]
        cls.tax_de_included = Tax.create(
            {
                "name": "DE VAT 19% (incl.)",
                "amount": 19.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": cls.company.id,
            }
        )
        cls.tax_ny = Tax.create(
            {
                "name": "NY Sales Tax 8.875%",
                "amount": 8.875,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": cls.company.id,
            }
        )
        cls.tax_be = Tax.create(
            {
                "name": "BE VAT 21%",
                "amount": 21.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": cls.company.id,
            }
        )
        cls.pricelist_eur = env["product.pricelist"].create(
            {"name": "Channel EUR", "currency_id": cls.eur.id, "company_id": cls.company.id}
        )
        common = {
            "company_id": cls.company.id,
            "warehouse_id": env.ref("stock.warehouse0").id,
            "shipping_product_id": cls.shipping_product.id,
            "fee_product_id": cls.fee_product.id,
            "discount_product_id": cls.discount_product.id,
            "confirmation_policy": "immediate",
        }
        Channel = env["oms.channel"]
        suffix = uuid.uuid4().hex[:6]
        cls.shopify = Channel.create(
            {
                "name": "Shopify EU",
                "code": f"map-shopify-{suffix}",
                "platform": "shopify",
                "pricelist_id": cls.pricelist_eur.id,
                "tax_mapping_ids": [
                    (0, 0, {"name": "MwSt", "rate": 19.0, "tax_id": cls.tax_de_included.id})
                ],
                **common,
            }
        )
        cls.woo = Channel.create(
            {
                "name": "WooCommerce US",
                "code": f"map-woo-{suffix}",
                "platform": "woocommerce",
                "tax_mapping_ids": [(0, 0, {"rate": 8.875, "tax_id": cls.tax_ny.id})],
                **dict(common, confirmation_policy="paid"),
            }
        )
        cls.generic = Channel.create(
            {
                "name": "Web Shop",
                "code": f"map-generic-{suffix}",
                "platform": "generic",
                "pricelist_id": cls.pricelist_eur.id,
                "tax_mapping_ids": [(0, 0, {"rate": 21.0, "tax_id": cls.tax_be.id})],
                **common,
            }
        )
        cls.channels = {"shopify": cls.shopify, "woocommerce": cls.woo, "generic": cls.generic}

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _sample(platform):
        return copy.deepcopy(load_payload(SAMPLES[platform]))

    def _normalize(self, channel, payload):
        return channel._get_adapter().normalize_order(payload)

    def _import(self, channel, payload):
        """Import ``payload`` directly (no event), as the job does."""
        return self.env["oms.channel.order"]._import_normalized_order(
            channel, self._normalize(channel, payload)
        )

    def _event(self, channel, payload, topic="order.created"):
        """A received event carrying ``payload`` (a dict, or raw text)."""
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return self.env["oms.channel.event"].create(
            {
                "channel_id": channel.id,
                "topic": topic,
                "delivery_id": uuid.uuid4().hex,
                "external_order_id": str(payload.get("id", ""))
                if isinstance(payload, dict)
                else "",
                "payload": body,
            }
        )

    def _process(self, channel, payload, topic="order.created"):
        event = self._event(channel, payload, topic)
        event._job_process()
        return event

    def _binding(self, channel, external_id):
        return self.env["oms.channel.order"].search(
            [("channel_id", "=", channel.id), ("external_id", "=", str(external_id))]
        )
