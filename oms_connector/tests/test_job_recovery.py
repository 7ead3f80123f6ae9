# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A worker killed (``kill -9``) in the middle of a batch job, then the automatic recovery
(issue 13, kind 2): the job left *started* is requeued once its worker's session is gone,
never while the worker lives, and every order of the burst is then in once.

The worker is a real Odoo server process running the job through queue_job's own
``/queue_job/runjob`` route, as under the job runner. The data is committed and removed.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

import odoo
from odoo.addons.queue_job.job import Job
from odoo.tests import tagged
from odoo.tools import config

from .parallel_jobs import run_jobs_in_parallel
from .test_intake_concurrency import CommittedIntakeCase

_logger = logging.getLogger(__name__)
ODOO_BIN = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
REPOSITORY = Path(__file__).resolve().parents[2]


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestJobRecovery(CommittedIntakeCase):
    def _start_worker(self):
        """A real Odoo server on a free loopback port, without crons or job runner."""
        port = _free_port()
        dbname = self.env.cr.dbname
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [
                sys.executable,
                str(ODOO_BIN),
                "-c",
                config.rcfile,
                "-d",
                dbname,
                f"--db-filter=^{dbname}$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                "--max-cron-threads=0",
                "--workers=0",
                "--load=base,web",
                "--log-level=warn",
            ],
            cwd=REPOSITORY,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(lambda: process.poll() is None and process.kill())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=10).ok:
                    return process, f"http://127.0.0.1:{port}"
            except requests.RequestException:
                time.sleep(0.3)
        self.fail("the worker server did not start")

    def _job_state(self, uuid):
        with self._env() as env:
            return env["queue.job"].search([("uuid", "=", uuid)]).state

    def _wait_for(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return False

    def _requeue_dead_jobs(self):
        with self._env() as env:
            return env["queue.job"]._cron_requeue_dead_oms_jobs(grace=0).mapped("uuid")

    def test_killed_worker_job_runs_again_and_every_order_is_in_once(self):
        tag = f"{self.suffix}k"
        keys = self._post_burst(tag)
        with self._env() as env:
            uuid = env["queue.job"].search([("identity_key", "=", keys[0])]).uuid
            job = Job.load(env, uuid)
            job.set_enqueued()  # as the runner does before it calls the route
            job.store()
        process, base_url = self._start_worker()
        # the batch will wait for this lock when it writes its order lines (their product's
        # key), after it created customers and orders: the worker dies in the middle
        blocker = self.registry.cursor()
        blocker.execute(
            "SELECT id FROM product_product WHERE id = %s FOR UPDATE",
            [self.setup_ids["products"][0]],
        )

        def run_job():
            try:
                requests.get(
                    f"{base_url}/queue_job/runjob",
                    params={"db": self.env.cr.dbname, "job_uuid": uuid},
                    timeout=60,
                )
            except requests.RequestException as exc:
                # the worker is killed while it runs the job: no answer
                _logger.info("The killed worker did not answer: %s", exc)

        request = threading.Thread(target=run_job, daemon=True)
        try:
            request.start()
            self.assertTrue(self._wait_for(lambda: self._job_state(uuid) == "started"))
            time.sleep(1.0)  # into the batch
            self.assertEqual(self._requeue_dead_jobs(), [], "a living worker's job is left")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        finally:
            blocker.rollback()
            blocker.close()
        self.assertEqual(self._job_state(uuid), "started", "the killed worker left it started")
        # the dead worker's database session ends once its statement returns
        self.assertTrue(self._wait_for(lambda: self._requeue_dead_jobs() == [uuid]))
        self.assertEqual(self._job_state(uuid), "pending")
        run = run_jobs_in_parallel(self.registry, keys, workers=2, timeout=40)
        self._assert_burst_in(tag, run)
        request.join(5)
