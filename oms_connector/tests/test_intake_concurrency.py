# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A burst of webhook deliveries taken in by two job workers at once, each job in its own
transaction (issue 13, kinds 1, 3 and 4), over several rounds.

In every burst: new customers with two orders each (by channel customer id), one shopper
known only by an email address written in two letter cases, the same order delivered twice
(two delivery ids), and the creation and the update of one order. Both workers start at once
from the two ends of the queue, so their batches take in each other's events and meet on
the same new customers, orders and stock levels. Right: every order in once, with its last
update, one customer per shopper, one stock level per product, no failed event, no failed
job, every retry counted by queue_job.

The data is committed (the transactions must see it) and removed again by the cleanup.
"""

import copy
import json
import uuid

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged

from .common_intake import load_payload
from .parallel_jobs import run_jobs_in_parallel

ROUNDS = 3


class CommittedIntakeCase(TransactionCase):
    """A generic channel, its products, tax and pricelist, committed; bursts of deliveries."""

    def setUp(self):
        super().setUp()
        self.suffix = uuid.uuid4().hex[:6]
        with self._env() as env:
            self.setup_ids = self._create_channel(env)
        self.addCleanup(self._remove_committed_data)

    def _env(self):
        registry = self.registry

        class _Committed:
            def __enter__(inner):
                inner.cr = registry.cursor()
                return api.Environment(inner.cr, SUPERUSER_ID, {})

            def __exit__(inner, exc_type, *exc):
                if exc_type is None:
                    inner.cr.commit()
                inner.cr.close()

        return _Committed()

    def _create_channel(self, env):
        company = env.company
        eur = env.ref("base.EUR")
        eur.active = True
        tax = env["account.tax"].create(
            {"name": f"Race 21% {self.suffix}", "amount": 21.0, "company_id": company.id}
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Race {sku} {self.suffix}",
                    "default_code": f"{sku}-{self.suffix}",
                    "list_price": 10.0,
                    "type": "consu",
                    "is_storable": True,
                    "taxes_id": [Command.set(tax.ids)],
                }
                for sku in ("RACE-A", "RACE-B")
            ]
        )
        pricelist = env["product.pricelist"].create(
            {"name": f"Race EUR {self.suffix}", "currency_id": eur.id, "company_id": company.id}
        )
        channel = env["oms.channel"].create(
            {
                "name": f"Race intake {self.suffix}",
                "code": f"race-intake-{self.suffix}",
                "platform": "generic",
                "pricelist_id": pricelist.id,
                "confirmation_policy": "manual",
                "tax_mapping_ids": [Command.create({"rate": 21.0, "tax_id": tax.id})],
            }
        )
        return {
            "channel": channel.id,
            "products": products.ids,
            "skus": products.mapped("default_code"),
            "tax": tax.id,
            "pricelist": pricelist.id,
        }

    def _remove_committed_data(self):
        with self._env() as env:
            channel = env["oms.channel"].browse(self.setup_ids["channel"])
            events = env["oms.channel.event"].search([("channel_id", "=", channel.id)])
            keys = [event._get_processing_identity_key() for event in events]
            env["queue.job"].search([("identity_key", "in", keys)]).unlink()
            bindings = env["oms.channel.order"].search([("channel_id", "=", channel.id)])
            orders = bindings.sale_order_id | env["sale.order"].search(
                [("oms_channel_id", "=", channel.id)]
            )
            bindings.unlink()
            orders.unlink()
            customers = env["oms.channel.partner"].search([("channel_id", "=", channel.id)])
            partners = customers.partner_id
            env["oms.channel.stock.level"].search([("channel_id", "=", channel.id)]).unlink()
            channel.unlink()
            (partners.child_ids | partners).unlink()
            env["product.product"].browse(self.setup_ids["products"]).unlink()
            env["product.pricelist"].browse(self.setup_ids["pricelist"]).unlink()
            env["account.tax"].browse(self.setup_ids["tax"]).unlink()

    # ------------------------------------------------------------------ the burst
    def _payload(self, order_id, customer, quantity=1, updated_at="2026-03-04T08:31:05Z"):
        payload = copy.deepcopy(load_payload("generic_order.json"))
        for key in ("shipping", "discounts", "payments"):
            payload.pop(key)
        sku_a, sku_b = self.setup_ids["skus"]
        line = payload["lines"][0]
        payload["lines"] = [
            dict(line, id=f"{order_id}-1", sku=sku_a, quantity=quantity, unit_price=10.0),
            dict(line, id=f"{order_id}-2", sku=sku_b, quantity=1, unit_price=10.0),
        ]
        payload.update(
            id=order_id,
            number=order_id,
            updated_at=updated_at,
            total=round(12.1 * (quantity + 1), 2),
            financial_status="pending",
            customer=customer,
        )
        payload["billing_address"]["email"] = customer["email"]
        return payload

    def _burst(self, tag):
        """(topic, delivery id, payload) of one burst, and what it must give."""
        shoppers = [
            {"id": f"C{n}-{tag}", "email": f"c{n}.{tag}@example.com", "name": f"Shopper {n}"}
            for n in range(3)
        ]
        email_only = {"email": f"Mia.{tag}@Example.com", "name": "Mia"}
        deliveries = []
        for number in range(6):  # two orders per new customer
            order = f"O{number}-{tag}"
            deliveries.append(("order.created", order, self._payload(order, shoppers[number % 3])))
        for number, email in enumerate((email_only["email"], email_only["email"].lower())):
            order = f"M{number}-{tag}"
            deliveries.append(
                ("order.created", order, self._payload(order, dict(email_only, email=email)))
            )
        twice = self._payload(f"D-{tag}", shoppers[0])
        deliveries += [
            ("order.created", f"D-{tag}-a", twice),
            ("order.created", f"D-{tag}-b", twice),
        ]
        updated = self._payload(
            f"U-{tag}", shoppers[1], quantity=3, updated_at="2026-03-04T09:00:00Z"
        )
        deliveries += [
            ("order.created", f"U-{tag}-a", self._payload(f"U-{tag}", shoppers[1])),
            ("order.updated", f"U-{tag}-b", updated),
        ]
        return deliveries

    def _post_burst(self, tag):
        """Store and enqueue the burst's events as the webhook does; their job keys."""
        with self._env() as env:
            channel = env["oms.channel"].browse(self.setup_ids["channel"])
            event_model = env["oms.channel.event"]
            keys = []
            for topic, delivery_id, payload in self._burst(tag):
                event = event_model._store_delivery(
                    event_model._prepare_event_vals(
                        channel,
                        topic,
                        delivery_id,
                        json.dumps(payload),
                        external_order_id=payload["id"],
                    )
                )
                event._enqueue_processing()
                keys.append(event._get_processing_identity_key())
            return keys

    def _assert_burst_in(self, tag, run):
        self.assertFalse(run.timed_out, "the burst must go through in bounded time")
        self.assertEqual(run.failed, [], "no job fails")
        self.assertEqual(run.uncounted_postponed, 0, "every retry counts against max_retries")
        with self._env() as env:
            channel = env["oms.channel"].browse(self.setup_ids["channel"])
            events = env["oms.channel.event"].search(
                [("channel_id", "=", channel.id), ("delivery_id", "like", f"%-{tag}%")]
            )
            self.assertEqual(len(events), 12)
            failed = events.filtered(lambda e: e.state not in ("done", "ignored"))
            self.assertFalse(failed, failed.mapped(lambda e: (e.delivery_id, e.state, e.error)))
            bindings = env["oms.channel.order"].search(
                [("channel_id", "=", channel.id), ("external_id", "like", f"%-{tag}")]
            )
            orders = env["sale.order"].search(
                [("oms_channel_id", "=", channel.id), ("oms_external_ref", "like", f"%-{tag}")]
            )
            self.assertEqual(len(bindings), 10, "every order in once")
            self.assertEqual(len(orders), 10, "no order without its binding")
            self.assertEqual(len(orders.partner_id), 4, "one customer per shopper")
            mia = orders.filtered(lambda o: o.oms_external_ref.startswith("M"))
            self.assertEqual(len(mia.partner_id), 1, "one customer for both letter cases")
            updated = bindings.filtered(lambda b: b.external_id == f"U-{tag}").sale_order_id
            self.assertEqual(
                sorted(updated.order_line.mapped("product_uom_qty")), [1.0, 3.0], "update kept"
            )
            levels = env["oms.channel.stock.level"].search([("channel_id", "=", channel.id)])
            self.assertEqual(len(levels), 2, "one stock level per product")


