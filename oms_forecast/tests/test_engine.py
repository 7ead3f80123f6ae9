# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The numpy engine on generated series whose level, trend, seasonality and intermittency are
known, and the stock formulas on hand-computed examples."""

import datetime
import math

import numpy as np

from odoo.addons.oms_forecast import engine
from odoo.tests import BaseCase, tagged

DAYS = 730
HOLDOUT = 56
HORIZON = 91
FIRST = datetime.date(2024, 1, 1)  # a Monday


def _truth(kind, t):
    """Expected daily demand of each generated pattern at day index t (array)."""
    dates = [FIRST + datetime.timedelta(days=int(i)) for i in t]
    if kind == "level":
        return np.full(len(t), 20.0)
    if kind == "trend":
        return 10.0 + 0.1 * t
    if kind == "weekly":
        profile = np.array([0.6, 0.8, 1.0, 1.0, 1.2, 1.6, 0.8])
        return 20.0 * profile[[d.weekday() for d in dates]]
    if kind == "yearly":
        doy = np.array([d.timetuple().tm_yday for d in dates])
        return 20.0 * (1.0 + 0.6 * np.sin(2 * np.pi * doy / 365.25))
    raise ValueError(kind)


@tagged("post_install", "-at_install")
class TestForecastEngine(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = np.random.default_rng(7)
        cls.kinds = ("level", "trend", "weekly", "yearly", "intermittent")
        cls.per_kind = 12
        t = np.arange(DAYS)
        rows = []
        for kind in cls.kinds:
            for _i in range(cls.per_kind):
                if kind == "intermittent":
                    # a sale on 20 % of the days, 1 to 9 units: 1 unit a day on average
                    sold = rng.random(DAYS) < 0.2
                    rows.append(np.where(sold, rng.integers(1, 10, DAYS), 0).astype(float))
                else:
                    rows.append(rng.poisson(_truth(kind, t)).astype(float))
        cls.demand = np.array(rows)
        cls.result = engine.forecast_catalogue(cls.demand, FIRST.toordinal(), HOLDOUT, HORIZON)
        cls.future = np.arange(DAYS, DAYS + HORIZON)

    def _rows(self, kind):
        index = self.kinds.index(kind)
        return slice(index * self.per_kind, (index + 1) * self.per_kind)

    def _share(self, kind, methods):
        chosen = self.result.method[self._rows(kind)]
        return np.isin(chosen, methods).mean()

    def _relative_error(self, kind, weeks):
        """Relative error of the mean forecast of the kind's series over the given weeks."""
        days = np.concatenate([np.arange(7 * w, 7 * w + 7) for w in weeks])
        forecast = self.result.daily[self._rows(kind)][:, days].sum(axis=1).mean()
        truth = _truth(kind, self.future[days]).sum()
        return abs(forecast - truth) / truth

    def test_level(self):
        # any smooth method may win on a flat series; the forecast is the level within 5 %
        self.assertEqual(self._share("level", ("croston", "sba", "none")), 0.0)
        self.assertLess(self._relative_error("level", range(13)), 0.05)

    def test_trend(self):
        # a trend method (Holt, or Holt-Winters which has a trend too) wins most trended
        # series; a noisy 8-week backtest may still prefer a flat forecast for a few
        self.assertGreaterEqual(self._share("trend", ("holt", "seasonal")), 0.5)
        self.assertLess(self._relative_error("trend", [12]), 0.05)
        rows = self._rows("trend")
        holt = self.result.daily[rows][self.result.method[rows] == "holt"]
        slope = (holt[:, 90] - holt[:, 0]).mean() / 90
        self.assertAlmostEqual(slope, 0.1, delta=0.03, msg="Holt keeps the slope of 0.1/day")

    def test_weekly_seasonality(self):
        self.assertGreaterEqual(self._share("weekly", ("seasonal",)), 0.9)
        # the day-of-week profile is kept: Saturday (1.6) about twice Tuesday (0.8)
        daily = self.result.daily[self._rows("weekly")].mean(axis=0)
        weekday = np.array(
            [(FIRST + datetime.timedelta(days=int(d))).weekday() for d in self.future]
        )
        ratio = daily[weekday == 5].mean() / daily[weekday == 1].mean()
        self.assertAlmostEqual(ratio, 2.0, delta=0.3)
        self.assertLess(self._relative_error("weekly", range(13)), 0.06)

    def test_yearly_seasonality(self):
        self.assertGreaterEqual(self._share("yearly", ("seasonal",)), 0.8)
        # 13 weeks out the season has moved a lot; the yearly indices follow it within 10 %
        self.assertLess(self._relative_error("yearly", [0]), 0.10)
        self.assertLess(self._relative_error("yearly", [12]), 0.10)

    def test_intermittent(self):
        rows = self._rows("intermittent")
        self.assertTrue(all(c == "intermittent" for c in self.result.demand_class[rows]))
        self.assertGreaterEqual(self._share("intermittent", ("croston", "sba")), 0.5)
        self.assertEqual(self._share("intermittent", ("holt", "seasonal", "ses")), 0.0)
        # true rate: 0.2 x 5 = 1 unit a day
        rate = self.result.daily[rows].mean()
        self.assertAlmostEqual(rate, 1.0, delta=0.2)

    def test_errors_are_reported_per_series(self):
        level = self._rows("level")
        # Poisson(20) weekly totals: sd ~ 11.8 on 140, WAPE about 7 %
        self.assertTrue(np.all(self.result.wape[level] < 0.15))
        self.assertTrue(np.all(self.result.mase[level] < 1.0), "better than last week's sales")
        for method in ("ma", "ses", "holt", "seasonal"):
            self.assertTrue(np.all(np.isfinite(self.result.scores[method][level])))
        self.assertTrue(np.all(np.isnan(self.result.scores["croston"][level])))

    def test_outlier_is_damped_and_reported(self):
        demand = self.demand[self._rows("level")].copy()
        demand[0, 400] = 400.0
        result = engine.forecast_catalogue(demand, FIRST.toordinal(), HOLDOUT, HORIZON)
        self.assertEqual(result.outliers["count"][0], 1)
        self.assertEqual(result.outliers["top_day"][0], 400)
        self.assertEqual(result.outliers["top_qty"][0], 400.0)
        self.assertLess(result.outliers["threshold"][0], 50.0)
        # ordinary Poisson noise is not taken for spikes
        self.assertEqual(int(result.outliers["count"][1:].sum()), 0)

    def test_no_sales(self):
        result = engine.forecast_catalogue(np.zeros((2, 120)), FIRST.toordinal(), 14, 28)
        self.assertEqual(list(result.method), ["none", "none"])
        self.assertEqual(result.daily.sum(), 0.0)


