# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bursts of new orders as production takes them in: signed deliveries stored with one job
each; the first job to run takes the channel's waiting events of new orders with it and
imports them together; the waiting jobs of the other events are closed (a job already
dispatched finds its event done); one reservation job per warehouse reserves the
deliveries."""

import json

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_intake import shopify_headers
from .common_mapping import IntakeMappingMixin

SECRET = "batch-test-secret"


@tagged("post_install", "-at_install")
class TestIntakeBatch(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        cls.shopify.webhook_secret = SECRET
        cls.Event = cls.env["oms.channel.event"]
        cls.Binding = cls.env["oms.channel.order"]

    def _payload(self, number, **values):
        payload = self._sample("shopify")
        payload.update(id=5690000003000 + number, name=f"#3{number:03d}", **values)
        return payload

    def _receive(self, payload, topic="orders/create"):
        """What the webhook route does with a signed delivery."""
        body = json.dumps(payload).encode()
        headers = shopify_headers(
            SECRET, body, topic=topic, webhook_id=f"wh-{topic}-{payload['id']}"
        )
        status, message, event = self.Event._receive_webhook(self.shopify, headers, body)
        self.assertEqual((status, message), (200, "accepted"))
        return event

    def _orders(self):
        return self.env["sale.order"].search([("oms_channel_id", "=", self.shopify.id)])

    @staticmethod
    def _count_jobs(trap, method_name):
        return sum(1 for job in trap.enqueued_jobs if job.method_name == method_name)

    def _process_jobs(self, trap):
        """Run the trapped processing jobs one after the other, as the queue does; returns
        their results."""
        jobs = [job for job in trap.enqueued_jobs if job.method_name == "_job_process"]
        trap.enqueued_jobs = [job for job in trap.enqueued_jobs if job not in jobs]
        return [job.perform() for job in jobs]

    def test_first_job_takes_the_burst_in(self):
        with trap_jobs() as trap:
            events = self.Event.concat(*(self._receive(self._payload(n)) for n in range(5)))
            self.assertEqual(self._count_jobs(trap, "_job_process"), 5)
            self.assertEqual(set(events.mapped("state")), {"pending"})
            first, *others = list(trap.enqueued_jobs)
            result = first.perform()
            self.assertIn("5 events of new orders processed together", result)
            self.assertEqual(set(events.mapped("state")), {"done"})
            self.assertEqual(events.mapped("attempts"), [1] * 5)
            orders = self._orders()
            self.assertEqual(len(orders), 5, "each order exactly once")
            self.assertEqual(orders, events.sale_order_id)
            self.assertEqual(
                sorted(orders.mapped("client_order_ref")),
                ["#3000", "#3001", "#3002", "#3003", "#3004"],
            )
            self.assertEqual(set(orders.mapped("state")), {"sale"})
            # the other jobs find their event done and change nothing
            for job in others:
                self.assertIn("already done", job.perform())
            self.assertEqual(len(self._orders()), 5)
            self.assertEqual(self.Binding.search_count([("channel_id", "=", self.shopify.id)]), 5)
            # reservation: one job for the warehouse, for the whole batch
            self.assertEqual(set(orders.picking_ids.mapped("state")), {"confirmed"})
            self.assertEqual(self._count_jobs(trap, "_job_reserve_channel_orders"), 1)
            trap.perform_enqueued_jobs()
        self.assertEqual(set(orders.picking_ids.mapped("state")), {"assigned"})
        self.assertEqual(len(orders.picking_ids), 5)

    def test_channel_orders_without_chatter(self):
        """No customer follower, no confirmation mail, no "created from" note: the channel
        talks to the customer."""
        with trap_jobs() as trap:
            for number in range(2):
                self._receive(self._payload(number))
            self._process_jobs(trap)
        for order in self._orders():
            self.assertNotIn(order.partner_id, order.message_partner_ids)
            self.assertFalse(
                order.message_ids.filtered(lambda m: m.message_type in ("email", "comment"))
            )
            picking = order.picking_ids
            self.assertNotIn(order.partner_shipping_id, picking.message_partner_ids)
            self.assertFalse(picking.message_ids)

    def test_batch_size_and_known_orders(self):
        """The batch takes at most ``oms_connector.intake_batch_size`` events, oldest first,
        and never an update of an order Odoo already has (its own job applies it)."""
        self.env["ir.config_parameter"].set_param("oms_connector.intake_batch_size", "3")
        with trap_jobs() as trap:
            known = self._receive(self._payload(0))
            self._process_jobs(trap)
            self.assertEqual(known.state, "done")
            update = self._payload(0, updated_at="2026-03-02T12:00:00+01:00")
            update_event = self._receive(update, topic="orders/updated")
            new = self.Event.concat(*(self._receive(self._payload(n)) for n in range(1, 6)))
            jobs = {
                job.recordset.id: job
                for job in trap.enqueued_jobs
                if job.method_name == "_job_process"
            }
            self.assertIn("3 events", jobs[new[0].id].perform())
            self.assertEqual(new.mapped("state"), ["done"] * 3 + ["pending"] * 2)
            self.assertEqual(update_event.state, "pending")
            self.assertIn("Event done", jobs[update_event.id].perform())
            binding = self.Binding.search([("sale_order_id", "=", known.sale_order_id.id)])
            self.assertEqual(str(binding.external_updated_at), "2026-03-02 11:00:00")
            self.assertIn("2 events", jobs[new[3].id].perform())
            self.assertIn("already done", jobs[new[4].id].perform())
        self.assertEqual(set(new.mapped("state")), {"done"})
        self.assertEqual(len(self._orders()), 6)

    def test_one_new_customer_twice_in_a_burst(self):
        """Two orders of a customer Odoo does not know yet, in one batch: one customer, one
        binding, one delivery address."""
        with trap_jobs() as trap:
            events = self.Event.concat(
                self._receive(self._payload(0)), self._receive(self._payload(1))
            )
            self._process_jobs(trap)
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("error"))
        orders = events.sale_order_id
        self.assertEqual(len(orders), 2)
        self.assertEqual(len(orders.partner_id), 1)
        self.assertEqual(len(orders.partner_shipping_id), 1)
        self.assertEqual(orders.partner_shipping_id.parent_id, orders.partner_id)
        customer_id = str(self._sample("shopify")["customer"]["id"])
        bindings = self.env["oms.channel.partner"].search(
            [("channel_id", "=", self.shopify.id), ("external_id", "=", customer_id)]
        )
        self.assertEqual(bindings.partner_id, orders.partner_id)

    def test_failed_order_leaves_nothing_and_others_go_in(self):
        """An unknown SKU and a wrong total in the burst: those two fail with their reason,
        nothing of them is left (not even their new customer), the others are taken in."""
        unknown = self._payload(1)
        unknown["line_items"][0]["sku"] = "NOT-A-SKU"
        unknown["customer"].update(id=990001, email="unknown.sku@example.com")
        wrong_total = self._payload(2, total_price="99.99", current_total_price="99.99")
        wrong_total["customer"].update(id=990002, email="wrong.total@example.com")
        with trap_jobs() as trap:
            events = self.Event.concat(
                self._receive(self._payload(0)),
                self._receive(unknown),
                self._receive(wrong_total),
                self._receive(self._payload(3)),
            )
            self._process_jobs(trap)
        self.assertEqual(events.mapped("state"), ["done", "failed", "failed", "done"])
        self.assertIn("NOT-A-SKU", events[1].error)
        self.assertIn("99.99 EUR", events[2].error)
        self.assertEqual(len(self._orders()), 2)
        self.assertFalse(
            self.env["res.partner"].search(
                [("email", "in", ["unknown.sku@example.com", "wrong.total@example.com"])]
            )
        )
        self.assertFalse(events[1:3].sale_order_id)

    def test_waiting_jobs_of_events_taken_in_are_closed(self):
        """Jobs stored as the runner sees them: once the first job took the burst in, the
        waiting jobs of the other events (done or failed) are marked done, so the runner never
        dispatches them; a failed event is retried by the user with a new job."""
        unknown = self._payload(2)
        unknown["line_items"][0]["sku"] = "NOT-A-SKU"
        unknown["customer"].update(id=990003, email="closed.jobs@example.com")
        events = self.Event.concat(
            self._receive(self._payload(0)),
            self._receive(self._payload(1)),
            self._receive(unknown),
        )
        keys = [event._get_processing_identity_key() for event in events]
        jobs = self.env["queue.job"].search([("identity_key", "in", keys)], order="id")
        self.assertEqual(jobs.mapped("identity_key"), keys)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        result = Job.load(self.env, jobs[0].uuid).perform()
        self.assertIn("3 events of new orders processed together", result)
        self.assertEqual(events.mapped("state"), ["done", "done", "failed"])
        jobs.invalidate_recordset()
        self.assertEqual(jobs.mapped("state"), ["pending", "done", "done"])
        self.assertEqual(jobs[0].result, False, "the running job is left to the runner")
        for job in jobs[1:]:
            self.assertEqual(job.result, f"Processed with the batch of event {events[0].id}.")
            self.assertTrue(job.date_done)
        # the user fixes the SKU and retries: a new job, not the closed one
        events[2].action_retry()
        retry_jobs = self.env["queue.job"].search([("identity_key", "=", keys[2])])
        self.assertEqual(len(retry_jobs), 2)
        self.assertEqual((retry_jobs - jobs).state, "pending")

    def test_burst_of_a_routing_channel_waits_for_routing(self):
        """Orders of a channel that routes by rules are not confirmed by the batch import:
        they wait for the routing job, which chooses the warehouse, then confirms them."""
        warehouse = self.env["stock.warehouse"].create({"name": "Batch Routing WH", "code": "BRW"})
        self.env["oms.routing.rule"].create(
            {
                "name": "Shopify ships from the routing warehouse",
                "sequence": -10,
                "channel_ids": [(6, 0, self.shopify.ids)],
                "strategy": "fixed",
                "warehouse_id": warehouse.id,
            }
        )
        self.shopify.routing_enabled = True
        with trap_jobs() as trap:
            for number in range(3):
                self._receive(self._payload(number))
            self._process_jobs(trap)
            orders = self._orders()
            self.assertEqual(len(orders), 3)
            self.assertEqual(set(orders.mapped("state")), {"draft"})
            self.assertEqual(set(orders.mapped("oms_routing_state")), {"pending"})
            self.assertFalse(orders.picking_ids, "no delivery before the warehouse is chosen")
            routing_jobs = [
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_oms_job_route_pending_orders"
            ]
            self.assertEqual(len(routing_jobs), 1, "one routing job for the whole burst")
            routing_jobs[0].perform()
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertEqual(orders.picking_ids.picking_type_id.warehouse_id, warehouse)
