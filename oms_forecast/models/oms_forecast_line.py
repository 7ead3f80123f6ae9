# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .. import engine


class OmsForecastLine(models.Model):
    """Weekly forecast and actual demand of a product in a warehouse, per channel.

    Written by ``oms.forecast.run`` (see ``_store_lines``): the backtest weeks hold the actual
    sales and the out-of-sample forecast, then the current week and the horizon."""

    _name = "oms.forecast.line"
    _inherit = ["oms.ratio.measure.mixin"]
    _description = "Weekly Forecast"
    _order = "week_start, product_id, warehouse_id, channel_id"
    _rec_name = "product_id"
    # derived rows rebuilt by every run, never edited by hand: no create/write audit columns
    # (two foreign keys fewer to check for each of the ~200,000 rows a catalogue run writes)
    _log_access = False

    forecast_id = fields.Many2one(
        "oms.forecast",
        string="Product Forecast",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    # Product, warehouse and company are the forecast's (the lines of a forecast are one
    # product in one warehouse): not stored on the ~220,000 rows of a catalogue run, each
    # stored many2one would cost a foreign-key check per row written. Searching, grouping and
    # the multi-company rule go through a join on the forecast.
    company_id = fields.Many2one(related="forecast_id.company_id")
    product_id = fields.Many2one(related="forecast_id.product_id")
    warehouse_id = fields.Many2one(related="forecast_id.warehouse_id")
    channel_id = fields.Many2one("oms.channel", readonly=True)
    # no index: every line of a run falls in the same few weeks, an index would not select
    week_start = fields.Date(string="Week", required=True, readonly=True)
    period = fields.Selection(
        [("past", "Backtest"), ("current", "This Week"), ("future", "Forecast")],
        required=True,
        readonly=True,
    )
    method = fields.Selection(
        [(code, label) for code, label in engine.METHOD_LABELS.items()], readonly=True
    )
    forecast_qty = fields.Float(string="Forecast", readonly=True)
    forecast_low = fields.Float(string="Low", readonly=True)
    forecast_high = fields.Float(string="High", readonly=True)
    actual_qty = fields.Float(string="Actual", readonly=True)
    abs_error = fields.Float(string="Absolute Error", readonly=True)
    wape = fields.Float(
        string="WAPE (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Absolute error / actual over the weeks grouped (backtest weeks only).",
    )

    @api.model
    def _get_ratio_measures(self):
        return {"wape": ("abs_error", "actual_qty", 100.0)}