@tagged("post_install", "-at_install")
class TestStockFormulas(BaseCase):
    def test_cover_and_stockout_with_receipts(self):
        # 5 a day; 40 on hand; 30 arrive on day 3
        daily = np.full((1, 30), 5.0)
        receipts = np.zeros((1, 30))
        receipts[0, 3] = 30.0
        cover, stockout = engine.stock_projection(daily, np.array([40.0]), receipts)
        self.assertEqual(cover[0], 8.0)  # 40 / 5
        # 70 available in all; day 13 needs the 70th unit, day 14 the 75th
        self.assertEqual(stockout[0], 14)

    def test_cover_fraction_and_beyond_horizon(self):
        daily = np.full((2, 10), 4.0)
        cover, stockout = engine.stock_projection(daily, np.array([10.0, 100.0]), np.zeros((2, 10)))
        self.assertAlmostEqual(cover[0], 2.5)
        self.assertAlmostEqual(cover[1], 25.0)  # beyond the horizon at the last week's rate
        self.assertEqual(list(stockout), [2, -1])

    def test_reorder_quantity(self):
        daily = np.full((1, 60), 5.0)
        z = engine.z_value(95.0)
        self.assertAlmostEqual(z, 1.6449, places=4)
        result = engine.replenishment(
            daily,
            on_hand=np.array([40.0]),
            incoming=np.array([30.0]),
            sigma_week=np.array([7.0]),
            lead_days=np.array([14.0]),
            review_days=7,
            z=z,
            min_qty=np.array([20.0]),
            multiple=np.array([12.0]),
        )
        safety = z * 7.0 * math.sqrt(2.0)  # 16.28
        self.assertAlmostEqual(result["lead_demand"][0], 70.0)
        self.assertAlmostEqual(result["safety_stock"][0], safety)
        self.assertAlmostEqual(result["reorder_point"][0], 70.0 + safety)
        self.assertAlmostEqual(result["order_up_to"][0], 105.0 + safety)
        # position 70 <= 86.28: order 121.28 - 70 = 51.28 -> multiple of 12 above: 60
        self.assertEqual(result["suggested"][0], 60.0)

    def test_no_order_above_reorder_point_and_minimum(self):
        daily = np.full((2, 60), 1.0)
        result = engine.replenishment(
            daily,
            on_hand=np.array([100.0, 0.0]),
            incoming=np.zeros(2),
            sigma_week=np.zeros(2),
            lead_days=np.array([10.0, 10.0]),
            review_days=0,
            z=1.0,
            min_qty=np.array([50.0, 50.0]),
            multiple=np.zeros(2),
        )
        # first: position 100 above the reorder point 10; second: needs 10, vendor minimum 50
        self.assertEqual(list(result["suggested"]), [0.0, 50.0])


