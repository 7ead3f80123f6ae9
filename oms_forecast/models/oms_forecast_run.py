# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import logging
import time
from datetime import datetime, timedelta

import numpy as np
import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.queue_job.job import identity_exact
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import engine

_logger = logging.getLogger(__name__)


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
        run._report_progress(
            {
                "state": "running",
                "date_start": fields.Datetime.now(),
                "progress": 0.0,
                "progress_message": self.env._("Starting"),
                "error_message": False,
            }
        )
        try:
            stats = run._compute_and_store()
        except Exception as error:
            _logger.exception("Forecast run %s failed", self.id)
            run._report_progress(
                {
                    "state": "failed",
                    "date_end": fields.Datetime.now(),
                    "error_message": str(error),
                    "progress_message": self.env._("Failed"),
                }
            )
            raise
        stats.update(
            {
                "state": "done",
                "progress": 100.0,
                "progress_message": self.env._("Done"),
                "date_end": fields.Datetime.now(),
                "duration": time.monotonic() - started,
            }
        )
        run._report_progress(stats)
        return True

    def _get_parameters(self):
        """Settings of the run as a dict (company settings, then dates of the run)."""
        company = self.company_id
        today = self.forecast_date or fields.Date.context_today(self)
        history_days = company.oms_forecast_history_days
        monday = today - timedelta(days=today.weekday())
        holdout_start = monday - timedelta(weeks=company.oms_forecast_backtest_weeks)
        horizon_days = (7 - today.weekday()) + 7 * company.oms_forecast_horizon_weeks
        return {
            "today": today,
            "monday": monday,
            "history_start": today - timedelta(days=history_days),
            "history_days": history_days,
            "holdout_start": holdout_start,
            "holdout_days": (today - holdout_start).days,
            "backtest_weeks": company.oms_forecast_backtest_weeks,
            "horizon_weeks": company.oms_forecast_horizon_weeks,
            "horizon_days": horizon_days,
            "service_level": company.oms_forecast_service_level,
            "interval_level": company.oms_forecast_interval_level,
            "overstock_days": company.oms_forecast_overstock_days,
            "review_days": company.oms_forecast_review_days,
            "default_lead_days": company.oms_forecast_default_lead_days,
            "outlier_factor": company.oms_forecast_outlier_factor,
            "tz": self._get_timezone(),
        }

    def _get_timezone(self):
        tz = self.company_id.partner_id.tz or self.env.user.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _get_warehouses(self):
        return self.env["stock.warehouse"].search([("company_id", "=", self.company_id.id)])

    def _compute_and_store(self):
        params = self._get_parameters()
        warehouses = self._get_warehouses()
        if not warehouses:
            raise UserError(
                self.env._(
                    "Company %(company)s has no warehouse to forecast.",
                    company=self.company_id.name,
                )
            )
        self._step(5.0, self.env._("Reading the demand history"))
        # one read of the moves serves both the daily series and the channel split of the
        # backtest weeks
        moves = self._read_demand_moves(params, warehouses.ids)
        on_hand = self._read_on_hand(warehouses.ids)
        keys, demand = self._build_series(params, moves, on_hand)
        by_channel = self._holdout_channel_rows(params, moves)
        del moves
        receipts = self._read_incoming(params, warehouses.ids, keys)
        self._step(20.0, self.env._("Forecasting %(count)s products x warehouses", count=len(keys)))
        result = engine.forecast_catalogue(
            demand,
            params["history_start"].toordinal(),
            params["holdout_days"],
            params["horizon_days"],
            outlier_factor=params["outlier_factor"],
        )
        self._step(60.0, self.env._("Computing stock cover and reorder suggestions"))
        stock = self._compute_stock_and_replenishment(params, keys, on_hand, receipts, result)
        self._step(70.0, self.env._("Storing the forecasts"))
        forecasts = self._store_forecasts(params, keys, demand, result, stock)
        self._step(80.0, self.env._("Storing the weekly forecasts"))
        line_count = self._store_lines(
            params, keys, demand, result, forecasts, warehouses.ids, by_channel=by_channel
        )
        self._step(90.0, self.env._("Raising stock-out and overstock alerts"))
        self._schedule_alerts(forecasts)
        counts = dict.fromkeys(engine.METHOD_LABELS, 0)
        for method in result.method:
            counts[method] += 1
        total = max(len(keys), 1)
        return {
            "series_count": len(keys),
            "line_count": line_count,
            "stockout_count": int(stock["stockout_risk"].sum()),
            "overstock_count": int(stock["is_overstock"].sum()),
            "reorder_count": int((stock["suggested"] > 0).sum()),
            "outlier_count": int(result.outliers["count"].sum()),
            "method_summary": " · ".join(
                f"{code.upper()} {100 * count / total:.0f}%"
                for code, count in counts.items()
                if count
            ),
        }

    # ------------------------------------------------------------------------------------------
    # Reading (parameterised SQL, streamed into numpy)
    # ------------------------------------------------------------------------------------------
    def _copy_to_array(self, query, columns):
        """Run a read-only query through COPY and parse it with numpy: much lighter than
        fetching millions of Python tuples. ``query`` is an ``odoo.tools.SQL`` (parameterised)."""
        self.env.flush_all()
        buffer = io.BytesIO()  # bytes: a quarter of the memory of a StringIO of the same text
        sql = self.env.cr.mogrify(query.code, query.params).decode()
        self.env.cr.copy_expert(f"COPY ({sql}) TO STDOUT", buffer)
        text = buffer.getvalue()
        buffer.close()
        if not text:
            return np.zeros((0, columns))
        return np.fromstring(text, sep=" ").reshape(-1, columns)

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
        channel = SQL("lines.channel_id") if group_by_channel else SQL("0")
        start = self._local_midnight_utc(date_from, params["tz"])
        end = self._local_midnight_utc(date_to, params["tz"])
        internal, customer = self._get_demand_locations(warehouse_ids)
        # The confirmed order lines are materialised first and the locations passed as ids so
        # that the millions of moves are read in one sequential pass joined by hash; the few
        # returns are found through their index (ids of returned moves), never by a second
        # pass over the moves.
        return SQL(
            """
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
            """,
            channel=channel,
            start=start,
            end=end,
            internal=internal.ids or [0],
            customer=customer.ids or [0],
        )

    def _get_demand_locations(self, warehouse_ids):
        """Internal locations of the warehouses (where deliveries leave from) and customer
        locations (where they go)."""
        Location = self.env["stock.location"].sudo()  # ids only, to keep the plan simple
        internal = Location.search(
            [("usage", "=", "internal"), ("warehouse_id", "in", list(warehouse_ids))]
        )
        customer = Location.search([("usage", "=", "customer")])
        return internal, customer

    @api.model
    def _local_midnight_utc(self, day, tz):
        local = pytz.timezone(tz).localize(datetime.combine(day, datetime.min.time()))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def _copy_binary(self, query, dtype):
        """Run a read-only query through a binary COPY and view its rows as a numpy structured
        array of ``dtype`` (big-endian fields, each preceded by its length): no text to format
        or parse. Every column must be fixed-width and never NULL."""
        self.env.flush_all()
        buffer = io.BytesIO()
        sql = self.env.cr.mogrify(query.code, query.params).decode()
        self.env.cr.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT binary)", buffer)
        data = buffer.getbuffer()
        # 19-byte header (signature, flags, extension length 0), rows, 2-byte trailer (-1)
        body = data[19 : len(data) - 2]
        if len(body) % dtype.itemsize:
            raise UserError(
                self.env._("The demand history query returned variable-width or empty values.")
            )
        rows = np.frombuffer(body, dtype=dtype)
        lengths = [name for name in dtype.names if name.startswith("len_")]
        for name in lengths:
            expected = dtype[name.replace("len_", "", 1)].itemsize
            if len(rows) and not (rows[name] == expected).all():
                raise UserError(
                    self.env._(
                        "The demand history query returned an empty or mistyped value in "
                        "column %(column)s.",
                        column=name.replace("len_", "", 1),
                    )
                )
        return rows

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
        date_from = date_from or params["history_start"]
        date_to = params["today"]
        query = self._get_demand_sql(params, warehouse_ids, date_from, date_to, group_by_channel)
        # one big sequential read: enough memory to hash, no nested loops over millions of rows;
        # both settings return to the session's values right after
        self.env.cr.execute("SET LOCAL work_mem = '64MB'; SET LOCAL enable_nestloop = off")
        try:
            rows = self._copy_binary(query, self.DEMAND_DTYPE)
        finally:
            self.env.cr.execute("RESET work_mem; RESET enable_nestloop")
        product = rows["product"].astype(np.int64)
        location = rows["location"].astype(np.int64)
        moves = {
            "product": product,
            "channel": rows["channel"].astype(np.int64),
            "day": self._local_day_index(rows["moved"], date_from, date_to, params["tz"]),
            "qty": rows["qty"].astype(np.float64),
        }
        del rows
        moves["warehouse"] = self._warehouse_of_locations(location)
        del location
        keep = self._storable_mask(product)
        if not keep.all():
            moves = {name: column[keep] for name, column in moves.items()}
        return moves

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
            .sudo()
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
        rows = self._copy_to_array(query, 3)
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
            tz=params["tz"],
            today=params["today"],
            warehouses=list(warehouse_ids),
        )
        rows = self._copy_to_array(query, 4)
        receipts = np.zeros((len(keys), params["horizon_days"]))
        index = {key: i for i, key in enumerate(keys)}
        for product_id, warehouse_id, day, qty in rows:
            row = index.get((int(product_id), int(warehouse_id)))
            if row is not None and day < params["horizon_days"]:
                receipts[row, int(day)] += qty
        return receipts

    def _build_series(self, params, moves, on_hand):
        """Keys (product_id, warehouse_id) and the (n, days) demand matrix: every pair that sold
        in the history window or holds stock now, ordered by product then warehouse.
        ``moves`` are the columns of ``_read_demand_moves`` (several entries per day allowed)."""
        days = params["history_days"]
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
        codes = np.concatenate([sold, stocked_product * width + warehouse_index[stocked_warehouse]])
        if len(codes) and codes.max() < 50_000_000:  # a lookup table, no sort of the moves
            present = np.zeros(int(codes.max()) + 1, dtype=bool)
            present[codes] = True
            keys_1d = np.flatnonzero(present)
            del present
            rank = np.zeros(int(codes.max()) + 1, dtype=np.int64)
            rank[keys_1d] = np.arange(len(keys_1d))
            row = rank[sold]
            del rank
        else:
            keys_1d, inverse = np.unique(codes, return_inverse=True)
            row = inverse.ravel()[: len(sold)]
        del sold, codes
        keys = [(int(k // width), int(warehouse_ids[k % width])) for k in keys_1d]
        day = moves["day"]
        inside = (day >= 0) & (day < days)
        demand = np.bincount(
            row[inside] * days + day[inside],
            weights=moves["qty"][inside],
            minlength=len(keys) * days,
        ).reshape(len(keys), days)
        np.clip(demand, 0.0, None, out=demand)
        return keys, demand

    def _holdout_channel_rows(self, params, moves):
        """Rows (product, warehouse, channel, day from the holdout start, qty) of the backtest
        weeks and the current week, for the channel split of the weekly lines."""
        offset = (params["holdout_start"] - params["history_start"]).days
        if offset < 0:
            return None  # history shorter than the backtest: ``_store_lines`` reads it
        return self._moves_to_rows(moves, moves["day"] >= offset, day_offset=offset)

    # ------------------------------------------------------------------------------------------
    # Stock cover and replenishment
    # ------------------------------------------------------------------------------------------
    def _get_supply_terms(self, params, keys):
        """Vendor, lead time (days), minimum and multiple (product UoM) per key.

        The vendor is the product's first valid vendor line (sequence order) for the company;
        the lead time is its delay plus the company's purchase security lead time; minimum and
        multiple are converted from the vendor's purchase unit to the product's unit.
        """
        product_ids = sorted({p for p, _w in keys})
        products = self.env["product.product"].browse(product_ids)
        today = params["today"]
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
        company_lead = self.company_id.po_lead or 0.0
        terms = {}
        for product in products:
            seller = seller_of.get(product.id)
            if seller:
                factor = seller.product_uom._compute_quantity(1.0, product.uom_id)
                multiple = (seller.oms_order_multiple or 0.0) * factor
                if not multiple and factor > 1.0:
                    multiple = factor  # bought by the carton: order whole cartons
                terms[product.id] = {
                    "supplier_id": seller.partner_id.id,
                    "lead_days": seller.delay + company_lead,
                    "min_qty": seller.min_qty * factor,
                    "multiple": multiple,
                }
            else:
                terms[product.id] = {
                    "supplier_id": False,
                    "lead_days": float(params["default_lead_days"]),
                    "min_qty": 0.0,
                    "multiple": 0.0,
                }
        return terms

    def _compute_stock_and_replenishment(self, params, keys, on_hand, receipts, result):
        terms = self._get_supply_terms(params, keys)
        key_terms = [terms[p] for p, _w in keys]
        stock = {
            "on_hand": np.array([on_hand.get(key, 0.0) for key in keys]),
            "supplier_id": [t["supplier_id"] for t in key_terms],
            "lead_days": np.array([t["lead_days"] for t in key_terms]),
            "min_qty": np.array([t["min_qty"] for t in key_terms]),
            "multiple": np.array([t["multiple"] for t in key_terms]),
        }
        stock["incoming"] = receipts.sum(axis=1)
        cover, stockout_day = engine.stock_projection(result.daily, stock["on_hand"], receipts)
        stock["cover_days"] = cover
        stock["stockout_day"] = stockout_day
        replenishment = engine.replenishment(
            result.daily,
            stock["on_hand"],
            stock["incoming"],
            result.sigma_week,
            stock["lead_days"],
            params["review_days"],
            engine.z_value(params["service_level"]),
            stock["min_qty"],
            stock["multiple"],
        )
        stock.update(replenishment)
        # at risk: stock runs out before an order placed today (and the next review) can arrive
        alert_days = stock["lead_days"] + params["review_days"]
        stock["stockout_risk"] = (stockout_day >= 0) & (stockout_day <= alert_days)
        stock["is_overstock"] = cover > params["overstock_days"]
        horizon = np.full(len(keys), float(params["overstock_days"]))
        overstock_demand = engine.sum_days(result.daily, horizon)
        stock["overstock_qty"] = np.where(
            stock["is_overstock"], np.maximum(stock["on_hand"] - overstock_demand, 0.0), 0.0
        )
        return stock

    # ------------------------------------------------------------------------------------------
    # Storing
    # ------------------------------------------------------------------------------------------
    def _store_forecasts(self, params, keys, demand, result, stock):
        """Replace the company's forecasts by the new ones: one DELETE, one INSERT (see
        ``_delete_forecasts`` and ``_insert_forecasts``)."""
        self._delete_forecasts()
        vals_list = []
        z_interval = engine.z_value(50.0 + params["interval_level"] / 2.0)
        week_total = result.daily[:, : 7 * params["horizon_weeks"]].sum(axis=1)
        first_days = params["history_start"].toordinal()
        for i, (product_id, warehouse_id) in enumerate(keys):
            info = {
                "method": result.method[i],
                "demand_class": result.demand_class[i],
                "wape": result.wape[i],
                "mase": result.mase[i],
                "scores": {m: s[i] for m, s in result.scores.items()},
                "forecast_total": week_total[i],
                "outlier_count": int(result.outliers["count"][i]),
                "outlier_top_day": int(result.outliers["top_day"][i]),
                "outlier_top_qty": result.outliers["top_qty"][i],
                "outlier_threshold": result.outliers["threshold"][i],
                "first_ordinal": first_days,
                "z_interval": z_interval,
            }
            vals_list.append(
                self._prepare_forecast_vals(
                    params, product_id, warehouse_id, i, result, stock, info
                )
            )
        return self._insert_forecasts(vals_list)

    def _delete_forecasts(self):
        """Delete the company's previous forecasts and their weekly lines, set-based.

        ``oms.forecast`` and ``oms.forecast.line`` are results rebuilt by every run (no
        attachments, followers, activities or external ids on them), so a run deletes the
        previous ones in SQL rather than through ``unlink`` row by row; the lines first, in one
        statement, so that the cascade has nothing left to do."""
        self.env.flush_all()
        company_id = self.company_id.id
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM oms_forecast_line line
                 USING oms_forecast forecast
                 WHERE forecast.id = line.forecast_id AND forecast.company_id = %(company)s
                """,
                company=company_id,
            )
        )
        self.env.cr.execute(
            SQL("DELETE FROM oms_forecast WHERE company_id = %(company)s", company=company_id)
        )
        self.env["oms.forecast.line"].invalidate_model()
        self.env["oms.forecast"].invalidate_model()

    def _insert_forecasts(self, vals_list):
        """Insert the forecasts in one statement (one array per column) and return them in the
        order of ``vals_list``.

        The values are converted to columns by their fields as ``create`` does, defaults
        included, and the stored computed fields (e.g. the product category) are computed by
        the ORM afterwards; 10,000 forecasts are written in a fraction of the time of
        ``create``. Every dict of ``vals_list`` holds the same keys
        (``_prepare_forecast_vals``)."""
        Forecast = self.env["oms.forecast"].with_context(tracking_disable=True)
        if not vals_list:
            return Forecast
        fields_map = Forecast._fields
        given = list(vals_list[0])
        missing = [
            name
            for name, field in fields_map.items()
            if field.store and field.column_type and not field.compute and name not in given
        ]
        defaults = {
            name: value
            for name, value in Forecast.default_get(missing).items()
            if name in fields_map and fields_map[name].store
        }
        related = self._related_forecast_values(vals_list, given)
        names = given + list(defaults) + list(related)
        columns = []
        for name in names:
            field = fields_map[name]
            if name in related:
                convert = field.convert_to_column_insert
                columns.append([convert(value, Forecast) for value in related[name]])
            elif name in defaults:
                value = field.convert_to_column_insert(
                    field.convert_to_write(defaults[name], Forecast), Forecast
                )
                columns.append([value] * len(vals_list))
            else:
                convert = field.convert_to_column_insert
                columns.append([convert(vals[name], Forecast) for vals in vals_list])
        uid = self.env.uid
        now = fields.Datetime.now()
        for name in ("create_uid", "write_uid"):
            names.append(name)
            columns.append([uid] * len(vals_list))
        for name in ("create_date", "write_date"):
            names.append(name)
            columns.append([now] * len(vals_list))
        types = [fields_map[name].column_type[1] for name in names]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "INSERT INTO oms_forecast (%s) SELECT * FROM unnest(%s) "
                "RETURNING id, product_id, warehouse_id",
                SQL(", ").join(SQL.identifier(name) for name in names),
                SQL(", ").join(
                    SQL("%s::%s[]", column, SQL(column_type))
                    for column, column_type in zip(columns, types, strict=True)
                ),
            )
        )
        id_of = {(product, warehouse): id_ for id_, product, warehouse in self.env.cr.fetchall()}
        forecasts = Forecast.browse(
            [id_of[(vals["product_id"], vals["warehouse_id"])] for vals in vals_list]
        )
        # like create: whatever depends on the new records, and their stored computed fields
        # (but those written above)
        forecasts.modified(names, create=True)
        for field in fields_map.values():
            if field.store and field.compute:
                if field.name in related:
                    self.env.remove_to_compute(field, forecasts)
                else:
                    self.env.add_to_compute(field, forecasts)
        self.env.flush_all()
        return forecasts

    def _related_forecast_values(self, vals_list, given):
        """{field name: [value per vals]} of the stored related fields of ``oms.forecast``
        that follow one many2one of the values (e.g. ``product_id.categ_id``), read in one
        batch instead of being recomputed record by record."""
        fields_map = self.env["oms.forecast"]._fields
        result = {}
        for name, field in fields_map.items():
            if not (field.store and field.related) or name in given:
                continue
            path = field.related.split(".")
            if len(path) != 2 or path[0] not in given or fields_map[path[0]].type != "many2one":
                continue
            comodel = self.env[fields_map[path[0]].comodel_name].sudo()
            records = comodel.browse({vals[path[0]] for vals in vals_list if vals[path[0]]})
            records.fetch([path[1]])
            value_of = {
                record.id: fields_map[name].convert_to_write(record[path[1]], record)
                for record in records
            }
            result[name] = [value_of.get(vals[path[0]], False) for vals in vals_list]
        return result

    def _prepare_forecast_vals(self, params, product_id, warehouse_id, i, result, stock, info):
        """Values of one ``oms.forecast`` (product x warehouse). Extend to store more."""
        stockout_day = int(stock["stockout_day"][i])
        supplier_id = stock["supplier_id"][i]
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
            "forecast_qty": float(info["forecast_total"]),
            "sigma_week": float(result.sigma_week[i]),
            "on_hand_qty": float(stock["on_hand"][i]),
            "incoming_qty": float(stock["incoming"][i]),
            "cover_days": float(stock["cover_days"][i]),
            "stockout_date": params["today"] + timedelta(days=stockout_day)
            if stockout_day >= 0
            else False,
            "stockout_risk": bool(stock["stockout_risk"][i]),
            "is_overstock": bool(stock["is_overstock"][i]),
            "overstock_qty": float(stock["overstock_qty"][i]),
            "supplier_id": supplier_id or False,
            "lead_time_days": float(stock["lead_days"][i]),
            "supplier_min_qty": float(stock["min_qty"][i]),
            "order_multiple": float(stock["multiple"][i]),
            "lead_time_demand": float(stock["lead_demand"][i]),
            "safety_stock": float(stock["safety_stock"][i]),
            "reorder_point": float(stock["reorder_point"][i]),
            "order_up_to": float(stock["order_up_to"][i]),
            "suggested_qty": float(stock["suggested"][i]),
            "outlier_count": info["outlier_count"],
            "outlier_info": self._describe_outliers(info),
        }
        vals["explanation"] = self._explain_forecast(params, vals, info)
        return vals

    def _explain_forecast(self, params, vals, info):
        """Plain-language reasons behind the numbers of one forecast, shown on its form."""
        labels = dict(self.env["oms.forecast"]._fields["method"].selection)
        classes = dict(self.env["oms.forecast"]._fields["demand_class"].selection)
        uom = ""
        parts = []
        method = vals["method"]
        if method == "none":
            parts.append(self.env._("No sale in the history window: the forecast is zero."))
        else:
            parts.append(
                self.env._(
                    "Method: %(method)s. Demand is %(kind)s; the candidates were compared on the "
                    "last %(weeks)s weeks held out (MASE, lower is better): %(scores)s. "
                    "Error of the chosen method: WAPE %(wape)s %% per week, MASE %(mase)s.",
                    method=labels.get(method, method),
                    kind=classes.get(vals["demand_class"], vals["demand_class"]).lower(),
                    weeks=params["backtest_weeks"],
                    scores=vals["backtest_scores"] or "-",
                    wape=round(vals["wape"], 1),
                    mase=round(vals["mase"], 2),
                )
            )
            parts.append(
                self.env._(
                    "Forecast: %(daily)s per day on average, %(total)s over the next "
                    "%(horizon)s weeks.",
                    daily=round(vals["avg_daily_demand"], 2),
                    total=round(vals["forecast_qty"], 1),
                    horizon=params["horizon_weeks"],
                )
            )
        if vals["outlier_info"]:
            parts.append(self.env._("Outliers: %(info)s.", info=vals["outlier_info"]))
        stockout = (
            self.env._(
                "stock-out expected on %(date)s", date=fields.Date.to_string(vals["stockout_date"])
            )
            if vals["stockout_date"]
            else self.env._("no stock-out within the horizon")
        )
        parts.append(
            self.env._(
                "Stock: %(on_hand)s on hand and %(incoming)s incoming; the stock on hand covers "
                "%(cover)s days of demand; %(stockout)s (receipts included).",
                on_hand=round(vals["on_hand_qty"], 2),
                incoming=round(vals["incoming_qty"], 2),
                cover=round(vals["cover_days"], 1),
                stockout=stockout,
            )
        )
        if vals["is_overstock"]:
            parts.append(
                self.env._(
                    "Overstock: cover beyond %(days)s days; %(qty)s%(uom)s more than that need.",
                    days=params["overstock_days"],
                    qty=round(vals["overstock_qty"], 2),
                    uom=uom,
                )
            )
        parts.append(
            self.env._(
                "Reorder: lead time %(lead)s days, demand over it %(lead_demand)s + safety stock "
                "%(safety)s (%(level)s %% service level, weekly error %(sigma)s) = reorder point "
                "%(rop)s; order up to %(up_to)s (lead time + %(review)s days review). "
                "Suggested order: %(qty)s (vendor minimum %(min)s, multiple %(multiple)s).",
                lead=round(vals["lead_time_days"], 1),
                lead_demand=round(vals["lead_time_demand"], 2),
                safety=round(vals["safety_stock"], 2),
                level=params["service_level"],
                sigma=round(vals["sigma_week"], 2),
                rop=round(vals["reorder_point"], 2),
                up_to=round(vals["order_up_to"], 2),
                review=params["review_days"],
                qty=round(vals["suggested_qty"], 2),
                min=round(vals["supplier_min_qty"], 2),
                multiple=round(vals["order_multiple"], 2) or "-",
            )
        )
        return "\n".join(parts)

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

    def _store_lines(self, params, keys, demand, result, forecasts, warehouse_ids, by_channel=None):
        """Weekly forecast vs actual per product x warehouse x channel: the backtest weeks
        (actual and the out-of-sample forecast), the current week and the horizon.

        The forecast of a product x warehouse is split over its channels by their share of the
        sales in the backtest weeks (``by_channel``: rows of ``_read_demand_history`` from the
        holdout start, read here when not given). Returns the number of lines written.
        """
        n = len(keys)
        if not n:
            return 0
        backtest_weeks = params["backtest_weeks"]
        holdout_days = params["holdout_days"]
        weekday = params["today"].weekday()
        horizon_weeks = params["horizon_weeks"]
        z = engine.z_value(50.0 + params["interval_level"] / 2.0)
        # weeks: backtest weeks, current week, horizon weeks
        weeks = backtest_weeks + 1 + horizon_weeks
        week_start = [params["holdout_start"] + timedelta(weeks=k) for k in range(weeks)]
        history_days = demand.shape[1]
        actual_days = demand[:, history_days - holdout_days :]
        forecast = np.zeros((n, weeks))
        actual = np.zeros((n, weeks))
        past = backtest_weeks * 7
        forecast[:, :backtest_weeks] = result.backtest_daily[:, :past].reshape(n, -1, 7).sum(2)
        actual[:, :backtest_weeks] = actual_days[:, :past].reshape(n, -1, 7).sum(2)
        actual[:, backtest_weeks] = actual_days[:, past:].sum(axis=1)
        rest = 7 - weekday
        forecast[:, backtest_weeks] = actual[:, backtest_weeks] + result.daily[:, :rest].sum(1)
        forecast[:, backtest_weeks + 1 :] = result.daily[:, rest:].reshape(n, -1, 7).sum(2)
        sigma = np.empty((n, weeks))
        sigma[:, :backtest_weeks] = result.sigma_week[:, None]
        sigma[:, backtest_weeks] = result.sigma_week * np.sqrt(rest / 7.0)
        # the band widens with the horizon (h-step variance of exponential smoothing, alpha≈0.2)
        growth = np.sqrt(1.0 + 0.05 * np.arange(horizon_weeks))
        sigma[:, backtest_weeks + 1 :] = result.sigma_week[:, None] * growth[None, :]
        # channels: shares of the backtest weeks' sales
        if by_channel is None:
            by_channel = self._read_demand_history(
                params,
                warehouse_ids,
                group_by_channel=True,
                date_from=params["holdout_start"],
                aggregate=False,
            )
        pair_series, pair_channel, pair_actual = self._channel_pairs(keys, by_channel, weeks)
        totals = np.bincount(pair_series, weights=pair_actual.sum(axis=1), minlength=n)
        share = np.where(
            totals[pair_series] > 0,
            pair_actual.sum(axis=1) / np.where(totals[pair_series] > 0, totals[pair_series], 1),
            1.0,
        )
        # series whose only pair is a no-sales placeholder keep share 1
        line_forecast = forecast[pair_series] * share[:, None]
        line_sigma = sigma[pair_series] * share[:, None]
        line_actual = np.where(totals[pair_series, None] > 0, pair_actual, actual[pair_series])
        low = np.maximum(line_forecast - z * line_sigma, 0.0)
        high = line_forecast + z * line_sigma
        return self._copy_lines(
            params,
            keys,
            forecasts,
            result,
            pair_series,
            pair_channel,
            week_start,
            line_forecast,
            low,
            high,
            line_actual,
        )

    def _channel_pairs(self, keys, by_channel, weeks):
        """(series, channel) pairs with their weekly actuals; a series without channel sales in
        the window gets one pair without channel."""
        n = len(keys)
        combined_keys = np.array([p * (2**20) + w for p, w in keys], dtype=np.int64)
        order = np.argsort(combined_keys)
        if len(by_channel):
            combined = by_channel[:, 0].astype(np.int64) * (2**20) + by_channel[:, 1].astype(
                np.int64
            )
            pos = np.searchsorted(combined_keys[order], combined)
            pos = np.minimum(pos, n - 1)
            found = combined_keys[order][pos] == combined
            series = order[pos][found]
            channel = by_channel[found, 2].astype(np.int64)
            day = by_channel[found, 3].astype(np.int64)
            qty = by_channel[found, 4]
            pair_key = series * (2**31) + channel
            unique_pairs, pair_index = np.unique(pair_key, return_inverse=True)
            pair_series = unique_pairs // (2**31)
            pair_channel = unique_pairs % (2**31)
            pair_actual = np.zeros((len(unique_pairs), weeks))
            week = np.minimum(day // 7, weeks - 1)
            np.add.at(pair_actual, (pair_index, week), qty)
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

    def _copy_lines(
        self,
        params,
        keys,
        forecasts,
        result,
        pair_series,
        pair_channel,
        week_start,
        forecast,
        low,
        high,
        actual,
    ):
        """Write the weekly lines with COPY.

        ``oms.forecast.line`` is a pure derived-results table: rebuilt by every run, never
        edited, no stored computed fields, no tracking, its rows die with their ``oms.forecast``
        (ON DELETE CASCADE). 10,000 products make about 300,000 rows per run, which the ORM's
        ``create`` cannot write within the run's time budget, so they are streamed with COPY
        (the values are numbers, dates and ids produced here, never user text).
        """
        backtest_weeks = params["backtest_weeks"]
        forecast_ids = forecasts.ids
        week_text = [fields.Date.to_string(d) for d in week_start]
        buffer = io.StringIO()
        write = buffer.write
        for j in range(len(pair_series)):
            i = int(pair_series[j])
            channel = str(int(pair_channel[j])) if pair_channel[j] else "\\N"
            method = result.method[i]
            prefix = f"{forecast_ids[i]}\t{channel}\t"
            suffix = f"\t{method}\n"
            fc, lo, hi, ac = forecast[j], low[j], high[j], actual[j]
            for k, week in enumerate(week_text):
                if k < backtest_weeks:
                    error = abs(fc[k] - ac[k])
                    wape = f"{100.0 * error / ac[k]:.4f}" if ac[k] > 0 else "\\N"
                    state, act, err = "past", f"{ac[k]:.4f}", f"{error:.4f}\t{wape}"
                elif k == backtest_weeks:
                    state, act, err = "current", f"{ac[k]:.4f}", "\\N\t\\N"
                else:
                    state, act, err = "future", "\\N", "\\N\t\\N"
                write(
                    f"{prefix}{week}\t{state}\t{fc[k]:.4f}\t{lo[k]:.4f}\t{hi[k]:.4f}\t{act}\t{err}"
                    f"{suffix}"
                )
        self.env.flush_all()
        buffer.seek(0)
        self.env.cr.copy_expert(
            "COPY oms_forecast_line (forecast_id, channel_id, week_start, period, forecast_qty, "
            "forecast_low, forecast_high, actual_qty, abs_error, wape, method) FROM STDIN",
            buffer,
        )
        self.env["oms.forecast.line"].invalidate_model()
        return len(pair_series) * len(week_text)

    # ------------------------------------------------------------------------------------------
    # Alerts
    # ------------------------------------------------------------------------------------------
    def _schedule_alerts(self, forecasts):
        """One activity per product (template) and alert type for its purchase responsible;
        activities whose reason is gone are removed."""
        types = {
            "stockout": self.env.ref("oms_forecast.mail_activity_type_stockout"),
            "overstock": self.env.ref("oms_forecast.mail_activity_type_overstock"),
        }
        templates = forecasts.product_id.product_tmpl_id
        Activity = self.env["mail.activity"].with_context(mail_activity_quick_update=True)
        existing = Activity.search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "in", templates.ids),
                ("activity_type_id", "in", [t.id for t in types.values()]),
            ]
        )
        existing_keys = {(a.res_id, a.activity_type_id.id): a for a in existing}
        flagged = {
            "stockout": forecasts.filtered("stockout_risk"),
            "overstock": forecasts.filtered("is_overstock"),
        }
        model_id = self.env["ir.model"]._get_id("product.template")
        vals_by_kind = {}
        keep = set()
        for kind, records in flagged.items():
            vals_list = vals_by_kind.setdefault(kind, [])
            activity_type = types[kind]
            by_template = {}
            for forecast in records:
                by_template.setdefault(forecast.product_id.product_tmpl_id, []).append(forecast)
            for template, template_forecasts in by_template.items():
                key = (template.id, activity_type.id)
                keep.add(key)
                if key in existing_keys:
                    continue
                vals_list.append(
                    self._prepare_alert_activity_vals(
                        kind, activity_type, model_id, template, template_forecasts
                    )
                )
        obsolete = existing.filtered(lambda a: (a.res_id, a.activity_type_id.id) not in keep)
        obsolete.unlink()
        for vals_list in vals_by_kind.values():
            # one batch per kind: a batch must not hold two activities of the same record
            # (their followers would be inserted twice); sudo: any run user may alert the buyers
            Activity.sudo().create(vals_list)

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
        if kind == "stockout":
            summary = self.env._("Stock-out risk")
            details = [
                self.env._(
                    "%(warehouse)s: stock-out expected on %(date)s (%(on_hand)s on hand, "
                    "%(incoming)s incoming, lead time %(lead)s days); suggested order "
                    "%(qty)s %(uom)s.",
                    warehouse=f.warehouse_id.name,
                    date=fields.Date.to_string(f.stockout_date),
                    on_hand=round(f.on_hand_qty, 2),
                    incoming=round(f.incoming_qty, 2),
                    lead=round(f.lead_time_days, 1),
                    qty=round(f.suggested_qty, 2),
                    uom=f.product_id.uom_id.name,
                )
                for f in forecasts
            ]
            deadline = fields.Date.context_today(self)
        else:
            summary = self.env._("Overstock")
            details = [
                self.env._(
                    "%(warehouse)s: %(on_hand)s on hand cover %(cover)s days "
                    "(overstock: %(excess)s %(uom)s more than the overstock horizon needs).",
                    warehouse=f.warehouse_id.name,
                    on_hand=round(f.on_hand_qty, 2),
                    cover=round(f.cover_days),
                    excess=round(f.overstock_qty, 2),
                    uom=f.product_id.uom_id.name,
                )
                for f in forecasts
            ]
            deadline = fields.Date.context_today(self) + timedelta(days=7)
        return {
            "res_model_id": model_id,
            "res_id": template.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": Markup("<br/>").join(details),
            "user_id": user.id if user else self.env.uid,
            "date_deadline": deadline,
        }


def _finite(value):
    return float(value) if np.isfinite(value) else 0.0
