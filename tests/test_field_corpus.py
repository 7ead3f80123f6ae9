# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The field corpus (``data/field``): real order payloads of Shopify, WooCommerce and the
generic format, each replayed as a signed webhook over HTTP, processed by its job, and the
Odoo order compared with the expected order worked out by hand beside it (total, tax and
untaxed amounts with tolerance 0, currency, lines, addresses)."""

import json
import uuid
from pathlib import Path

from odoo.addons.oms_connector.tests.common_intake import SIGNERS
from odoo.tests import HttpCase, tagged

FIELD = Path(__file__).parent / "data" / "field"
SECRET = "field-corpus-webhook-secret"


def _corpus():
    """[(name, payload, expected)] of every payload of the corpus."""
    cases = []
    for expected_path in sorted(FIELD.glob("*.expected.json")):
        name = expected_path.name.removesuffix(".expected.json")
        payload = json.loads((FIELD / f"{name}.json").read_text())
        cases.append((name, payload, json.loads(expected_path.read_text())))
    return cases


@tagged("post_install", "-at_install")
class TestFieldCorpus(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cases = _corpus()
        company = cls.env.company
        # WooCommerce and Shopify round the tax of each line (Odoo's default)
        company.tax_calculation_rounding_method = "round_per_line"
        service = {"type": "service", "invoice_policy": "order", "taxes_id": [(5, 0, 0)]}
        Product = cls.env["product.product"]
        common = {
            "webhook_secret": SECRET,
            "company_id": company.id,
            "shipping_product_id": Product.create({"name": "Corpus Shipping", **service}).id,
            "fee_product_id": Product.create({"name": "Corpus Fee", **service}).id,
            "discount_product_id": Product.create({"name": "Corpus Discount", **service}).id,
            "discount_handling": "line",
            "total_tolerance": 0.0,
            "require_shipping_address": False,
        }
        cls.channels = {
            platform: cls.env["oms.channel"].create(
                {"name": f"Corpus {platform}", "code": f"corpus-{platform}", "platform": platform}
                | common
            )
            for platform in ("shopify", "woocommerce", "generic")
        }
        cls._setup_from_payloads()

    @classmethod
    def _setup_from_payloads(cls):
        """What the payloads need, read from them through the adapters: a pricelist per
        currency, a product per SKU (or channel product id), a tax per channel tax (price
        included when the order's prices include tax) and its tax mapping."""
        taxes = {}
        for _name, payload, expected in cls.cases:
            channel = cls.channels[expected["platform"]]
            normalized = channel._get_adapter().normalize_order(payload)
            cls._ensure_pricelist(normalized.currency)
            for line in normalized.lines:
                if not line.is_fee:
                    cls._ensure_product(channel, line)
            lines = normalized.lines + normalized.shipping_lines
            for tax in (tax for line in lines for tax in line.taxes):
                key = (channel, (tax.title or "").strip().lower(), tax.rate)
                taxes.setdefault(key, set()).add(normalized.taxes_included)
        for (channel, title, rate), included in taxes.items():
            cls._ensure_tax_mapping(channel, title, rate, included)

    @classmethod
    def _ensure_pricelist(cls, code):
        currency = (
            cls.env["res.currency"].with_context(active_test=False).search([("name", "=", code)])
        )
        currency.active = True
        if not cls.env["product.pricelist"].search_count([("currency_id", "=", currency.id)]):
            cls.env["product.pricelist"].create(
                {"name": f"Corpus {code}", "currency_id": currency.id}
            )

    @classmethod
    def _ensure_product(cls, channel, line):
        if not (line.sku or line.external_product_id):
            return  # a custom line: the channel's custom line product
        if line.sku:
            if not cls.env["product.product"].search_count([("default_code", "=", line.sku)]):
                cls.env["product.product"].create(
                    {"name": line.name or line.sku, "default_code": line.sku, "type": "consu"}
                )
            return
        Mapping = cls.env["oms.product.mapping"]
        domain = [("channel_id", "=", channel.id)]
        if not Mapping.search_count(
            domain + [("external_product_id", "=", line.external_product_id)]
        ):
            product = cls.env["product.product"].create({"name": line.name, "type": "consu"})
            Mapping.create(
                {
                    "channel_id": channel.id,
                    "external_product_id": line.external_product_id,
                    "product_id": product.id,
                }
            )

    @classmethod
    def _ensure_tax_mapping(cls, channel, title, rate, included_flags):
        Tax = cls.env["account.tax"]

        def tax(included):
            return Tax.create(
                {
                    "name": f"{title or 'tax'} {rate:g}% {'incl' if included else 'excl'} "
                    f"({channel.platform})",
                    "amount": rate,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included" if included else "tax_excluded",
                }
            )

        cls.env["oms.tax.mapping"].create(
            {
                "channel_id": channel.id,
                "name": title or False,
                "rate": rate,
                "tax_id": tax(False).id,
                "tax_included_id": tax(True).id if True in included_flags else False,
            }
        )

    # ------------------------------------------------------------------ replay
    def _deliver(self, channel, expected, payload):
        """``payload`` sent by the channel's platform: signed, over HTTP; the stored event."""
        body = json.dumps(payload).encode()
        delivery_id = str(uuid.uuid4())
        signer = SIGNERS[channel.platform]
        if channel.platform == "shopify":
            headers = signer(SECRET, body, topic=expected["topic"], webhook_id=delivery_id)
        else:
            headers = signer(SECRET, body, topic=expected["topic"], delivery_id=delivery_id)
        response = self.url_open(f"/oms/webhook/{channel.code}", data=body, headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "accepted", response.text)
        return self.env["oms.channel.event"].search(
            [("channel_id", "=", channel.id), ("delivery_id", "=", delivery_id)]
        )

    def _differences(self, order, expected):
        """What differs between the Odoo order and the expected one (empty: all right)."""
        currency = order.currency_id
        found = []
        if currency.name != expected["currency"]:
            found.append(f"currency {currency.name} != {expected['currency']}")
        for field in ("amount_total", "amount_tax", "amount_untaxed"):
            if currency.compare_amounts(order[field], expected[field]):
                found.append(f"{field} {order[field]} != {expected[field]}")
        found += self._line_differences(order, expected)
        found += self._address_differences(order, expected)
        return found

    def _line_differences(self, order, expected):
        channel = order.oms_channel_id
        special = channel.shipping_product_id | channel.fee_product_id | channel.discount_product_id
        lines = order.order_line.filtered(
            lambda line: not line.display_type and line.product_id not in special
        )
        wanted = [(line.get("sku") or "", line["quantity"]) for line in expected["lines"]]
        got = [
            (line.product_id.default_code or "", line.product_uom_qty)
            if line.product_id != channel.custom_line_product_id
            else ("", line.product_uom_qty)
            for line in lines
        ]
        if sorted(got) != sorted(wanted):
            names = lines.mapped(lambda line: f"{line.name} ({line.product_id.display_name})")
            return [f"lines {got} != {wanted}: {names}"]
        return []

    def _address_differences(self, order, expected):
        found = []
        billing = expected.get("billing")
        # without a shipping address the order ships to its own billing address
        shipping = expected.get("shipping_address") or billing
        for label, partner, address in (
            ("billing", order.partner_invoice_id, billing),
            ("shipping", order.partner_shipping_id, shipping),
        ):
            if not address:
                continue
            got = (partner.country_id.code, partner.zip or "", partner.city or "")
            want = (address["country_code"], address.get("zip") or "", address.get("city") or "")
            if got != want:
                found.append(f"{label} address {got} != {want}")
        if expected.get("customer_is_guest") and not (billing or shipping):
            if order.partner_id != order.oms_channel_id.guest_partner_id:
                found.append(f"customer {order.partner_id.name} is not the channel's guest")
        return found

    def test_replay_field_corpus(self):
        self.assertGreaterEqual(len(self.cases), 30)
        failures = {}
        for name, payload, expected in self.cases:
            with self.subTest(payload=name):
                event = self._deliver(self.channels[expected["platform"]], expected, payload)
                event._job_process()
                if event.state != "done":
                    failures[name] = [f"event {event.state}: {event.error}"]
                    continue
                differences = self._differences(event.sale_order_id, expected)
                if differences:
                    failures[name] = differences
        report = "\n".join(f"{name}: {'; '.join(found)}" for name, found in failures.items())
        self.assertFalse(failures, f"{len(failures)} of {len(self.cases)} differ:\n{report}")
