# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17, kinds 1 and 2: what a delivery means is signed or read from its body, and what a
sender can write is refused with a message, never answered with a server error."""

import json
import uuid

from odoo.tests import HttpCase, tagged

from .common_intake import (
    generic_headers,
    generic_signature,
    load_payload,
    shopify_headers,
    to_body,
    woocommerce_headers,
)
from .common_mapping import IntakeMappingMixin

SECRET = "test-webhook-secret-security"
#: (topic of a new order, topic of a cancellation) as each platform names them
TOPICS = {
    "shopify": ("orders/create", "orders/cancelled"),
    "woocommerce": ("order.created", "order.deleted"),
    "generic": ("order.created", "order.cancelled"),
}


def sign(platform, body, topic, delivery_id):
    if platform == "shopify":
        return shopify_headers(SECRET, body, topic=topic, webhook_id=delivery_id)
    if platform == "woocommerce":
        return woocommerce_headers(SECRET, body, topic=topic, delivery_id=delivery_id)
    return generic_headers(SECRET, body, topic=topic, delivery_id=delivery_id)


@tagged("post_install", "-at_install", "oms_clock")
class TestWebhookSecurity(IntakeMappingMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        cls.env["oms.channel"].browse([c.id for c in cls.channels.values()]).write(
            {"webhook_secret": SECRET}
        )

    # ------------------------------------------------------------------ helpers
    def _post(self, platform, payload, topic, delivery_id=None, headers=None):
        body = to_body(payload)
        delivery_id = delivery_id or uuid.uuid4().hex
        headers = headers or sign(platform, body, topic, delivery_id)
        response = self.url_open(
            f"/oms/webhook/{self.channels[platform].code}", data=body, headers=headers
        )
        event = self.env["oms.channel.event"].search(
            [
                ("channel_id", "=", self.channels[platform].id),
                ("delivery_id", "=", delivery_id),
            ]
        )
        return response, event

    def _events(self, channel):
        return self.env["oms.channel.event"].search([("channel_id", "=", channel.id)])

    def _jobs_of(self, event):
        return self.env["queue.job"].search(
            [("identity_key", "=", event._get_processing_identity_key())]
        )

    def _take_in(self, platform):
        """The platform's sample order taken in: posted, processed; its sale order."""
        payload = self._sample(platform)
        response, event = self._post(platform, payload, TOPICS[platform][0])
        self.assertEqual(response.status_code, 200, response.text)
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.sale_order_id.state, "sale")
        return payload, event.sale_order_id

    # ------------------------------------------------------------------ kind 1: signed meaning
    def test_generic_v2_signature_covers_topic_and_delivery_id(self):
        body = to_body(self._sample("generic"))
        headers = generic_headers(SECRET, body, topic="order.created", delivery_id="dlv-a")
        self.assertTrue(headers["X-OMS-Signature"].startswith("v2="))
        for case, changed in {
            "topic": {"X-OMS-Topic": "order.cancelled"},
            "delivery id": {"X-OMS-Delivery-Id": "dlv-b"},
            "timestamp": {"X-OMS-Timestamp": str(int(headers["X-OMS-Timestamp"]) - 1)},
        }.items():
            with self.subTest(changed=case):
                response, event = self._post(
                    "generic", body, None, delivery_id="dlv-b", headers={**headers, **changed}
                )
                self.assertEqual(response.status_code, 401, response.text)
                self.assertEqual(response.json()["status"], "invalid signature")
        self.assertFalse(self._events(self.generic), "nothing stored")
        response, event = self._post("generic", body, None, "dlv-a", headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(event.topic, "order.created")

    def test_generic_v1_signature_only_where_the_channel_accepts_it(self):
        self.assertFalse(self.generic.webhook_accept_v1_signature, "v2 required by default")
        body = to_body(self._sample("generic"))
        v1 = generic_headers(SECRET, body, delivery_id="v1-a", version="v1")
        response, _event = self._post("generic", body, None, "v1-a", headers=v1)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertFalse(self._events(self.generic))
        # a sender moving to v2 sends both: the v2 one decides
        timestamp = v1["X-OMS-Timestamp"]
        v2 = generic_signature(SECRET, body, "order.created", "v1-a", timestamp)
        both = {**v1, "X-OMS-Signature": f"v2={v2},v1={v1['X-OMS-Signature']}"}
        response, event = self._post("generic", body, None, "v1-a", headers=both)
        self.assertEqual(response.status_code, 200, response.text)
        self.generic.webhook_accept_v1_signature = True
        v1 = generic_headers(SECRET, body, delivery_id="v1-b", version="v1")
        response, event = self._post("generic", body, None, "v1-b", headers=v1)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(event.state, "pending")
        # a v1 signature does not cover the topic: the body still has to say what happened
        forged = {**v1, "X-OMS-Topic": "order.cancelled", "X-OMS-Delivery-Id": "v1-c"}
        response, event = self._post("generic", body, None, "v1-c", headers=forged)
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(event.state, "failed")

    def test_order_body_posted_again_as_a_cancellation_is_refused_and_kept(self):
        for platform in ("shopify", "woocommerce", "generic"):
            with self.subTest(platform=platform):
                payload, order = self._take_in(platform)
                # the captured body, re-posted under the cancellation topic, a new delivery id
                response, event = self._post(platform, payload, TOPICS[platform][1])
                self.assertEqual(response.status_code, 422, response.text)
                self.assertIn("contradicts the payload", response.json()["status"])
                self.assertEqual(event.state, "failed")
                self.assertIn("does not say the order is cancelled", event.error)
                self.assertEqual(json.loads(event.payload), payload, "raw payload kept")
                self.assertFalse(self._jobs_of(event), "never processed on its own")
                self.assertEqual(order.state, "sale")
                # a person retries it: refused again, never applied
                event.action_retry()
                event._job_process()
                self.assertEqual(event.state, "failed")
                self.assertIn("contradicts the payload", event.error)
                self.assertEqual(order.state, "sale")
                self.assertFalse(order.oms_channel_status == "cancelled")

    def test_genuine_cancellations_still_cancel(self):
        cancellations = {
            "shopify": lambda p: {
                **p,
                "cancelled_at": "2026-03-03T09:00:00+01:00",
                "updated_at": "2026-03-03T09:00:01+01:00",
                "cancel_reason": "customer",
            },
            # WooCommerce's order.deleted carries only the order's id
            "woocommerce": lambda p: {"id": p["id"]},
            "generic": lambda p: {
                **p,
                "status": "cancelled",
                "updated_at": "2026-03-05T10:00:00Z",
            },
        }
        for platform, cancel in cancellations.items():
            with self.subTest(platform=platform):
                payload, order = self._take_in(platform)
                response, event = self._post(platform, cancel(payload), TOPICS[platform][1])
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(event.topic, "order.cancelled")
                event._job_process()
                self.assertEqual(event.state, "done", event.error)
                self.assertEqual(order.state, "cancel")

    # ------------------------------------------------------------------ kind 2: clean refusals
    def test_unstorable_order_id_is_stored_and_fails_with_its_path(self):
        for platform in ("shopify", "woocommerce", "generic"):
            for bad_id, what in (("A\x00B", "a NUL character"), ("A\ud800B", "lone surrogate")):
                with self.subTest(platform=platform, id=repr(bad_id)):
                    payload = self._sample(platform)
                    payload["id"] = bad_id
                    orders_before = self.env["sale.order"].search_count([])
                    response, event = self._post(platform, payload, TOPICS[platform][0])
                    self.assertEqual(response.status_code, 200, response.text)
                    self.assertFalse(event.external_order_id)
                    event._job_process()
                    self.assertEqual(event.state, "failed")
                    self.assertIn("$.id: the identifier holds", event.error)
                    self.assertIn(what, event.error)
                    self.assertEqual(self.env["sale.order"].search_count([]), orders_before)
                    self.assertTrue(event.payload_pretty, "the payload can be shown")

    def test_lone_surrogate_in_a_name_is_replaced(self):
        payload = self._sample("generic")
        payload["customer"]["name"] = "Noah \ud83d Peeters"
        payload["shipping_address"]["name"] = "Zo\ud800 Peeters"
        response, event = self._post("generic", payload, "order.created")
        self.assertEqual(response.status_code, 200, response.text)
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.sale_order_id.partner_shipping_id.name, "Zo\ufffd Peeters")

    def test_date_out_of_range_fails_with_its_path(self):
        payload = self._sample("generic")
        payload["updated_at"] = "9999-12-31T23:59:59-23:59"
        response, event = self._post("generic", payload, "order.created")
        self.assertEqual(response.status_code, 200, response.text)
        event._job_process()
        self.assertEqual(event.state, "failed")
        self.assertIn("$.updated_at:", event.error)
        self.assertNotIn("Unexpected error", event.error)
        self.assertFalse(event.sale_order_id)

    def test_non_finite_numbers_are_not_json(self):
        for literal in (b"NaN", b"Infinity", b"-Infinity"):
            with self.subTest(literal=literal):
                body = to_body(self._sample("shopify")).replace(
                    b'"total_price": "', b'"total_price": ' + literal + b', "x": "', 1
                )
                response, event = self._post("shopify", body, "orders/create")
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn("is not a JSON number", response.json()["status"])
                self.assertFalse(event)


