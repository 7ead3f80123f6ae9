# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.tools import SQL


class OmsReturnReport(models.Model):
    """Return rate analysis: quantities sold (confirmed orders, exchange orders excluded) and
    returned (returns neither rejected nor cancelled), in the product's unit, by product,
    category, channel, customer, reason and month. ``return_rate`` is returned / sold of each
    group, computed in ``read_group`` (an average of row rates would be meaningless)."""

    _name = "oms.return.report"
    _description = "Return Rate Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "product_id"
    # flushed before the view is read
    _depends = {
        "oms.return": ["state", "date", "commercial_partner_id", "company_id"],
        "oms.return.line": ["product_id", "reason_id", "quantity", "sale_line_id", "return_id"],
        "sale.order": ["state", "oms_channel_id", "oms_return_id", "date_order", "company_id"],
        "sale.order.line": ["product_id", "product_uom_qty", "product_uom", "order_id"],
    }

    date = fields.Datetime(readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    channel_id = fields.Many2one("oms.channel", readonly=True)
    reason_id = fields.Many2one("oms.return.reason", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    qty_sold = fields.Float(string="Sold", readonly=True, aggregator="sum")
    qty_returned = fields.Float(string="Returned", readonly=True, aggregator="sum")
    return_rate = fields.Float(string="Return Rate (%)", readonly=True, aggregator="avg")

    def _select_sold(self):
        return """
            SELECT sol.product_id AS product_id,
                   pt.categ_id AS categ_id,
                   so.oms_channel_id AS channel_id,
                   NULL::integer AS reason_id,
                   partner.commercial_partner_id AS partner_id,
                   so.company_id AS company_id,
                   so.date_order AS date,
                   sol.product_uom_qty / line_uom.factor * product_uom.factor AS qty_sold,
                   0.0 AS qty_returned
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner partner ON partner.id = so.partner_id
              JOIN product_product pp ON pp.id = sol.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN uom_uom line_uom ON line_uom.id = sol.product_uom
              JOIN uom_uom product_uom ON product_uom.id = pt.uom_id
             WHERE so.state = 'sale'
               AND sol.display_type IS NULL
               AND pt.type = 'consu'
               AND so.oms_return_id IS NULL
        """

    def _select_returned(self):
        return """
            SELECT rl.product_id AS product_id,
                   pt.categ_id AS categ_id,
                   so.oms_channel_id AS channel_id,
                   rl.reason_id AS reason_id,
                   r.commercial_partner_id AS partner_id,
                   r.company_id AS company_id,
                   r.date AS date,
                   0.0 AS qty_sold,
                   rl.quantity / line_uom.factor * product_uom.factor AS qty_returned
              FROM oms_return_line rl
              JOIN oms_return r ON r.id = rl.return_id
              JOIN sale_order_line sol ON sol.id = rl.sale_line_id
              JOIN sale_order so ON so.id = sol.order_id
              JOIN product_product pp ON pp.id = rl.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN uom_uom line_uom ON line_uom.id = sol.product_uom
              JOIN uom_uom product_uom ON product_uom.id = pt.uom_id
             WHERE r.state NOT IN ('rejected', 'cancel')
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT row_number() OVER () AS id, rows.*, 0.0::float AS return_rate
                      FROM (%s UNION ALL %s) AS rows
                )
                """,
                SQL.identifier(self._table),
                SQL(self._select_sold()),
                SQL(self._select_returned()),
            )
        )

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Compute ``return_rate`` of each group from its sums of sold and returned."""
        names = {spec.split(":")[0].strip() for spec in fields}
        want_rate = "return_rate" in names
        if want_rate:
            fields = [spec for spec in fields if spec.split(":")[0].strip() != "return_rate"]
            fields += [name for name in ("qty_sold", "qty_returned") if name not in names]
        groups = super().read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )
        if want_rate:
            for group in groups:
                sold = group.get("qty_sold") or 0.0
                group["return_rate"] = (
                    100.0 * (group.get("qty_returned") or 0.0) / sold if sold else 0.0
                )
        return groups
