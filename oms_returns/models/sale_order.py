# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

# Field of sale.order.line holding the channel's line id, as the intake feature names it.
EXTERNAL_LINE_ID_FIELDS = ("oms_external_line_id", "oms_external_id", "oms_line_external_id")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    oms_return_id = fields.Many2one(
        "oms.return",
        string="Exchange for Return",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The return this order ships the exchange products of.",
    )
    oms_return_count = fields.Integer(compute="_compute_oms_return_count")

    @api.depends("order_line")
    def _compute_oms_return_count(self):
        Line = self.env["oms.return.line"]
        if not Line.has_access("read"):
            self.oms_return_count = 0
            return
        groups = Line._read_group(
            [("order_id", "in", self.ids)], ["order_id"], ["return_id:count_distinct"]
        )
        counts = {order.id: count for order, count in groups}
        for order in self:
            order.oms_return_count = counts.get(order.id, 0)

    def _get_oms_returns(self):
        return self.env["oms.return"].search([("line_ids.order_id", "in", self.ids)])

    def action_view_oms_returns(self):
        self.ensure_one()
        return self._get_oms_returns()._action_view_self()

    def action_oms_create_return(self):
        """Open the return wizard on this delivered order."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Return Goods"),
            "res_model": "oms.return.create.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_sale_order_ids": [self.id],
                "default_partner_id": self.partner_id.id,
            },
        }

    def _oms_get_refundable_invoice(self):
        """The posted customer invoice a return of this order is credited against."""
        self.ensure_one()
        invoices = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            raise UserError(
                _(
                    "Order %(order)s has no posted invoice to credit: invoice it first, then "
                    "refund the return.",
                    order=self.name,
                )
            )
        return invoices.sorted("invoice_date")[-1]

    def _oms_find_line_for_return(self, line_external_id, sku):
        """The order line a channel's return line is about (by the channel's line id, else by
        SKU or barcode), or an empty recordset."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda sol: not sol.display_type)
        if line_external_id:
            for fname in EXTERNAL_LINE_ID_FIELDS:
                if fname in self.env["sale.order.line"]._fields:
                    found = lines.filtered(lambda sol, f=fname: sol[f] == line_external_id)
                    if found:
                        return found[:1]
        if sku:
            return lines.filtered(
                lambda sol: sku in (sol.product_id.default_code, sol.product_id.barcode)
            )[:1]
        return self.env["sale.order.line"]


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    oms_return_line_ids = fields.One2many("oms.return.line", "sale_line_id", string="Return Lines")
    oms_return_line_id = fields.Many2one(
        "oms.return.line",
        string="Exchanged Return Line",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
