#!/usr/bin/env python3
# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Order intake throughput: our path against Odoo's standard path, same data, same run.

Our path is what production does, per burst of ``--chunk`` orders: each signed Shopify
``orders/create`` delivery is verified, stored as an event and its queue job enqueued (what the
webhook route does); then the queue's jobs run as queue_job runs them (load, started, perform,
done), oldest first, until none is left. The first job takes the burst's events of new orders
in (normalize, match customers / addresses / products / taxes, one create, total check, one
confirmation) and marks the waiting jobs of the events it took done (a job already
dispatched finds its event done); the reservation job of the batch then reserves the
deliveries.

Odoo's standard path, per order: ``sale.order.create`` with the same customer, addresses,
lines, prices and taxes, then ``action_confirm`` (which reserves), one order at a time.

Usage: bench/intake.py --config etc/odoo.conf --database oms_bench [--orders 1000]
Everything runs in one transaction that is rolled back: the database is left as it was (so
neither path pays for commits).
"""

import argparse
import base64
import copy
import hashlib
import hmac
import json
import logging
import random
import sys
import time
import uuid
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "oms_connector/tests/data/shopify_order.json"
SECRET = "bench-webhook-secret"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=300, help="distinct customers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--chunk", type=int, default=50, help="deliveries received before the queue runs"
    )
    parser.add_argument(
        "--batch-size", type=int, default=50, help="events of new orders one intake job takes"
    )
    return parser.parse_args()


def setup(env, rng):
    """A Shopify channel with tax mapping, 30 products in stock, a EUR pricelist."""
    company = env.company
    eur = env.ref("base.EUR")
    eur.active = True
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    tax = env["account.tax"].create(
        {
            "name": "Bench VAT 19% incl.",
            "amount": 19.0,
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
            "company_id": company.id,
        }
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {index:03d}",
                "default_code": f"BENCH-{index:03d}",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0 + index,
                "taxes_id": [(6, 0, tax.ids)],
            }
            for index in range(30)
        ]
    )
    for product in products:
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1e6)
    shipping = env["product.product"].create(
        {"name": "Bench shipping", "type": "service", "taxes_id": [(6, 0, tax.ids)]}
    )
    pricelist = env["product.pricelist"].create(
        {"name": "Bench EUR", "currency_id": eur.id, "company_id": company.id}
    )
    channel = env["oms.channel"].create(
        {
            "name": "Bench Shopify",
            "code": f"bench-{uuid.uuid4().hex[:8]}",
            "platform": "shopify",
            "webhook_secret": SECRET,
            "company_id": company.id,
            "warehouse_id": warehouse.id,
            "pricelist_id": pricelist.id,
            "shipping_product_id": shipping.id,
            "confirmation_policy": "immediate",
            "tax_mapping_ids": [(0, 0, {"name": "MwSt", "rate": 19.0, "tax_id": tax.id})],
        }
    )
    return channel, products, tax, shipping, pricelist, warehouse


def build_payloads(count, products, customers, rng):
    """``count`` realistic Shopify orders of 3 lines (one discounted), tax included."""
    template = json.loads(SAMPLE.read_text())
    payloads = []
    for number in range(count):
        payload = copy.deepcopy(template)
        customer = rng.randrange(customers)
        order_id = 6100000000000 + number
        payload.update(
            id=order_id,
            name=f"#B{number + 1:05d}",
            order_number=number + 1,
            email=f"customer{customer}@bench.example.com",
            contact_email=f"customer{customer}@bench.example.com",
        )
        payload["customer"].update(
            id=7300000000000 + customer,
            email=f"customer{customer}@bench.example.com",
            first_name="Customer",
            last_name=str(customer),
        )
        for key in ("billing_address", "shipping_address"):
            payload[key].update(first_name="Customer", last_name=str(customer))
            payload[key]["name"] = f"Customer {customer}"
            payload[key]["address1"] = f"Benchstraße {customer % 97 + 1}"
        template_line = template["line_items"][0]
        lines, total = [], 0.0
        # the channel's tax total: the lines' and the shipping's (Odoo's is checked against it)
        tax = sum(
            float(tax_line["price"])
            for shipping in payload.get("shipping_lines", [])
            for tax_line in shipping.get("tax_lines", [])
        )
        for index, product in enumerate(rng.sample(list(products), 3)):
            quantity = rng.randint(1, 3)
            price = product.list_price
            discount = round(price * quantity * 0.10, 2) if index == 0 else 0.0
            amount = round(price * quantity - discount, 2)
            line = copy.deepcopy(template_line)
            line.update(
                id=order_id * 10 + index,
                sku=product.default_code,
                name=product.name,
                title=product.name,
                quantity=quantity,
                price=f"{price:.2f}",
                product_id=8100000000 + product.id,
                variant_id=4100000000 + product.id,
            )
            line["tax_lines"][0]["price"] = f"{amount * 19 / 119:.2f}"
            tax += round(amount * 19 / 119, 2)
            line["discount_allocations"] = (
                [{"amount": f"{discount:.2f}", "discount_application_index": 0}] if discount else []
            )
            lines.append(line)
            total += amount
        payload["line_items"] = lines
        total = round(total + 5.90, 2)
        payload.update(
            total_price=f"{total:.2f}",
            current_total_price=f"{total:.2f}",
            subtotal_price=f"{total - 5.90:.2f}",
            total_tax=f"{tax:.2f}",
            current_total_tax=f"{tax:.2f}",
        )
        payloads.append(payload)
    return payloads


def sign(body):
    return {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": base64.b64encode(
            hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
        ).decode(),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }


def receive(env, channel, headers, body):
    """What the webhook route does with a delivery: verify, store the event, enqueue its job."""
    status, message, event = env["oms.channel.event"]._receive_webhook(channel, headers, body)
    if status != 200 or not event:
        raise SystemExit(f"delivery refused: {status} {message}")
    return event


def run_queue(env, since_id):
    """Run the queue's pending jobs created after job ``since_id`` as queue_job's runner does
    (``RunJobController._try_perform_job``), oldest first, until none is left. Returns the
    number of jobs run."""
    from odoo.addons.queue_job.job import Job

    count = 0
    while True:
        env.flush_all()
        jobs = env["queue.job"].search(
            [("id", ">", since_id), ("state", "=", "pending")], order="id", limit=1
        )
        if not jobs:
            return count
        job = Job.load(env, jobs.uuid)
        job.set_started()
        job.store()
        job.perform()
        env.flush_all()
        job.set_done()
        job.store()
        count += 1


def run_ours(env, channel, deliveries):
    """Receive the deliveries as the webhook does, then run the jobs as the queue does."""
    since_id = env["queue.job"].search([], order="id desc", limit=1).id or 0
    events = env["oms.channel.event"]
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    for headers, body in deliveries:
        events |= receive(env, channel, headers, body)
    jobs = run_queue(env, since_id)
    elapsed = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    events.invalidate_recordset()
    failed = events.filtered(lambda e: e.state != "done")
    if failed:
        raise SystemExit(f"{len(failed)} events failed, first: {failed[0].error}")
    orders = events.sale_order_id
    if len(orders) != len(events) or not all(
        order.state == "sale" and order.picking_ids.state == "assigned" for order in orders
    ):
        raise SystemExit("our path left an order twice, unconfirmed or unreserved")
    return elapsed, queries, jobs, orders


def standard_vals(order, pricelist, warehouse):
    """The same order as Odoo's standard path creates it."""
    return {
        "partner_id": order.partner_id.id,
        "partner_invoice_id": order.partner_invoice_id.id,
        "partner_shipping_id": order.partner_shipping_id.id,
        "pricelist_id": pricelist.id,
        "warehouse_id": warehouse.id,
        "client_order_ref": order.client_order_ref,
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": line.product_id.id,
                    "product_uom_qty": line.product_uom_qty,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "tax_id": [(6, 0, line.tax_id.ids)],
                },
            )
            for line in order.order_line
        ],
    }


