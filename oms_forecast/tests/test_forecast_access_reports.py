# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who sees and changes forecasts, and the sales by channel report on real deliveries and
returns."""

from datetime import datetime, time, timedelta

from odoo import Command
from odoo.addons.oms_forecast.tests.common import OmsForecastCase
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged


@tagged("post_install", "-at_install", "oms_clock")
class TestForecastAccess(OmsForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_product("Access Product")
        cls._create_history(cls.product, [3.0] * 60)
        cls._set_on_hand(cls.product, 10.0)
        cls._run_forecast()
        company_ids = [Command.set(cls.company.ids)]
        cls.oms_user = new_test_user(
            cls.env,
            login="forecast_oms_user",
            groups="oms_connector.group_oms_user,stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.oms_manager = new_test_user(
            cls.env,
            login="forecast_oms_manager",
            groups="oms_connector.group_oms_manager,stock.group_stock_manager",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.plain_user = new_test_user(
            cls.env,
            login="forecast_plain_user",
            groups="stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        main_company = cls.env.ref("base.main_company")
        cls.other_company_user = new_test_user(
            cls.env,
            login="forecast_other_company",
            groups="oms_connector.group_oms_user,stock.group_stock_user",
            company_id=main_company.id,
            company_ids=[Command.set(main_company.ids)],
        )

    def test_oms_user_reads_but_does_not_change_forecasts(self):
        Forecast = self.env["oms.forecast"].with_user(self.oms_user)
        forecast = Forecast.search([("product_id", "=", self.product.id)])
        self.assertEqual(forecast.on_hand_qty, 10.0)
        self.assertTrue(forecast.line_ids, "weekly lines readable")
        self.assertTrue(self.env["oms.forecast.run"].with_user(self.oms_user).search([]))
        with self.assertRaises(AccessError):
            forecast.write({"suggested_qty": 1.0})
        with self.assertRaises(AccessError):
            forecast.unlink()
        with self.assertRaises(AccessError):
            self.env["oms.forecast.run"].with_user(self.oms_user).action_compute_now()

    def test_manager_launches_a_run_and_applies_rules(self):
        action = self.env["oms.forecast"].with_user(self.oms_manager).action_compute_now()
        run = self.env["oms.forecast.run"].browse(action["res_id"])
        self.assertEqual(run.state, "queued")
        forecast = (
            self.env["oms.forecast"]
            .with_user(self.oms_manager)
            .search([("product_id", "=", self.product.id)])
        )
        forecast.action_apply_orderpoints()
        self.assertTrue(
            self.env["stock.warehouse.orderpoint"].search([("product_id", "=", self.product.id)])
        )

    def test_user_without_oms_group_sees_nothing(self):
        for model in ("oms.forecast", "oms.forecast.line", "oms.forecast.run"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.plain_user).search([])
        with self.assertRaises(AccessError):
            self.env["oms.channel.sales.report"].with_user(self.plain_user).search([])

    def test_other_company_does_not_see_the_forecasts(self):
        env = self.env(user=self.other_company_user, context={})
        self.assertFalse(env["oms.forecast"].search([("product_id", "=", self.product.id)]))
        self.assertFalse(env["oms.forecast.line"].search([("product_id", "=", self.product.id)]))
        self.assertFalse(env["oms.forecast.run"].search([("company_id", "=", self.company.id)]))

    def test_forecast_menus_and_actions_open(self):
        visible = self.env["ir.ui.menu"].with_user(self.oms_user)._visible_menu_ids()
        for xmlid in (
            "oms_forecast.oms_forecast_menu",
            "oms_forecast.oms_forecast_line_menu",
            "oms_forecast.oms_forecast_accuracy_menu",
            "oms_forecast.oms_forecast_run_menu",
            "oms_forecast.oms_channel_sales_report_channels_menu",
        ):
            menu = self.env.ref(xmlid)
            self.assertIn(menu.id, visible, xmlid)
            model = menu.action.sudo().res_model
            self.env[model].with_user(self.oms_user).search([], limit=1)
        hidden = self.env["ir.ui.menu"].with_user(self.plain_user)._visible_menu_ids()
        self.assertNotIn(self.env.ref("oms_forecast.oms_forecast_menu").id, hidden)


@tagged("post_install", "-at_install", "oms_clock")
class TestChannelSalesReport(OmsForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_product("Report Product")
        cls._set_on_hand(cls.product, 100.0)
        cls.marketplace = cls.env["oms.channel"].create(
            {
                "name": "Test Marketplace",
                "code": "forecast-test-market",
                "company_id": cls.company.id,
                "warehouse_id": cls.warehouse.id,
            }
        )
        cls.order_1 = cls._deliver(cls.channel, 4, 25.0)  # 100
        cls.order_2 = cls._deliver(cls.channel, 6, 50.0)  # 300
        cls.order_3 = cls._deliver(cls.marketplace, 2, 40.0)  # 80
        cls._return(cls.order_2, 1.0)

    @classmethod
    def _deliver(cls, channel, qty, price):
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "warehouse_id": cls.warehouse.id,
                "oms_channel_id": channel.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product.id, "product_uom_qty": qty, "price_unit": price}
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = qty
        picking.button_validate()
        cls._backdate(picking)
        return order

    @classmethod
    def _backdate(cls, picking):
        # the history ends yesterday: today's deliveries only count tomorrow
        picking.move_ids.date = datetime.combine(cls.today - timedelta(days=1), time(10))

    @classmethod
    def _return(cls, order, qty):
        picking = order.picking_ids
        wizard_form = Form(
            cls.env["stock.return.picking"].with_context(
                active_id=picking.id, active_model="stock.picking"
            )
        )
        wizard = wizard_form.save()
        wizard.product_return_moves.quantity = qty
        action = wizard.action_create_returns()
        return_picking = cls.env["stock.picking"].browse(action["res_id"])
        return_picking.move_ids.quantity = qty
        return_picking.button_validate()
        cls._backdate(return_picking)

    def test_orders_revenue_average_and_return_rate_by_channel(self):
        groups = self.env["oms.channel.sales.report"].read_group(
            [("company_id", "=", self.company.id)],
            ["order_count", "revenue", "average_order_value", "return_rate"],
            ["channel_id"],
        )
        by_channel = {group["channel_id"][0]: group for group in groups}
        shop = by_channel[self.channel.id]
        self.assertEqual(shop["order_count"], 2)
        self.assertAlmostEqual(shop["revenue"], 400.0)
        self.assertAlmostEqual(shop["average_order_value"], 200.0)
        self.assertAlmostEqual(shop["return_rate"], 10.0, msg="1 returned of 10 delivered")
        market = by_channel[self.marketplace.id]
        self.assertEqual(market["order_count"], 1)
        self.assertAlmostEqual(market["revenue"], 80.0)
        self.assertAlmostEqual(market["return_rate"], 0.0)

    def test_real_deliveries_and_returns_feed_the_history(self):
        run = self._run_forecast()
        params = run._get_parameters()
        rows = run._read_demand_history(params, self.warehouse.ids, group_by_channel=True)
        by_channel = {}
        for _product, _warehouse, channel, _day, qty in rows:
            by_channel[int(channel)] = by_channel.get(int(channel), 0.0) + qty
        self.assertEqual(by_channel, {self.channel.id: 9.0, self.marketplace.id: 2.0})
        forecast = self._forecast_of(self.product)
        self.assertEqual(forecast.line_ids.channel_id, self.channel | self.marketplace)
