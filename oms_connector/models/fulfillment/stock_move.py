# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools.sql import create_index

#: open moves: what ``oms.routing.engine._get_free_stock`` subtracts from the stock on hand
OPEN_MOVES_WHERE = "state NOT IN ('draft', 'cancel', 'done')"


class StockMove(models.Model):
    _inherit = "stock.move"

    def init(self):
        res = super().init()
        # Free stock (routing, channel stock levels) sums the open moves of the products.
        # Odoo's product index holds every move ever made: in a database with millions of
        # done moves, that sum read them all. This partial index holds only open moves.
        create_index(
            self.env.cr,
            "oms_stock_move_open_product_index",
            self._table,
            ["product_id", "location_id"],
            where=OPEN_MOVES_WHERE,
        )
        return res

    def _action_confirm(self, merge=True, merge_into=False):
        # read before: confirmation merges (and deletes) moves
        products = self.product_id
        moves = super()._action_confirm(merge=merge, merge_into=merge_into)
        # confirmed deliveries hold stock back from what channels may sell
        self.env["oms.channel.stock.level"]._mark_products_dirty(products)
        return moves

    def _action_assign(self, force_qty=False):
        res = super()._action_assign(force_qty=force_qty)
        if not self.env.context.get("oms_3pl_no_send"):
            self.exists().picking_id._oms_3pl_mark_ready()
        return res

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self.env["oms.channel.stock.level"]._mark_products_dirty(moves.product_id)
        return moves

    def _action_cancel(self):
        products = self.product_id
        res = super()._action_cancel()
        self.env["oms.channel.stock.level"]._mark_products_dirty(products)
        return res
