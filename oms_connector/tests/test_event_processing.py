# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import datetime, timezone

from odoo import fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common_intake import IntakeChannelMixin, load_payload


@tagged("post_install", "-at_install", "oms_clock")
class TestEventProcessing(IntakeChannelMixin, TransactionCase):
    """The intake job: an event becomes exactly one order, or a failed event saying what to
    fix and leaving nothing behind; Retry after the fix takes the order in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.channel = cls._setup_order_mapping(cls._create_channel("generic", "t-proc"))
        cls.oms_user = new_test_user(
            cls.env,
            login="oms_intake_user",
            groups="oms_connector.group_oms_user,sales_team.group_sale_salesman",
        )

    # ------------------------------------------------------------------ helpers
    def _event(self, payload, topic="order.created", delivery_id=None, channel=None):
        """Store an event exactly as the webhook route does."""
        channel = channel or self.channel
        text = payload if isinstance(payload, str) else json.dumps(payload)
        adapter = channel._get_adapter()
        try:
            external_id = adapter.get_external_order_id(topic, json.loads(text))
        except ValueError:
            external_id = ""
        Event = self.env["oms.channel.event"]
        return Event._store_delivery(
            Event._prepare_event_vals(
                channel,
                topic,
                delivery_id or f"dlv-{Event.search_count([]) + 1}",
                text,
                external_order_id=external_id,
            )
        )

    def _orders(self, channel=None):
        return self.env["sale.order"].search(
            [("oms_channel_id", "=", (channel or self.channel).id)]
        )

    def _counts(self):
        return (
            self.env["sale.order"].search_count([]),
            self.env["sale.order.line"].search_count([]),
            self.env["oms.channel.order"].search_count([]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
        )

    # ------------------------------------------------------------------ tests
    def test_event_becomes_one_order_and_processing_is_idempotent(self):
        payload = load_payload("generic_order.json")
        event = self._event(payload)
        self.assertEqual(event.state, "pending")
        message = event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertFalse(event.error)
        self.assertEqual(event.attempts, 1)
        self.assertTrue(event.processed_at)
        order = self._orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(event.sale_order_id, order)
        self.assertEqual(order.client_order_ref, "WS-123")
        self.assertEqual(order.currency_id.name, "EUR")
        self.assertAlmostEqual(order.amount_total, 234.62, places=2)
        self.assertIn("done", message)

        # the same job again (a retry of the queue): nothing happens
        self.assertIn("already done", event._job_process())
        self.assertEqual(event.attempts, 1)
        # another delivery about the same order, same update: still one order
        again = self._event(payload, topic="order.updated")
        again._job_process()
        self.assertIn(again.state, ("done", "ignored"))
        self.assertEqual(self._orders(), order)
        self.assertEqual(again.sale_order_id | order, order)

    def test_unknown_sku_fails_then_retry_after_the_fix_creates_the_order(self):
        payload = load_payload("generic_order.json")
        payload["id"] = "WS-2026-000777"
        payload["lines"][1]["sku"] = "OMS-NEW-777"
        payload["lines"][1]["barcode"] = ""
        event = self._event(payload)
        before = self._counts()
        event._job_process()
        self.assertEqual(event.state, "failed")
        self.assertIn("OMS-NEW-777", event.error)
        self.assertFalse(event.error.startswith("Unexpected error"), event.error)
        self.assertEqual(self._counts(), before, "nothing of the order is left")
        self.assertEqual(self.channel.failed_event_count, 1)

        # the fix: the product now exists with that SKU
        self.env["product.product"].create(
            {"name": "New candle", "default_code": "OMS-NEW-777", "list_price": 35.0}
        )
        with trap_jobs() as trap:
            event.with_user(self.oms_user).action_retry()
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                event._job_process,
                properties={"identity_key": f"oms.channel.event:{event.id}"},
            )
            self.assertEqual(event.state, "pending")
            self.assertFalse(event.error)
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.attempts, 2)
        self.assertEqual(len(self._orders()), 1)
        self.assertEqual(event.sale_order_id.client_order_ref, "WS-123")
        self.channel.invalidate_recordset(["failed_event_count"])
        self.assertEqual(self.channel.failed_event_count, 0)

    def test_malformed_and_adversarial_payloads_leave_nothing(self):
        base = load_payload("generic_order.json")

        def variant(**changes):
            payload = json.loads(json.dumps(base))
            payload["id"] = f"ADV-{len(changes)}-{sorted(changes)}"
            for key, value in changes.items():
                if value is KeyError:
                    payload.pop(key, None)
                else:
                    payload[key] = value
            return payload

        def line_variant(**changes):
            payload = variant()
            payload["id"] = f"ADV-line-{sorted(changes)}"
            payload["lines"][0].update(changes)
            return payload

        cases = {
            "JSON array": "[1, 2, 3]",
            "JSON string": '"order"',
            "JSON null": "null",
            "invalid JSON": '{"id": ',
            "no id": variant(id=KeyError),
            "lines not a list": variant(lines="OMS-APP-003 x1"),
            "line not an object": variant(lines=[42]),
            "no lines": variant(lines=[]),
            "quantity is text": line_variant(quantity="three"),
            "negative quantity": line_variant(quantity=-1),
            "huge quantity": line_variant(quantity=10**30),
            "infinite price": line_variant(unit_price=1e308 * 10),
            "price is an object": line_variant(unit_price={"amount": 129}),
            "total is text": variant(total="a lot"),
            "total mismatch": variant(total=1.0),
            "unknown currency": variant(currency="XXX"),
            "customer is a list": variant(customer=["Noah"]),
            "no address": variant(
                shipping_address=None,
                billing_address=None,
                customer={"id": "C-NEW-1", "email": "new.person@example.org", "name": "New"},
            ),
            "updated_at garbage": variant(updated_at="yesterday-ish", total=1e300),
        }
        before = self._counts()
        for case, payload in cases.items():
            with self.subTest(case=case):
                text = payload if isinstance(payload, str) else json.dumps(payload)
                if case == "infinite price":
                    self.assertIn("Infinity", text)
                event = self._event(text)
                event._job_process()
                self.assertEqual(event.state, "failed", f"{case}: {event.error}")
                self.assertTrue(event.error)
                self.assertFalse(
                    event.error.startswith("Unexpected error"),
                    f"{case}: the message must say what is wrong: {event.error}",
                )
                self.assertFalse(event.sale_order_id)
                self.assertEqual(self._counts(), before, f"{case}: a partial record was left")

    def test_unicode_order_is_taken_in(self):
        payload = load_payload("generic_order.json")
        payload["id"] = "WS-ユニコード-1"
        payload["customer"]["name"] = "Zoë Ångström-Łukasiewicz 🚀"
        payload["shipping_address"]["name"] = "جميلة بن علي"
        payload["shipping_address"]["street"] = "Rue de l’Église 7 ✉"
        payload["note"] = "Ünïcödé — 配達は午前中に 🙏"
        event = self._event(payload)
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.external_order_id, "WS-ユニコード-1")
        self.assertEqual(event.sale_order_id.partner_shipping_id.name, "جميلة بن علي")

    def test_cancellation_cancels_the_order(self):
        payload = load_payload("generic_order.json")
        self._event(payload)._job_process()
        order = self._orders()
        self.assertEqual(order.state, "sale")
        payload.update(status="cancelled", updated_at="2026-03-04T09:00:00Z")
        cancel = self._event(payload, topic="order.cancelled")
        cancel._job_process()
        self.assertEqual(cancel.state, "done", cancel.error)
        self.assertEqual(cancel.sale_order_id, order)
        self.assertEqual(order.state, "cancel")

    def test_bare_deletion_notice(self):
        """WooCommerce's order.deleted carries only the id."""
        woo = self._setup_order_mapping(self._create_channel("woocommerce", "t-proc-woo"))
        unknown = self._event({"id": 999}, topic="order.cancelled", channel=woo)
        unknown._job_process()
        self.assertEqual(unknown.state, "ignored", unknown.error)
        self.assertIn("999", unknown.error)
        # a known order is cancelled by the same bare notice
        payload = load_payload("generic_order.json")
        self._event(payload)._job_process()
        notice = self._event({"id": payload["id"]}, topic="order.cancelled")
        notice._job_process()
        self.assertEqual(notice.state, "done", notice.error)
        self.assertEqual(self._orders().state, "cancel")

    def test_topic_without_handler_is_ignored(self):
        event = self._event({"id": "X-1"}, topic="inventory.changed")
        event._job_process()
        self.assertEqual(event.state, "ignored")
        self.assertIn("inventory.changed", event.error)

    def test_retry_only_what_is_not_done(self):
        done = self._event(load_payload("generic_order.json"))
        done._job_process()
        failed = self._event("[]")
        failed._job_process()
        self.assertEqual((done.state, failed.state), ("done", "failed"))
        self.assertIn("JSON list, not an object", failed.error)
        with trap_jobs() as trap:
            (done | failed).action_retry()
        trap.assert_jobs_count(1)
        self.assertEqual(done.state, "done")
        with self.assertRaises(UserError):
            done.action_retry()

    def test_payload_view_is_pretty_printed(self):
        event = self._event('{"id":"P-1","lines":[{"sku":"A"}]}')
        self.assertEqual(
            event.payload_pretty,
            '{\n  "id": "P-1",\n  "lines": [\n    {\n      "sku": "A"\n    }\n  ]\n}',
        )
        action = event.action_view_payload()
        self.assertEqual(action["res_id"], event.id)
        self.assertEqual(action["target"], "new")

    def test_dashboard_counts_today(self):
        payload = load_payload("generic_order.json")
        payload["created_at"] = datetime.now(timezone.utc).isoformat()
        event = self._event(payload)
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        self._event("[]")._job_process()
        self._event({"id": "pending-1"})
        channel = self.channel.with_user(self.oms_user)
        self.assertEqual(channel.order_today_count, 1)
        self.assertAlmostEqual(channel.revenue_today, 234.62, places=2)
        self.assertEqual(channel.currency_id.name, "EUR")
        self.assertEqual(channel.failed_event_count, 1)
        self.assertEqual(channel.pending_event_count, 1)
        self.assertTrue(channel.last_event_at)
        self.assertLessEqual(channel.last_event_at, fields.Datetime.now())
        action = channel.action_view_failed_events()
        self.assertEqual(self.env["oms.channel.event"].search(action["domain"]).state, "failed")
        orders = self.env["sale.order"].search(channel.action_view_orders()["domain"])
        self.assertEqual(orders, event.sale_order_id)

    def test_views_open_for_oms_users(self):
        """The dashboard, channel form and event views load for a user who may not read the
        credentials (the secret fields are left out of his views)."""
        views = (
            self.env["oms.channel"]
            .with_user(self.oms_user)
            .get_views([(False, "kanban"), (False, "form"), (False, "list")])
        )
        self.assertIn("order_today_count", views["views"]["kanban"]["arch"])
        self.assertNotIn("webhook_secret", views["views"]["form"]["arch"])
        manager_form = self.env["oms.channel"].get_views([(False, "form")])["views"]["form"]
        self.assertIn("webhook_secret", manager_form["arch"])
        event_views = (
            self.env["oms.channel.event"]
            .with_user(self.oms_user)
            .get_views([(False, "list"), (False, "form"), (False, "search")])
        )
        self.assertIn("action_retry", event_views["views"]["list"]["arch"])
        action = self.env.ref("oms_connector.oms_channel_event_action_failed")
        self.assertEqual(action.context, "{'search_default_filter_failed': 1}")

    def test_credentials_are_for_managers_only(self):
        channel = self.channel.with_user(self.oms_user)
        self.assertEqual(channel.name, self.channel.name)
        for field in ("webhook_secret", "api_key", "api_secret"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                channel.read([field])
        self.assertEqual(
            len(self.env["oms.channel"].create({"name": "X", "code": "x"}).webhook_secret), 64
        )