@tagged("post_install", "-at_install")
class TestEngineCalendar(BaseCase):
    """Why a damped spike can move the forecast with the weekday of the run (issue of a suite that
    failed on Fridays to Sundays): the backtest holds out 4 whole weeks plus the current partial
    one, so the training window of the moving average ends 28 to 34 days before the run."""

    HISTORY = 140

    def _spiky(self, spike_days_ago, today):
        y = np.full((1, self.HISTORY), 6.0)
        y[0, self.HISTORY - spike_days_ago] = 200.0
        first = (today - datetime.timedelta(days=self.HISTORY)).toordinal()
        holdout = 28 + today.weekday()
        return engine.forecast_catalogue(y, first, holdout, (7 - today.weekday()) + 91)

    def test_spike_outside_the_training_window_any_weekday(self):
        monday = datetime.date(2027, 3, 1)
        for offset in range(7):
            today = monday + datetime.timedelta(days=offset)
            result = self._spiky(70, today)
            self.assertEqual(result.method[0], "ma", today)
            self.assertAlmostEqual(result.scores["ma"][0], 0.0, places=9, msg=today)
            self.assertAlmostEqual(result.daily[0, :28].mean(), 6.0, places=9, msg=today)

    def test_spike_inside_the_training_window_from_friday(self):
        # Thursday: training window ends 31 days ago and starts 59 days ago, spike at 60 outside
        thursday = datetime.date(2027, 3, 4)
        result = self._spiky(60, thursday)
        self.assertEqual(result.method[0], "ma")
        self.assertAlmostEqual(result.daily[0, 0], 6.0, places=9)
        # Friday: the window starts 60 days ago and holds the spike, damped to
        # 6 + 4 x sqrt(6) + 4 = 19.80 (damp_outliers' Poisson term for a median of 6)
        friday = thursday + datetime.timedelta(days=1)
        result = self._spiky(60, friday)
        excess = 4 * math.sqrt(6.0) + 4.0
        self.assertAlmostEqual(result.outliers["threshold"][0], 6.0 + excess)
        # MA's backtest misses by excess / 28 a day; the naive weekly scale sees the spike twice
        # (day t and t + 7) over the 101 weekly differences of the 108 training days:
        # MASE = (excess / 28) / (2 x excess / 101) = 101 / 56
        self.assertAlmostEqual(result.scores["ma"][0], 101 / 56)
        self.assertNotEqual(result.method[0], "ma")
        self.assertGreater(result.daily[0, :28].mean(), 6.0)
        self.assertLess(result.daily[0, :28].mean(), 6.0 + excess / 28)