def run_standard(env, vals_list):
    SaleOrder = env["sale.order"]
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    for vals in vals_list:
        order = SaleOrder.create(vals)
        order.action_confirm()
    env.flush_all()
    return time.perf_counter() - started, env.cr.sql_log_count - queries


def main():
    args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    logging.getLogger("odoo").setLevel(logging.WARNING)
    rng = random.Random(args.seed)
    registry = odoo.modules.registry.Registry(args.database)
    chunk = args.chunk
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            channel, products, _tax, _shipping, pricelist, warehouse = setup(env, rng)
            env["ir.config_parameter"].set_param(
                "oms_connector.intake_batch_size", str(args.batch_size)
            )
            warmup = 20
            payloads = build_payloads(args.orders + warmup, products, args.customers, rng)
            deliveries = [(sign(body), body) for body in (json.dumps(p).encode() for p in payloads)]
            env.flush_all()
            # warm both paths up (caches, first computations) on orders not measured
            *_measures, warm_orders = run_ours(env, channel, deliveries[:warmup])
            run_standard(env, [standard_vals(o, pricelist, warehouse) for o in warm_orders])
            # the paths take turns burst by burst, so that a busy machine slows them alike
            totals = {"ours": [0.0, 0], "standard": [0.0, 0]}
            job_count = 0
            for start in range(warmup, warmup + args.orders, chunk):
                elapsed, queries, jobs, orders = run_ours(
                    env, channel, deliveries[start : start + chunk]
                )
                totals["ours"][0] += elapsed
                totals["ours"][1] += queries
                job_count += jobs
                vals_list = [standard_vals(order, pricelist, warehouse) for order in orders]
                env.invalidate_all()
                elapsed, queries = run_standard(env, vals_list)
                totals["standard"][0] += elapsed
                totals["standard"][1] += queries
        finally:
            cr.rollback()
    count = args.orders
    rates = {path: count / seconds for path, (seconds, _queries) in totals.items()}
    per_order = {path: queries / count for path, (_seconds, queries) in totals.items()}
    print(
        f"orders: {count} per path (3 product lines + shipping, signed Shopify payloads, "
        f"{args.customers} customers), bursts of {chunk}, intake batch size {args.batch_size}"
    )
    print(
        f"our path (webhook + {job_count} queue jobs): {rates['ours']:8.1f} orders/s "
        f"{per_order['ours']:6.1f} queries/order"
    )
    print(
        f"standard path (create + action_confirm):  {rates['standard']:8.1f} orders/s "
        f"{per_order['standard']:6.1f} queries/order"
    )
    print(f"ratio ours / standard: {rates['ours'] / rates['standard']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
