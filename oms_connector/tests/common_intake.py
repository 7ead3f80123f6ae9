# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the intake transport tests: channels, sample payloads and signed deliveries (the
local HTTP server imitating a platform's API is ``fake_servers.FakePlatformServer``)."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

from .common import OmsFactoryMixin
from .fake_servers import FakePlatformServer  # noqa: F401 (imported from here by the pull tests)

DATA_DIR = Path(__file__).parent / "data"


def load_payload(name):
    """A sample payload of ``tests/data`` as a dict."""
    return json.loads((DATA_DIR / name).read_text())


def to_body(payload):
    return json.dumps(payload).encode() if not isinstance(payload, bytes) else payload


def shopify_headers(secret, body, topic="orders/create", webhook_id="b54557e4-bdd9-4b37"):
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": "oms-demo.myshopify.com",
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id,
    }


def post_shopify_webhook(case, channel, secret, topic, payload):
    """Shopify delivers ``payload`` on ``topic``: a signed POST over HTTP to ``channel``'s
    webhook route (``case`` is an ``HttpCase``). Asserts it is accepted; the stored event."""
    body = to_body(payload)
    delivery_id = str(uuid.uuid4())
    headers = shopify_headers(secret, body, topic=topic, webhook_id=delivery_id)
    response = case.url_open(f"/oms/webhook/{channel.code}", data=body, headers=headers)
    case.assertEqual(response.status_code, 200, response.text)
    case.assertEqual(response.json()["status"], "accepted")
    event = case.env["oms.channel.event"].search(
        [("channel_id", "=", channel.id), ("delivery_id", "=", delivery_id)]
    )
    case.assertEqual(len(event), 1)
    return event


def woocommerce_headers(secret, body, topic="order.created", delivery_id="c0ffee01"):
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    resource, event = topic.split(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signature.decode(),
        "X-WC-Webhook-ID": "17",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


def generic_signature(secret, body, topic, delivery_id, timestamp, version="v2"):
    """The ``X-OMS-Signature`` value of a generic delivery (README, webhook contract)."""
    if version == "v1":
        signed = timestamp.encode() + b"." + body
    else:
        signed = f"v2.{timestamp}.{topic}.{delivery_id}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def generic_headers(
    secret, body, topic="order.created", delivery_id="dlv-0001", timestamp=None, version="v2"
):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = generic_signature(secret, body, topic, delivery_id, timestamp, version)
    return {
        "Content-Type": "application/json",
        "X-OMS-Topic": topic,
        "X-OMS-Delivery-Id": delivery_id,
        "X-OMS-Timestamp": timestamp,
        "X-OMS-Signature": f"v2={signature}" if version == "v2" else signature,
    }


SIGNERS = {
    "shopify": shopify_headers,
    "woocommerce": woocommerce_headers,
    "generic": generic_headers,
}


class IntakeChannelMixin(OmsFactoryMixin):
    """Channels of the three platforms with known secrets (call ``_setup_channels``)."""

    SECRET = "test-webhook-secret-0123456789abcdef"

    @classmethod
    def _create_channel(cls, platform, code, **values):
        return cls._create_oms_channel(
            f"{platform.title()} test channel",
            code,
            platform,
            **{"webhook_secret": cls.SECRET, **values},
        )

    @classmethod
    def _setup_channels(cls):
        cls.shopify = cls._create_channel("shopify", "t-shopify")
        cls.woo = cls._create_channel("woocommerce", "t-woo")
        cls.generic = cls._create_channel("generic", "t-generic")

    @classmethod
    def _setup_order_mapping(cls, channel):
        """What ``generic_order.json`` needs to become an order on ``channel``: a EUR
        pricelist, its two products (by SKU), a 21 % tax mapping and a shipping product."""
        company = channel.company_id
        eur = cls.env.ref("base.EUR")
        eur.active = True
        pricelist = cls.env["product.pricelist"].create(
            {"name": "Web shop EUR", "currency_id": eur.id, "company_id": company.id}
        )
        tax_21 = cls.env["account.tax"].create(
            {
                "name": f"BTW 21% ({channel.code})",
                "amount": 21.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
        service = cls.env["product.product"].create(
            {"name": "Shipping (test)", "type": "service", "default_code": f"SHIP-{channel.code}"}
        )
        for sku, name, price in (
            ("OMS-APP-003", "Rain Jacket", 129.0),
            ("OMS-HOM-014", "Scented Candle Set", 35.0),
        ):
            if not cls.env["product.product"].search_count([("default_code", "=", sku)]):
                cls.env["product.product"].create(
                    {"name": name, "default_code": sku, "list_price": price, "type": "consu"}
                )
        channel.write(
            {
                "pricelist_id": pricelist.id,
                "shipping_product_id": service.id,
                "discount_product_id": service.id,
                "tax_mapping_ids": [(0, 0, {"rate": 21.0, "tax_id": tax_21.id})],
            }
        )
        return channel

    def _events(self, channel):
        return self.env["oms.channel.event"].search([("channel_id", "=", channel.id)])
