# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of oms_forecast: 10,000 products x 2 years of daily sales.

1. Generates the catalogue and its history in the database once (products and vendors through
   the ORM; the millions of delivery moves, their order lines and the stock with set-based SQL,
   which is only a fixture generator); later runs on the same database reuse it (a system
   parameter records the catalogue size generated);
2. times one full forecast run (read history, forecast, cover, reorder, store, alerts, commit)
   and reports its peak memory;
3. times the per-product ORM approach (search the moves, a Python loop per day, ORM creates)
   on a sample, scaled up to the catalogue, for comparison;
4. times ORM ``create`` against ``oms_forecast.storage``'s COPY on a sample of the weekly lines
   the run wrote: the figure behind the storage module's raw SQL.

A smaller catalogue runs in a few minutes (data generation included):

    python bench/forecast.py --config etc/odoo.conf --database oms_bench_r2 --products 2000

    python bench/forecast.py --config etc/odoo.conf --database oms_bench_forecast
"""

import argparse
import gc
import logging
import math
import resource
import sys
import time
import tracemalloc
from datetime import timedelta

from odoo import fields

PRODUCTS = 10_000
DAYS = 730
SAMPLE = 100
MARKER = "oms.bench.forecast.products"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--sample", type=int, default=SAMPLE)
    parser.add_argument(
        "--line-sample", type=int, default=20_000, help="weekly lines written by ORM create"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python/numpy allocations (slower)"
    )
    return parser.parse_args()


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(env, count):
    """Products, vendors, channels, 2 years of deliveries, stock and receipts (once)."""
    cr = env.cr
    done = env["ir.config_parameter"].sudo().get_param(MARKER)
    if done == str(count):
        print(f"    data already generated ({count} products)")
        return
    started = time.monotonic()
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    vendors = env["res.partner"].create(
        [{"name": f"Bench Vendor {i}", "is_company": True} for i in range(20)]
    )
    channels = env["oms.channel"].create(
        [
            {"name": f"Bench Channel {i}", "code": f"bench-{i}", "warehouse_id": warehouse.id}
            for i in range(3)
        ]
    )
    Product = env["product.product"].with_context(tracking_disable=True, mail_create_nolog=True)
    products = Product
    for begin in range(0, count, 1000):
        products |= Product.create(
            [
                {
                    "name": f"Bench Product {i:05d}",
                    "default_code": f"BENCH-{i:05d}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 10.0 + i % 90,
                    "standard_price": 4.0 + i % 40,
                }
                for i in range(begin, min(begin + 1000, count))
            ]
        )
        print(f"    products: {len(products)}", flush=True)
    env["product.supplierinfo"].create(
        [
            {
                "partner_id": vendors[i % len(vendors)].id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "delay": 7 + i % 30,
                "min_qty": (0, 10, 24, 50)[i % 4],
                "oms_order_multiple": (0, 6, 12, 25)[(i // 4) % 4],
                "price": 4.0,
            }
            for i, product in enumerate(products)
        ]
    )
    orders = env["sale.order"].create(
        [
            {
                "partner_id": vendors[0].id,
                "warehouse_id": warehouse.id,
                "oms_channel_id": channel.id,
                "client_order_ref": f"BENCH-{channel.code}",
            }
            for channel in channels
        ]
    )
    orders.write({"state": "sale"})
    env.flush_all()
    customer = env.ref("stock.stock_location_customers")
    supplier = env.ref("stock.stock_location_suppliers")
    uom = env.ref("uom.product_uom_unit")
    ids = products.ids
    # one order line per product, on the channel product_id % 3 sells through
    cr.execute(
        """
        INSERT INTO sale_order_line (order_id, product_id, name, product_uom_qty, product_uom,
                                     price_unit, customer_lead, company_id, currency_id, state,
                                     create_uid, create_date, write_uid, write_date)
        SELECT (%(orders)s::int[])[1 + p %% 3], p, 'Bench', 1, %(uom)s, 10, 0, %(company)s,
               %(currency)s, 'sale', 1, now(), 1, now()
          FROM unnest(%(ids)s::int[]) AS p
        """,
        {
            "orders": orders.ids,
            "uom": uom.id,
            "company": company.id,
            "currency": company.currency_id.id,
            "ids": ids,
        },
    )
    # Daily deliveries. Patterns by product (p % 5): level, trend, weekly, yearly, intermittent;
    # rate between 0.3 and 30 a day; noise; days without sale are skipped.
    cr.execute(
        """
        WITH p AS (
            SELECT sol.product_id AS id, sol.id AS line_id, sol.product_id %% 5 AS pattern,
                   0.3 * power(100, (sol.product_id * 7919 %% 1000) / 1000.0) AS rate
              FROM sale_order_line sol WHERE sol.order_id = ANY(%(orders)s)
        ), d AS (
            SELECT g AS day, (current_date - %(days)s + g) AS date
              FROM generate_series(0, %(last)s) g
        ), q AS (
            SELECT p.id, p.line_id, d.date,
                   CASE p.pattern
                     WHEN 4 THEN CASE WHEN random() < 0.15
                                      THEN ceil(random() * p.rate * 5) ELSE 0 END
                     ELSE floor(
                        p.rate
                        * CASE p.pattern
                            WHEN 1 THEN 0.5 + d.day / %(days)s::float
                            WHEN 2 THEN (ARRAY[0.6, 0.8, 1.0, 1.0, 1.2, 1.6, 0.8])
                                        [extract(isodow FROM d.date)::int]
                            WHEN 3 THEN 1 + 0.6 * sin(
                                2 * pi() * extract(doy FROM d.date) / 365.25)
                            ELSE 1 END
                        * (0.5 + random()) + random())
                   END AS qty
              FROM p CROSS JOIN d
        )
        INSERT INTO stock_move (name, product_id, product_uom, product_uom_qty, product_qty,
                                location_id, location_dest_id, sale_line_id, company_id,
                                warehouse_id, procure_method, date, state,
                                create_uid, create_date, write_uid, write_date)
        SELECT 'Bench delivery', q.id, %(uom)s, q.qty, q.qty, %(stock)s, %(customer)s, q.line_id,
               %(company)s, %(warehouse)s, 'make_to_stock', q.date + time '12:00', 'done',
               1, now(), 1, now()
          FROM q WHERE q.qty > 0
        """,
        {
            "orders": orders.ids,
            "days": DAYS,
            "last": DAYS - 1,
            "uom": uom.id,
            "stock": warehouse.lot_stock_id.id,
            "customer": customer.id,
            "company": company.id,
            "warehouse": warehouse.id,
        },
    )
    moves = cr.rowcount
    # stock: between 0 and 120 days of the product's rate; a receipt for every 7th product
    cr.execute(
        """
        INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                                 reserved_quantity, in_date, create_uid, create_date,
                                 write_uid, write_date)
        SELECT p, %(stock)s, %(company)s,
               round(0.3 * power(100, (p * 7919 %% 1000) / 1000.0) * (p * 31 %% 120)),
               0, now(), 1, now(), 1, now()
          FROM unnest(%(ids)s::int[]) AS p
        """,
        {"stock": warehouse.lot_stock_id.id, "company": company.id, "ids": ids},
    )
    cr.execute(
        """
        INSERT INTO stock_move (name, product_id, product_uom, product_uom_qty, product_qty,
                                location_id, location_dest_id, company_id, warehouse_id,
                                procure_method, date, state, create_uid, create_date, write_uid,
                                write_date)
        SELECT 'Bench receipt', p, %(uom)s, 100, 100, %(supplier)s, %(stock)s, %(company)s,
               %(warehouse)s, 'make_to_stock', now() + (p %% 20) * interval '1 day', 'assigned',
               1, now(), 1, now()
          FROM unnest(%(ids)s::int[]) AS p WHERE p %% 7 = 0
        """,
        {
            "uom": uom.id,
            "supplier": supplier.id,
            "stock": warehouse.lot_stock_id.id,
            "company": company.id,
            "warehouse": warehouse.id,
            "ids": ids,
        },
    )
    env["ir.config_parameter"].sudo().set_param(MARKER, str(count))
    cr.commit()
    cr.execute("ANALYZE stock_move")
    print(
        f"    generated {count} products, {moves:,} delivery moves in "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )


class StepTimes(logging.Handler):
    """Time of each progress message of a run (``Forecast run <id>: <message>``, logged by
    ``_report_progress``), to split the run's time into its steps without touching it."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.steps = []

    def emit(self, record):
        if record.msg == "Forecast run %s: %s" and isinstance(record.args[1], str):
            self.steps.append((time.monotonic(), record.args[1]))

    def durations(self, end):
        """[(message, seconds until the next message)]"""
        times = [t for t, _m in self.steps[1:]] + [end]
        return [(m, t1 - t0) for (t0, m), t1 in zip(self.steps, times, strict=True)]


