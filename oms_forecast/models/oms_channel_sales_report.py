# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.tools import SQL


class OmsChannelSalesReport(models.Model):
    """Confirmed orders by channel: orders, revenue, average order value and return rate.

    One row per confirmed sale order (a database view); quantities delivered and returned come
    from the done stock moves of its lines, so it works with or without ``oms_returns``."""

    _name = "oms.channel.sales.report"
    _inherit = ["oms.ratio.measure.mixin"]
    _description = "Sales by Channel"
    _auto = False
    _order = "date desc"
    _rec_name = "order_id"

    order_id = fields.Many2one("sale.order", readonly=True)
    date = fields.Datetime(string="Order Date", readonly=True)
    channel_id = fields.Many2one("oms.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    order_count = fields.Integer(string="Orders", readonly=True)
    revenue = fields.Monetary(
        readonly=True,
        help="Untaxed amount in the company's currency.",
        currency_field="currency_id",
    )
    average_order_value = fields.Monetary(
        readonly=True, aggregator="avg", currency_field="currency_id"
    )
    delivered_qty = fields.Float(string="Delivered", readonly=True)
    returned_qty = fields.Float(string="Returned", readonly=True)
    return_rate = fields.Float(
        string="Return Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Quantity returned / quantity delivered.",
    )

    @api.model
    def _get_ratio_measures(self):
        return {
            "return_rate": ("returned_qty", "delivered_qty", 100.0),
            "average_order_value": ("revenue", "order_count", 1.0),
        }

    def _get_query(self):
        """The view's SELECT; extend to add columns."""
        return SQL(
            """
            SELECT so.id AS id,
                   so.id AS order_id,
                   so.date_order AS date,
                   so.oms_channel_id AS channel_id,
                   so.company_id AS company_id,
                   company.currency_id AS currency_id,
                   so.team_id AS team_id,
                   so.user_id AS user_id,
                   so.partner_id AS partner_id,
                   partner.country_id AS country_id,
                   so.warehouse_id AS warehouse_id,
                   1 AS order_count,
                   so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0) AS revenue,
                   so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)
                       AS average_order_value,
                   COALESCE(moves.delivered, 0) AS delivered_qty,
                   COALESCE(moves.returned, 0) AS returned_qty,
                   CASE WHEN COALESCE(moves.delivered, 0) > 0
                        THEN 100.0 * COALESCE(moves.returned, 0) / moves.delivered
                        ELSE 0 END AS return_rate
              FROM sale_order so
              JOIN res_company company ON company.id = so.company_id
              LEFT JOIN res_partner partner ON partner.id = so.partner_id
              LEFT JOIN (
                    SELECT sol.order_id,
                           SUM(CASE WHEN dst.usage = 'customer' AND src.usage <> 'customer'
                                    THEN m.product_qty ELSE 0 END) AS delivered,
                           SUM(CASE WHEN src.usage = 'customer'
                                         AND m.origin_returned_move_id IS NOT NULL
                                    THEN m.product_qty ELSE 0 END) AS returned
                      FROM stock_move m
                      JOIN sale_order_line sol ON sol.id = m.sale_line_id
                      JOIN stock_location src ON src.id = m.location_id
                      JOIN stock_location dst ON dst.id = m.location_dest_id
                     WHERE m.state = 'done'
                     GROUP BY sol.order_id
              ) moves ON moves.order_id = so.id
             WHERE so.state = 'sale'
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._get_query())
        )
