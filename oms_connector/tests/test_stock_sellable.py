# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sellable stock (issue 12 kind 7): the channel push and routing count only what a delivery
can take from, never returns waiting for inspection, quarantine or scrap."""

from odoo.tests import TransactionCase, tagged

from .routing_common import RoutingFactoryMixin


@tagged("post_install", "-at_install")
class TestSellableStock(RoutingFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.channel.write({"stock_buffer": 0, "stock_warehouse_ids": [(6, 0, cls.wh_lyon.ids)]})
        cls.lamp = cls._create_product("Lamp")
        cls._set_stock(cls.lamp, cls.wh_lyon, 10)
        cls.level = cls.env["oms.channel.stock.level"].create(
            {"channel_id": cls.channel.id, "product_id": cls.lamp.id}
        )
        cls._create_rule("Lyon", "fixed", warehouse_id=cls.wh_lyon.id)
        Location = cls.env["stock.location"]
        view = cls.wh_lyon.view_location_id
        cls.returns = Location.create({"name": "Returns", "location_id": view.id})
        cls.quarantine = Location.create({"name": "Quarantine", "location_id": view.id})
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.scrap = Location.search(
            [("scrap_location", "=", True), ("company_id", "in", (cls.company.id, False))],
            limit=1,
        )

    def _atp(self):
        self.level.invalidate_recordset()
        return self.level.available_to_promise

    def _move(self, source, destination, quantity):
        move = self.env["stock.move"].create(
            {
                "name": "test",
                "product_id": self.lamp.id,
                "product_uom_qty": quantity,
                "product_uom": self.lamp.uom_id.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = quantity
        move.picked = True
        move._action_done()
        self.assertEqual(move.state, "done")

    def test_returns_quarantine_and_scrap_are_never_sellable(self):
        self.assertEqual(self._atp(), 10.0)
        order = self._create_channel_order([(self.lamp, 2)])
        self._route(order)
        self.assertEqual(self._atp(), 8.0, "promised to the delivery")
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._atp(), 8.0, "shipped")
        # both come back into the returns location, waiting for inspection
        self._move(self.customers, self.returns, 2)
        self.assertEqual(self._atp(), 8.0, "returns are not sellable")
        # inspection: one to quarantine, one scrapped
        self._move(self.returns, self.quarantine, 1)
        self._move(self.returns, self.scrap, 1)
        self.assertEqual(self._atp(), 8.0, "quarantine and scrap are not sellable")
        # routing sees the same: an order for 9 gets the 8 there are
        engine = self.env["oms.routing.engine"]
        free = engine._get_free_stock(self.lamp.ids, self.wh_lyon.ids)
        self.assertEqual(free[self.lamp.id, self.wh_lyon.id], 8.0)
        big = self._create_channel_order([(self.lamp, 9)])
        self._route(big)
        if big.state == "sale":
            big.picking_ids.action_assign()
            self.assertEqual(sum(big.picking_ids.move_ids.mapped("quantity")), 8.0)
        self.assertEqual(self._atp(), 0.0)
