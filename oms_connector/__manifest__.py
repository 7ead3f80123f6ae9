# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "OMS Connector",
    "summary": "Take in orders from every sales channel, route fulfilment, sync accounting",
    "version": "18.0.1.2.0",
    "category": "Sales/Sales",
    "website": "https://github.com/oms-odoo/oms",
    "author": "OMS Authors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": [
        "sale_management",
        "sale_stock",
        "stock_account",
        "delivery",
        "stock_delivery",
        "queue_job",
    ],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/oms_connector_security.xml",
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        # intake
        "data/ir_cron_intake.xml",
        "data/ir_cron_queue_job.xml",
        "views/oms_channel_views.xml",
        "views/oms_channel_event_views.xml",
        "views/intake/oms_mapping_views.xml",
        "views/sale_order_views.xml",
        # accounting
        "data/ir_cron_accounting.xml",
        "views/accounting/oms_channel_accounting_views.xml",
        "views/accounting/account_move_views.xml",
        "wizards/oms_channel_reconciliation_views.xml",
        "wizards/oms_event_fix_views.xml",
        # routing and fulfilment
        "security/oms_routing_security.xml",
        "data/oms_routing_data.xml",
        "data/oms_region_distance_data.xml",
        "views/fulfillment/oms_routing_views.xml",
        "views/fulfillment/oms_fulfillment_provider_views.xml",
        "views/fulfillment/oms_channel_stock_level_views.xml",
        "views/fulfillment/sale_order_routing_views.xml",
        "views/fulfillment/stock_picking_views.xml",
        "views/menus.xml",
        "views/fulfillment/oms_routing_menus.xml",
        "views/intake/oms_mapping_menus.xml",
        # accounting menus (under menus.xml's Accounting > OMS)
        "views/accounting/menus_accounting.xml",
        # marketplaces (Ozon, Wildberries)
        "security/oms_marketplace_security.xml",
        "data/marketplace_cron.xml",
        "views/marketplace/oms_channel_views.xml",
        "views/marketplace/sale_order_views.xml",
        "views/marketplace/stock_picking_views.xml",
        "views/marketplace/oms_channel_yandex_views.xml",
        "views/marketplace/oms_channel_amazon_views.xml",
        "views/marketplace/oms_marketplace_fee_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["oms_connector/static/tests/tours/*.js"],
    },
    "demo": [
        "demo/oms_connector_demo.xml",
        "demo/oms_channel_event_demo.xml",
        # accounting
        "demo/oms_accounting_demo.xml",
        # routing and fulfilment
        "demo/oms_routing_demo.xml",
        # marketplaces
        "demo/marketplace_demo.xml",
    ],
}