@tagged("post_install", "-at_install")
class TestIntakeConcurrency(CommittedIntakeCase):
    def test_burst_taken_in_by_two_workers_at_once(self):
        for number in range(ROUNDS):
            tag = f"{self.suffix}r{number}"
            with self.subTest(round=number):
                keys = self._post_burst(tag)
                run = run_jobs_in_parallel(self.registry, keys, workers=2, timeout=40)
                self._assert_burst_in(tag, run)


@tagged("post_install", "-at_install")
class TestHeldEventHelps(CommittedIntakeCase):
    """A job whose event another transaction's batch holds takes in the channel's other
    waiting orders at once, instead of failing and being retried while the other works
    (issue 13: with two job workers, the second one did nothing useful during a whole batch)."""

    def test_job_of_a_held_event_takes_in_the_others(self):
        tag = f"{self.suffix}h"
        keys = self._post_burst(tag)
        with self._env() as env:
            events = env["oms.channel.event"].search(
                [("channel_id", "=", self.setup_ids["channel"])], order="id"
            )
            held = events.filtered(lambda e: e.delivery_id == f"O0-{tag}")
            held_key = held._get_order_lock_key()
            held_id = held.id
        holder = self.registry.cursor()  # another job's batch holding the first order
        try:
            holder.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [held_key])
            with self._env() as env:
                event = env["oms.channel.event"].browse(held_id)
                own = env["queue.job"].search(
                    [("identity_key", "=", event._get_processing_identity_key())]
                )
                own.state = "started"  # as the runner dispatches it
                message = event._job_process()
                own.state = "done"
                self.assertIn("held by another job", message)
                self.assertEqual(event.state, "pending", "the held event is left to its holder")
                others = env["oms.channel.event"].search(
                    [("channel_id", "=", self.setup_ids["channel"]), ("id", "!=", held_id)]
                )
                self.assertEqual(
                    set(others.mapped("state")) - {"done", "ignored"},
                    set(),
                    "the other waiting orders are taken in by the job that could not run",
                )
                follow_up = env["queue.job"].search(
                    [("identity_key", "=", event._get_processing_identity_key())]
                )
                pending = follow_up.filtered(lambda j: j.state == "pending") - own
                self.assertEqual(len(pending), 1, "its event is checked again by one job")
                self.assertTrue(pending.eta, "a moment later")
        finally:
            holder.rollback()  # the holder's batch rolled back: the follow-up takes it in
            holder.close()
        run = run_jobs_in_parallel(self.registry, keys, workers=2, timeout=40)
        self._assert_burst_in(tag, run)