@tagged("post_install", "-at_install")
class TestThreePLRefusals(HttpCase):
    """Validly signed confirmations that are not what the contract says: 400, nothing kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env["oms.fulfillment.provider"].create(
            {
                "name": "Refusing 3PL",
                "code": "refusing-3pl",
                "endpoint_url": "http://127.0.0.1:9",
                "secret": "3pl-secret",
                "state": "active",
            }
        )

    def _post(self, body):
        return self.url_open(
            f"/oms/3pl/{self.provider.code}/shipment",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-OMS-Signature": self.provider._sign(body),
            },
        )

    def test_confirmations_that_break_the_contract_are_400_with_the_path(self):
        sample = load_payload("threepl_shipment_confirmation.json")
        cases = {
            "lines not a list": ({**sample, "lines": "abc"}, "$.lines: expected a list"),
            "NUL in shipment_id": ({**sample, "shipment_id": "S\x00"}, "$.shipment_id"),
            "line id a text": (
                {**sample, "lines": [{"line_id": "abc", "quantity_shipped": 1}]},
                "$.lines[0].line_id",
            ),
            "huge quantity": (
                {**sample, "lines": [{"line_id": 1, "quantity_shipped": 1e308}]},
                "$.lines[0].quantity_shipped: 1e+308 is out of range",
            ),
            "carrier an object": ({**sample, "carrier": {"a": 1}}, "$.carrier"),
            "date out of range": (
                {**sample, "shipped_at": "9999-12-31T23:59:59-23:59"},
                "$.shipped_at",
            ),
        }
        for case, (payload, message) in cases.items():
            with self.subTest(case=case):
                response = self._post(json.dumps(payload).encode())
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn(message, response.json()["error"])
        body = (
            json.dumps(sample)
            .encode()
            .replace(b'"quantity_shipped": 2', b'"quantity_shipped": Infinity')
        )
        response = self._post(body)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("Infinity is not a JSON number", response.json()["error"])
        confirmations = self.env["oms.fulfillment.confirmation"].search(
            [("provider_id", "=", self.provider.id)]
        )
        self.assertFalse(confirmations, "nothing kept of a refused confirmation")
        # a valid one that matches no delivery is kept, failed, with the reason: 422
        response = self._post(json.dumps(sample).encode())
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("No delivery of this 3PL", response.json()["error"])
