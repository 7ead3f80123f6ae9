# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Returns requested on a channel, and refunds told to the channel exactly once."""

import base64
import json

from psycopg2 import IntegrityError

from odoo.addons.oms_connector.adapters import OmsMappingError, outbound
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OmsReturnsCase, RecordingServer, load_payload


@tagged("post_install", "-at_install")
class TestReturnsChannel(OmsReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shopify = cls.env["oms.channel"].create(
            {
                "name": "Returns Shopify",
                "code": "returns-shopify",
                "platform": "shopify",
                "api_key": "shpat_test_token",
                "api_version": "2025-01",
            }
        )
        cls.woo = cls.env["oms.channel"].create(
            {
                "name": "Returns Woo",
                "code": "returns-woo",
                "platform": "woocommerce",
                "api_key": "ck_test",
                "api_secret": "cs_test",
            }
        )
        cls.order = cls._create_delivered_order(
            [(cls.product, 2), (cls.product_2, 1)], channel=cls.channel, external_id="7001"
        )
        cls.shopify_order = cls._create_delivered_order(
            [(cls.product_2, 1)], channel=cls.shopify, external_id="7002"
        )
        cls.woo_order = cls._create_delivered_order(
            [(cls.product, 1)], channel=cls.woo, external_id="7003"
        )

    def _process(self, channel, payload, delivery_id):
        event = self.env["oms.channel.event"].create(
            {
                "channel_id": channel.id,
                "topic": "return.requested",
                "delivery_id": delivery_id,
                "payload": json.dumps(payload),
            }
        )
        with self.env.cr.savepoint():
            return event._process_return_requested()

    def _generic_secret(self):
        channel = self.channel.sudo()
        return channel.webhook_secret or channel.api_secret

    def _returns_of(self, channel):
        return self.env["oms.return"].search([("channel_id", "=", channel.id)])

    def _refund_channel_return(self, channel, payload, delivery_id="d-1"):
        """Take the channel's request in and carry it to the posted credit note."""
        ret = self._process(channel, payload, delivery_id)
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        self._inspect(ret)
        return ret

    # ------------------------------------------------------------------ requests
    def test_generic_return_request(self):
        ret = self._process(self.channel, load_payload("generic_return_request.json"), "d-1")
        self.assertEqual(ret.state, "draft")
        self.assertEqual(ret.source, "channel")
        self.assertEqual(ret.external_id, "R-7001-1")
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual(ret.line_ids.sale_line_id.product_id, self.product)
        self.assertEqual(ret.line_ids.quantity, 1.0)
        self.assertEqual(ret.line_ids.reason_id, self.reason_size)
        self.assertEqual(ret.line_ids.customer_note, "Ordered M, need L")

    def test_channel_request_delivered_twice_makes_one_return(self):
        payload = load_payload("generic_return_request.json")
        first = self._process(self.channel, payload, "delivery-1")
        second = self._process(self.channel, payload, "delivery-2")
        self.assertEqual(first, second)
        self.assertEqual(len(self._returns_of(self.channel)), 1)

    def test_channel_return_id_is_unique_in_the_database(self):
        self._process(self.channel, load_payload("generic_return_request.json"), "d-1")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._create_return(
                [(self.order.order_line[1], 1, self.reason_size, "refund")],
                channel_id=self.channel.id,
                external_id="R-7001-1",
            )

    def test_request_for_an_unknown_order(self):
        payload = dict(load_payload("generic_return_request.json"), order_id="9999")
        with self.assertRaisesMessage(OmsMappingError, "order 9999, which channel"):
            self._process(self.channel, payload, "d-1")
        self.assertFalse(self._returns_of(self.channel))

    def test_request_for_a_product_not_on_the_order(self):
        payload = load_payload("generic_return_request.json")
        payload["lines"][0].update(line_id="", sku="NOT-SOLD")
        with self.assertRaisesMessage(OmsMappingError, "SKU NOT-SOLD"):
            self._process(self.channel, payload, "d-1")
        self.assertFalse(self._returns_of(self.channel))

    def test_request_for_more_than_delivered(self):
        payload = load_payload("generic_return_request.json")
        payload["lines"][0]["quantity"] = 5
        with self.assertRaisesMessage(OmsMappingError, "at most 2.0 can come back"):
            self._process(self.channel, payload, "d-1")
        self.assertFalse(self._returns_of(self.channel))

    def test_shopify_returns_request(self):
        ret = self._process(self.shopify, load_payload("shopify_returns_request.json"), "d-1")
        self.assertEqual(ret.external_id, "945000954")
        self.assertEqual(ret.sale_order_ids, self.shopify_order)
        self.assertEqual(ret.line_ids.product_id, self.product_2)
        self.assertEqual(ret.line_ids.reason_id, self.reason_defective)
        self.assertEqual(ret.line_ids.customer_note, "The zip broke on the first day")

    # ------------------------------------------------------------------ refunds to the channel
    def test_generic_refund_pushed_exactly_once(self):
        server = RecordingServer(status=201, body={"id": "RF-1"})
        self.addCleanup(server.stop)
        self.channel.api_url = f"{server.url}/oms/refunds"
        with trap_jobs() as trap:
            ret = self._refund_channel_return(
                self.channel, load_payload("generic_return_request.json")
            )
            credit_note = ret.credit_note_ids
            self.assertEqual(credit_note.state, "posted")
            trap.assert_jobs_count(1, only=ret._push_refund_to_channel)
            trap.perform_enqueued_jobs()
        self.assertEqual(len(server.requests), 1)
        request = server.requests[0]
        self.assertEqual(request["path"], "/oms/refunds")
        expected = outbound.sign_timestamped(
            self._generic_secret(), request["headers"]["X-OMS-Timestamp"], request["body"]
        )
        self.assertEqual(request["headers"]["X-OMS-Signature"], expected)
        self.assertEqual(request["headers"]["X-OMS-Topic"], "refund.created")
        body = json.loads(request["body"])
        self.assertEqual(body["order_id"], "7001")
        self.assertEqual(body["refund"]["amount"], 60.0)
        self.assertEqual(body["refund"]["return_id"], "R-7001-1")
        self.assertEqual(credit_note.oms_channel_refund_ref, "RF-1")
        self.assertTrue(ret.channel_refund_pushed)
        # the job run again (retry, duplicate) tells the channel nothing more
        ret._push_refund_to_channel(credit_note)
        self.assertEqual(len(server.requests), 1)

    def test_exchange_price_difference_refund_told_to_the_channel(self):
        server = RecordingServer(status=201, body={"id": "RF-2"})
        self.addCleanup(server.stop)
        self.channel.api_url = f"{server.url}/oms/refunds"
        jacket_line = self.order.order_line.filtered(lambda sol: sol.product_id == self.product_2)
        ret = self._create_return([(jacket_line, 1, self.reason_size, "exchange")])
        ret.line_ids.exchange_product_id = self.product
        with trap_jobs() as trap:
            ret.with_user(self.return_user).action_approve()
            self._receive(ret)
            self._inspect(ret)
            credit_note = ret.credit_note_ids
            self.assertEqual(credit_note.state, "posted")
            trap.assert_jobs_count(1, only=ret._push_refund_to_channel)
            trap.perform_enqueued_jobs()
        self.assertEqual(len(server.requests), 1)
        body = json.loads(server.requests[0]["body"])
        self.assertEqual(body["order_id"], "7001")
        self.assertEqual(body["refund"]["amount"], 84.0, "70.00 difference + 20 % VAT")
        self.assertFalse(body["refund"]["lines"], "no goods refunded: an amount only")
        self.assertEqual(credit_note.oms_channel_refund_ref, "RF-2")

    def test_shopify_refund(self):
        server = RecordingServer(status=201, body={"refund": {"id": 929361462}})
        self.addCleanup(server.stop)
        self.shopify.api_url = server.url  # with its scheme: http on 127.0.0.1
        with trap_jobs() as trap:
            ret = self._refund_channel_return(
                self.shopify, load_payload("shopify_returns_request.json")
            )
            trap.perform_enqueued_jobs()
        request = server.requests[0]
        self.assertEqual(request["path"], "/admin/api/2025-01/orders/7002/refunds.json")
        self.assertEqual(request["headers"]["X-Shopify-Access-Token"], "shpat_test_token")
        body = json.loads(request["body"])
        self.assertEqual(body["refund"]["currency"], ret.credit_note_ids.currency_id.name)
        self.assertNotIn("transactions", body["refund"], "the money is paid back in Odoo")
        self.assertEqual(ret.credit_note_ids.oms_channel_refund_ref, "929361462")

    def test_woocommerce_refund(self):
        server = RecordingServer(status=201, body={"id": 733})
        self.addCleanup(server.stop)
        self.woo.api_url = server.url
        payload = {
            "id": "W-1",
            "order_id": "7003",
            "lines": [{"sku": "RT-SHIRT", "quantity": 1, "reason": "color"}],
        }
        with trap_jobs() as trap:
            ret = self._refund_channel_return(self.woo, payload)
            trap.perform_enqueued_jobs()
        request = server.requests[0]
        self.assertEqual(request["path"], "/wp-json/wc/v3/orders/7003/refunds")
        expected_auth = "Basic " + base64.b64encode(b"ck_test:cs_test").decode()
        self.assertEqual(request["headers"]["Authorization"], expected_auth)
        body = json.loads(request["body"])
        self.assertEqual(body["amount"], "60.00")
        self.assertIs(body["api_refund"], False)
        self.assertEqual(ret.credit_note_ids.oms_channel_refund_ref, "733")

    def test_channel_down_is_retried_later(self):
        server = RecordingServer(status=503, body={"errors": "maintenance"})
        self.addCleanup(server.stop)
        self.channel.api_url = server.url
        with trap_jobs():
            ret = self._refund_channel_return(
                self.channel, load_payload("generic_return_request.json")
            )
        credit_note = ret.credit_note_ids
        with self.assertRaises(RetryableJobError):
            ret._push_refund_to_channel(credit_note)
        self.assertFalse(credit_note.oms_channel_refund_ref, "not told yet: retried later")
        server.status, server.body = 201, {"id": "RF-2"}
        ret._push_refund_to_channel(credit_note)
        self.assertEqual(credit_note.oms_channel_refund_ref, "RF-2")
