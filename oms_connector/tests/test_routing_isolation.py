# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One bad order never blocks routing (issue 13, kind 5): an order whose routing raises is held
for review with an error that names it, the other orders of its batch are routed and
confirmed, and the routing job ends done, not failed."""

from odoo.addons.queue_job.job import DONE, Job
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.fulfillment.sale_order_routing import ROUTING_JOB_IDENTITY
from .routing_common import RoutingFactoryMixin

ENGINE_LOGGER = "odoo.addons.oms_connector.models.fulfillment.oms_routing_engine"


@tagged("post_install", "-at_install")
class TestRoutingIsolation(RoutingFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.lamp = cls._create_product("Desk Lamp", price=45.0)
        cls.chair = cls._create_product("Chair", price=150.0)
        cls._set_stock(cls.lamp, cls.wh_lyon, 10)

    def _run_routing_job(self):
        """Run the waiting routing job as queue_job's runner does (started, perform, done):
        an exception out of ``perform`` is what makes the runner mark it failed."""
        record = self.env["queue.job"].search(
            [("identity_key", "=", ROUTING_JOB_IDENTITY), ("state", "=", "pending")]
        )
        self.assertEqual(len(record), 1)
        job = Job.load(self.env, record.uuid)
        job.set_started()
        job.store()
        job.perform()
        job.set_done()
        job.store()
        return record

    def test_an_order_of_year_one_is_held_and_the_others_are_routed(self):
        """The order of issue 13: dated 0001-01-01 (written before intake refused such
        dates), it sorts first in the batch and its confirmation raises (its delivery's date
        cannot be written); it used to fail every routing job."""
        self._create_rule("Nearest", "nearest", fallback="hold")
        good = self._create_channel_order([(self.lamp, 1)])
        good |= self._create_channel_order([(self.lamp, 2)], partner=self.customer_berlin)
        bad = self._create_channel_order([(self.lamp, 1)])
        bad.date_order = "0001-01-01 00:00:00"
        (good | bad)._oms_mark_routing_pending()
        with mute_logger(ENGINE_LOGGER):
            job = self._run_routing_job()
        self.assertEqual(job.state, DONE)
        self.assertEqual(job.result, "2 routed, 0 backordered, 1 held.")
        self.assertEqual(good.mapped("oms_routing_state"), ["routed", "routed"])
        self.assertEqual(good.mapped("state"), ["sale", "sale"])
        self.assertEqual(good.picking_ids.mapped("state"), ["assigned", "assigned"])
        self.assertEqual(bad.oms_routing_state, "held")
        self.assertEqual(bad.state, "draft")
        self.assertFalse(bad.picking_ids)
        self.assertRegex(
            bad.oms_routing_reason,
            rf"^Routing of {bad.name} failed: ValueError: .*1-01-01.*\. Held for review\.$",
        )
        # the held order keeps its place out of the queue: the next job does not retry it
        self.assertFalse(
            self.env["sale.order"].search_count([("oms_routing_state", "=", "pending")])
        )

    def test_a_broken_rule_holds_only_the_orders_it_fails_on(self):
        """A rule whose backorder warehouse was archived after it was set: deciding an order
        that needs the fallback raises; the orders the rule routes from stock go on."""
        self._create_rule(
            "Nearest, else backorder in Madrid",
            "nearest",
            fallback="backorder",
            fallback_warehouse_id=self.wh_madrid.id,
        )
        self.wh_madrid.action_archive()
        in_stock = self._create_channel_order([(self.lamp, 1)])
        missing = self._create_channel_order([(self.chair, 1)])
        with mute_logger(ENGINE_LOGGER):
            decisions = self._route(in_stock | missing)
        self.assertEqual([d.state for d in decisions], ["routed", "held"])
        self.assertEqual(in_stock.state, "sale")
        self.assertEqual(in_stock.warehouse_id, self.wh_lyon)
        self.assertEqual(missing.oms_routing_state, "held")
        self.assertEqual(missing.state, "draft")
        self.assertTrue(
            missing.oms_routing_reason.startswith(f"Routing of {missing.name} failed: KeyError"),
            missing.oms_routing_reason,
        )
