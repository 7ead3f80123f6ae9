# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Forecast end to end: delivered sales in, forecasts, cover, stock-out, reorder suggestions,
reordering rules, RFQs and alerts out."""

import math
from datetime import timedelta

from odoo.addons.oms_forecast import engine
from odoo.addons.oms_forecast.tests.common import OmsForecastCase
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

HISTORY = 140


@tagged("post_install", "-at_install", "oms_clock")
class TestForecastFlow(OmsForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A: exactly 5 a day; 40 on hand; 30 arrive in 3 days; vendor 14 days, min 20, by 12
        cls.product_a = cls._create_product("Steady Seller")
        cls._create_history(cls.product_a, [5.0] * HISTORY)
        cls._set_on_hand(cls.product_a, 40.0)
        cls.receipt = cls._create_receipt(cls.product_a, 30.0, days_ahead=3)
        # B: 4 a day, one day's delivery returned, and a cancelled order that must not count
        cls.product_b = cls._create_product("Returned Sometimes")
        moves = cls._create_history(cls.product_b, [4.0] * HISTORY)
        cls.returned_day = HISTORY - 3
        delivery = moves[cls.returned_day]
        cls.env["stock.move"].create(
            dict(
                cls._prepare_done_move_vals(
                    cls.product_b,
                    4.0,
                    cls.customer_location,
                    cls.stock_location,
                    cls.today - timedelta(days=1),
                    sale_line=delivery.sale_line_id,
                ),
                origin_returned_move_id=delivery.id,
            )
        )
        cls._create_history(cls.product_b, [50.0] * HISTORY, state="cancel")
        cls._set_on_hand(cls.product_b, 1000.0)
        # C: 6 a day with a one-off spike of 200, 70 days ago. The spike is damped to its
        # threshold (19.8), not removed: a moving-average backtest whose 28-day training window
        # held it would lose to smoothing, whose forecast keeps a trace of it. The backtest holds
        # out 4 weeks plus the current one (28 to 34 days), so its training window starts 56 to
        # 62 days ago: 70 days keeps the spike out of it on every weekday (60 did not from
        # Friday to Sunday; test_engine.TestEngineCalendar shows both cases).
        cls.product_c = cls._create_product("Spiky", vendor=False)
        spiky = [6.0] * HISTORY
        cls.spike_day = HISTORY - 70
        spiky[cls.spike_day] = 200.0
        cls._create_history(cls.product_c, spiky)
        cls._set_on_hand(cls.product_c, 500.0)
        cls.forecast_run = cls._run_forecast()

    def test_run_reports_its_results(self):
        self.assertEqual(self.forecast_run.state, "done")
        self.assertEqual(self.forecast_run.progress, 100.0)
        self.assertEqual(self.forecast_run.series_count, 3)
        self.assertEqual(self.forecast_run.stockout_count, 1)
        self.assertEqual(self.forecast_run.outlier_count, 1)
        self.assertEqual(self.forecast_run.line_count, 3 * (4 + 1 + 13))

    def test_constant_demand_cover_stockout_and_reorder(self):
        forecast = self._forecast_of(self.product_a)
        self.assertEqual(forecast.method, "ma", "all methods tie on a flat series: the simplest")
        self.assertEqual(forecast.demand_class, "smooth")
        self.assertAlmostEqual(forecast.avg_daily_demand, 5.0)
        self.assertAlmostEqual(forecast.forecast_qty, 5.0 * 7 * 13)
        self.assertAlmostEqual(forecast.wape, 0.0)
        self.assertEqual(forecast.on_hand_qty, 40.0)
        self.assertEqual(forecast.incoming_qty, 30.0)
        # 40 on hand at 5 a day: 8 days; with the 30 arriving on day 3, 70 last 14 days
        self.assertAlmostEqual(forecast.cover_days, 8.0)
        self.assertEqual(forecast.stockout_date, self.today + timedelta(days=14))
        self.assertTrue(forecast.stockout_risk, "runs out before an order can arrive (14 + 7)")
        self.assertFalse(forecast.is_overstock)
        # hand computation: weekly error floor 0.5 x sqrt(35) (no backtest error on a flat
        # series), safety stock z(95 %) x sigma x sqrt(14 / 7)
        sigma = 0.5 * math.sqrt(35.0)
        self.assertAlmostEqual(forecast.sigma_week, sigma, places=2)
        safety = 1.6448536 * sigma * math.sqrt(2.0)  # 6.881
        self.assertEqual(forecast.supplier_id, self.vendor)
        self.assertEqual(forecast.lead_time_days, 14.0)
        self.assertAlmostEqual(forecast.lead_time_demand, 70.0)
        self.assertAlmostEqual(forecast.safety_stock, safety, places=2)
        self.assertAlmostEqual(forecast.reorder_point, 70.0 + safety, places=2)
        self.assertAlmostEqual(forecast.order_up_to, 105.0 + safety, places=2)
        # position 70 < 76.88: order 111.88 - 70 = 41.88 -> minimum 20 -> multiple of 12: 48
        self.assertEqual(forecast.suggested_qty, 48.0)
        self.assertIn("Suggested order: 48.0", forecast.explanation)
        self.assertIn("Moving average", forecast.explanation)

    def test_weekly_lines_forecast_and_actual_by_channel(self):
        forecast = self._forecast_of(self.product_a)
        lines = forecast.line_ids
        self.assertEqual(lines.channel_id, self.channel)
        past = lines.filtered(lambda line: line.period == "past")
        future = lines.filtered(lambda line: line.period == "future")
        self.assertEqual(len(past), 4)
        self.assertEqual(len(future), 13, "13 weeks ahead")
        self.assertEqual(set(past.mapped("actual_qty")), {35.0})
        self.assertEqual(set(past.mapped("forecast_qty")), {35.0})
        self.assertEqual(set(future.mapped("forecast_qty")), {35.0})
        monday = self.today - timedelta(days=self.today.weekday())
        self.assertEqual(min(future.mapped("week_start")), monday + timedelta(weeks=1))
        z90 = engine.z_value(95.0)
        first = future.sorted("week_start")[0]
        self.assertAlmostEqual(
            first.forecast_high - first.forecast_qty, z90 * forecast.sigma_week, delta=0.02
        )
        # pivot: forecast vs actual by week and channel
        groups = self.env["oms.forecast.line"].read_group(
            [("forecast_id", "=", forecast.id), ("period", "=", "past")],
            ["forecast_qty:sum", "actual_qty:sum", "wape"],
            ["channel_id"],
        )
        self.assertEqual(groups[0]["channel_id"][0], self.channel.id)
        self.assertEqual(groups[0]["actual_qty"], 140.0)
        self.assertEqual(groups[0]["wape"], 0.0)

    def test_history_is_net_of_returns_without_cancelled_orders(self):
        params = self.forecast_run._get_parameters()
        rows = self.forecast_run._read_demand_history(params, self.warehouse.ids)
        daily = {
            int(day): qty for product, _w, _c, day, qty in rows if product == self.product_b.id
        }
        self.assertEqual(len(daily), HISTORY, "one entry per day, the cancelled order ignored")
        returned_index = (
            (self.today - timedelta(days=HISTORY - self.returned_day)) - params.history_start
        ).days
        self.assertEqual(daily[returned_index], 0.0, "the return is booked on its delivery day")
        self.assertEqual({q for d, q in daily.items() if d != returned_index}, {4.0})
        forecast = self._forecast_of(self.product_b)
        self.assertTrue(forecast.is_overstock, "1000 on hand at 4 a day")
        self.assertEqual(forecast.suggested_qty, 0.0)
        # the 28-day moving average holds the returned day: 27 x 4 / 28 a day
        self.assertAlmostEqual(forecast.avg_daily_demand, 27 * 4 / 28, places=2)
        self.assertAlmostEqual(forecast.overstock_qty, 1000.0 - 180 * 27 * 4 / 28, delta=0.01)

    def test_outlier_damped_and_explained(self):
        forecast = self._forecast_of(self.product_c)
        self.assertEqual(forecast.outlier_count, 1)
        spike_date = self.today - timedelta(days=HISTORY - self.spike_day)
        self.assertIn(f"200.0 on {spike_date}", forecast.outlier_info)
        self.assertEqual(forecast.method, "ma")
        self.assertAlmostEqual(forecast.avg_daily_demand, 6.0, delta=1e-9)
        self.assertFalse(forecast.supplier_id)
        self.assertEqual(forecast.lead_time_days, 14.0, "the company's default lead time")

    def test_alert_activities_for_the_purchase_responsible(self):
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "in", (self.product_a | self.product_b).product_tmpl_id.ids),
            ]
        )
        stockout = activities.filtered(
            lambda a: a.activity_type_id == self.env.ref("oms_forecast.mail_activity_type_stockout")
        )
        self.assertEqual(stockout.res_id, self.product_a.product_tmpl_id.id)
        self.assertEqual(stockout.user_id, self.buyer)
        self.assertIn("suggested order 48.0", stockout.note)
        overstock = activities - stockout
        self.assertEqual(overstock.res_id, self.product_b.product_tmpl_id.id)
        self.assertEqual(overstock.activity_type_id.name, "Overstock")
        # a new run does not duplicate them; once the reason is gone they go away
        self._set_on_hand(self.product_b, -1000.0)
        self._run_forecast()
        again = self.env["mail.activity"].search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "in", (self.product_a | self.product_b).product_tmpl_id.ids),
            ]
        )
        self.assertEqual(
            again.filtered(lambda a: a.res_id == self.product_a.product_tmpl_id.id), stockout
        )
        self.assertFalse(overstock.exists())

    def test_reordering_rule_created_then_updated(self):
        forecast = self._forecast_of(self.product_a)
        action = forecast.action_apply_orderpoints()
        orderpoint = self.env["stock.warehouse.orderpoint"].search(action["domain"])
        self.assertEqual(orderpoint.product_id, self.product_a)
        self.assertEqual(orderpoint.location_id, self.stock_location)
        self.assertEqual(orderpoint.product_min_qty, 84.0, "76.88 up to a multiple of 12")
        self.assertEqual(orderpoint.product_max_qty, 120.0, "111.88 up to a multiple of 12")
        self.assertEqual(orderpoint.qty_multiple, 12.0)
        # a longer review period: the same rule is updated, not duplicated
        self.company.oms_forecast_review_days = 14
        self._run_forecast()
        self._forecast_of(self.product_a).action_apply_orderpoints()
        rules = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.product_a.id)]
        )
        self.assertEqual(rules, orderpoint)
        self.assertEqual(orderpoint.product_min_qty, 84.0)
        self.assertEqual(orderpoint.product_max_qty, 156.0, "5 x 28 + 6.88 = 146.88 -> 156")

    def test_request_for_quotation_created_then_updated(self):
        forecast = self._forecast_of(self.product_a).with_user(self.buyer)
        action = forecast.action_create_rfq()
        order = self.env["purchase.order"].search(action["domain"])
        self.assertEqual(order.partner_id, self.vendor)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.picking_type_id, self.warehouse.in_type_id)
        self.assertEqual(order.order_line.product_id, self.product_a)
        self.assertEqual(order.order_line.product_qty, 48.0)
        # clicking again updates the same draft RFQ
        order.order_line.product_qty = 1.0
        again = self.env["purchase.order"].search(forecast.action_create_rfq()["domain"])
        self.assertEqual(again, order)
        self.assertEqual(len(order.order_line), 1)
        self.assertEqual(order.order_line.product_qty, 48.0)

    def test_rfq_needs_a_vendor(self):
        forecast = self._forecast_of(self.product_c)
        self.assertEqual(forecast.suggested_qty, 0.0)
        with self.assertRaisesRegex(Exception, "has a quantity to order"):
            forecast.action_create_rfq()

    def test_compute_now_queues_a_job_that_reports_progress(self):
        with trap_jobs() as trap:
            action = self.env["oms.forecast"].action_compute_now()
            trap.assert_jobs_count(1)
            run = self.env["oms.forecast.run"].browse(action["res_id"])
            trap.assert_enqueued_job(run._run_job)
            self.assertEqual(run.state, "queued")
            self.assertEqual(trap.enqueued_jobs[0].channel, "root.oms.forecast")
            trap.perform_enqueued_jobs()
        run.invalidate_recordset()  # written by the job through its own cursor
        self.assertEqual(run.state, "done")
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.progress_message, "Done")
        self.assertEqual(run.series_count, 3)
        # a second execution of the same job does nothing
        self.assertIn("already done", run._run_job())

    def test_daily_cron_queues_one_run_per_company(self):
        with trap_jobs() as trap:
            self.env["oms.forecast.run"]._cron_run_forecasts()
            companies = self.env["stock.warehouse"].sudo().search([]).company_id
            trap.assert_jobs_count(len(companies))
        runs = self.env["oms.forecast.run"].sudo().search([("state", "=", "queued")])
        self.assertIn(self.company, runs.company_id)
