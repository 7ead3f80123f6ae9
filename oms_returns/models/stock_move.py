# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    # copied: the backorder move of a return receipt still receives that return line
    oms_return_line_id = fields.Many2one(
        "oms.return.line", string="Return Line", index="btree_not_null"
    )

    def _prepare_merge_moves_distinct_fields(self):
        return super()._prepare_merge_moves_distinct_fields() + ["oms_return_line_id"]


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    oms_return_line_id = fields.Many2one(
        "oms.return.line", string="Return Line", index="btree_not_null", copy=False
    )

    def _prepare_move_values(self):
        vals = super()._prepare_move_values()
        vals["oms_return_line_id"] = self.oms_return_line_id.id
        return vals
