#!/usr/bin/env python3
# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook route: answer time, and exactly-once under real concurrency.

Starts Odoo's HTTP server in this process on a free port of 127.0.0.1 and posts signed generic
``order.created`` deliveries to ``/oms/webhook/<code>`` over real HTTP, each request in its own
committed transaction (unlike HttpCase, which serializes requests on one test transaction):

* answer time: ``--deliveries`` distinct deliveries one after the other (p50, p95, max);
* exactly once: ``--rounds`` rounds of 10 identical deliveries posted at the same moment from
  10 threads; every round must store exactly one event and enqueue exactly one job.

Usage: bench/webhook.py --config etc/odoo.conf --database oms_bench [--deliveries 300]
The channel, its events and jobs are deleted at the end.
"""

import argparse
import hashlib
import hmac
import json
import logging
import socket
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

SAMPLE = Path(__file__).resolve().parent.parent / "oms_connector/tests/data/generic_order.json"
SECRET = "bench-webhook-secret"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=20)
    return parser.parse_args()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed(body, delivery_id):
    timestamp = str(int(time.time()))
    # the v2 scheme (README, webhook contract): topic and delivery id are signed with the body
    signed_data = f"v2.{timestamp}.order.created.{delivery_id}.".encode() + body
    signature = hmac.new(SECRET.encode(), signed_data, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-OMS-Topic": "order.created",
        "X-OMS-Delivery-Id": delivery_id,
        "X-OMS-Timestamp": timestamp,
        "X-OMS-Signature": f"v2={signature.hexdigest()}",
    }


def post(session, url, body, delivery_id):
    response = session.post(url, data=body, headers=signed(body, delivery_id), timeout=30)
    return response.status_code, response.json().get("status")


def main():
    args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.service import server

    port = free_port()
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--http-port", str(port)]
    )
    odoo.tools.config["db_name"] = args.database  # the route's requests pick this database
    logging.getLogger("odoo").setLevel(logging.WARNING)
    registry = odoo.modules.registry.Registry(args.database)
    code = f"bench-{uuid.uuid4().hex[:8]}"
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        channel_id = (
            env["oms.channel"]
            .create(
                {"name": "Webhook bench", "code": code, "platform": "generic"}
                | {"webhook_secret": SECRET}
            )
            .id
        )
    server.load_server_wide_modules()
    server.server = server.ThreadedServer(odoo.http.root)
    server.server.http_spawn()
    url = f"http://127.0.0.1:{port}/oms/webhook/{code}"
    sample = json.loads(SAMPLE.read_text())
    session = requests.Session()
    try:
        for _attempt in range(50):  # the server thread needs a moment to listen
            try:
                session.get(f"http://127.0.0.1:{port}/web/webclient/version_info", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        # warm-up: registry, routing map, first queries
        for i in range(10):
            body = json.dumps(dict(sample, id=f"WARM-{i}")).encode()
            post(session, url, body, f"warm-{i}")

        timings = []
        for i in range(args.deliveries):
            body = json.dumps(dict(sample, id=f"BENCH-{i}")).encode()
            start = time.perf_counter()
            status = post(session, url, body, f"seq-{i}")
            timings.append((time.perf_counter() - start) * 1000)
            assert status == (200, "accepted"), status

        rounds_ok = 0
        for round_no in range(args.rounds):
            body = json.dumps(dict(sample, id=f"BURST-{round_no}")).encode()
            barrier = threading.Barrier(10)
            results = []

            def deliver(body=body, barrier=barrier, results=results, round_no=round_no):
                barrier.wait(10)
                with requests.Session() as own:
                    results.append(post(own, url, body, f"burst-{round_no}"))

            threads = [threading.Thread(target=deliver) for _i in range(10)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            statuses = sorted(status for _code, status in results)
            if statuses == ["accepted"] + ["duplicate"] * 9:
                rounds_ok += 1

        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            events = env["oms.channel.event"].search([("channel_id", "=", channel_id)])
            burst = events.filtered(lambda e: e.delivery_id.startswith("burst-"))
            jobs = env["queue.job"].search(
                [("identity_key", "in", [f"oms.channel.event:{e.id}" for e in burst])]
            )
            burst_events, burst_jobs = len(burst), len(jobs)
    finally:
        server.server.stop()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            events = env["oms.channel.event"].search([("channel_id", "=", channel_id)])
            env["queue.job"].search(
                [("identity_key", "in", [f"oms.channel.event:{e.id}" for e in events])]
            ).unlink()
            env["oms.channel"].browse(channel_id).unlink()

    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"webhook answer time over {len(timings)} signed deliveries (store + enqueue):")
    print(
        f"  p50 {statistics.median(timings):6.1f} ms   p95 {p95:6.1f} ms   "
        f"max {timings[-1]:6.1f} ms"
    )
    print(
        f"10 identical deliveries at once, {args.rounds} rounds: {rounds_ok} rounds answered "
        f"1 accepted + 9 duplicate; {burst_events} events and {burst_jobs} jobs stored "
        f"(expected {args.rounds} and {args.rounds})"
    )
    ok = rounds_ok == args.rounds and burst_events == burst_jobs == args.rounds
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
