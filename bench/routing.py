#!/usr/bin/env python3
# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing benchmark: channel orders over 5 warehouses, routed by rules in batches.

Prints routing decisions per second (load, lock, decide and record the decision, without the
confirmation that creates the deliveries), the SQL queries per order at 500 and at 5,000
products (they must not grow with the catalogue), and the throughput with confirmation.

Everything runs in one transaction that is rolled back: the database is left as it was.

    python bench/routing.py --config etc/odoo.conf --database oms_bench_routing
"""

import argparse
import logging
import random
import time

import odoo
from odoo import SUPERUSER_ID, Command, api

WAREHOUSES = [
    # name, code, country, latitude, longitude
    ("Bench Paris", "BPA", "fr", 48.8566, 2.3522),
    ("Bench Hamburg", "BHA", "de", 53.5511, 9.9937),
    ("Bench Milan", "BMI", "it", 45.4642, 9.1900),
    ("Bench Madrid", "BMA", "es", 40.4168, -3.7038),
    ("Bench Warsaw", "BWA", "pl", 52.2297, 21.0122),
]
CUSTOMER_COUNTRIES = ["fr", "de", "it", "es", "pl", "be", "nl", "at", "pt", "dk"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--orders", type=int, default=10000, help="orders over the large catalogue")
    parser.add_argument("--small-orders", type=int, default=2000, help="orders over 500 products")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


class Bench:
    def __init__(self, env, args):
        self.env = env
        self.args = args
        self.rng = random.Random(args.seed)

    # ------------------------------------------------------------------ fixtures
    def setup_world(self):
        env = self.env
        env["oms.routing.rule"].search([]).action_archive()
        self.warehouses = env["stock.warehouse"]
        for name, code, country, lat, lon in WAREHOUSES:
            partner = env["res.partner"].create(
                {
                    "name": name,
                    "country_id": env.ref(f"base.{country}").id,
                    "partner_latitude": lat,
                    "partner_longitude": lon,
                }
            )
            self.warehouses |= env["stock.warehouse"].create(
                {"name": name, "code": code, "partner_id": partner.id}
            )
        self.customers = env["res.partner"].create(
            [
                {
                    "name": f"Bench customer {i}",
                    "country_id": env.ref(f"base.{self.rng.choice(CUSTOMER_COUNTRIES)}").id,
                    "zip": f"{self.rng.randint(10000, 99999)}",
                    # a fifth of the customers have no coordinates: region table fallback
                    "partner_latitude": 0.0 if i % 5 == 0 else self.rng.uniform(38.0, 56.0),
                    "partner_longitude": 0.0 if i % 5 == 0 else self.rng.uniform(-8.0, 22.0),
                }
                for i in range(300)
            ]
        )
        self.channel = env["oms.channel"].create(
            {
                "name": "Bench Shop",
                "code": "bench-shop",
                "platform": "generic",
                "routing_enabled": True,
            }
        )
        rule_vals = {
            "channel_ids": [Command.set(self.channel.ids)],
            "warehouse_ids": [Command.set(self.warehouses.ids)],
        }
        env["oms.routing.rule"].create(
            [
                dict(
                    rule_vals,
                    name="Priority: nearest in stock",
                    sequence=1,
                    priority="priority",
                    strategy="nearest",
                ),
                dict(
                    rule_vals,
                    name="Large: split in 2",
                    sequence=2,
                    amount_min=400,
                    strategy="split",
                    max_shipments=2,
                ),
                dict(
                    rule_vals,
                    name="Default: split in 3, else backorder",
                    sequence=3,
                    strategy="split",
                    max_shipments=3,
                    fallback="backorder",
                    fallback_warehouse_id=self.warehouses[0].id,
                ),
            ]
        )

    def create_catalogue(self, size, prefix):
        env = self.env
        products = env["product.product"].create(
            [
                {
                    "name": f"{prefix} product {i}",
                    "default_code": f"{prefix}-{i:05d}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": self.rng.choice([9.0, 19.0, 49.0, 99.0, 199.0]),
                }
                for i in range(size)
            ]
        )
        quants = []
        for product in products:
            # each product is stocked in 1 to 4 of the 5 warehouses
            for warehouse in self.rng.sample(list(self.warehouses), self.rng.randint(1, 4)):
                quants.append(
                    {
                        "product_id": product.id,
                        "location_id": warehouse.lot_stock_id.id,
                        "quantity": self.rng.randint(0, 40),
                    }
                )
        env["stock.quant"].sudo().create(quants)
        return products

    def create_orders(self, products, count):
        env = self.env
        Order = env["sale.order"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_notrack=True
        )
        orders = env["sale.order"]
        product_ids = products.ids
        for start in range(0, count, 500):
            vals = []
            for _i in range(start, min(count, start + 500)):
                lines = [
                    Command.create({"product_id": pid, "product_uom_qty": self.rng.randint(1, 3)})
                    for pid in self.rng.sample(product_ids, self.rng.randint(1, 4))
                ]
                vals.append(
                    {
                        "partner_id": self.rng.choice(self.customers).id,
                        "oms_channel_id": self.channel.id,
                        "oms_priority": self.rng.random() < 0.1,
                        "order_line": lines,
                    }
                )
            orders |= Order.create(vals)
        env.flush_all()
        return orders

    # ------------------------------------------------------------------ measures
    def decide_only(self, orders):
        """Load and decide, without locking and recording: the engine's own speed."""
        engine = self.env["oms.routing.engine"]
        cr = self.env.cr
        queries_before = cr.sql_log_count
        started = time.perf_counter()
        for start in range(0, len(orders), self.args.batch):
            batch = orders[start : start + self.args.batch]
            infos = engine._load_order_infos(batch)
            product_ids = sorted({line[1] for info in infos for line in info.lines})
            context = engine._prepare_routing_context(infos, product_ids)
            for info in infos:
                engine._decide(info, context)
        elapsed = time.perf_counter() - started
        self.env.invalidate_all()
        return elapsed, cr.sql_log_count - queries_before

    def route(self, orders, confirm=False):
        engine = self.env["oms.routing.engine"]
        cr = self.env.cr
        queries_before = cr.sql_log_count
        states = {}
        started = time.perf_counter()
        for start in range(0, len(orders), self.args.batch):
            batch = orders[start : start + self.args.batch]
            for decision in engine.route_orders(batch, confirm=confirm):
                states[decision.state] = states.get(decision.state, 0) + 1
            self.env.flush_all()
        elapsed = time.perf_counter() - started
        self.env.invalidate_all()
        return elapsed, cr.sql_log_count - queries_before, states

    @staticmethod
    def report(label, orders, elapsed, queries):
        count = len(orders)
        print(
            f"{label} {count:>6} orders routed (lock + decide + record) in {elapsed:6.2f} s = "
            f"{count / elapsed:7.0f} decisions/s, {queries / count:.2f} queries/order"
        )

    def run(self):
        args = self.args
        t0 = time.perf_counter()
        self.setup_world()
        small = self.create_catalogue(500, "BS")
        small_orders = self.create_orders(small, args.small_orders)
        large = self.create_catalogue(5000, "BL")
        large_orders = self.create_orders(large, args.orders)
        print(
            f"fixtures: {time.perf_counter() - t0:.0f} s (5 warehouses, 5,500 products, "
            f"{args.small_orders + args.orders} orders)"
        )

        for label, orders in (("500 products:  ", small_orders), ("5,000 products:", large_orders)):
            elapsed, queries = self.decide_only(orders)
            count = len(orders)
            print(
                f"{label} decide only (load + decide, no lock, no write): "
                f"{count / elapsed:7.0f} decisions/s, {queries / count:.2f} queries/order"
            )
        elapsed, queries, states = self.route(small_orders)
        self.report("500 products:  ", small_orders, elapsed, queries)
        elapsed, queries, states = self.route(large_orders)
        self.report("5,000 products:", large_orders, elapsed, queries)
        print(f"decisions: {states}")

        # with the confirmation (deliveries created and reserved), on a sample
        sample = self.create_orders(large, 300)
        elapsed, queries, _states = self.route(sample, confirm=True)
        print(
            f"routed and confirmed: {len(sample)} orders in {elapsed:.2f} s = "
            f"{len(sample) / elapsed:.0f} orders/s, {queries / len(sample):.1f} queries/order"
        )


def main():
    args = parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    logging.getLogger("odoo").setLevel(logging.WARNING)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            Bench(env, args).run()
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
