# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures of the forecast tests: a company of its own (so that a run only sees what
the test made), a channel, a vendor, and helpers that write a sales history."""

from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.addons.oms_connector.tests.common import OmsFactoryMixin
from odoo.tests import TransactionCase, new_test_user


class OmsForecastCase(OmsFactoryMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {
                "name": "Forecast Test Company",
                "oms_forecast_history_days": 140,
                "oms_forecast_backtest_weeks": 4,
                "po_lead": 0.0,
            }
        )
        cls.company.partner_id.tz = "UTC"
        cls.env = cls.env(
            context=dict(
                cls.env.context, tracking_disable=True, allowed_company_ids=[cls.company.id]
            )
        )
        cls.company = cls.company.with_env(cls.env)
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)])
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.today = fields.Date.context_today(cls.env["oms.forecast.run"])
        cls.channel = cls._create_oms_channel(
            "Test Web Shop",
            "forecast-test-shop",
            company_id=cls.company.id,
            warehouse_id=cls.warehouse.id,
        )
        cls.customer = cls._create_oms_partner("Forecast Customer")
        cls.vendor = cls._create_oms_partner("Forecast Vendor", is_company=True)
        cls.buyer = new_test_user(
            cls.env,
            login="forecast_buyer",
            groups="oms_connector.group_oms_user,purchase.group_purchase_user,stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _create_product(cls, name, vendor=True, delay=14, min_qty=20.0, multiple=12.0):
        product = cls._create_oms_product(
            name, list_price=10.0, standard_price=4.0, responsible_id=cls.buyer.id
        )
        if vendor:
            cls.env["product.supplierinfo"].create(
                {
                    "partner_id": cls.vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "company_id": cls.company.id,
                    "delay": delay,
                    "min_qty": min_qty,
                    "oms_order_multiple": multiple,
                    "price": 4.0,
                }
            )
        return product

    @classmethod
    def _create_history(cls, product, quantities, channel=None, state="sale"):
        """One sale order carrying ``quantities[i]`` delivered on day ``today - len + i``, as done
        stock moves from the warehouse to the customer. Returns the moves by day index."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "warehouse_id": cls.warehouse.id,
                "oms_channel_id": (channel or cls.channel).id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": sum(quantities)})
                ],
            }
        )
        order.write({"state": state})
        start = cls.today - timedelta(days=len(quantities))
        vals_list, days = [], []
        for index, qty in enumerate(quantities):
            if not qty:
                continue
            days.append(index)
            vals_list.append(
                cls._prepare_done_move_vals(
                    product,
                    qty,
                    cls.stock_location,
                    cls.customer_location,
                    start + timedelta(days=index),
                    sale_line=order.order_line,
                )
            )
        moves = cls.env["stock.move"].create(vals_list)
        return dict(zip(days, moves, strict=True))

    @classmethod
    def _prepare_done_move_vals(cls, product, qty, source, destination, day, sale_line=None):
        return {
            "name": product.display_name,
            "product_id": product.id,
            "product_uom": product.uom_id.id,
            "product_uom_qty": qty,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "sale_line_id": sale_line.id if sale_line else False,
            "company_id": cls.company.id,
            "date": datetime.combine(day, time(12)),
            "state": "done",
        }

    @classmethod
    def _set_on_hand(cls, product, qty):
        cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, qty)

    @classmethod
    def _create_receipt(cls, product, qty, days_ahead):
        """A confirmed purchase order whose receipt is expected in ``days_ahead`` days."""
        order = cls.env["purchase.order"].create(
            {
                "partner_id": cls.vendor.id,
                "company_id": cls.company.id,
                "picking_type_id": cls.warehouse.in_type_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "date_planned": datetime.combine(
                                cls.today + timedelta(days=days_ahead), time(12)
                            ),
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        order.picking_ids.move_ids.date = datetime.combine(
            cls.today + timedelta(days=days_ahead), time(12)
        )
        return order

    @classmethod
    def _run_forecast(cls):
        Run = cls.env["oms.forecast.run"]
        run = Run.create(Run._prepare_run_vals(cls.company))
        run._execute()
        return run

    def _forecast_of(self, product):
        return self.env["oms.forecast"].search(
            [("product_id", "=", product.id), ("warehouse_id", "=", self.warehouse.id)]
        )
