# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two routing jobs racing for the last unit, each in its own database transaction.

The data is committed (the two transactions must see it) and removed again by the cleanup.
"""

import threading
import time
import uuid

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, Command, api
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRoutingConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {
                    "name": "Race DC",
                    "country_id": env.ref("base.fr").id,
                    "partner_latitude": 45.76,
                    "partner_longitude": 4.83,
                }
            )
            # the cleanup can only archive a warehouse: a fresh name and code per run
            suffix = uuid.uuid4().hex[:4].upper()
            warehouse = env["stock.warehouse"].create(
                {"name": f"Race DC {suffix}", "code": f"R{suffix}", "partner_id": partner.id}
            )
            product = env["product.product"].create(
                {
                    "name": "Last Lamp",
                    "default_code": "RACE-LAMP",
                    "type": "consu",
                    "is_storable": True,
                }
            )
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1)
            channel = env["oms.channel"].create(
                {
                    "name": "Race Shop",
                    "code": f"race-shop-{suffix.lower()}",
                    "platform": "generic",
                    "routing_enabled": True,
                }
            )
            rule = env["oms.routing.rule"].create(
                {
                    "name": "Race: nearest, else hold",
                    "sequence": -1000,
                    "channel_ids": [Command.set(channel.ids)],
                    "strategy": "nearest",
                    "warehouse_ids": [Command.set(warehouse.ids)],
                    "fallback": "hold",
                }
            )
            customer = env["res.partner"].create(
                {
                    "name": "Race Customer",
                    "country_id": env.ref("base.fr").id,
                    "partner_latitude": 48.85,
                    "partner_longitude": 2.35,
                }
            )
            orders = env["sale.order"]
            for number in (1, 2):
                order = env["sale.order"].create(
                    {
                        "partner_id": customer.id,
                        "oms_channel_id": channel.id,
                        "order_line": [
                            Command.create({"product_id": product.id, "product_uom_qty": 1})
                        ],
                    }
                )
                env["oms.channel.order"].create(
                    {
                        "channel_id": channel.id,
                        "external_id": f"RACE-{number}",
                        "sale_order_id": order.id,
                    }
                )
                orders |= order
            self.ids = {
                "warehouse": warehouse.id,
                "product": product.id,
                "channel": channel.id,
                "rule": rule.id,
                "orders": orders.ids,
                "partners": (partner | customer).ids,
            }
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["sale.order"].browse(self.ids["orders"])
            pickings = orders.picking_ids
            orders._action_cancel()
            pickings.action_cancel()
            pickings.unlink()
            orders.unlink()
            env["oms.routing.rule"].browse(self.ids["rule"]).unlink()
            env["oms.channel"].browse(self.ids["channel"]).unlink()
            env["stock.quant"].search([("product_id", "=", self.ids["product"])]).unlink()
            env["stock.move"].search([("product_id", "=", self.ids["product"])]).unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["stock.warehouse"].browse(self.ids["warehouse"]).active = False
            env["res.partner"].browse(self.ids["partners"]).active = False

    def _route_in_own_transaction(self, order_id, results, name, before_commit=None):
        """Route one order like a queue job: own cursor, retried on serialization errors."""
        attempts = 0
        while attempts < 5:
            attempts += 1
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    decisions = env["oms.routing.engine"].route_orders(
                        env["sale.order"].browse(order_id)
                    )
                    if before_commit:
                        before_commit()
                results[name] = (decisions[0].state, attempts)
                return
            except OperationalError as exc:
                if exc.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    results[name] = (f"error {exc.pgcode}", attempts)
                    return
        results[name] = ("gave up", attempts)

    def _wait_for_a_lock_waiter(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cr.fetchone()[0]:
                    return True
            time.sleep(0.05)
        return False

    def test_two_jobs_never_allocate_the_last_unit_twice(self):
        first_routed = threading.Event()
        second_waits = threading.Event()
        results = {}

        def hold_commit_until_second_waits():
            first_routed.set()
            second_waits.wait(timeout=30)

        first_id, second_id = self.ids["orders"]
        first = threading.Thread(
            target=self._route_in_own_transaction,
            args=(first_id, results, "first", hold_commit_until_second_waits),
        )
        first.start()
        self.assertTrue(first_routed.wait(timeout=60), "the first job routed its order")
        second = threading.Thread(
            target=self._route_in_own_transaction, args=(second_id, results, "second")
        )
        second.start()
        # the second job waits on the lock the first holds, then the first commits
        waited = self._wait_for_a_lock_waiter()
        second_waits.set()
        first.join(timeout=60)
        second.join(timeout=60)
        self.assertTrue(waited, "the second job waited for the first one's lock")
        self.assertEqual(results["first"], ("routed", 1))
        self.assertEqual(results["second"][0], "held", "the last unit went to the first order only")
        self.assertGreater(results["second"][1], 1, "the second job was retried after the conflict")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            first_order, second_order = env["sale.order"].browse(self.ids["orders"])
            self.assertEqual(first_order.state, "sale")
            self.assertEqual(first_order.picking_ids.state, "assigned")
            self.assertEqual(second_order.state, "draft")
            self.assertEqual(second_order.oms_routing_state, "held")
            moves = env["stock.move"].search(
                [("product_id", "=", self.ids["product"]), ("state", "!=", "cancel")]
            )
            self.assertEqual(
                sum(moves.mapped("product_uom_qty")), 1.0, "one unit promised, one in stock"
            )
