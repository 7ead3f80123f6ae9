# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import Command
from odoo.addons.oms_connector.tests.common_tour import OmsTourCase
from odoo.tests import new_test_user, tagged

from .common import OmsForecastCase

HISTORY = 140  # the company's history window (OmsForecastCase)


@tagged("post_install", "-at_install", "oms_tour")
class TestTourForecast(OmsForecastCase, OmsTourCase):
    """In the browser, as a stock manager of the OMS: Compute Now, the product at risk, its
    forecast, Apply to Reordering Rule, the rule's min and max."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one product, 5 a day up to yesterday (history written relative to today), 40 on hand;
        # vendor: 14 days, minimum 20, multiples of 12 (as tests/test_forecast_flow.py works out)
        cls.product = cls._create_product("Tour Steady Seller")
        cls._create_history(cls.product, [5.0] * HISTORY)
        cls._set_on_hand(cls.product, 40.0)
        cls.planner = new_test_user(
            cls.env,
            login="oms_tour_planner",
            groups="oms_connector.group_oms_manager,stock.group_stock_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def test_forecast_computed_then_reordering_rule(self):
        # queue_job's own switch: Compute Now runs the forecast in the request instead of
        # leaving a job for a runner the test server does not have
        with patch.dict("os.environ", {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour(
                "/odoo/action-oms_forecast.oms_forecast_action",
                "oms_forecast_reorder_tour",
                login=self.planner.login,
            )
        forecast = self._forecast_of(self.product)
        self.assertAlmostEqual(forecast.reorder_point, 76.88, places=2)
        rule = self.env["stock.warehouse.orderpoint"].search([("product_id", "=", self.product.id)])
        self.assertEqual(rule.location_id, self.stock_location)
        self.assertEqual((rule.product_min_qty, rule.product_max_qty), (84.0, 120.0))
        self.assertEqual(rule.qty_multiple, 12.0)
