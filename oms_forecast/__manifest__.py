# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "OMS Forecast",
    "summary": "Demand forecasts, stock cover, stock-out and overstock alerts, reorder suggestions",
    "version": "18.0.1.2.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/oms-odoo/oms",
    "author": "OMS Authors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["oms_connector", "purchase_stock"],
    "external_dependencies": {"python": ["numpy"]},
    "data": [
        "security/oms_forecast_security.xml",
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_activity_type_data.xml",
        "views/oms_forecast_views.xml",
        "views/oms_forecast_line_views.xml",
        "views/oms_forecast_run_views.xml",
        "views/oms_channel_sales_report_views.xml",
        "views/res_config_settings_views.xml",
        "views/product_supplierinfo_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["oms_forecast/static/tests/tours/*.js"],
    },
    "demo": [
        "demo/oms_forecast_demo.xml",
    ],
}
