# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.queue_job.job import identity_exact
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import engine, storage
from ..parameters import ForecastParameters

_logger = logging.getLogger(__name__)

# Demand: delivered quantities of confirmed sale orders, minus their returns (see _get_demand_sql).
# The confirmed order lines are materialised first and the locations passed as ids so that the
# millions of moves are read in one sequential pass joined by hash; the few returns are found
# through their index (ids of returned moves), never by a second pass over the moves.
DEMAND_QUERY = """
    WITH lines AS MATERIALIZED (
        SELECT sol.id, COALESCE(so.oms_channel_id, 0)::int4 AS channel_id
          FROM sale_order_line sol
          JOIN sale_order so ON so.id = sol.order_id
         WHERE so.state = 'sale'
    )
    SELECT m.product_id, m.location_id, %(channel)s AS channel_id,
           m.date AS moved, COALESCE(m.product_qty, 0)::float8 AS qty
      FROM stock_move m
      JOIN lines ON lines.id = m.sale_line_id
     WHERE m.state = 'done'
       AND m.location_id = ANY(%(internal)s)
       AND m.location_dest_id = ANY(%(customer)s)
       AND m.date >= %(start)s AND m.date < %(end)s
    UNION ALL
    SELECT r.product_id, o.location_id, %(channel)s AS channel_id,
           o.date AS moved, -COALESCE(r.product_qty, 0)::float8 AS qty
      FROM stock_move r
      JOIN stock_move o ON o.id = r.origin_returned_move_id
      JOIN lines ON lines.id = o.sale_line_id
     WHERE o.id = ANY(ARRAY(
               SELECT origin_returned_move_id FROM stock_move
                WHERE origin_returned_move_id IS NOT NULL AND state = 'done'))
       AND r.state = 'done' AND o.state = 'done'
       AND r.location_id = ANY(%(customer)s)
       AND o.location_id = ANY(%(internal)s)
       AND o.date >= %(start)s AND o.date < %(end)s
"""


@dataclass
class ForecastHistory:
    """What a run read: the series and what the engine and the stock step need of them."""

    keys: list  # (product_id, warehouse_id) of each series, product-major
    demand: np.ndarray  # (n, history_days) daily net demand
    on_hand: dict  # {(product_id, warehouse_id): quantity}
    receipts: np.ndarray  # (n, horizon_days) receipts expected per day
    by_channel: np.ndarray | None  # rows of the holdout weeks for the channel split


