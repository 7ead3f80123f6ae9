# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        shipped_orders = self.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done"
        ).sale_id.filtered("oms_channel_id")
        if shipped_orders:
            shipped_orders._oms_invoice_on_shipment()
        return res
