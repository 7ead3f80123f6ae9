# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cover of a product in stock that nothing sells: "No demand", never 9,999 days."""

from lxml import etree

from odoo.tests import tagged

from .common import OmsForecastCase


@tagged("post_install", "-at_install", "oms_clock")
class TestForecastCoverWithoutDemand(OmsForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unsold = cls._create_product("Never Sold")
        cls._set_on_hand(cls.unsold, 25.0)
        cls.selling = cls._create_product("Sells Daily")
        cls._create_history(cls.selling, [2.0] * 140)
        cls._set_on_hand(cls.selling, 30.0)
        cls._run_forecast()

    def test_no_demand_is_said_not_counted(self):
        forecast = self._forecast_of(self.unsold)
        self.assertEqual(forecast.demand_class, "none")
        self.assertFalse(forecast.has_demand)
        self.assertEqual(forecast.on_hand_qty, 25.0)
        self.assertIn("no demand is forecast", forecast.explanation)
        self.assertNotIn("9999", forecast.explanation)
        self.assertTrue(forecast.is_overstock, "stock that nothing sells is overstock")
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "=", self.unsold.product_tmpl_id.id),
            ]
        )
        self.assertIn("25.0 Units on hand and no demand forecast", str(activity.note))
        self.assertNotIn("9999", str(activity.note))

    def test_cover_is_counted_where_there_is_demand(self):
        forecast = self._forecast_of(self.selling)
        self.assertTrue(forecast.has_demand)
        self.assertAlmostEqual(forecast.cover_days, 15.0)
        self.assertIn("covers 15.0 days of demand", forecast.explanation)

    def test_views_show_no_cover_without_demand(self):
        Forecast = self.env["oms.forecast"]
        for view_type in ("list", "form"):
            arch = etree.fromstring(Forecast.get_view(view_type=view_type)["arch"])
            (cover,) = arch.xpath("//field[@name='cover_days']")
            self.assertEqual(cover.get("invisible"), "not has_demand", view_type)
        form = etree.fromstring(Forecast.get_view(view_type="form")["arch"])
        (label,) = form.xpath("//div[@name='no_demand']")
        self.assertEqual(label.text, "No demand")
        self.assertEqual(label.get("invisible"), "has_demand")