class OmsForecastRun(models.Model):
    """One computation of the forecasts of a company: reads the history, runs the engine, stores
    the results in ``oms.forecast`` / ``oms.forecast.line`` and raises the alerts.

    The pipeline is a chain of small ``_get_*``/``_read_*``/``_store_*`` methods so that another
    addon can change one step (e.g. what counts as demand) without copying the others.
    """

    _name = "oms.forecast.run"
    _description = "Forecast Run"
    _order = "id desc"

    name = fields.Char(
        required=True, readonly=True, default=lambda self: self.env._("Forecast run")
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda s: s.env.company
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    progress = fields.Float(readonly=True, help="Percentage of the run completed.")
    progress_message = fields.Char(string="Step", readonly=True)
    forecast_date = fields.Date(
        readonly=True, help="Forecast origin: history ends the day before, forecasts start here."
    )
    date_start = fields.Datetime(string="Started", readonly=True)
    date_end = fields.Datetime(string="Finished", readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    series_count = fields.Integer(string="Products x Warehouses", readonly=True)
    line_count = fields.Integer(string="Weekly Lines", readonly=True)
    stockout_count = fields.Integer(string="Stock-out Risks", readonly=True)
    overstock_count = fields.Integer(string="Overstocks", readonly=True)
    reorder_count = fields.Integer(string="To Reorder", readonly=True)
    outlier_count = fields.Integer(string="Outlier Days Damped", readonly=True)
    method_summary = fields.Char(string="Methods Chosen", readonly=True)
    error_message = fields.Text(readonly=True)

    # ------------------------------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_run_forecasts(self):
        """Daily: one queued run per company that has warehouses."""
        companies = self.env["stock.warehouse"].search([]).company_id
        for company in companies:
            self.with_company(company)._enqueue_run(company)

    @api.model
    def _enqueue_run(self, company):
        run = self.create(self._prepare_run_vals(company))
        run.with_delay(
            identity_key=identity_exact,
            description=self.env._("Forecasts of %(company)s", company=company.name),
        )._run_job()
        return run

    @api.model
    def _prepare_run_vals(self, company):
        today = fields.Date.context_today(self)
        return {
            "name": self.env._("Forecast %(date)s", date=fields.Date.to_string(today)),
            "company_id": company.id,
            "forecast_date": today,
        }

    def action_compute_now(self):
        """List button: queue a run for the current company and open it (the selected runs,
        which the web client passes, are ignored; see ``oms.forecast.action_compute_now``)."""
        run = self.browse()._enqueue_run(self.env.company)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    def _run_job(self):
        """queue_job entry point. Idempotent: a run already done or running is left alone."""
        self.ensure_one()
        if self.state in ("done", "running"):
            return self.env._(
                "Run %(name)s is already %(state)s.", name=self.name, state=self.state
            )
        self.with_context(oms_forecast_progress_cursor=True)._execute()
        return self.env._(
            "%(series)s forecasts, %(stockouts)s stock-out risks, %(overstocks)s overstocks",
            series=self.series_count,
            stockouts=self.stockout_count,
            overstocks=self.overstock_count,
        )

    # ------------------------------------------------------------------------------------------
    # Progress
    # ------------------------------------------------------------------------------------------
    def _report_progress(self, vals):
        """Write the run's progress where the user sees it while the job is still running.

        Inside a job the run row is written through a separate cursor committed at once (the
        job's own transaction is only committed at the end); that is the only thing written by
        the run's transaction on this row, so the two never conflict. Called synchronously,
        or for a run not committed yet (tests, demo data), it is a plain write.
        """
        self.ensure_one()
        _logger.info("Forecast run %s: %s", self.id, vals.get("progress_message", vals))
        if self.env.context.get("oms_forecast_progress_cursor"):
            with self.env.registry.cursor() as cr:
                # sudo: progress only, whoever runs the job
                committed = self.with_env(self.env(cr=cr)).sudo().exists()
                if committed:
                    committed.write(vals)
            if committed:
                self.invalidate_recordset(list(vals))
                return
        # a run created in this very transaction (tests, demo data) is not visible elsewhere
        self.write(vals)

    def _step(self, progress, message):
        self._report_progress({"progress": progress, "progress_message": message})

    # ------------------------------------------------------------------------------------------
    # Pipeline
    # ------------------------------------------------------------------------------------------
    def _execute(self):
        """Compute and store every forecast of the run's company."""
        self.ensure_one()
        started = time.monotonic()
        run = self.with_company(self.company_id)
        run._report_progress(run._prepare_progress_vals("running"))
        try:
            stats = run._compute_and_store()
        except Exception as error:
            _logger.exception("Forecast run %s failed", self.id)
            run._report_progress(run._prepare_progress_vals("failed", error_message=str(error)))
            raise
        stats.update(run._prepare_progress_vals("done", duration=time.monotonic() - started))
        run._report_progress(stats)
        return True

    def _prepare_progress_vals(self, state, **extra):
        """Values of the run when it starts (``running``), fails or is done."""
        if state == "running":
            vals = {
                "date_start": fields.Datetime.now(),
                "progress": 0.0,
                "progress_message": self.env._("Starting"),
                "error_message": False,
            }
        elif state == "failed":
            vals = {"date_end": fields.Datetime.now(), "progress_message": self.env._("Failed")}
        else:
            vals = {
                "progress": 100.0,
                "progress_message": self.env._("Done"),
                "date_end": fields.Datetime.now(),
            }
        return dict(vals, state=state, **extra)

    def _compute_and_store(self):
        """The run's pipeline: read the history, forecast, stock and replenishment, store, alert.
        Each step is one method; returns the run's figures (``_prepare_run_stats_vals``)."""
        params = self._get_parameters()
        warehouses = self._ensure_warehouses()
        self._step(5.0, self.env._("Reading the demand history"))
        history = self._read_history(params, warehouses)
        keys = history.keys
        self._step(20.0, self.env._("Forecasting %(count)s products x warehouses", count=len(keys)))
        result = self._run_engine(params, history)
        self._step(60.0, self.env._("Computing stock cover and reorder suggestions"))
        stock = self._compute_stock_and_replenishment(
            params, keys, history.on_hand, history.receipts, result
        )
        self._step(70.0, self.env._("Storing the forecasts"))
        forecasts = self._store_forecasts(params, keys, history.demand, result, stock)
        self._step(80.0, self.env._("Storing the weekly forecasts"))
        line_count = self._store_lines(
            params, keys, history.demand, result, forecasts, warehouses.ids, history.by_channel
        )
        self._step(90.0, self.env._("Raising stock-out and overstock alerts"))
        self._schedule_alerts(forecasts)
        return self._prepare_run_stats_vals(keys, result, stock, line_count)

    def _get_parameters(self):
        """Settings of the run (company settings, forecast origin, time zone): a frozen
        ``ForecastParameters``. Override to change them, e.g. with ``dataclasses.replace``."""
        company = self.company_id
        return ForecastParameters(
            today=self.forecast_date or fields.Date.context_today(self),
            history_days=company.oms_forecast_history_days,
            backtest_weeks=company.oms_forecast_backtest_weeks,
            horizon_weeks=company.oms_forecast_horizon_weeks,
            service_level=company.oms_forecast_service_level,
            interval_level=company.oms_forecast_interval_level,
            overstock_days=company.oms_forecast_overstock_days,
            review_days=company.oms_forecast_review_days,
            default_lead_days=company.oms_forecast_default_lead_days,
            outlier_factor=company.oms_forecast_outlier_factor,
            tz=self._get_timezone(),
        )

    def _get_timezone(self):
        tz = self.company_id.partner_id.tz or self.env.user.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _get_warehouses(self):
        return self.env["stock.warehouse"].search([("company_id", "=", self.company_id.id)])

    def _ensure_warehouses(self):
        warehouses = self._get_warehouses()
        if not warehouses:
            raise UserError(
                self.env._(
                    "Company %(company)s has no warehouse to forecast.",
                    company=self.company_id.name,
                )
            )
        return warehouses

    def _read_history(self, params, warehouses):
        """Series (every product x warehouse that sold in the history window or holds stock),
        their daily demand, stock on hand, expected receipts and the holdout weeks by channel.
        One read of the moves serves both the daily series and the channel split."""
        moves = self._read_demand_moves(params, warehouses.ids)
        on_hand = self._read_on_hand(warehouses.ids)
        keys, demand = self._build_series(params, moves, on_hand)
        by_channel = self._holdout_channel_rows(params, moves)
        del moves  # the largest arrays of the run: gone before the engine's
        receipts = self._read_incoming(params, warehouses.ids, keys)
        return ForecastHistory(keys, demand, on_hand, receipts, by_channel)

    def _run_engine(self, params, history):
        """The engine's forecast of every series (``engine.ForecastResult``)."""
        return engine.forecast_catalogue(
            history.demand,
            params.history_start.toordinal(),
            params.holdout_days,
            params.horizon_days,
            outlier_factor=params.outlier_factor,
        )

    def _prepare_run_stats_vals(self, keys, result, stock, line_count):
        """The run's figures shown on its form."""
        return {
            "series_count": len(keys),
            "line_count": line_count,
            "stockout_count": int(stock["stockout_risk"].sum()),
            "overstock_count": int(stock["is_overstock"].sum()),
            "reorder_count": int((stock["suggested"] > 0).sum()),
            "outlier_count": int(result.outliers["count"].sum()),
            "method_summary": self._summarize_methods(result.method),
        }

    @api.model
    def _summarize_methods(self, methods):
        """``MA 40% · SES 60%``: share of each method chosen."""
        counts = dict.fromkeys(engine.METHOD_LABELS, 0)
        for method in methods:
            counts[method] += 1
        total = max(len(methods), 1)
        return " · ".join(
            f"{code.upper()} {100 * count / total:.0f}%" for code, count in counts.items() if count
        )

    # ------------------------------------------------------------------------------------------
    # Reading (parameterised SQL, streamed into numpy by ``storage``)
    # ------------------------------------------------------------------------------------------
    def _get_demand_sql(self, params, warehouse_ids, date_from, date_to, group_by_channel):
        """Delivered quantities to customers from confirmed sale orders, minus the quantities
        returned (booked on the day and warehouse of the delivery they return). Cancelled orders
        never count. Override to change what counts as demand.

        Columns, never NULL, with these exact SQL types (they are read with a binary COPY):
        product_id (int4), location_id (int4, the warehouse's internal location the goods left),
        channel_id (int4, 0 when none or not ``group_by_channel``), moved (timestamp, UTC),
        quantity (float8, product unit of measure); one row per move: the local day, the
        warehouse and the sums are worked out in numpy (see ``_read_demand_moves``).
        """
        internal, customer = self._get_demand_locations(warehouse_ids)
        return SQL(
            DEMAND_QUERY,
            channel=SQL("lines.channel_id") if group_by_channel else SQL("0"),
            start=self._local_midnight_utc(date_from, params.tz),
            end=self._local_midnight_utc(date_to, params.tz),
            internal=internal.ids or [0],
            customer=customer.ids or [0],
        )

    def _get_demand_locations(self, warehouse_ids):
        """Internal locations of the warehouses (where deliveries leave from) and customer
        locations (where they go)."""
        Location = self.env["stock.location"].sudo()  # sudo: ids only, to keep the plan simple
        internal = Location.search(
            [("usage", "=", "internal"), ("warehouse_id", "in", list(warehouse_ids))]
        )
        customer = Location.search([("usage", "=", "customer")])
        return internal, customer

    @api.model
    def _local_midnight_utc(self, day, tz):
        local = pytz.timezone(tz).localize(datetime.combine(day, datetime.min.time()))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    DEMAND_DTYPE = np.dtype(
        [
            ("fields", ">i2"),
            ("len_product", ">i4"),
            ("product", ">i4"),
            ("len_location", ">i4"),
            ("location", ">i4"),
            ("len_channel", ">i4"),
            ("channel", ">i4"),
            ("len_moved", ">i4"),
            ("moved", ">i8"),  # microseconds since 2000-01-01 00:00 (UTC here)
            ("len_qty", ">i4"),
            ("qty", ">f8"),
        ]
    )

    def _read_demand_moves(self, params, warehouse_ids, date_from=None, group_by_channel=True):
        """Demand moves of storable products from ``date_from`` (default: the start of the
        history) to the forecast origin, as columns (numpy arrays of the same length):
        ``product``, ``warehouse``, ``channel`` (0: none), ``day`` (local day index from
        ``date_from``) and ``qty``. One entry per move: sum them as needed."""
        date_from = date_from or params.history_start
        rows = self._read_demand_rows(
            self._get_demand_sql(params, warehouse_ids, date_from, params.today, group_by_channel)
        )
        product = rows["product"].astype(np.int64)
        moves = {
            "product": product,
            "channel": rows["channel"].astype(np.int64),
            "day": self._local_day_index(rows["moved"], date_from, params.today, params.tz),
            "qty": rows["qty"].astype(np.float64),
            "warehouse": self._warehouse_of_locations(rows["location"].astype(np.int64)),
        }
        del rows
        keep = self._storable_mask(product)
        if not keep.all():
            moves = {name: column[keep] for name, column in moves.items()}
        return moves

    def _read_demand_rows(self, query):
        """Rows of the demand query as a ``DEMAND_DTYPE`` array."""
        # one big sequential read: enough memory to hash, no nested loops over millions of rows;
        # both settings return to the session's values right after
        self.env.cr.execute("SET LOCAL work_mem = '64MB'; SET LOCAL enable_nestloop = off")
        try:
            return storage.read_binary(self.env, query, self.DEMAND_DTYPE)
        except ValueError as error:
            raise UserError(
                self.env._("The demand history query is not usable: %(error)s.", error=error)
            ) from error
        finally:
            self.env.cr.execute("RESET work_mem; RESET enable_nestloop")

    def _local_day_index(self, moved, date_from, date_to, tz):
        """Local day (index from ``date_from``) of UTC timestamps given as microseconds since
        2000-01-01, daylight saving time included: the local midnights of the window are
        computed once and each timestamp is placed among them."""
        epoch = datetime(2000, 1, 1)
        days = (date_to - date_from).days
        midnights = np.array(
            [
                (
                    self._local_midnight_utc(date_from + timedelta(days=d), tz) - epoch
                ).total_seconds()
                * 1_000_000
                for d in range(days + 1)
            ],
            dtype=np.int64,
        )
        return np.searchsorted(midnights, moved.astype(np.int64), side="right") - 1

    def _warehouse_of_locations(self, location):
        """Warehouse id of each location id in the array (0 when none)."""
        if not len(location):
            return np.zeros(0, dtype=np.int64)
        present = np.flatnonzero(np.bincount(location))
        # sudo: the warehouse of the locations the company's deliveries left from, ids only
        location_rows = (
            self.env["stock.location"].sudo().browse(present.tolist()).read(["warehouse_id"])
        )
        lookup = np.zeros(int(present[-1]) + 1, dtype=np.int64)
        for row in location_rows:
            lookup[row["id"]] = row["warehouse_id"] and row["warehouse_id"][0] or 0
        return lookup[location]

    def _storable_mask(self, product):
        """True for the entries of storable products."""
        if not len(product):
            return np.zeros(0, dtype=bool)
        present = np.flatnonzero(np.bincount(product))
        storable = (
            self.env["product.product"]
            .sudo()  # sudo: only which ids are storable, archived and other companies' included
            .with_context(active_test=False)
            ._search([("id", "in", present.tolist()), ("is_storable", "=", True)])
        )
        lookup = np.zeros(int(present[-1]) + 1, dtype=bool)
        lookup[np.array(list(storable), dtype=np.int64)] = True
        return lookup[product]

    def _read_demand_history(
        self, params, warehouse_ids, group_by_channel=False, date_from=None, aggregate=True
    ):
        """Daily net demand of storable products as an array of rows
        (product, warehouse, channel, day, qty): one row per product, warehouse, channel and
        day, or with ``aggregate=False`` one row per move."""
        moves = self._read_demand_moves(
            params, warehouse_ids, date_from=date_from, group_by_channel=group_by_channel
        )
        rows = self._moves_to_rows(moves)
        return self._aggregate_moves(rows) if aggregate else rows

    @api.model
    def _moves_to_rows(self, moves, mask=None, day_offset=0):
        """(n, 5) float array (product, warehouse, channel, day, qty) of the moves (or of those
        selected by ``mask``), days shifted by ``day_offset``."""
        columns = ("product", "warehouse", "channel", "day", "qty")
        if mask is None:
            return np.column_stack([moves[name].astype(float) for name in columns]).reshape(-1, 5)
        rows = np.column_stack([moves[name][mask].astype(float) for name in columns])
        rows = rows.reshape(-1, 5)
        rows[:, 3] -= day_offset
        return rows

    def _aggregate_moves(self, rows):
        """Sum rows per product, warehouse, channel and day."""
        if not len(rows):
            return rows
        product = rows[:, 0].astype(np.int64)
        warehouse = rows[:, 1].astype(np.int64)
        warehouse_ids, warehouse_index = np.unique(warehouse, return_inverse=True)
        channel_ids, channel_index = np.unique(rows[:, 2].astype(np.int64), return_inverse=True)
        day = rows[:, 3].astype(np.int64)
        days = int(day.max()) + 1 if len(day) else 1
        # one int64 key per product, warehouse, channel and day: a 1-D sort instead of a 4-D one
        key = (product * len(warehouse_ids) + warehouse_index) * len(channel_ids) + channel_index
        key = key * days + day
        unique, inverse = np.unique(key, return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=rows[:, 4], minlength=len(unique))
        day_of, rest = unique % days, unique // days
        channel_of, rest = rest % len(channel_ids), rest // len(channel_ids)
        warehouse_of_key, product_of = rest % len(warehouse_ids), rest // len(warehouse_ids)
        return np.column_stack(
            [
                product_of.astype(float),
                warehouse_ids[warehouse_of_key].astype(float),
                channel_ids[channel_of].astype(float),
                day_of.astype(float),
                sums,
            ]
        )

    def _read_on_hand(self, warehouse_ids):
        """{(product_id, warehouse_id): quantity} of storable products in internal locations."""
        query = SQL(
            """
            SELECT q.product_id, loc.warehouse_id, SUM(q.quantity)
              FROM stock_quant q
              JOIN stock_location loc ON loc.id = q.location_id
              JOIN product_product pp ON pp.id = q.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE loc.usage = 'internal' AND loc.warehouse_id = ANY(%(warehouses)s)
               AND pt.is_storable AND pp.active
             GROUP BY 1, 2
            """,
            warehouses=list(warehouse_ids),
        )
        rows = storage.read_numbers(self.env, query, 3)
        return {(int(p), int(w)): qty for p, w, qty in rows}

    def _read_incoming(self, params, warehouse_ids, keys):
        """(n, horizon) receipts expected per day into each warehouse from outside it (purchase
        receipts, transfers from other warehouses). Late receipts count as arriving today."""
        query = SQL(
            """
            SELECT m.product_id, dst.warehouse_id,
                   GREATEST(timezone(%(tz)s, m.date AT TIME ZONE 'UTC')::date - %(today)s::date, 0),
                   SUM(m.product_qty)
              FROM stock_move m
              JOIN stock_location dst ON dst.id = m.location_dest_id
              JOIN stock_location src ON src.id = m.location_id
             WHERE m.state NOT IN ('draft', 'done', 'cancel')
               AND dst.warehouse_id = ANY(%(warehouses)s)
               AND src.usage <> 'customer'
               AND (src.warehouse_id IS NULL OR src.warehouse_id <> dst.warehouse_id)
             GROUP BY 1, 2, 3
            """,
            tz=params.tz,
            today=params.today,
            warehouses=list(warehouse_ids),
        )
        rows = storage.read_numbers(self.env, query, 4)
        receipts = np.zeros((len(keys), params.horizon_days))
        index = {key: i for i, key in enumerate(keys)}
        for product_id, warehouse_id, day, qty in rows:
            row = index.get((int(product_id), int(warehouse_id)))
            if row is not None and day < params.horizon_days:
                receipts[row, int(day)] += qty
        return receipts

    def _build_series(self, params, moves, on_hand):
        """Keys (product_id, warehouse_id) and the (n, days) demand matrix: every pair that sold
        in the history window or holds stock now, ordered by product then warehouse.
        ``moves`` are the columns of ``_read_demand_moves`` (several entries per day allowed)."""
        days = params.history_days
        stocked = [key for key, qty in on_hand.items() if qty > 0]
        stocked_product = np.array([p for p, _w in stocked], dtype=np.int64)
        stocked_warehouse = np.array([w for _p, w in stocked], dtype=np.int64)
        warehouses = np.concatenate([moves["warehouse"], stocked_warehouse])
        warehouse_ids = np.flatnonzero(np.bincount(warehouses)) if len(warehouses) else warehouses
        width = max(len(warehouse_ids), 1)
        warehouse_index = np.zeros(int(warehouse_ids.max()) + 1 if len(warehouse_ids) else 1, int)
        warehouse_index[warehouse_ids] = np.arange(len(warehouse_ids))
        # one code per pair, product-major: its rank among the codes present is the row
        sold = moves["product"] * width + warehouse_index[moves["warehouse"]]
        stocked_codes = stocked_product * width + warehouse_index[stocked_warehouse]
        codes, row = self._rank_codes(sold, stocked_codes)
        keys = [(int(k // width), int(warehouse_ids[k % width])) for k in codes]
        day = moves["day"]
        inside = (day >= 0) & (day < days)
        demand = np.bincount(
            row[inside] * days + day[inside],
            weights=moves["qty"][inside],
            minlength=len(keys) * days,
        ).reshape(len(keys), days)
        np.clip(demand, 0.0, None, out=demand)
        return keys, demand

    @api.model
    def _rank_codes(self, sold, stocked):
        """The sorted distinct codes of ``sold`` and ``stocked``, and the rank of each code of
        ``sold`` among them."""
        codes = np.concatenate([sold, stocked])
        if len(codes) and codes.max() < 50_000_000:  # a lookup table, no sort of the moves
            present = np.zeros(int(codes.max()) + 1, dtype=bool)
            present[codes] = True
            distinct = np.flatnonzero(present)
            del present
            rank = np.zeros(int(codes.max()) + 1, dtype=np.int64)
            rank[distinct] = np.arange(len(distinct))
            return distinct, rank[sold]
        distinct, inverse = np.unique(codes, return_inverse=True)
        return distinct, inverse.ravel()[: len(sold)]

    def _holdout_channel_rows(self, params, moves):
        """Rows (product, warehouse, channel, day from the holdout start, qty) of the backtest
        weeks and the current week, for the channel split of the weekly lines."""
        offset = (params.holdout_start - params.history_start).days
        if offset < 0:
            return None  # history shorter than the backtest: ``_store_lines`` reads it
        return self._moves_to_rows(moves, moves["day"] >= offset, day_offset=offset)

    # ------------------------------------------------------------------------------------------
    # Stock cover and replenishment
    # ------------------------------------------------------------------------------------------
    def _get_supply_terms(self, params, keys):
        """Vendor, lead time (days), minimum and multiple (product UoM) per product of ``keys``:
        {product_id: ``_prepare_supply_terms``}."""
        products = self.env["product.product"].browse(sorted({p for p, _w in keys}))
        seller_of = self._get_sellers(params, products)
        return {
            product.id: self._prepare_supply_terms(params, product, seller_of.get(product.id))
            for product in products
        }

    def _get_sellers(self, params, products):
        """{product id: its first valid vendor line (sequence order) for the company}."""
        today = params.today
        sellers = self.env["product.supplierinfo"].search_fetch(
            [
                ("product_tmpl_id", "in", products.product_tmpl_id.ids),
                ("company_id", "in", [False, self.company_id.id]),
                ("partner_id.active", "=", True),
                "|",
                ("date_start", "=", False),
                ("date_start", "<=", today),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", today),
            ],
            ["product_tmpl_id", "product_id", "partner_id", "delay", "min_qty", "product_uom"],
            order="sequence, min_qty desc, price, id",
        )
        seller_of = {}
        for seller in sellers:
            for product in seller.product_id or seller.product_tmpl_id.product_variant_ids:
                seller_of.setdefault(product.id, seller)
        return seller_of

    def _prepare_supply_terms(self, params, product, seller):
        """The lead time is the vendor's delay plus the company's purchase security lead time;
        minimum and multiple are converted from the vendor's purchase unit to the product's;
        without vendor, the company's default lead time."""
        if not seller:
            return {
                "supplier_id": False,
                "lead_days": float(params.default_lead_days),
                "min_qty": 0.0,
                "multiple": 0.0,
            }
        factor = seller.product_uom._compute_quantity(1.0, product.uom_id)
        multiple = (seller.oms_order_multiple or 0.0) * factor
        if not multiple and factor > 1.0:
            multiple = factor  # bought by the carton: order whole cartons
        return {
            "supplier_id": seller.partner_id.id,
            "lead_days": seller.delay + (self.company_id.po_lead or 0.0),
            "min_qty": seller.min_qty * factor,
            "multiple": multiple,
        }

    def _compute_stock_and_replenishment(self, params, keys, on_hand, receipts, result):
        """Per series: stock, cover, stock-out day, supply terms, reorder point and suggested
        quantity, stock-out risk and overstock (dict of arrays)."""
        terms = self._get_supply_terms(params, keys)
        key_terms = [terms[p] for p, _w in keys]
        stock = {
            "on_hand": np.array([on_hand.get(key, 0.0) for key in keys]),
            "incoming": receipts.sum(axis=1),
            "supplier_id": [t["supplier_id"] for t in key_terms],
            "lead_days": np.array([t["lead_days"] for t in key_terms]),
            "min_qty": np.array([t["min_qty"] for t in key_terms]),
            "multiple": np.array([t["multiple"] for t in key_terms]),
        }
        stock["cover_days"], stock["stockout_day"] = engine.stock_projection(
            result.daily, stock["on_hand"], receipts
        )
        stock.update(
            engine.replenishment(
                result.daily,
                stock["on_hand"],
                stock["incoming"],
                result.sigma_week,
                stock["lead_days"],
                params.review_days,
                engine.z_value(params.service_level),
                stock["min_qty"],
                stock["multiple"],
            )
        )
        stock.update(self._flag_stock_alerts(params, stock, result))
        return stock

    def _flag_stock_alerts(self, params, stock, result):
        """Stock-out risk: the stock runs out before an order placed today (and the next review)
        can arrive. Overstock: cover beyond the overstock days, and by how much."""
        alert_days = stock["lead_days"] + params.review_days
        stockout_day = stock["stockout_day"]
        is_overstock = stock["cover_days"] > params.overstock_days
        horizon = np.full(len(stockout_day), float(params.overstock_days))
        overstock_demand = engine.sum_days(result.daily, horizon)
        return {
            "stockout_risk": (stockout_day >= 0) & (stockout_day <= alert_days),
            "is_overstock": is_overstock,
            "overstock_qty": np.where(
                is_overstock, np.maximum(stock["on_hand"] - overstock_demand, 0.0), 0.0
            ),
        }

    # ------------------------------------------------------------------------------------------
    # Storing the forecasts
    # ------------------------------------------------------------------------------------------
    def _store_forecasts(self, params, keys, demand, result, stock):
        """Replace the company's forecasts by the new ones (``_delete_forecasts``, then
        ``_insert_forecasts``); returns them in the order of ``keys``."""
        self._delete_forecasts()
        z_interval = engine.z_value(50.0 + params.interval_level / 2.0)
        week_total = result.daily[:, : 7 * params.horizon_weeks].sum(axis=1)
        vals_list = []
        for i, (product_id, warehouse_id) in enumerate(keys):
            info = self._prepare_forecast_info(params, result, i, week_total[i], z_interval)
            vals_list.append(
                self._prepare_forecast_vals(
                    params, product_id, warehouse_id, i, result, stock, info
                )
            )
        return self._insert_forecasts(vals_list)

    @api.model
    def _prepare_forecast_info(self, params, result, i, forecast_total, z_interval):
        """What the engine says of series ``i``, for ``_prepare_forecast_vals``."""
        return {
            "method": result.method[i],
            "demand_class": result.demand_class[i],
            "wape": result.wape[i],
            "mase": result.mase[i],
            "scores": {m: s[i] for m, s in result.scores.items()},
            "forecast_total": forecast_total,
            "outlier_count": int(result.outliers["count"][i]),
            "outlier_top_day": int(result.outliers["top_day"][i]),
            "outlier_top_qty": result.outliers["top_qty"][i],
            "outlier_threshold": result.outliers["threshold"][i],
            "first_ordinal": params.history_start.toordinal(),
            "z_interval": z_interval,
        }

    def _delete_forecasts(self):
        """Delete the company's previous forecasts and their weekly lines, set-based: results
        rebuilt by every run (``storage.delete_company_forecasts``)."""
        storage.delete_company_forecasts(self.env, self.company_id.id)

    def _insert_forecasts(self, vals_list):
        """Create the forecasts of ``vals_list``, in that order. Through the ORM: one forecast
        per product and warehouse (thousands, not hundreds of thousands), and ``create`` writes
        them as fast as a raw INSERT did (``bench/forecast.py``)."""
        return self.env["oms.forecast"].with_context(tracking_disable=True).create(vals_list)

    def _prepare_forecast_vals(self, params, product_id, warehouse_id, i, result, stock, info):
        """Values of one ``oms.forecast`` (product x warehouse). Extend to store more."""
        vals = {
            "run_id": self.id,
            "company_id": self.company_id.id,
            "product_id": product_id,
            "warehouse_id": warehouse_id,
            "method": info["method"],
            "demand_class": info["demand_class"],
            "wape": _finite(info["wape"]) * 100.0,
            "mase": _finite(info["mase"]),
            "backtest_scores": " · ".join(
                f"{code.upper()} {score:.2f}"
                for code, score in info["scores"].items()
                if np.isfinite(score)
            ),
            "avg_daily_demand": float(result.daily[i].mean()),
            "has_demand": bool(result.daily[i].sum() > engine.EPS),
            "forecast_qty": float(info["forecast_total"]),
            "sigma_week": float(result.sigma_week[i]),
            "outlier_count": info["outlier_count"],
            "outlier_info": self._describe_outliers(info),
        }
        vals.update(self._prepare_forecast_stock_vals(params, i, stock))
        vals["explanation"] = self._explain_forecast(params, vals, info)
        return vals

    @api.model
    def _prepare_forecast_stock_vals(self, params, i, stock):
        """Stock, cover, alerts and replenishment of series ``i``."""
        stockout_day = int(stock["stockout_day"][i])
        return {
            "on_hand_qty": float(stock["on_hand"][i]),
            "incoming_qty": float(stock["incoming"][i]),
            "cover_days": float(stock["cover_days"][i]),
            "stockout_date": params.today + timedelta(days=stockout_day)
            if stockout_day >= 0
            else False,
            "stockout_risk": bool(stock["stockout_risk"][i]),
            "is_overstock": bool(stock["is_overstock"][i]),
            "overstock_qty": float(stock["overstock_qty"][i]),
            "supplier_id": stock["supplier_id"][i] or False,
            "lead_time_days": float(stock["lead_days"][i]),
            "supplier_min_qty": float(stock["min_qty"][i]),
            "order_multiple": float(stock["multiple"][i]),
            "lead_time_demand": float(stock["lead_demand"][i]),
            "safety_stock": float(stock["safety_stock"][i]),
            "reorder_point": float(stock["reorder_point"][i]),
            "order_up_to": float(stock["order_up_to"][i]),
            "suggested_qty": float(stock["suggested"][i]),
        }

    # ------------------------------------------------------------------------------------------
    # Explanations
    # ------------------------------------------------------------------------------------------
    def _explain_forecast(self, params, vals, info):
        """Plain-language reasons behind the numbers of one forecast, shown on its form: one
        paragraph per ``_explain_*`` method."""
        parts = [
            self._explain_method(params, vals),
            vals["outlier_info"] and self.env._("Outliers: %(info)s.", info=vals["outlier_info"]),
            self._explain_stock(vals),
            vals["is_overstock"] and self._explain_overstock(params, vals),
            self._explain_reorder(params, vals),
        ]
        return "\n".join(part for part in parts if part)

    def _explain_method(self, params, vals):
        method = vals["method"]
        if method == "none":
            return self.env._("No sale in the history window: the forecast is zero.")
        labels = dict(self.env["oms.forecast"]._fields["method"].selection)
        classes = dict(self.env["oms.forecast"]._fields["demand_class"].selection)
        return "\n".join(
            [
                self.env._(
                    "Method: %(method)s. Demand is %(kind)s; the candidates were compared on the "
                    "last %(weeks)s weeks held out (MASE, lower is better): %(scores)s. "
                    "Error of the chosen method: WAPE %(wape)s %% per week, MASE %(mase)s.",
                    method=labels.get(method, method),
                    kind=classes.get(vals["demand_class"], vals["demand_class"]).lower(),
                    weeks=params.backtest_weeks,
                    scores=vals["backtest_scores"] or "-",
                    wape=round(vals["wape"], 1),
                    mase=round(vals["mase"], 2),
                ),
                self.env._(
                    "Forecast: %(daily)s per day on average, %(total)s over the next "
                    "%(horizon)s weeks.",
                    daily=round(vals["avg_daily_demand"], 2),
                    total=round(vals["forecast_qty"], 1),
                    horizon=params.horizon_weeks,
                ),
            ]
        )

    def _explain_stock(self, vals):
        if vals["stockout_date"]:
            stockout = self.env._(
                "stock-out expected on %(date)s", date=fields.Date.to_string(vals["stockout_date"])
            )
        else:
            stockout = self.env._("no stock-out within the horizon")
        if not vals["has_demand"]:
            return self.env._(
                "Stock: %(on_hand)s on hand and %(incoming)s incoming; no demand is forecast, so "
                "the stock on hand has no cover to count; %(stockout)s.",
                on_hand=round(vals["on_hand_qty"], 2),
                incoming=round(vals["incoming_qty"], 2),
                stockout=stockout,
            )
        return self.env._(
            "Stock: %(on_hand)s on hand and %(incoming)s incoming; the stock on hand covers "
            "%(cover)s days of demand; %(stockout)s (receipts included).",
            on_hand=round(vals["on_hand_qty"], 2),
            incoming=round(vals["incoming_qty"], 2),
            cover=round(vals["cover_days"], 1),
            stockout=stockout,
        )

    def _explain_overstock(self, params, vals):
        return self.env._(
            "Overstock: cover beyond %(days)s days; %(qty)s%(uom)s more than that need.",
            days=params.overstock_days,
            qty=round(vals["overstock_qty"], 2),
            uom="",
        )

    def _explain_reorder(self, params, vals):
        return self.env._(
            "Reorder: lead time %(lead)s days, demand over it %(lead_demand)s + safety stock "
            "%(safety)s (%(level)s %% service level, weekly error %(sigma)s) = reorder point "
            "%(rop)s; order up to %(up_to)s (lead time + %(review)s days review). "
            "Suggested order: %(qty)s (vendor minimum %(min)s, multiple %(multiple)s).",
            lead=round(vals["lead_time_days"], 1),
            lead_demand=round(vals["lead_time_demand"], 2),
            safety=round(vals["safety_stock"], 2),
            level=params.service_level,
            sigma=round(vals["sigma_week"], 2),
            rop=round(vals["reorder_point"], 2),
            up_to=round(vals["order_up_to"], 2),
            review=params.review_days,
            qty=round(vals["suggested_qty"], 2),
            min=round(vals["supplier_min_qty"], 2),
            multiple=round(vals["order_multiple"], 2) or "-",
        )

    def _describe_outliers(self, info):
        if not info["outlier_count"]:
            return False
        day = datetime.fromordinal(info["first_ordinal"] + info["outlier_top_day"]).date()
        return self.env._(
            "%(count)s day(s) damped to %(threshold)s; largest: %(qty)s on %(date)s",
            count=info["outlier_count"],
            threshold=round(float(info["outlier_threshold"]), 2),
            qty=round(float(info["outlier_top_qty"]), 2),
            date=fields.Date.to_string(day),
        )

    # ------------------------------------------------------------------------------------------
    # Storing the weekly lines
    # ------------------------------------------------------------------------------------------
    def _store_lines(self, params, keys, demand, result, forecasts, warehouse_ids, by_channel=None):
        """Weekly forecast vs actual per product x warehouse x channel: the backtest weeks
        (actual and the out-of-sample forecast), the current week and the horizon.

        The forecast of a product x warehouse is split over its channels by their share of the
        sales in the backtest weeks (``by_channel``: rows of ``_read_demand_history`` from the
        holdout start, read here when not given). Returns the number of lines written.
        """
        if not keys:
            return 0
        weekly = self._weekly_series(params, demand, result)
        if by_channel is None:
            by_channel = self._read_demand_history(
                params,
                warehouse_ids,
                group_by_channel=True,
                date_from=params.holdout_start,
                aggregate=False,
            )
        pairs = self._split_by_channel(params, keys, by_channel, weekly)
        columns = self._prepare_line_columns(params, forecasts, result, pairs)
        return storage.copy_records(self.env["oms.forecast.line"], columns)

    def _weekly_series(self, params, demand, result):
        """Per series and week (backtest weeks, current week, horizon weeks): forecast, actual
        and the forecast's standard deviation, as (n, weeks) arrays."""
        n = len(demand)
        backtest_weeks = params.backtest_weeks
        weeks = backtest_weeks + 1 + params.horizon_weeks
        actual_days = demand[:, demand.shape[1] - params.holdout_days :]
        forecast = np.zeros((n, weeks))
        actual = np.zeros((n, weeks))
        past = backtest_weeks * 7
        forecast[:, :backtest_weeks] = result.backtest_daily[:, :past].reshape(n, -1, 7).sum(2)
        actual[:, :backtest_weeks] = actual_days[:, :past].reshape(n, -1, 7).sum(2)
        actual[:, backtest_weeks] = actual_days[:, past:].sum(axis=1)
        rest = 7 - params.today.weekday()
        forecast[:, backtest_weeks] = actual[:, backtest_weeks] + result.daily[:, :rest].sum(1)
        forecast[:, backtest_weeks + 1 :] = result.daily[:, rest:].reshape(n, -1, 7).sum(2)
        sigma = np.empty((n, weeks))
        sigma[:, :backtest_weeks] = result.sigma_week[:, None]
        sigma[:, backtest_weeks] = result.sigma_week * np.sqrt(rest / 7.0)
        # the band widens with the horizon (h-step variance of exponential smoothing, alpha≈0.2)
        growth = np.sqrt(1.0 + 0.05 * np.arange(params.horizon_weeks))
        sigma[:, backtest_weeks + 1 :] = result.sigma_week[:, None] * growth[None, :]
        return {"forecast": forecast, "actual": actual, "sigma": sigma}

    def _split_by_channel(self, params, keys, by_channel, weekly):
        """Per (series, channel) pair and week: forecast, low and high bounds, actual. A series'
        forecast goes to its channels by their share of its backtest weeks' sales."""
        n = len(keys)
        weeks = weekly["forecast"].shape[1]
        pair_series, pair_channel, pair_actual = self._channel_pairs(keys, by_channel, weeks)
        totals = np.bincount(pair_series, weights=pair_actual.sum(axis=1), minlength=n)
        sold = totals[pair_series] > 0
        # series whose only pair is a no-sales placeholder keep share 1
        share = np.where(
            sold, pair_actual.sum(axis=1) / np.where(sold, totals[pair_series], 1), 1.0
        )
        forecast = weekly["forecast"][pair_series] * share[:, None]
        sigma = weekly["sigma"][pair_series] * share[:, None]
        z = engine.z_value(50.0 + params.interval_level / 2.0)
        return {
            "series": pair_series,
            "channel": pair_channel,
            "forecast": forecast,
            "low": np.maximum(forecast - z * sigma, 0.0),
            "high": forecast + z * sigma,
            "actual": np.where(sold[:, None], pair_actual, weekly["actual"][pair_series]),
        }

    def _channel_pairs(self, keys, by_channel, weeks):
        """(series, channel) pairs with their weekly actuals; a series without channel sales in
        the window gets one pair without channel."""
        n = len(keys)
        if by_channel is not None and len(by_channel):
            pair_series, pair_channel, pair_actual = self._channel_actuals(keys, by_channel, weeks)
        else:
            pair_series = np.zeros(0, dtype=np.int64)
            pair_channel = np.zeros(0, dtype=np.int64)
            pair_actual = np.zeros((0, weeks))
        missing = np.setdiff1d(np.arange(n), pair_series)
        pair_series = np.concatenate([pair_series, missing])
        pair_channel = np.concatenate([pair_channel, np.zeros(len(missing), dtype=np.int64)])
        pair_actual = np.vstack([pair_actual, np.zeros((len(missing), weeks))])
        np.clip(pair_actual, 0.0, None, out=pair_actual)
        return pair_series, pair_channel, pair_actual

    @api.model
    def _channel_actuals(self, keys, by_channel, weeks):
        """The (series, channel) pairs of the rows of ``by_channel`` and their weekly sums."""
        n = len(keys)
        combined_keys = np.array([p * (2**20) + w for p, w in keys], dtype=np.int64)
        order = np.argsort(combined_keys)
        combined = by_channel[:, 0].astype(np.int64) * (2**20) + by_channel[:, 1].astype(np.int64)
        pos = np.minimum(np.searchsorted(combined_keys[order], combined), n - 1)
        found = combined_keys[order][pos] == combined
        series = order[pos][found]
        channel = by_channel[found, 2].astype(np.int64)
        day = by_channel[found, 3].astype(np.int64)
        unique_pairs, pair_index = np.unique(series * (2**31) + channel, return_inverse=True)
        pair_actual = np.zeros((len(unique_pairs), weeks))
        week = np.minimum(day // 7, weeks - 1)
        np.add.at(pair_actual, (pair_index, week), by_channel[found, 4])
        return unique_pairs // (2**31), unique_pairs % (2**31), pair_actual

    def _prepare_line_columns(self, params, forecasts, result, pairs):
        """Columns of the ``oms.forecast.line`` rows, one row per pair and week, pair-major:
        {field name: array}. The backtest weeks carry the actual and the error, the current week
        the actual so far, the horizon neither (NULL: left out of averages). Quantities rounded
        to 4 decimals. Extend to fill more columns."""
        count, weeks = pairs["forecast"].shape
        backtest_weeks = params.backtest_weeks
        week_start = [params.holdout_start + timedelta(weeks=k) for k in range(weeks)]
        periods = (
            ["past"] * backtest_weeks + ["current"] + ["future"] * (weeks - backtest_weeks - 1)
        )
        past = np.arange(weeks) < backtest_weeks
        error = np.abs(pairs["forecast"] - pairs["actual"])
        with np.errstate(divide="ignore", invalid="ignore"):
            wape = np.where(pairs["actual"] > 0, 100.0 * error / pairs["actual"], np.nan)
        methods = np.asarray(result.method, dtype=object)[pairs["series"]]
        return {
            "forecast_id": np.repeat(np.array(forecasts.ids)[pairs["series"]], weeks),
            "channel_id": np.repeat(pairs["channel"], weeks),
            "week_start": week_start * count,
            "period": periods * count,
            "forecast_qty": np.round(pairs["forecast"], 4).ravel(),
            "forecast_low": np.round(pairs["low"], 4).ravel(),
            "forecast_high": np.round(pairs["high"], 4).ravel(),
            "actual_qty": np.where(
                np.arange(weeks) <= backtest_weeks, np.round(pairs["actual"], 4), np.nan
            ).ravel(),
            "abs_error": np.where(past, np.round(error, 4), np.nan).ravel(),
            "wape": np.where(past, np.round(wape, 4), np.nan).ravel(),
            "method": np.repeat(methods, weeks),
        }

    # ------------------------------------------------------------------------------------------
    # Alerts
    # ------------------------------------------------------------------------------------------
    def _get_alert_types(self):
        return {
            "stockout": self.env.ref("oms_forecast.mail_activity_type_stockout"),
            "overstock": self.env.ref("oms_forecast.mail_activity_type_overstock"),
        }

    def _schedule_alerts(self, forecasts):
        """One activity per product (template) and alert type for its purchase responsible;
        activities whose reason is gone are removed."""
        types = self._get_alert_types()
        Activity = self.env["mail.activity"].with_context(mail_activity_quick_update=True)
        existing = Activity.search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "in", forecasts.product_id.product_tmpl_id.ids),
                ("activity_type_id", "in", [t.id for t in types.values()]),
            ]
        )
        existing_keys = {(a.res_id, a.activity_type_id.id) for a in existing}
        model_id = self.env["ir.model"]._get_id("product.template")
        keep = set()
        for kind, by_template in self._group_alerts(forecasts).items():
            activity_type = types[kind]
            keep.update((template.id, activity_type.id) for template in by_template)
            vals_list = [
                self._prepare_alert_activity_vals(kind, activity_type, model_id, template, group)
                for template, group in by_template.items()
                if (template.id, activity_type.id) not in existing_keys
            ]
            # one batch per kind: a batch must not hold two activities of the same record
            # (their followers would be inserted twice); sudo: any run user may alert the buyers
            Activity.sudo().create(vals_list)
        existing.filtered(lambda a: (a.res_id, a.activity_type_id.id) not in keep).unlink()

    @api.model
    def _group_alerts(self, forecasts):
        """{alert kind: {product template: [its flagged forecasts]}}."""
        flagged = {
            "stockout": forecasts.filtered("stockout_risk"),
            "overstock": forecasts.filtered("is_overstock"),
        }
        groups = {}
        for kind, records in flagged.items():
            by_template = groups.setdefault(kind, {})
            for forecast in records:
                by_template.setdefault(forecast.product_id.product_tmpl_id, []).append(forecast)
        return groups

    def _get_alert_user(self, template, forecast):
        """The product's purchase responsible: the product's responsible, else the vendor's
        buyer, else the user who launched the run, else the administrator."""
        user = template.with_company(self.company_id).responsible_id
        if not user and forecast.supplier_id:
            user = forecast.supplier_id.buyer_id
        if not user and not self.create_uid._is_superuser():
            user = self.create_uid
        return user or self.env.ref("base.user_admin", raise_if_not_found=False)

    def _prepare_alert_activity_vals(self, kind, activity_type, model_id, template, forecasts):
        first = min(forecasts, key=lambda f: f.stockout_date or fields.Date.today())
        user = self._get_alert_user(template, first)
        today = fields.Date.context_today(self)
        if kind == "stockout":
            summary = self.env._("Stock-out risk")
            details = [self._describe_stockout_alert(forecast) for forecast in forecasts]
            deadline = today
        else:
            summary = self.env._("Overstock")
            details = [self._describe_overstock_alert(forecast) for forecast in forecasts]
            deadline = today + timedelta(days=7)
        return {
            "res_model_id": model_id,
            "res_id": template.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": Markup("<br/>").join(details),
            "user_id": user.id if user else self.env.uid,
            "date_deadline": deadline,
        }

    def _describe_stockout_alert(self, forecast):
        return self.env._(
            "%(warehouse)s: stock-out expected on %(date)s (%(on_hand)s on hand, "
            "%(incoming)s incoming, lead time %(lead)s days); suggested order "
            "%(qty)s %(uom)s.",
            warehouse=forecast.warehouse_id.name,
            date=fields.Date.to_string(forecast.stockout_date),
            on_hand=round(forecast.on_hand_qty, 2),
            incoming=round(forecast.incoming_qty, 2),
            lead=round(forecast.lead_time_days, 1),
            qty=round(forecast.suggested_qty, 2),
            uom=forecast.product_id.uom_id.name,
        )

    def _describe_overstock_alert(self, forecast):
        if not forecast.has_demand:
            return self.env._(
                "%(warehouse)s: %(on_hand)s %(uom)s on hand and no demand forecast.",
                warehouse=forecast.warehouse_id.name,
                on_hand=round(forecast.on_hand_qty, 2),
                uom=forecast.product_id.uom_id.name,
            )
        return self.env._(
            "%(warehouse)s: %(on_hand)s on hand cover %(cover)s days "
            "(overstock: %(excess)s %(uom)s more than the overstock horizon needs).",
            warehouse=forecast.warehouse_id.name,
            on_hand=round(forecast.on_hand_qty, 2),
            cover=round(forecast.cover_days),
            excess=round(forecast.overstock_qty, 2),
            uom=forecast.product_id.uom_id.name,
        )


def _finite(value):
    return float(value) if np.isfinite(value) else 0.0
