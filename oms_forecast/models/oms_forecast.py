# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import math

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from .. import engine

RFQ_ORIGIN = "OMS Forecast"


class OmsForecast(models.Model):
    """Forecast of one product in one warehouse: the method chosen and its error, stock cover,
    projected stock-out, overstock and the reorder suggestion, with the reasons in words.

    Rebuilt by every ``oms.forecast.run``; the user acts on it (reordering rules, RFQs)."""

    _name = "oms.forecast"
    _description = "Product Forecast"
    _order = "stockout_date asc nulls last, cover_days, id"
    _rec_name = "product_id"
    # quantities are plain floats (no decimal precision): 10,000 rows x 25 quantities per run
    # would look the precision up 250,000 times, and the forecast is no accounting figure

    run_id = fields.Many2one("oms.forecast.run", readonly=True, index=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, index=True, ondelete="cascade"
    )
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id")
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", string="Product Category", store=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, readonly=True, index=True, ondelete="cascade"
    )
    method = fields.Selection(
        [(code, label) for code, label in engine.METHOD_LABELS.items()],
        readonly=True,
        help="Method chosen for this product by the backtest.",
    )
    demand_class = fields.Selection(
        [
            ("smooth", "Smooth"),
            ("intermittent", "Intermittent"),
            ("new", "New (under 2 weeks of sales)"),
            ("none", "No sales"),
        ],
        string="Demand Pattern",
        readonly=True,
    )
    wape = fields.Float(
        string="WAPE (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Weighted absolute percentage error of weekly forecasts over the backtest weeks.",
    )
    mase = fields.Float(
        string="MASE",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Mean absolute scaled error over the backtest (below 1: better than repeating "
        "last week's sales).",
    )
    backtest_scores = fields.Char(
        string="Backtest (MASE)", readonly=True, help="Every candidate method's backtest error."
    )
    avg_daily_demand = fields.Float(string="Daily Demand", readonly=True)
    forecast_qty = fields.Float(
        string="Forecast (horizon)",
        readonly=True,
        help="Forecast demand over the horizon's full weeks.",
    )
    sigma_week = fields.Float(string="Weekly Error (σ)", readonly=True, aggregator=None)
    on_hand_qty = fields.Float(string="On Hand", readonly=True)
    incoming_qty = fields.Float(string="Incoming", readonly=True)
    has_demand = fields.Boolean(
        string="Demand Forecast",
        readonly=True,
        help="Some demand is forecast over the horizon. Without demand the stock on hand has no "
        'cover to count: it shows as "No demand".',
    )
    cover_days = fields.Float(
        string="Cover (days)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days the stock on hand lasts at the forecast demand (9999 when it lasts beyond any "
        "horizon, e.g. without demand; shown blank then).",
    )
    stockout_date = fields.Date(
        string="Stock-out",
        readonly=True,
        index=True,
        help="First day the projected stock, incoming receipts included, cannot meet demand.",
    )
    stockout_risk = fields.Boolean(
        string="Stock-out Risk",
        readonly=True,
        index=True,
        help="The stock runs out before an order placed today can arrive.",
    )
    is_overstock = fields.Boolean(string="Overstock", readonly=True, index=True)
    overstock_qty = fields.Float(string="Overstock Quantity", readonly=True)
    supplier_id = fields.Many2one("res.partner", string="Vendor", readonly=True, index=True)
    lead_time_days = fields.Float(string="Lead Time (days)", readonly=True, aggregator="avg")
    supplier_min_qty = fields.Float(string="Vendor Minimum", readonly=True, aggregator=None)
    order_multiple = fields.Float(readonly=True, aggregator=None)
    lead_time_demand = fields.Float(string="Demand over Lead Time", readonly=True)
    safety_stock = fields.Float(readonly=True)
    reorder_point = fields.Float(readonly=True)
    order_up_to = fields.Float(string="Order-up-to Level", readonly=True)
    suggested_qty = fields.Float(string="Suggested Order", readonly=True)
    outlier_count = fields.Integer(string="Outliers", readonly=True)
    outlier_info = fields.Char(string="Outliers Damped", readonly=True)
    explanation = fields.Text(string="Why", readonly=True)
    line_ids = fields.One2many("oms.forecast.line", "forecast_id", string="Weekly Forecast")

    _sql_constraints = [
        (
            "product_warehouse_uniq",
            "unique(product_id, warehouse_id)",
            "A product has one forecast per warehouse.",
        ),
    ]

    # ------------------------------------------------------------------------------------------
    # Reordering rules
    # ------------------------------------------------------------------------------------------
    def action_apply_orderpoints(self):
        """Create or update the min/max reordering rule of each forecast's product in its
        warehouse's stock location with the reorder point and order-up-to level."""
        forecasts = self._ensure_demand("reordering rules")
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        existing = Orderpoint.search(
            [
                ("product_id", "in", forecasts.product_id.ids),
                ("location_id", "in", forecasts.warehouse_id.lot_stock_id.ids),
                ("company_id", "in", forecasts.company_id.ids),
            ]
        )
        by_key = {(op.product_id.id, op.location_id.id): op for op in existing}
        to_create = []
        updated = Orderpoint
        for forecast in forecasts:
            vals = forecast._prepare_orderpoint_vals()
            orderpoint = by_key.get((forecast.product_id.id, forecast.warehouse_id.lot_stock_id.id))
            if orderpoint:
                orderpoint.write(vals)
                updated |= orderpoint
            else:
                to_create.append(vals)
        created = Orderpoint.create(to_create)
        orderpoints = created | updated
        return {
            "type": "ir.actions.act_window",
            "name": _("Reordering Rules"),
            "res_model": "stock.warehouse.orderpoint",
            "view_mode": "list,form",
            "domain": [("id", "in", orderpoints.ids)],
        }

    def _prepare_orderpoint_vals(self):
        """Min = reorder point, max = order-up-to level, both rounded up to the order multiple
        (max at least min + one multiple so that the rule can order)."""
        self.ensure_one()
        multiple = self.order_multiple
        rounding = self.uom_id.rounding
        minimum = self._round_up(self.reorder_point, multiple, rounding)
        maximum = self._round_up(max(self.order_up_to, self.reorder_point), multiple, rounding)
        if maximum <= minimum:
            maximum = minimum + (multiple or max(self.supplier_min_qty, rounding))
        return {
            "product_id": self.product_id.id,
            "warehouse_id": self.warehouse_id.id,
            "location_id": self.warehouse_id.lot_stock_id.id,
            "company_id": self.company_id.id,
            "product_min_qty": minimum,
            "product_max_qty": maximum,
            "qty_multiple": multiple or 1.0,
        }

    @api.model
    def _round_up(self, qty, multiple, rounding):
        if multiple:
            return math.ceil(qty / multiple - 1e-9) * multiple
        return float_round(qty, precision_rounding=rounding, rounding_method="UP")

    # ------------------------------------------------------------------------------------------
    # Requests for quotation
    # ------------------------------------------------------------------------------------------
    def action_create_rfq(self):
        """Put the suggested quantities on draft RFQs, one per vendor and warehouse: an open
        forecast RFQ for that vendor and warehouse is updated, otherwise a new one is made."""
        forecasts = self._ensure_demand("requests for quotation").filtered(
            lambda f: f.suggested_qty > 0
        )
        if not forecasts:
            raise UserError(_("None of the selected products has a quantity to order."))
        forecasts._check_rfq_vendors()
        PurchaseOrder = self.env["purchase.order"]
        groups = forecasts._get_rfq_groups()
        drafts = PurchaseOrder.search(
            [
                ("state", "=", "draft"),
                ("origin", "=", RFQ_ORIGIN),
                ("partner_id", "in", forecasts.supplier_id.ids),
                ("company_id", "in", forecasts.company_id.ids),
            ]
        )
        draft_by_key = {(po.partner_id, po.picking_type_id, po.company_id): po for po in drafts}
        orders = PurchaseOrder
        for key, group in groups.items():
            order = draft_by_key.get(key)
            if order:
                order.write({"order_line": group._prepare_rfq_line_commands(order)})
            else:
                order = PurchaseOrder.create(group._prepare_rfq_vals(*key))
            orders |= order
        return {
            "type": "ir.actions.act_window",
            "name": _("Requests for Quotation"),
            "res_model": "purchase.order",
            "view_mode": "list,form",
            "domain": [("id", "in", orders.ids)],
        }

    def _check_rfq_vendors(self):
        """``UserError`` naming the products of these forecasts that have no vendor."""
        without_vendor = self.filtered(lambda f: not f.supplier_id)
        if without_vendor:
            raise UserError(
                _(
                    "No vendor for %(products)s: add one on the product's Purchase tab, or "
                    "leave these products out.",
                    products=", ".join(without_vendor.product_id.mapped("display_name")),
                )
            )

    def _get_rfq_groups(self):
        """{(vendor, receipt type, company): forecasts}: one request for quotation each."""
        groups = {}
        for forecast in self:
            key = (forecast.supplier_id, forecast.warehouse_id.in_type_id, forecast.company_id)
            groups.setdefault(key, self.browse())
            groups[key] |= forecast
        return groups

    def _prepare_rfq_vals(self, vendor, picking_type, company):
        return {
            "partner_id": vendor.id,
            "picking_type_id": picking_type.id,
            "company_id": company.id,
            "origin": RFQ_ORIGIN,
            "order_line": self._prepare_rfq_line_commands(self.env["purchase.order"]),
        }

    def _prepare_rfq_line_commands(self, order):
        """Update the line of the product if the RFQ has one, else add a line."""
        lines = {line.product_id: line for line in order.order_line}
        commands = []
        for forecast in self:
            line = lines.get(forecast.product_id)
            if line:
                commands.append(
                    Command.update(
                        line.id,
                        {"product_qty": forecast.suggested_qty, "product_uom": forecast.uom_id.id},
                    )
                )
            else:
                commands.append(Command.create(forecast._prepare_rfq_line_vals()))
        return commands

    def _prepare_rfq_line_vals(self):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_qty": self.suggested_qty,
            "product_uom": self.uom_id.id,
        }

    def _ensure_demand(self, what):
        if not self:
            raise UserError(_("Select the forecasts to turn into %(what)s.", what=what))
        return self

    # ------------------------------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------------------------------
    def action_compute_now(self):
        """List button: queue a forecast run for the current company and open it.

        Not ``@api.model``: the web client calls a list header button with the selected ids
        (``[[]]`` when none is selected), which a model method refuses (TypeError); the
        selection is ignored."""
        return self.env["oms.forecast.run"].browse().action_compute_now()

    def action_open_weekly(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "oms_forecast.oms_forecast_line_action"
        )
        action["domain"] = [("forecast_id", "=", self.id)]
        action["context"] = {"search_default_group_week": 1}
        return action
