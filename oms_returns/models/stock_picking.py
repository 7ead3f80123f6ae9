# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # copied: a backorder of a return receipt still belongs to the return
    oms_return_id = fields.Many2one(
        "oms.return", string="Return", index="btree_not_null", readonly=True
    )
    oms_return_count = fields.Integer(compute="_compute_oms_return_count")

    def _get_oms_returns(self):
        """The return a receipt belongs to, or the returns of the goods a delivery shipped."""
        self.ensure_one()
        return self.oms_return_id | self.env["oms.return"].search(
            [("line_ids.sale_line_id", "in", self.move_ids.sale_line_id.ids)]
        )

    @api.depends("oms_return_id", "move_ids.sale_line_id")
    def _compute_oms_return_count(self):
        Line = self.env["oms.return.line"]
        if not Line.has_access("read"):
            self.oms_return_count = 0
            return
        groups = Line._read_group(
            [("sale_line_id", "in", self.move_ids.sale_line_id.ids)],
            ["sale_line_id"],
            ["return_id:array_agg"],
        )
        returns_by_line = {sale_line: set(ids) for sale_line, ids in groups}
        for picking in self:
            ids = set(picking.oms_return_id.ids)
            for sale_line in picking.move_ids.sale_line_id:
                ids |= returns_by_line.get(sale_line, set())
            picking.oms_return_count = len(ids)

    def action_view_oms_returns(self):
        self.ensure_one()
        return self._get_oms_returns()._action_view_self()

    def _action_done(self):
        res = super()._action_done()
        # the warehouse user validating the receipt moves the return on, whatever their rights
        self.oms_return_id.sudo()._on_receipt_done()
        return res
