# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .routing_common import RoutingFactoryMixin


@tagged("post_install", "-at_install", "oms_clock")
class TestRouting(RoutingFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.mug = cls._create_product("Glass Mug", categ=cls.categ_glass, price=12.0)
        cls.lamp = cls._create_product("Desk Lamp", price=45.0)
        cls.chair = cls._create_product("Chair", price=150.0)
        cls.oms_user = new_test_user(
            cls.env,
            login="routing_user",
            groups="oms_connector.group_oms_user,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user",
        )

    def _pickings_by_warehouse(self, order):
        return {
            p.picking_type_id.warehouse_id: p.move_ids.product_id
            for p in order.picking_ids
            if p.picking_type_code == "outgoing"
        }

    # ------------------------------------------------------------------ strategies
    def test_fixed_strategy_ships_from_the_chosen_warehouse_even_without_stock(self):
        self._create_rule("All to Madrid", "fixed", warehouse_id=self.wh_madrid.id)
        order = self._create_channel_order([(self.lamp, 2)])
        self._route(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.oms_routing_state, "routed")
        self.assertEqual(order.warehouse_id, self.wh_madrid)
        self.assertEqual(order.oms_routing_warehouse_ids, self.wh_madrid)
        self.assertIn("not everything is in stock", order.oms_routing_reason)
        self.assertEqual(list(self._pickings_by_warehouse(order)), [self.wh_madrid])

    def test_nearest_strategy_by_coordinates(self):
        rule = self._create_rule("Nearest", "nearest")
        for warehouse in self.test_warehouses:
            self._set_stock(self.lamp, warehouse, 5)
        paris = self._create_channel_order([(self.lamp, 1)], partner=self.customer_paris)
        berlin = self._create_channel_order([(self.lamp, 1)], partner=self.customer_berlin)
        self._route(paris | berlin)
        self.assertEqual(paris.warehouse_id, self.wh_lyon)
        self.assertEqual(berlin.warehouse_id, self.wh_hamburg)
        self.assertEqual(paris.oms_routing_rule_id, rule)
        # Paris - Lyon is about 390 km
        self.assertRegex(paris.oms_routing_reason, r"Lyon DC is the nearest warehouse \(39\d km\)")
        self.assertEqual(paris.picking_ids.picking_type_id.warehouse_id, self.wh_lyon)

    def test_nearest_strategy_skips_a_nearer_warehouse_without_everything(self):
        self._create_rule("Nearest", "nearest")
        self._set_stock(self.lamp, self.wh_lyon, 5)
        self._set_stock(self.lamp, self.wh_hamburg, 5)
        self._set_stock(self.mug, self.wh_hamburg, 5)
        order = self._create_channel_order([(self.lamp, 1), (self.mug, 2)])
        self._route(order)
        self.assertEqual(order.warehouse_id, self.wh_hamburg)

    def test_nearest_without_coordinates_uses_the_region_table(self):
        self._create_rule("Nearest", "nearest")
        for warehouse in self.test_warehouses:
            self._set_stock(self.lamp, warehouse, 5)
        # Porto (Portugal) has no coordinates: Spain is next door in the region table
        order = self._create_channel_order([(self.lamp, 1)], partner=self.customer_porto)
        self._route(order)
        self.assertEqual(order.warehouse_id, self.wh_madrid)
        Distance = self.env["oms.region.distance"]
        france, spain, portugal = (self.env.ref(f"base.{c}") for c in ("fr", "es", "pt"))
        Distance.search(
            [("country_from_id", "=", france.id), ("country_to_id", "=", portugal.id)]
        ).distance_km = 10
        Distance.search(
            [("country_from_id", "=", spain.id), ("country_to_id", "=", portugal.id)]
        ).distance_km = 500
        order2 = self._create_channel_order([(self.lamp, 1)], partner=self.customer_porto)
        self._route(order2)
        self.assertEqual(order2.warehouse_id, self.wh_lyon, "a region row overrides the guess")

    def test_split_ships_each_line_from_a_warehouse_that_has_it(self):
        self._create_rule("Split", "split", max_shipments=2)
        self._set_stock(self.lamp, self.wh_lyon, 3)
        self._set_stock(self.mug, self.wh_hamburg, 3)
        order = self._create_channel_order([(self.lamp, 2), (self.mug, 3)])
        self._route(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.oms_routing_warehouse_ids, self.wh_lyon | self.wh_hamburg)
        self.assertIn("split in 2 shipments", order.oms_routing_reason)
        shipments = self._pickings_by_warehouse(order)
        self.assertEqual(shipments[self.wh_lyon], self.lamp)
        self.assertEqual(shipments[self.wh_hamburg], self.mug)
        self.assertEqual(order.picking_ids.mapped("state"), ["assigned", "assigned"])

    def test_split_prefers_one_shipment(self):
        self._create_rule("Split", "split", max_shipments=3)
        self._set_stock(self.lamp, self.wh_lyon, 3)
        self._set_stock(self.lamp, self.wh_hamburg, 3)
        self._set_stock(self.mug, self.wh_hamburg, 3)
        order = self._create_channel_order([(self.lamp, 1), (self.mug, 1)])
        self._route(order)
        self.assertEqual(order.oms_routing_warehouse_ids, self.wh_hamburg)
        self.assertFalse(order.order_line.oms_warehouse_id)

    def test_split_beyond_max_shipments_falls_back_to_hold(self):
        self._create_rule("Split in two at most", "split", max_shipments=2, fallback="hold")
        self._set_stock(self.lamp, self.wh_lyon, 3)
        self._set_stock(self.mug, self.wh_hamburg, 3)
        self._set_stock(self.chair, self.wh_madrid, 3)
        order = self._create_channel_order([(self.lamp, 1), (self.mug, 1), (self.chair, 1)])
        self._route(order)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.oms_routing_state, "held")
        self.assertIn("no warehouse can ship every line from stock", order.oms_routing_reason)
        self.assertIn("held for review", order.oms_routing_reason)
        self.assertFalse(order.picking_ids)

    def test_nothing_in_stock_anywhere_backorders_in_the_fallback_warehouse(self):
        self._create_rule(
            "Nearest, else backorder",
            "nearest",
            fallback="backorder",
            fallback_warehouse_id=self.wh_hamburg.id,
        )
        order = self._create_channel_order([(self.chair, 4)])
        self._route(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.oms_routing_state, "backorder")
        self.assertEqual(order.warehouse_id, self.wh_hamburg)
        self.assertIn("backordered in Hamburg DC", order.oms_routing_reason)
        picking = order.picking_ids
        self.assertEqual(picking.picking_type_id.warehouse_id, self.wh_hamburg)
        self.assertEqual(picking.state, "confirmed", "waiting for stock")

    def test_nothing_in_stock_anywhere_holds_with_the_reasons_of_every_rule(self):
        self._create_rule("Nearest", "nearest", sequence=1)
        self._create_rule("Split", "split", sequence=2)
        order = self._create_channel_order([(self.chair, 4)])
        self._route(order)
        self.assertEqual(order.oms_routing_state, "held")
        self.assertEqual(
            order.oms_routing_reason,
            "Nearest: no warehouse can ship every line from stock; Split: no warehouse can ship "
            "every line from stock. Held for review.",
        )

    def test_no_rule_matches(self):
        self._create_rule(
            "Germany only", "nearest", country_ids=[Command.set(self.env.ref("base.de").ids)]
        )
        order = self._create_channel_order([(self.lamp, 1)], partner=self.customer_paris)
        self._route(order)
        self.assertEqual(order.oms_routing_state, "held")
        self.assertEqual(
            order.oms_routing_reason, "No routing rule matches this order: held for review."
        )

    # ------------------------------------------------------------------ conditions
    def test_rule_conditions_pick_the_first_matching_rule(self):
        self._create_rule(
            "Priority to Madrid",
            "fixed",
            warehouse_id=self.wh_madrid.id,
            priority="priority",
            sequence=1,
        )
        self._create_rule(
            "Fragile to Hamburg",
            "fixed",
            warehouse_id=self.wh_hamburg.id,
            categ_ids=[Command.set(self.categ_fragile.ids)],
            sequence=2,
        )
        self._create_rule(
            "Paris zip 75 big orders to Lyon",
            "fixed",
            warehouse_id=self.wh_lyon.id,
            zip_prefixes="92, 75",
            amount_min=100,
            sequence=3,
        )
        other_channel = self.env["oms.channel"].create(
            {"name": "Other", "code": "routing-other", "platform": "generic"}
        )
        self._create_rule(
            "Other channel to Madrid",
            "fixed",
            warehouse_id=self.wh_madrid.id,
            channel_ids=[Command.set(other_channel.ids)],
            sequence=4,
        )
        self._create_rule("Everything else", "fixed", warehouse_id=self.wh_hamburg.id, sequence=5)
        priority = self._create_channel_order([(self.lamp, 1)], priority=True)
        fragile = self._create_channel_order([(self.mug, 1)])  # Glass is under Fragile
        big_paris = self._create_channel_order([(self.chair, 1)])
        small_paris = self._create_channel_order([(self.lamp, 1)])
        other = self._create_channel_order([(self.lamp, 1)], channel=other_channel)
        self._route(priority | fragile | big_paris | small_paris | other)
        self.assertEqual(priority.oms_routing_rule_id.name, "Priority to Madrid")
        self.assertEqual(fragile.oms_routing_rule_id.name, "Fragile to Hamburg")
        self.assertEqual(big_paris.oms_routing_rule_id.name, "Paris zip 75 big orders to Lyon")
        self.assertEqual(small_paris.oms_routing_rule_id.name, "Everything else")
        self.assertEqual(other.oms_routing_rule_id.name, "Other channel to Madrid")
        self.assertEqual(other.warehouse_id, self.wh_madrid)

    def test_region_distance_is_unique_per_pair(self):
        france, portugal = self.env.ref("base.fr"), self.env.ref("base.pt")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["oms.region.distance"].create(
                {"country_from_id": france.id, "country_to_id": portugal.id, "distance_km": 1}
            )

    def test_rule_configuration_errors(self):
        with self.assertRaisesRegex(ValidationError, "choose the warehouse of the fixed strategy"):
            self._create_rule("Broken", "fixed")
        with self.assertRaisesRegex(ValidationError, "warehouse that takes backorders"):
            self._create_rule("Broken", "nearest", fallback="backorder")
        with self.assertRaisesRegex(ValidationError, "at least one shipment"):
            self._create_rule("Broken", "split", max_shipments=0)

    # ------------------------------------------------------------------ batches and queue
    def test_one_batch_never_gives_the_last_unit_twice(self):
        self._create_rule("Nearest", "nearest", fallback="hold")
        self._set_stock(self.lamp, self.wh_lyon, 1)
        self._set_stock(self.lamp, self.wh_hamburg, 1)
        orders = [self._create_channel_order([(self.lamp, 1)]) for _i in range(3)]
        self._route(orders[0] | orders[1] | orders[2])
        self.assertEqual([o.warehouse_id for o in orders[:2]], [self.wh_lyon, self.wh_hamburg])
        self.assertEqual(orders[2].oms_routing_state, "held")

    def test_free_stock_reads_open_moves_through_the_partial_index(self):
        """Production databases hold millions of done moves: the open-moves sum of the free
        stock must be answerable from the partial index of open moves alone."""
        engine = self.env["oms.routing.engine"]
        query = engine._get_open_moves_query([self.lamp.id, self.mug.id], [self.wh_madrid.id])
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("SET LOCAL enable_bitmapscan = off")
        try:
            self.env.cr.execute(SQL("EXPLAIN %s", query))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            self.env.cr.execute("RESET enable_seqscan")
            self.env.cr.execute("RESET enable_bitmapscan")
        self.assertIn("oms_stock_move_open_product_index", plan)

    def test_stock_held_by_other_deliveries_is_not_available(self):
        self._create_rule("Nearest", "nearest", fallback="hold")
        self._set_stock(self.lamp, self.wh_lyon, 1)
        first = self._create_channel_order([(self.lamp, 1)])
        self._route(first)
        second = self._create_channel_order([(self.lamp, 1)])
        self._route(second)
        self.assertEqual(first.warehouse_id, self.wh_lyon)
        self.assertEqual(second.oms_routing_state, "held")

    def test_intake_queues_orders_of_routing_channels_and_a_job_routes_them(self):
        self._create_rule("Nearest", "nearest", fallback="hold")
        self._set_stock(self.lamp, self.wh_hamburg, 2)
        orders = [self._create_channel_order([(self.lamp, 1)]) for _i in range(2)]
        with trap_jobs() as trap:
            for order in orders:
                binding = order.oms_binding_ids
                binding._confirm_sale_order_if_due()
            self.assertEqual([o.state for o in orders], ["draft", "draft"])
            self.assertEqual([o.oms_routing_state for o in orders], ["pending", "pending"])
            # one job waits for both orders
            trap.assert_jobs_count(1, only=self.env["sale.order"]._oms_job_route_pending_orders)
            trap.perform_enqueued_jobs()
        self.assertEqual([o.state for o in orders], ["sale", "sale"])
        self.assertEqual([o.warehouse_id for o in orders], [self.wh_hamburg, self.wh_hamburg])

    def test_routing_job_works_in_batches(self):
        self._create_rule("Nearest", "nearest", fallback="hold")
        self._set_stock(self.lamp, self.wh_lyon, 10)
        orders = self.env["sale.order"]
        for _i in range(3):
            orders |= self._create_channel_order([(self.lamp, 1)])
        orders._oms_mark_routing_pending()
        with trap_jobs() as trap:
            self.env["sale.order"]._oms_job_route_pending_orders(batch_size=2)
            self.assertEqual(
                sorted(orders.mapped("oms_routing_state")), ["pending", "routed", "routed"]
            )
            trap.assert_jobs_count(1, only=self.env["sale.order"]._oms_job_route_pending_orders)
            trap.perform_enqueued_jobs()
        self.assertEqual(set(orders.mapped("state")), {"sale"})

    def test_held_order_is_rerouted_by_a_user_once_stock_arrives(self):
        self._create_rule("Nearest", "nearest", fallback="hold")
        order = self._create_channel_order([(self.chair, 2)])
        self._route(order)
        self.assertEqual(order.oms_routing_state, "held")
        action = order.with_user(self.oms_user).action_oms_reroute()
        self.assertEqual(action["params"]["title"], "Still held")
        self._set_stock(self.chair, self.wh_madrid, 2)
        order.with_user(self.oms_user).action_oms_reroute()
        self.assertEqual(order.oms_routing_state, "routed")
        self.assertEqual(order.warehouse_id, self.wh_madrid)
        self.assertEqual(order.state, "sale")

    # ------------------------------------------------------------------ recording
    def test_rerouting_a_split_order_records_the_history_and_resets_its_lines(self):
        self._create_rule("Split", "split", max_shipments=2)
        self._set_stock(self.lamp, self.wh_lyon, 3)
        self._set_stock(self.mug, self.wh_hamburg, 3)
        order = self._create_channel_order([(self.lamp, 1), (self.mug, 1)])
        lamp_line, mug_line = order.order_line
        engine = self.env["oms.routing.engine"]
        engine.route_orders(order, confirm=False)
        self.assertEqual(order.state, "draft")
        self.assertEqual(lamp_line.warehouse_id, self.wh_lyon)
        self.assertEqual(mug_line.warehouse_id, self.wh_hamburg)
        self.assertEqual(order.order_line.oms_warehouse_id, self.wh_lyon | self.wh_hamburg)
        locks = self.env["oms.routing.lock"].search(
            [("product_id", "in", (self.lamp | self.mug).ids)]
        )
        self.assertEqual(len(locks), 2)
        self.assertTrue(all(locks.mapped("locked_at")), "routing touched the lock rows")
        # the mug arrives in Lyon: the order now ships in one piece from there
        self._set_stock(self.mug, self.wh_lyon, 3)
        engine.route_orders(order, confirm=False)
        self.assertEqual(order.warehouse_id, self.wh_lyon)
        self.assertFalse(order.order_line.oms_warehouse_id)
        self.assertEqual(order.order_line.warehouse_id, self.wh_lyon)
        # the reason shown is the new decision's, also before anything is read again
        self.assertIn("Lyon DC is the nearest warehouse", order.oms_routing_reason)
        order.invalidate_recordset()
        history = order.oms_routing_decision_ids
        self.assertEqual(history.mapped("split"), [False, True], "newest decision first")
        self.assertEqual(history.company_id, order.company_id)

    def test_routing_still_refuses_a_warehouse_of_another_company(self):
        other_company = self.env["res.company"].create({"name": "Other Routing Co"})
        foreign = self.env["stock.warehouse"].create(
            {"name": "Foreign DC", "code": "FRGN", "company_id": other_company.id}
        )
        order = self._create_channel_order([(self.lamp, 1)])
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            order.with_context(oms_routing_write=True).write({"warehouse_id": foreign.id})
