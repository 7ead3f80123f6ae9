# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Queue jobs run by several threads at once, each job in its own database transaction, the
way queue_job's runner and its ``/queue_job/runjob`` controller run them (issue 13).

Each thread takes the next due pending job (``SKIP LOCKED``, as two runner requests never
run one job), performs it through queue_job's own controller code and, as the controller
does, postpones it on ``RetryableJobError`` or a serialization ``OperationalError`` and fails
it on any other error. ``ParallelJobRun`` counts what happened.
"""

import threading
import time
from dataclasses import dataclass, field

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, api
from odoo.addons.queue_job.controllers.main import PG_RETRY, RunJobController
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY


@dataclass
class ParallelJobRun:
    """The outcome of ``run_jobs_in_parallel``."""

    performed: int = 0
    postponed: int = 0
    #: serialization errors that escaped the job: queue_job postpones them without counting
    #: a retry, so a job meeting them again and again would retry forever
    uncounted_postponed: int = 0
    failed: list = field(default_factory=list)
    timed_out: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name, value=1):
        with self.lock:
            if name == "failed":
                self.failed.append(value)
            else:
                setattr(self, name, getattr(self, name) + value)


def _take_due_job(cr, identity_keys, descending):
    cr.execute(
        f"""
        SELECT uuid FROM queue_job
         WHERE identity_key = ANY(%s) AND state = 'pending'
           AND (eta IS NULL OR eta <= now() AT TIME ZONE 'UTC')
      ORDER BY id {"DESC" if descending else "ASC"}
         LIMIT 1
           FOR UPDATE SKIP LOCKED
        """,
        [identity_keys],
    )
    row = cr.fetchone()
    return row and row[0]


def _has_open_jobs(registry, identity_keys):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT 1 FROM queue_job WHERE identity_key = ANY(%s) "
            "AND state IN ('pending', 'enqueued', 'started') LIMIT 1",
            [identity_keys],
        )
        return bool(cr.fetchone())


def _store_outcome(registry, job, **kwargs):
    """Store a postponed or failed job in a new transaction, as the controller does."""
    job.env.clear()
    with registry.cursor() as new_cr:
        job.env = api.Environment(new_cr, SUPERUSER_ID, {})
        if "failed" in kwargs:
            job.set_failed(exc_info=kwargs["failed"])
        else:
            job.postpone(result=kwargs["message"], seconds=kwargs["seconds"])
            job.set_pending(reset_retry=False)
        job.store()


def _run_one(registry, uuid, cr, run):
    env = api.Environment(cr, SUPERUSER_ID, {})
    job = Job.load(env, uuid)
    try:
        try:
            RunJobController()._try_perform_job(env, job)
            run.add("performed")
        except OperationalError as err:
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            run.add("uncounted_postponed")
            raise RetryableJobError(str(err), seconds=PG_RETRY) from err
    except RetryableJobError as err:
        cr.rollback()
        run.add("postponed")
        _store_outcome(registry, job, message=str(err), seconds=err.seconds)
    except Exception as err:  # the job fails, as under the runner
        cr.rollback()
        run.add("failed", f"{job.func_string}: {type(err).__name__}: {err}")
        _store_outcome(registry, job, failed=f"{type(err).__name__}: {err}")


def _worker(registry, identity_keys, descending, deadline, run, start):
    start.wait()
    while time.monotonic() < deadline:
        with registry.cursor() as cr:
            uuid = _take_due_job(cr, identity_keys, descending)
            if uuid:
                _run_one(registry, uuid, cr, run)
                continue
        if not _has_open_jobs(registry, identity_keys):
            return
        time.sleep(0.1)
    run.add("timed_out", True)


def run_jobs_in_parallel(registry, identity_keys, workers=2, timeout=45):
    """Run the pending jobs of these identity keys (retries keep their key) with ``workers``
    threads, every other one taking the newest job first, until none is open or ``timeout``
    seconds passed. Returns a ``ParallelJobRun``."""
    run = ParallelJobRun()
    deadline = time.monotonic() + timeout
    start = threading.Barrier(workers)
    keys = list(identity_keys)
    threads = [
        threading.Thread(
            target=_worker,
            args=(registry, keys, bool(number % 2), deadline, run, start),
            name=f"oms-job-worker-{number}",
        )
        for number in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 10)
    return run
