# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fuzz the public routes (issue 17): hundreds of correctly signed deliveries per route, made
from the real samples of ``tests/data`` by seeded random mutations (``fuzz.py``). No answer is
a server error, every refusal says why, a refused delivery leaves nothing behind, and the
stored ones are processed to done or to a failure with a message, never an unexpected error.

The portal's return form is fuzzed in ``oms_returns/tests/test_portal_refusals.py``."""

import random
import uuid

from odoo.tests import HttpCase, tagged

from . import fuzz
from .common_intake import generic_headers, load_payload, shopify_headers, woocommerce_headers
from .common_mapping import IntakeMappingMixin

SEED = 17
SECRET = "fuzz-webhook-secret"
#: deliveries posted per platform
DELIVERIES = 200
#: stored events processed per platform (each one a job run)
PROCESSED = 8
#: (sample file, topics it is posted under) per platform
SAMPLES = {
    "shopify": [
        ("shopify_order.json", ["orders/create", "orders/updated", "orders/cancelled"]),
        ("shopify_order.json", ["orders/paid"]),
        ("shopify_refund_shipping.json", ["refunds/create"]),
        ("shopify_transaction_sale.json", ["order_transactions/create"]),
    ],
    "woocommerce": [
        ("woocommerce_order.json", ["order.created", "order.updated", "order.deleted"]),
    ],
    "generic": [
        ("generic_order.json", ["order.created", "order.updated", "order.cancelled"]),
        ("generic_refund.json", ["refund.created"]),
        ("generic_transaction.json", ["transaction.created"]),
    ],
}
SIGNERS = {
    "shopify": lambda body, topic, delivery: shopify_headers(
        SECRET, body, topic=topic, webhook_id=delivery
    ),
    "woocommerce": lambda body, topic, delivery: woocommerce_headers(
        SECRET, body, topic=topic, delivery_id=delivery
    ),
    "generic": lambda body, topic, delivery: generic_headers(
        SECRET, body, topic=topic, delivery_id=delivery
    ),
}


@tagged("post_install", "-at_install")
class TestFuzzWebhooks(IntakeMappingMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        cls.env["oms.channel"].browse([c.id for c in cls.channels.values()]).write(
            {"webhook_secret": SECRET}
        )
        # one event a job: what each processed event created is then its own
        cls.env["ir.config_parameter"].sudo().set_param("oms_connector.intake_batch_size", "1")

    def _counts(self):
        return (
            self.env["sale.order"].search_count([]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            self.env["oms.channel.order"].search_count([]),
        )

    def _fuzz_platform(self, platform, rng):
        channel = self.channels[platform]
        Event = self.env["oms.channel.event"]
        samples = [(load_payload(name), topics) for name, topics in SAMPLES[platform]]
        answers, accepted = {}, Event.browse()
        for number in range(DELIVERIES):
            sample, topics = rng.choice(samples)
            payload = fuzz.mutate(rng, sample)
            body = fuzz.to_json(payload)
            delivery = f"fuzz-{platform}-{number}"
            topic = rng.choice(topics)
            response = self.url_open(
                f"/oms/webhook/{channel.code}",
                data=body,
                headers=SIGNERS[platform](body, topic, delivery),
            )
            status = response.status_code
            answers[status] = answers.get(status, 0) + 1
            self.assertLess(status, 500, f"{platform} #{number}: {response.text[:300]}")
            message = response.json().get("status")
            self.assertTrue(message, f"{platform} #{number}: an answer without a message")
            event = Event.search([("channel_id", "=", channel.id), ("delivery_id", "=", delivery)])
            if status == 200 and message == "accepted":
                self.assertEqual(event.state, "pending")
                accepted |= event
            elif status == 422:
                self.assertEqual(event.state, "failed", "kept for a person")
                self.assertTrue(event.error)
            else:
                self.assertFalse(event, f"{platform} #{number} {status} {message}: stored")
        self.assertGreater(len(accepted), 20, f"{platform}: {answers}")
        self.assertGreater(sum(n for s, n in answers.items() if s >= 400), 20, answers)
        return accepted

    def _process_sample(self, events, rng):
        """Run the jobs of a sample of ``events``: done, ignored, or failed with a message and
        nothing created."""
        sample = rng.sample(list(events), min(PROCESSED, len(events)))
        states = {}
        for event in sample:
            before = self._counts()
            event._job_process()
            states[event.state] = states.get(event.state, 0) + 1
            # waiting: a payment or refund of an order not taken in (yet), applied when it comes
            self.assertIn(event.state, ("done", "ignored", "failed", "waiting"))
            if event.state == "failed":
                self.assertTrue(event.error, f"event {event.id} failed without a message")
                self.assertNotIn("Unexpected error", event.error)
                self.assertEqual(self._counts(), before, f"event {event.id}: partial record")
        return states

    def test_fuzz_webhooks_of_the_three_platforms(self):
        rng = random.Random(SEED)
        for platform in ("generic", "shopify", "woocommerce"):
            with self.subTest(platform=platform):
                events = self._fuzz_platform(platform, rng)
                states = self._process_sample(events, rng)
                self.assertTrue(states.get("failed"), f"{platform}: {states}")


@tagged("post_install", "-at_install")
class TestFuzzThreePL(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env["oms.fulfillment.provider"].create(
            {
                "name": "Fuzzed 3PL",
                "code": "fuzz-3pl",
                "endpoint_url": "http://127.0.0.1:9",
                "secret": "fuzz-3pl-secret",
                "state": "active",
            }
        )

    def test_fuzz_shipment_confirmations(self):
        rng = random.Random(SEED)
        sample = load_payload("threepl_shipment_confirmation.json")
        Confirmation = self.env["oms.fulfillment.confirmation"]
        answers = {}
        for number in range(DELIVERIES):
            payload = fuzz.mutate(rng, sample)
            if isinstance(payload.get("shipment_id"), str) and rng.random() < 0.8:
                payload["shipment_id"] = f"fuzz-{number}-{uuid.UUID(int=rng.getrandbits(128))}"
            body = fuzz.to_json(payload)
            stored = Confirmation.search_count([("provider_id", "=", self.provider.id)])
            response = self.url_open(
                f"/oms/3pl/{self.provider.code}/shipment",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-OMS-Signature": self.provider._sign(body),
                },
            )
            status = response.status_code
            answers[status] = answers.get(status, 0) + 1
            self.assertLess(status, 500, f"#{number}: {response.text[:300]}")
            answer = response.json()
            after = Confirmation.search_count([("provider_id", "=", self.provider.id)])
            if status == 400:
                self.assertIn("Not a shipment confirmation: $", answer["error"])
                self.assertEqual(after, stored, f"#{number}: a refused confirmation was kept")
            elif status == 422:
                self.assertTrue(answer["error"], f"#{number}: failed without a message")
                confirmation = Confirmation.search(
                    [
                        ("provider_id", "=", self.provider.id),
                        ("shipment_id", "=", answer["shipment_id"]),
                    ]
                )
                self.assertEqual(confirmation.state, "failed")
            else:
                self.assertEqual((status, answer.get("status")), (200, "duplicate"), answer)
        self.assertGreater(answers.get(400, 0), 40, answers)
        self.assertGreater(answers.get(422, 0), 40, answers)
