# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The bulk storage module: what it writes is what the ORM reads back, NULLs, dates, floats,
many2one ids and text included; the ORM cache is invalidated; what it cannot write like the ORM
(computed, translated or jsonb fields, chatter), it refuses."""

from datetime import date, timedelta

import numpy as np

from odoo.addons.oms_forecast import storage
from odoo.tests import tagged
from odoo.tools import SQL

from .common import OmsForecastCase


@tagged("post_install", "-at_install")
class TestForecastStorage(OmsForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env["product.category"].create({"name": "Storage Category"})
        cls.product_a = cls._create_product("Stored A")
        cls.product_b = cls._create_product("Stored B")
        (cls.product_a | cls.product_b).categ_id = cls.category
        cls.forecast_run = cls.env["oms.forecast.run"].create(
            cls.env["oms.forecast.run"]._prepare_run_vals(cls.company)
        )
        cls.Forecast = cls.env["oms.forecast"]
        cls.Line = cls.env["oms.forecast.line"]

    def _forecast_vals(self, product, **extra):
        vals = {
            "run_id": self.forecast_run.id,
            "company_id": self.company.id,
            "product_id": product.id,
            "warehouse_id": self.warehouse.id,
            "method": "ses",
            "demand_class": "smooth",
            "wape": 12.345,
            "avg_daily_demand": 1.0 / 3.0,
            "has_demand": True,
            "cover_days": 12.5,
            "stockout_date": date(2028, 2, 29),
            "stockout_risk": True,
            "supplier_id": False,
            "outlier_info": False,
            "explanation": "Tab\there, new line\nthere, back\\slash, quote ' and \" · é",
        }
        vals.update(extra)
        return vals

    def _line_columns(self, forecast):
        monday = date(2027, 3, 1)
        return {
            "forecast_id": np.array([forecast.id, forecast.id, forecast.id]),
            "channel_id": np.array([self.channel.id, 0, self.channel.id]),
            "week_start": [monday, monday + timedelta(weeks=1), monday + timedelta(weeks=2)],
            "period": ["past", "current", "future"],
            "method": np.array(["ses", "ses", "ma"], dtype=object),
            "forecast_qty": np.array([35.0, 1.0 / 3.0, 1e-05]),
            "actual_qty": np.array([40.0, 2.5, np.nan]),
            "abs_error": [5.0, None, None],
            "wape": np.array([12.5, np.nan, np.nan]),
        }

    def test_copy_lines_read_back_by_the_orm(self):
        forecast = self.Forecast.create(self._forecast_vals(self.product_a))
        self.assertFalse(forecast.line_ids, "read (and cached) before the copy")
        count = storage.copy_records(self.Line, self._line_columns(forecast))
        self.assertEqual(count, 3)
        lines = forecast.line_ids.sorted("week_start")  # no invalidation by the test
        self.assertEqual(len(lines), 3, "the forecast's cached line_ids were invalidated")
        self.assertEqual(lines.mapped("channel_id"), self.channel)
        self.assertFalse(lines[1].channel_id, "0 in a many2one column is NULL")
        self.assertEqual(lines.mapped("week_start"), self._line_columns(forecast)["week_start"])
        self.assertEqual(lines.mapped("period"), ["past", "current", "future"])
        self.assertEqual(lines.mapped("method"), ["ses", "ses", "ma"])
        self.assertEqual(lines.mapped("forecast_qty"), [35.0, 1.0 / 3.0, 1e-05], "unrounded")
        self.assertEqual(lines.mapped("actual_qty"), [40.0, 2.5, 0.0])
        self.assertEqual(lines[0].wape, 12.5)
        self.assertEqual(lines.product_id, self.product_a, "related through the forecast")
        # NULL, not 0: the averages of read_group leave the future weeks out
        self.env.cr.execute(
            "SELECT count(*) FROM oms_forecast_line WHERE forecast_id = %s AND actual_qty IS NULL "
            "AND abs_error IS NULL AND wape IS NULL",
            [forecast.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        groups = self.Line.read_group(
            [("forecast_id", "=", forecast.id)], ["abs_error:avg", "actual_qty:avg"], []
        )
        self.assertEqual(groups[0]["abs_error"], 5.0, "the 2 NULL weeks left out, not 5 / 3")
        self.assertEqual(groups[0]["actual_qty"], 21.25, "(40 + 2.5) / 2")

    def test_copy_escapes_text_and_fills_audit_columns(self):
        Parameter = self.env["ir.config_parameter"]
        value = "a\tb\nc\\d\re · é"
        count = storage.copy_records(
            Parameter, {"key": ["oms.test.storage.text"], "value": [value]}
        )
        self.assertEqual(count, 1)
        parameter = Parameter.search([("key", "=", "oms.test.storage.text")])
        self.assertEqual(parameter.value, value)
        self.assertEqual(parameter.create_uid, self.env.user)
        self.assertTrue(parameter.write_date)

    def test_delete_removes_forecasts_and_lines_from_the_cache(self):
        forecast = self.Forecast.create(self._forecast_vals(self.product_a))
        storage.copy_records(self.Line, self._line_columns(forecast))
        lines = forecast.line_ids
        self.assertEqual(len(lines), 3)
        storage.delete_company_forecasts(self.env, self.company.id)
        self.assertFalse(forecast.exists())
        self.assertFalse(lines.exists())
        self.assertFalse(self.Forecast.search([("company_id", "=", self.company.id)]))

    def test_refuses_what_it_cannot_write_like_the_orm(self):
        with self.assertRaisesRegex(ValueError, "stored computed fields: use create"):
            storage.copy_records(self.Forecast, {"product_id": [self.product_a.id]})
        with self.assertRaisesRegex(ValueError, "cannot be written in bulk"):
            storage.copy_records(self.Line, {"product_id": [self.product_a.id]})
        with self.assertRaisesRegex(ValueError, "cannot be written in bulk"):
            storage.copy_records(self.env["uom.category"], {"name": ["translated, jsonb"]})
        with self.assertRaisesRegex(ValueError, "chatter"):
            storage.copy_records(self.env["res.partner"], {"name": ["Has a chatter"]})
        self.assertFalse(self.Line.search([("product_id", "=", self.product_a.id)]))

    def test_read_numbers_and_binary(self):
        rows = storage.read_numbers(
            self.env, SQL("SELECT %s::int, %s::float8", self.product_a.id, 2.5), 2
        )
        self.assertEqual(rows.tolist(), [[float(self.product_a.id), 2.5]])
        empty = storage.read_numbers(self.env, SQL("SELECT 1, 2 WHERE false"), 2)
        self.assertEqual(empty.shape, (0, 2))
        dtype = np.dtype([("fields", ">i2"), ("len_a", ">i4"), ("a", ">i4")])
        binary = storage.read_binary(self.env, SQL("SELECT %s::int4", 7), dtype)
        self.assertEqual(binary["a"].tolist(), [7])
        # a NULL has no bytes: 5 rows of 6 bytes read like 3 of 10, caught by the length field
        nulls = SQL("SELECT NULL::int4 FROM generate_series(1, %s)", 5)
        with self.assertRaisesRegex(ValueError, "empty or mistyped value in column a"):
            storage.read_binary(self.env, nulls, dtype)
        with self.assertRaisesRegex(ValueError, "variable-width"):
            storage.read_binary(self.env, SQL("SELECT NULL::int4 UNION ALL SELECT 1"), dtype)
