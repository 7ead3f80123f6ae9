# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    oms_forecast_service_level = fields.Float(
        related="company_id.oms_forecast_service_level", readonly=False
    )
    oms_forecast_interval_level = fields.Float(
        related="company_id.oms_forecast_interval_level", readonly=False
    )
    oms_forecast_overstock_days = fields.Integer(
        related="company_id.oms_forecast_overstock_days", readonly=False
    )
    oms_forecast_review_days = fields.Integer(
        related="company_id.oms_forecast_review_days", readonly=False
    )
    oms_forecast_default_lead_days = fields.Integer(
        related="company_id.oms_forecast_default_lead_days", readonly=False
    )
    oms_forecast_history_days = fields.Integer(
        related="company_id.oms_forecast_history_days", readonly=False
    )
    oms_forecast_backtest_weeks = fields.Integer(
        related="company_id.oms_forecast_backtest_weeks", readonly=False
    )
    oms_forecast_horizon_weeks = fields.Integer(
        related="company_id.oms_forecast_horizon_weeks", readonly=False
    )
    oms_forecast_outlier_factor = fields.Float(
        related="company_id.oms_forecast_outlier_factor", readonly=False
    )
