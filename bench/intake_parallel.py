#!/usr/bin/env python3
# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Intake under load: a burst of signed orders from concurrent senders to a real Odoo server.

For each job worker count N (``--job-workers``, default 1, 2 and 4), in successive rounds: a
real Odoo server process starts on a free loopback port with production-like settings
(``--workers`` HTTP worker processes, one cron thread, the queue_job runner with
``[queue_job] channels = root:N,root.oms.reservation:1``, ``--workers`` 2 × cores + 1 as
the README recommends); ``--senders`` threads post ``--orders`` signed Shopify
``orders/create`` deliveries over HTTP to a new channel (3 lines over 30 shared products, the
customers shared by many orders: every round meets first-sight conflicts), then the bench waits
(at most ``--timeout`` seconds) until every event is done or failed and the queue is idle, and
stops the server. Printed per round: the webhook answer times (p50/p95/p99), orders/s end to end
(first post to last event done), queue_job retries, failed jobs and events, duplicate orders
(one external order taken in twice) and orders missing.

Usage: bench/intake_parallel.py --config etc/odoo.conf [--database oms_bench_parallel]
       [--orders 1000] [--job-workers 1,2,4]
The database is made from the base template (scripts/odoo_db.sh) unless it is a fresh one;
the rounds' data stays in it (``scripts/bench.sh`` drops it after the run). The server's config
and log are in var/bench_parallel/.
"""

import argparse
import configparser
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from intake import SECRET, build_payloads, setup, sign

ROOT = Path(__file__).resolve().parent.parent
#: statuses of an event whose processing is over
FINISHED = ("done", "failed", "ignored")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", default="oms_bench_parallel")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=100, help="distinct customers")
    parser.add_argument("--senders", type=int, default=20, help="concurrent HTTP senders")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="Odoo worker processes (default as the README recommends: 2 x cores + 1)",
    )
    parser.add_argument("--job-workers", default="1,2,4", help="queue_job capacities, one a round")
    parser.add_argument("--timeout", type=int, default=900, help="seconds a round may wait")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


# ---------------------------------------------------------------------------- database
def database_is_fresh(name):
    """True when the database exists and no bench ran in it yet."""
    import psycopg2

    with psycopg2.connect(dbname="postgres") as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cr.fetchone():
            return False
    with psycopg2.connect(dbname=name) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM oms_channel WHERE name = 'Bench Shopify'")
        return not cr.fetchone()


def ensure_database(args):
    """A fresh database for the bench, copied from the base template with the addons installed
    as ``scripts/bench.sh`` makes it: the one given when no bench ran in it yet, else made
    again (the bench's products and taxes would clash)."""
    if database_is_fresh(args.database):
        return
    print(f"creating {args.database} from the base template", flush=True)
    script = (
        "source scripts/common.sh && source scripts/odoo_db.sh && ensure_postgres && "
        'create_db_from_template "$1" && odoo_install "$1" -i "$OMS_ADDONS"'
    )
    env = dict(os.environ, ODOO_CONF=str(Path(args.config).resolve()))
    env.setdefault("VENV", str(Path(sys.executable).resolve().parent.parent))
    subprocess.run(["bash", "-c", script, "bash", args.database], cwd=ROOT, env=env, check=True)


def prepare_data(registry, args):
    """Products, taxes, pricelist and the first channel (``bench/intake.py``'s setup) and one
    channel per round, all committed. Returns ``(channel codes and ids, payloads)``."""
    from odoo import SUPERUSER_ID, api

    rounds = [int(n) for n in args.job_workers.split(",")]
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        first, products, tax, shipping, pricelist, warehouse = setup(env, rng)
        channels = [first] + [
            env["oms.channel"].create(
                {
                    "name": f"Bench parallel {n} job workers",
                    "code": f"bench-{uuid.uuid4().hex[:8]}",
                    "platform": "shopify",
                    "webhook_secret": SECRET,
                    "company_id": first.company_id.id,
                    "warehouse_id": warehouse.id,
                    "pricelist_id": pricelist.id,
                    "shipping_product_id": shipping.id,
                    "confirmation_policy": "immediate",
                    "tax_mapping_ids": [(0, 0, {"name": "MwSt", "rate": 19.0, "tax_id": tax.id})],
                }
            )
            for n in rounds[1:]
        ]
        payloads = build_payloads(args.orders, products, args.customers, rng)
        result = [(channel.code, channel.id) for channel in channels]
        cr.commit()
    return result, payloads


# ---------------------------------------------------------------------------- server
def write_server_config(args, job_workers, port, workdir):
    """The project's Odoo config with the bench's production-like settings."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(args.config)
    options = parser["options"]
    options.update(
        {
            "db_name": args.database,
            "dbfilter": f"^{args.database}$",
            "list_db": "False",
            "http_interface": "127.0.0.1",
            "http_port": str(port),
            "gevent_port": str(free_port()),
            "workers": str(args.workers),
            "max_cron_threads": "1",
            "server_wide_modules": "base,web,queue_job",
            "limit_time_cpu": "600",
            "limit_time_real": "1200",
            "log_level": "warn",
            "logfile": str(workdir / f"server-{job_workers}.log"),
        }
    )
    # the README's production lanes: reservations one at a time (they share quants)
    parser["queue_job"] = {"channels": f"root:{job_workers},root.oms.reservation:1"}
    path = workdir / f"odoo-{job_workers}.conf"
    with path.open("w") as handle:
        parser.write(handle)
    return path


def start_server(config_path, port):
    """A real Odoo server in its own process group (its workers die with it)."""
    odoo_bin = Path(os.environ.get("ODOO_SRC", "/opt/odoo")) / "odoo-bin"
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, str(odoo_bin), "-c", str(config_path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped at start (see the log beside {config_path})")
        try:
            if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=5).ok:
                return process
        except requests.RequestException:
            time.sleep(0.5)
    stop_server(process)
    raise SystemExit("the server did not answer within 120 s")


def stop_server(process):
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


# ---------------------------------------------------------------------------- burst
def send_burst(url, deliveries, senders):
    """Post ``deliveries`` from ``senders`` threads at once. Returns ``[(ms, http status,
    answer status)]``."""
    pending = list(reversed(deliveries))
    lock = threading.Lock()
    results = []
    barrier = threading.Barrier(senders)

    def sender():
        with requests.Session() as session:
            barrier.wait(30)
            while True:
                with lock:
                    if not pending:
                        return
                    headers, body = pending.pop()
                started = time.perf_counter()
                try:
                    response = session.post(url, data=body, headers=headers, timeout=60)
                    answer = (response.status_code, response.json().get("status"))
                except (requests.RequestException, ValueError) as exc:
                    answer = (0, type(exc).__name__)
                with lock:
                    results.append(((time.perf_counter() - started) * 1000, *answer))

    threads = [threading.Thread(target=sender) for _i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def warm_up(url, workers):
    """Load the registry in every HTTP worker before the burst: a few deliveries with a wrong
    signature at once (refused with 401, nothing stored)."""
    headers = sign(b"{}") | {"Content-Type": "application/json"}
    statuses = []

    def refused():
        for _attempt in range(3):
            response = requests.post(url, data=b"[]", headers=headers, timeout=120)
            statuses.append(response.status_code)

    threads = [threading.Thread(target=refused) for _i in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if set(statuses) != {401}:
        raise SystemExit(f"warm-up deliveries answered {sorted(set(statuses))}, not 401")


def count_done(registry, channel_id):
    """Events of the channel whose processing is over."""
    [(count,)] = query(
        registry,
        "SELECT count(*) FROM oms_channel_event WHERE channel_id = %s AND state IN %s",
        [channel_id, FINISHED],
    )
    return count


def cpu_times():
    """(busy, total) jiffies of all cores since boot, from /proc/stat (Linux)."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_busy(before, after):
    """Fraction of the machine's CPU time that was busy between two ``cpu_times()``."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def query(registry, sql, params):
    with registry.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def wait_for_intake(registry, channel_id, expected, since_job_id, deadline):
    """Seconds (monotonic) when every event of the channel was finished, then waits for the
    queue to be idle (reservations); None when the deadline passed first."""
    finished_at = None
    while time.monotonic() < deadline:
        if finished_at is None:
            [(finished, unfinished)] = query(
                registry,
                "SELECT count(*) FILTER (WHERE state IN %s), count(*) FILTER (WHERE state NOT IN "
                "%s) FROM oms_channel_event WHERE channel_id = %s",
                [FINISHED, FINISHED, channel_id],
            )
            if finished >= expected and not unfinished:
                finished_at = time.monotonic()
        if finished_at is not None:
            [(busy,)] = query(
                registry,
                "SELECT count(*) FROM queue_job WHERE id > %s "
                "AND state IN ('pending', 'enqueued', 'started', 'wait_dependencies')",
                [since_job_id],
            )
            if not busy:
                return finished_at
        time.sleep(0.5)
    return finished_at


def measure(registry, channel_id, names, since_job_id):
    """Retries, failed jobs and events, duplicate and missing orders of one round."""
    # queue_job counts a job's runs in ``retry`` (incremented before each run): the retries
    # are the runs after the first
    [(retries, runs, failed_jobs, jobs)] = query(
        registry,
        "SELECT coalesce(sum(greatest(retry - 1, 0)), 0), coalesce(sum(retry), 0), "
        "count(*) FILTER (WHERE state = 'failed'), count(*) FROM queue_job WHERE id > %s",
        [since_job_id],
    )
    events = dict(
        query(
            registry,
            "SELECT state, count(*) FROM oms_channel_event WHERE channel_id = %s GROUP BY state",
            [channel_id],
        )
    )
    refs = query(
        registry,
        "SELECT client_order_ref, count(*), count(*) FILTER (WHERE state = 'sale') "
        "FROM sale_order WHERE oms_channel_id = %s GROUP BY client_order_ref",
        [channel_id],
    )
    taken = {ref: count for ref, count, _confirmed in refs}
    return {
        "jobs": jobs,
        "runs": runs,
        "retries": retries,
        "failed_jobs": failed_jobs,
        "events": events,
        "duplicates": sum(count - 1 for count in taken.values() if count > 1),
        "missing": len(set(names) - set(taken)),
        "confirmed": sum(confirmed for _ref, _count, confirmed in refs),
    }


def run_round(args, registry, job_workers, channel, payloads, workdir):
    code, channel_id = channel
    port = free_port()
    config_path = write_server_config(args, job_workers, port, workdir)
    [(since_job_id,)] = query(registry, "SELECT coalesce(max(id), 0) FROM queue_job", [])
    deliveries = []
    for payload in payloads:
        body = json.dumps(payload).encode()
        deliveries.append((sign(body) | {"Content-Type": "application/json"}, body))
    load_before = os.getloadavg()[0]
    process = start_server(config_path, port)
    cpu_before = cpu_times()
    try:
        url = f"http://127.0.0.1:{port}/oms/webhook/{code}"
        warm_up(url, args.workers)
        started = time.monotonic()
        answers = send_burst(url, deliveries, args.senders)
        sent_in = time.monotonic() - started
        cpu_sent, done_when_sent = cpu_times(), count_done(registry, channel_id)
        accepted = sum(1 for _ms, http, status in answers if http == 200 and status == "accepted")
        finished_at = wait_for_intake(
            registry, channel_id, accepted, since_job_id, started + args.timeout
        )
        load_after = os.getloadavg()[0]
        cpu_end = cpu_times()
        busy = cpu_busy(cpu_before, cpu_end)
        # the jobs alone, once every delivery was answered
        after_burst = (
            (accepted - done_when_sent) / (finished_at - started - sent_in)
            if finished_at and finished_at - started > sent_in
            else None
        )
        busy_after_burst = cpu_busy(cpu_sent, cpu_end)
    finally:
        stop_server(process)
    figures = measure(registry, channel_id, [p["name"] for p in payloads], since_job_id)
    timings = [ms for ms, _http, _status in answers]
    figures.update(
        job_workers=job_workers,
        accepted=accepted,
        refused=len(answers) - accepted,
        p50=percentile(timings, 0.50),
        p95=percentile(timings, 0.95),
        p99=percentile(timings, 0.99),
        sent_in=sent_in,
        elapsed=(finished_at - started) if finished_at else None,
        load=(load_before, load_after),
        busy=busy,
        after_burst=after_burst,
        done_when_sent=done_when_sent,
        busy_after_burst=busy_after_burst,
    )
    return figures


def report(args, rounds):
    print(
        f"burst: {args.orders} signed Shopify orders (3 lines over 30 products, "
        f"{args.customers} customers) from {args.senders} senders; server --workers="
        f"{args.workers} --max-cron-threads=1, queue_job runner"
    )
    base_rate = None
    for figures in rounds:
        elapsed = figures["elapsed"]
        rate = figures["accepted"] / elapsed if elapsed else 0.0
        base_rate = base_rate or rate
        events = ", ".join(f"{state} {count}" for state, count in sorted(figures["events"].items()))
        print(
            f"root:{figures['job_workers']}  webhook p50 {figures['p50']:6.1f} ms  p95 "
            f"{figures['p95']:6.1f} ms  p99 {figures['p99']:6.1f} ms  (burst sent in "
            f"{figures['sent_in']:.1f} s, {figures['refused']} refused)"
        )
        print(
            "         end to end "
            + (f"{rate:6.1f} orders/s in {elapsed:.1f} s" if elapsed else "TIMED OUT")
            + (f" ({rate / base_rate:.2f}x the first round)" if base_rate and elapsed else "")
            + f"; events: {events}"
        )
        if figures["after_burst"]:
            print(
                f"         after the burst (jobs alone, {figures['done_when_sent']} orders already "
                f"in): {figures['after_burst']:6.1f} orders/s, the cores "
                f"{figures['busy_after_burst']:.0%} busy"
            )
        print(
            f"         {figures['jobs']} jobs ({figures['runs']} runs), "
            f"{figures['retries']} retries, "
            f"{figures['failed_jobs']} failed jobs; orders confirmed {figures['confirmed']}, "
            f"duplicates {figures['duplicates']}, missing {figures['missing']}; load average "
            f"{figures['load'][0]:.2f} before, {figures['load'][1]:.2f} at the end; the "
            f"{os.cpu_count()} cores {figures['busy']:.0%} busy during the round"
        )
    ok = all(
        f["elapsed"]
        and not f["duplicates"]
        and not f["missing"]
        and not f["events"].get("failed")
        and not f["refused"]
        and not f["failed_jobs"]
        for f in rounds
    )
    return 0 if ok else 1


def main():
    args = parse_args()
    ensure_database(args)
    import odoo

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    logging.getLogger("odoo").setLevel(logging.WARNING)
    registry = odoo.modules.registry.Registry(args.database)
    channels, payloads = prepare_data(registry, args)
    workdir = ROOT / "var" / "bench_parallel"
    workdir.mkdir(parents=True, exist_ok=True)
    rounds = []
    for job_workers, channel in zip(
        [int(n) for n in args.job_workers.split(",")], channels, strict=True
    ):
        print(f"round root:{job_workers}: {len(payloads)} orders", flush=True)
        rounds.append(run_round(args, registry, job_workers, channel, payloads, workdir))
    return report(args, rounds)


if __name__ == "__main__":
    sys.exit(main())