def bench_engine(env, use_tracemalloc):
    """One full run, committed like the job does."""
    gc.collect()
    steps = StepTimes()
    logger = logging.getLogger("odoo.addons.oms_forecast")
    logger.addHandler(steps)
    logger.setLevel(logging.INFO)
    rss_before = peak_rss_mib()
    if use_tracemalloc:
        tracemalloc.start()
    Run = env["oms.forecast.run"]
    run = Run.create(Run._prepare_run_vals(env.company))
    env.cr.commit()
    started = time.monotonic()
    run._execute()
    env.cr.commit()
    elapsed = time.monotonic() - started
    logger.removeHandler(steps)
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if use_tracemalloc else None
    if use_tracemalloc:
        tracemalloc.stop()
    rss_after = peak_rss_mib()
    return run, elapsed, rss_before, rss_after, traced, steps.durations(started + elapsed)


def bench_orm_per_product(env, sample):
    """The naive way, product by product, through the ORM; rolled back."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    products = env["product.product"].search(
        [("default_code", "=like", "BENCH-%")], limit=sample, order="id"
    )
    today = fields.Date.context_today(env.user)
    start = today - timedelta(days=DAYS)
    run = env["oms.forecast.run"].create({"name": "ORM bench", "company_id": env.company.id})
    # the vectorised run's rows for these products go (rolled back at the end)
    env["oms.forecast"].search([("product_id", "in", products.ids)]).unlink()
    started = time.monotonic()
    for product in products:
        moves = env["stock.move"].search_read(
            [
                ("product_id", "=", product.id),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
                ("location_id.warehouse_id", "=", warehouse.id),
                ("sale_line_id", "!=", False),
                ("date", ">=", start),
            ],
            ["date", "product_qty"],
        )
        daily = [0.0] * DAYS
        for move in moves:
            index = (move["date"].date() - start).days
            if 0 <= index < DAYS:
                daily[index] += move["product_qty"]
        level = sum(daily[:7]) / 7
        for qty in daily:  # simple exponential smoothing, alpha 0.1
            level += 0.1 * (qty - level)
        stocked = product.with_context(warehouse_id=warehouse.id)
        on_hand, incoming = stocked.qty_available, stocked.incoming_qty
        seller = product._select_seller()
        lead = seller.delay or 14
        cover = on_hand / level if level else 9999
        safety = 1.645 * math.sqrt(level * 7) * math.sqrt(lead / 7)
        reorder_point = level * lead + safety
        forecast = env["oms.forecast"].create(
            {
                "run_id": run.id,
                "company_id": env.company.id,
                "product_id": product.id,
                "warehouse_id": warehouse.id,
                "method": "ses",
                "avg_daily_demand": level,
                "on_hand_qty": on_hand,
                "incoming_qty": incoming,
                "cover_days": cover,
                "reorder_point": reorder_point,
                "suggested_qty": max(reorder_point - on_hand - incoming, 0.0),
            }
        )
        for week in range(13):
            env["oms.forecast.line"].create(
                {
                    "forecast_id": forecast.id,
                    "week_start": today + timedelta(weeks=week),
                    "period": "future",
                    "forecast_qty": level * 7,
                }
            )
        env.flush_all()
    elapsed = time.monotonic() - started
    env.cr.rollback()
    return len(products), elapsed


def _stored_vals(records, exclude=()):
    """Values of ``records`` as ``create`` takes them (stored, non-computed fields)."""
    names = [
        name
        for name, field in records._fields.items()
        if field.store
        and field.column_type
        and not field.compute
        and not field.automatic
        and name not in exclude
    ]
    vals_list = records.read(names, load=None)
    for vals in vals_list:
        del vals["id"]
    return vals_list


def bench_line_writes(env, run, line_sample):
    """Seconds to write ``line_sample`` of the run's weekly lines again, through ORM ``create``
    and through ``storage.copy_records``; each in a transaction rolled back."""
    from odoo.addons.oms_forecast import storage

    Line = env["oms.forecast.line"]
    lines = Line.search([("forecast_id.run_id", "=", run.id)], limit=line_sample)
    line_vals = _stored_vals(lines)
    figures = {}
    for label in ("orm", "storage"):
        lines.unlink()
        env.flush_all()
        started = time.monotonic()
        if label == "orm":
            Line.create(line_vals)
        else:
            storage.copy_records(
                Line, {name: [v[name] for v in line_vals] for name in line_vals[0]}
            )
        env.flush_all()
        figures[label] = time.monotonic() - started
        env.cr.rollback()
        env.invalidate_all()
    return len(line_vals), figures


def main():
    args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database])
    odoo.service.server.load_server_wide_modules()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        print(f"==> oms_forecast benchmark on {args.database}", flush=True)
        generate(env, args.products)
        run, elapsed, rss_before, rss_after, traced, steps = bench_engine(env, args.tracemalloc)
        print(
            f"    vectorised run: {run.series_count:,} products x warehouses, "
            f"{run.line_count:,} weekly lines, {run.stockout_count} stock-out risks, "
            f"{run.overstock_count} overstocks, {run.reorder_count} to reorder"
        )
        print(f"    methods: {run.method_summary}")
        print(f"    time: {elapsed:.1f} s (target 30 s)")
        for message, seconds in steps:
            print(f"      {seconds:6.1f} s  {message}")
        print(
            f"    peak RSS of the process: {rss_after:.0f} MiB "
            f"(before the run {rss_before:.0f} MiB; target 1024 MiB)"
        )
        if traced is not None:
            print(f"    peak traced Python/numpy allocations: {traced:.0f} MiB")
        count, orm_elapsed = bench_orm_per_product(env, args.sample)
        scaled = orm_elapsed / max(count, 1) * run.series_count
        print(
            f"    per-product ORM approach: {count} products in {orm_elapsed:.1f} s "
            f"-> {scaled:.0f} s for {run.series_count:,} ({scaled / elapsed:.0f}x slower)"
        )
        lines, figures = bench_line_writes(env, run, args.line_sample)
        print(
            f"    {lines:,} weekly lines written again: ORM create {figures['orm']:.2f} s, "
            f"COPY {figures['storage']:.2f} s ({figures['orm'] / figures['storage']:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
