# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("qty_invoiced", "qty_delivered", "product_uom_qty", "state")
    def _compute_qty_to_invoice(self):
        """On channel orders the channel's invoicing policy decides what is invoiceable, whatever
        the products' own policy: everything ordered once paid, or what was delivered (services
        and shipping charges: what was ordered) when invoicing on shipment."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            policy = line.order_id.oms_channel_id.invoice_policy
            if line.state != "sale" or line.display_type or policy not in ("paid", "shipped"):
                continue
            if policy == "shipped" and line.qty_delivered_method == "stock_move":
                line.qty_to_invoice = line.qty_delivered - line.qty_invoiced
            else:
                line.qty_to_invoice = line.product_uom_qty - line.qty_invoiced
        return res
