# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    oms_forecast_service_level = fields.Float(
        string="Service Level (%)",
        default=95.0,
        help="Probability of not running out during the supplier lead time; sets the safety stock.",
    )
    oms_forecast_interval_level = fields.Float(
        string="Prediction Interval (%)",
        default=90.0,
        help="Coverage of the low-high band shown around each weekly forecast.",
    )
    oms_forecast_overstock_days = fields.Integer(
        string="Overstock Beyond (days)",
        default=180,
        help="Stock that covers more days of forecast demand than this is overstock.",
    )
    oms_forecast_review_days = fields.Integer(
        string="Review Period (days)",
        default=7,
        help="Days between two purchase decisions: an order covers the lead time plus this.",
    )
    oms_forecast_default_lead_days = fields.Integer(
        string="Default Lead Time (days)",
        default=14,
        help="Lead time used for products without a vendor.",
    )
    oms_forecast_history_days = fields.Integer(
        string="History (days)", default=730, help="Days of sales history the forecast reads."
    )
    oms_forecast_backtest_weeks = fields.Integer(
        string="Backtest (weeks)",
        default=8,
        help="Most recent weeks held out to compare the methods and measure their error.",
    )
    oms_forecast_horizon_weeks = fields.Integer(
        string="Horizon (weeks)", default=13, help="Weeks forecast ahead (13 at least)."
    )
    oms_forecast_outlier_factor = fields.Float(
        string="Outlier Factor",
        default=4.0,
        help="A day selling more than the upper quartile plus this many interquartile ranges "
        "is a one-off spike and is damped to that level.",
    )

    @api.constrains(
        "oms_forecast_service_level",
        "oms_forecast_interval_level",
        "oms_forecast_history_days",
        "oms_forecast_backtest_weeks",
        "oms_forecast_horizon_weeks",
        "oms_forecast_overstock_days",
        "oms_forecast_review_days",
        "oms_forecast_default_lead_days",
    )
    def _check_oms_forecast_settings(self):
        for company in self:
            for level in (company.oms_forecast_service_level, company.oms_forecast_interval_level):
                if not 50.0 <= level < 100.0:
                    raise ValidationError(
                        _("Service level and interval must be between 50 % and 99.99 %.")
                    )
            if company.oms_forecast_horizon_weeks < 13:
                raise ValidationError(_("The forecast horizon is 13 weeks at least."))
            if not 1 <= company.oms_forecast_backtest_weeks <= 26:
                raise ValidationError(_("The backtest holds out between 1 and 26 weeks."))
            min_history = (company.oms_forecast_backtest_weeks + 4) * 7
            if company.oms_forecast_history_days < min_history:
                raise ValidationError(
                    _(
                        "Read at least %(days)s days of history: the backtest alone holds out "
                        "%(weeks)s weeks.",
                        days=min_history,
                        weeks=company.oms_forecast_backtest_weeks,
                    )
                )
            if (
                min(
                    company.oms_forecast_overstock_days,
                    company.oms_forecast_review_days,
                    company.oms_forecast_default_lead_days,
                )
                < 0
            ):
                raise ValidationError(_("Days cannot be negative."))
