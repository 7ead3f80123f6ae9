# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Passing conflicts between parallel transactions (issue 13).

Odoo runs every transaction in REPEATABLE READ: a record another transaction committed after
this one started stays invisible to it until it ends. Two jobs creating the same first-sight
record (a customer, a binding, a stock level, the first move of a journal) therefore meet on a
unique key, and a job waiting for a row another one changed gets a serialization failure. Both
are passing: the same work in a new transaction finds the other's record and goes through.
These helpers tell such conflicts from real errors and turn them into retries that queue_job
counts against the job's ``max_retries`` (its own handling of ``OperationalError`` postpones
without counting, so a conflict that keeps coming back would retry forever).
"""

import random
from contextlib import contextmanager

from psycopg2 import OperationalError, errorcodes
from psycopg2.errors import UniqueViolation

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters.exceptions import OmsRetryableError

#: unique keys of what intake, routing and accounting create on first sight: a violation
#: means another transaction created the same record just now
PASSING_UNIQUE_CONSTRAINTS = {
    "oms_channel_partner_external_uniq",
    "oms_channel_partner_email_uniq",
    "oms_channel_order_external_uniq",
    "oms_channel_stock_level_channel_product_uniq",
    "account_move_unique_name",
}
#: serialization failure, deadlock, lock not available (NOWAIT or lock timeout)
CONCURRENCY_PGCODES = {
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
    errorcodes.LOCK_NOT_AVAILABLE,
    errorcodes.QUERY_CANCELED,  # lock_timeout / statement_timeout while waiting for a lock
}
#: seconds a retried job waits (random in this range: two conflicting jobs do not meet again)
RETRY_DELAY = (0.5, 2.5)
#: on top of it, a backoff that doubles with each retry of the same job, up to this cap: a job
#: whose order is in another job's long batch waits for that batch instead of spending its
#: retries while it runs (seen with 300-order bursts: "Max. retries reached" on jobs whose
#: events another batch had taken in)
RETRY_BACKOFF_CAP = 30
#: retries of the event processing jobs (queue_job's default is 5)
PROCESSING_MAX_RETRIES = 10


class OmsPassingConflict(OmsRetryableError):
    """Another transaction holds or just created what this one needs: retry in a new
    transaction, after a short delay."""

    def __init__(self, message, retry_after=None):
        super().__init__(message, retry_after=retry_after or random.uniform(*RETRY_DELAY))


def is_passing_conflict(exc):
    """True when ``exc`` is a conflict with a parallel transaction that a retry resolves."""
    if isinstance(exc, OmsPassingConflict):
        return True
    if isinstance(exc, UniqueViolation):
        return getattr(exc.diag, "constraint_name", None) in PASSING_UNIQUE_CONSTRAINTS
    return isinstance(exc, OperationalError) and exc.pgcode in CONCURRENCY_PGCODES


def as_passing_conflict(exc):
    """``exc`` (a passing conflict) as an ``OmsPassingConflict`` with a short message."""
    if isinstance(exc, OmsPassingConflict):
        return exc
    detail = getattr(getattr(exc, "diag", None), "constraint_name", None) or (
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    )
    return OmsPassingConflict(f"Conflict with a parallel transaction ({detail}): retried.")


@contextmanager
def job_retried_on_conflict(env):
    """Run a queue_job job's work; a passing conflict, including one met when its writes are
    flushed, raises ``RetryableJobError`` inside the job, so that the retry counts."""
    # read now: after a conflict the transaction may be aborted and refuse any query
    backoff = get_retry_backoff(env)
    try:
        yield
        env.flush_all()
    except Exception as exc:
        if not is_passing_conflict(exc):
            raise
        conflict = as_passing_conflict(exc)
        delay = conflict.retry_after + backoff
        raise RetryableJobError(str(conflict), seconds=int(delay) + 1) from exc


def get_retry_backoff(env):
    """Seconds added to a passing conflict's delay for the queue job running in ``env``
    (``job_uuid`` in its context): 0 on its first try, then 1, 3, 7, 15, then
    ``RETRY_BACKOFF_CAP`` (2^retry - 1)."""
    job_uuid = env.context.get("job_uuid")
    if not job_uuid:
        return 0
    # sudo: the job's own row, read for its retry count whoever enqueued it
    job = env["queue.job"].sudo().search([("uuid", "=", job_uuid)], limit=1)
    return min(2 ** (job.retry or 0) - 1, RETRY_BACKOFF_CAP)
