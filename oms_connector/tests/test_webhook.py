# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import threading
import time

import requests

from odoo.addons.queue_job.job import Job
from odoo.tests import HttpCase, tagged

from .common_intake import (
    SIGNERS,
    IntakeChannelMixin,
    generic_headers,
    load_payload,
    shopify_headers,
    to_body,
    woocommerce_headers,
)

SAMPLES = {
    "shopify": ("shopify_order.json", "orders/create"),
    "woocommerce": ("woocommerce_order.json", "order.created"),
    "generic": ("generic_order.json", "order.created"),
}


@tagged("post_install", "-at_install", "oms_clock")
class TestWebhook(IntakeChannelMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_channels()
        cls._setup_order_mapping(cls.generic)
        cls.channels = {"shopify": cls.shopify, "woocommerce": cls.woo, "generic": cls.generic}

    def _post(self, channel, body, headers):
        return self.url_open(f"/oms/webhook/{channel.code}", data=body, headers=headers)

    def _sample(self, platform):
        filename, topic = SAMPLES[platform]
        payload = load_payload(filename)
        return payload, to_body(payload), topic

    def _jobs_of(self, events):
        return self.env["queue.job"].search(
            [("identity_key", "in", [f"oms.channel.event:{e.id}" for e in events])]
        )

    def test_signed_delivery_is_stored_and_enqueued(self):
        for platform, channel in self.channels.items():
            with self.subTest(platform=platform):
                payload, body, topic = self._sample(platform)
                headers = SIGNERS[platform](self.SECRET, body, topic=topic)
                response = self._post(channel, body, headers)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.json()["status"], "accepted")
                event = self._events(channel)
                self.assertEqual(len(event), 1)
                self.assertEqual(event.topic, "order.created")
                self.assertEqual(event.platform_topic, topic)
                self.assertEqual(event.external_order_id, str(payload["id"]))
                self.assertEqual(event.payload, body.decode())
                self.assertEqual(event.state, "pending")
                self.assertEqual(event.source, "webhook")
                job = self._jobs_of(event)
                self.assertEqual(len(job), 1, "one processing job enqueued")
                self.assertEqual(job.channel, "root.oms.intake")
                self.assertEqual(job.method_name, "_job_process")
                self.assertEqual(job.state, "pending", "processing never happens in the request")

    def test_bad_signatures_are_refused_and_nothing_is_stored(self):
        for platform, channel in self.channels.items():
            payload, body, topic = self._sample(platform)
            sign = SIGNERS[platform]
            signature_header = {
                "shopify": "X-Shopify-Hmac-Sha256",
                "woocommerce": "X-WC-Webhook-Signature",
                "generic": "X-OMS-Signature",
            }[platform]
            missing = sign(self.SECRET, body, topic=topic)
            del missing[signature_header]
            tampered_body = body[:-1] + b', "total_price": "0.01"}'
            cases = {
                "wrong secret": (body, sign("another-secret", body, topic=topic)),
                "tampered body": (tampered_body, sign(self.SECRET, body, topic=topic)),
                "missing signature": (body, missing),
                "garbage signature": (body, {**missing, signature_header: "not-base64!!"}),
            }
            for case, (sent_body, headers) in cases.items():
                with self.subTest(platform=platform, case=case):
                    response = self._post(channel, sent_body, headers)
                    self.assertEqual(response.status_code, 401, response.text)
            self.assertFalse(self._events(channel), f"{platform}: nothing stored")

    def test_generic_timestamp_outside_five_minutes_is_refused(self):
        _payload, body, topic = self._sample("generic")
        # well outside / inside the 300 s window, so that slow requests do not move a case across
        now = int(time.time())
        timestamps = {"stale": now - 360, "future": now + 360, "text": "yesterday"}
        for case, timestamp in timestamps.items():
            with self.subTest(case=case):
                headers = generic_headers(self.SECRET, body, timestamp=timestamp)
                response = self._post(self.generic, body, headers)
                self.assertEqual(response.status_code, 401)
        headers = generic_headers(self.SECRET, body)
        del headers["X-OMS-Timestamp"]
        self.assertEqual(self._post(self.generic, body, headers).status_code, 401)
        self.assertFalse(self._events(self.generic))
        # within the window: accepted
        headers = generic_headers(self.SECRET, body, timestamp=now - 200)
        self.assertEqual(self._post(self.generic, body, headers).status_code, 200)
        self.assertEqual(len(self._events(self.generic)), 1)

    def test_unknown_or_archived_channel_is_404(self):
        _payload, body, topic = self._sample("shopify")
        headers = shopify_headers(self.SECRET, body)
        self.assertEqual(self._post(self.shopify.browse(), body, headers).status_code, 404)
        response = self.url_open("/oms/webhook/no-such-shop", data=body, headers=headers)
        self.assertEqual(response.status_code, 404)
        self.shopify.active = False
        self.assertEqual(self._post(self.shopify, body, headers).status_code, 404)
        self.assertFalse(self._events(self.shopify.with_context(active_test=False)))

    def test_body_not_json_is_400(self):
        for body in (b"{not json", b'{"id": 1', "caf\xe9".encode("latin-1"), b"[" * 100000):
            with self.subTest(body=body[:20]):
                headers = shopify_headers(self.SECRET, body)
                response = self._post(self.shopify, body, headers)
                self.assertEqual(response.status_code, 400)
        self.assertFalse(self._events(self.shopify))

    def test_body_over_the_channel_limit_is_413(self):
        self.woo.webhook_max_bytes = 4096
        payload, body, topic = self._sample("woocommerce")
        self.assertGreater(len(body), 4096)
        headers = woocommerce_headers(self.SECRET, body, topic=topic)
        response = self._post(self.woo, body, headers)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self._events(self.woo))
        self.woo.webhook_max_bytes = 2 * 1024 * 1024
        self.assertEqual(self._post(self.woo, body, headers).status_code, 200)

    def test_woocommerce_ping_is_acknowledged(self):
        response = self.url_open(
            f"/oms/webhook/{self.woo.code}",
            data={"webhook_id": "17"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "pong")
        self.assertFalse(self._events(self.woo))

    def test_unhandled_topic_is_acknowledged_and_not_stored(self):
        body = to_body({"id": 632910392, "title": "IPod Nano - 8GB"})
        headers = shopify_headers(self.SECRET, body, topic="products/update")
        response = self._post(self.shopify, body, headers)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "ignored")
        self.assertFalse(self._events(self.shopify))

    def test_woocommerce_cancelled_update_is_a_cancellation(self):
        payload = load_payload("woocommerce_order.json")
        payload["status"] = "cancelled"
        body = to_body(payload)
        headers = woocommerce_headers(self.SECRET, body, topic="order.updated")
        self.assertEqual(self._post(self.woo, body, headers).status_code, 200)
        event = self._events(self.woo)
        self.assertEqual(event.topic, "order.cancelled")
        self.assertEqual(event.platform_topic, "order.updated")

    def test_same_delivery_again_is_acknowledged_and_ignored(self):
        _payload, body, topic = self._sample("shopify")
        headers = shopify_headers(self.SECRET, body, webhook_id="retry-me")
        first = self._post(self.shopify, body, headers)
        second = self._post(self.shopify, body, headers)
        self.assertEqual(first.json()["status"], "accepted")
        self.assertEqual(second.status_code, 200)
        self.assertEqual(second.json()["status"], "duplicate")
        events = self._events(self.shopify)
        self.assertEqual(len(events), 1)
        self.assertEqual(len(self._jobs_of(events)), 1)
        # another delivery of the same order (e.g. orders/updated) is a new event
        headers = shopify_headers(self.SECRET, body, topic="orders/updated", webhook_id="other")
        self.assertEqual(self._post(self.shopify, body, headers).json()["status"], "accepted")
        self.assertEqual(len(self._events(self.shopify)), 2)

    def test_same_delivery_ten_times_at_once(self):
        """Ten identical deliveries posted concurrently over real HTTP: one event, one job."""
        _payload, body, topic = self._sample("generic")
        headers = generic_headers(self.SECRET, body, delivery_id="burst-1")
        url = f"{self.base_url()}/oms/webhook/{self.generic.code}"
        barrier = threading.Barrier(10)
        results = []

        def deliver():
            barrier.wait(10)
            response = requests.post(url, data=body, headers=headers, timeout=60)
            results.append((response.status_code, response.json()["status"]))

        threads = [threading.Thread(target=deliver) for _i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        self.assertEqual(len(results), 10)
        self.assertEqual({code for code, _status in results}, {200})
        statuses = sorted(status for _code, status in results)
        self.assertEqual(statuses, ["accepted"] + ["duplicate"] * 9)
        events = self._events(self.generic)
        self.assertEqual(len(events), 1)
        self.assertEqual(len(self._jobs_of(events)), 1)
        self.assertEqual(json.loads(events.payload)["id"], "WS-2026-000123")
        # the queue runs the one job: exactly one order
        job = Job.load(self.env, self._jobs_of(events).uuid)
        job.perform()
        self.assertEqual(events.state, "done", events.error)
        orders = self.env["sale.order"].search([("oms_channel_id", "=", self.generic.id)])
        self.assertEqual(len(orders), 1)
        self.assertEqual(orders.client_order_ref, "WS-123")
        self.assertEqual(events.sale_order_id, orders)
