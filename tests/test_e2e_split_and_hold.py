# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end: a Shopify order whose lines sit in two warehouses ships in two parcels; the next
one finds no stock anywhere and is held for review, with its reason, until stock arrives and a
user re-routes it."""

from common_e2e import E2EWorldMixin

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestE2ESplitAndHold(E2EWorldMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_e2e_world()
        cls.rule_split = cls._create_rule(
            "Shopify: split between Lyon and Hamburg",
            "split",
            sequence=-1,
            max_shipments=2,
            fallback="hold",
            channel_ids=[Command.set(cls.shopify.ids)],
            warehouse_ids=[Command.set((cls.wh_lyon | cls.wh_hamburg).ids)],
        )
        # Inventory > OMS > Held for Routing lists channel orders of every salesperson
        cls.warehouse_user = new_test_user(
            cls.env,
            login="e2e_warehouse_user",
            groups="oms_connector.group_oms_user,stock.group_stock_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        # the T-shirts are in Lyon, the mug in Hamburg
        cls._set_stock(cls.shirt, cls.wh_lyon, 2)
        cls._set_stock(cls.mug, cls.wh_hamburg, 1)

    def _order_in(self, external_id):
        event = self._post_shopify("orders/create", self._shopify_order(external_id))
        self._run_jobs()
        self.assertEqual(event.state, "done", event.error)
        return self._binding(self.shopify, external_id).sale_order_id

    def _receive(self, warehouse, quantities):
        """The warehouse receives goods: a receipt validated by a warehouse user."""
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.display_name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": self.env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                    for product, qty in quantities
                ],
            }
        )
        receipt.action_confirm()
        receipt = receipt.with_user(self.stock_user)
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")

    def test_split_then_held_then_rerouted_when_stock_arrives(self):
        # 1. two warehouses hold a part each: two deliveries, one per warehouse
        order = self._order_in("5690000001001")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.oms_routing_state, "routed")
        self.assertEqual(order.oms_routing_rule_id, self.rule_split)
        deliveries = order.picking_ids
        self.assertEqual(len(deliveries), 2)
        shipped_from = {
            picking.picking_type_id.warehouse_id: sorted(
                (move.product_id.default_code, move.product_uom_qty) for move in picking.move_ids
            )
            for picking in deliveries
        }
        self.assertEqual(
            shipped_from,
            {
                self.wh_lyon: [("OMS-APP-001", 2.0)],
                self.wh_hamburg: [("OMS-HOM-013", 1.0)],
            },
        )
        self.assertEqual(set(deliveries.mapped("state")), {"assigned"})

        # 2. the same again: nothing left anywhere, held for review with the reason
        held = self._order_in("5690000002001")
        self.assertEqual(held.state, "draft")
        self.assertEqual(held.oms_routing_state, "held")
        self.assertFalse(held.picking_ids)
        self.assertIn("held for review", held.oms_routing_reason)
        # the warehouse sees it in the held orders, with why
        seen = (
            self.env["sale.order"]
            .with_user(self.warehouse_user)
            .search(
                [
                    ("oms_routing_state", "=", "held"),
                    ("state", "in", ("draft", "sent")),
                    ("oms_channel_id", "=", self.shopify.id),
                ]
            )
        )
        self.assertEqual(seen, held)
        self.assertIn("held for review", seen.oms_routing_reason)

        # 3. stock arrives in Lyon; the warehouse user re-routes the order
        self._receive(self.wh_lyon, [(self.shirt, 2), (self.mug, 1)])
        held.with_user(self.warehouse_user).action_oms_reroute()
        self.assertEqual(held.oms_routing_state, "routed")
        self.assertEqual(held.state, "sale")
        self.assertEqual(held.picking_ids.picking_type_id.warehouse_id, self.wh_lyon)
        self.assertEqual(held.picking_ids.state, "assigned")
        self.assertEqual(
            sorted(
                (move.product_id.default_code, move.product_uom_qty)
                for move in held.picking_ids.move_ids
            ),
            [("OMS-APP-001", 2.0), ("OMS-HOM-013", 1.0)],
        )
