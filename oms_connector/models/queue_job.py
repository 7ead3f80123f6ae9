# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression

_logger = logging.getLogger(__name__)

#: first key of the advisory lock that a running job's session holds (the second is a hash
#: of the job's uuid), see controllers/queue_job.py
JOB_ALIVE_LOCK_CLASS = 0x0E13
#: started jobs younger than this (seconds) are left alone: a job started by a worker that
#: does not hold the lock (before an upgrade) gets time to finish
DEAD_JOB_GRACE = 60


def job_alive_lock_args(job_uuid):
    return (JOB_ALIVE_LOCK_CLASS, job_uuid)


class QueueJob(models.Model):
    _inherit = "queue.job"

    @api.model
    def _get_dead_job_channels(self):
        """Channels whose started jobs are requeued when their worker died: the OMS jobs,
        which are all idempotent (a job run again finds its work done). Extend to add yours."""
        return ["root.oms"]

    @api.model
    def _cron_requeue_dead_oms_jobs(self, grace=DEAD_JOB_GRACE):
        """Requeue the started jobs of ``_get_dead_job_channels`` whose worker died: no
        session holds their sign of life any more (controllers/queue_job.py). Runs every
        minute: a killed worker's jobs run again within about ``grace`` seconds plus a
        minute. Returns the jobs requeued."""
        domain = expression.AND(
            [
                [("state", "=", "started")],
                [("date_started", "<=", fields.Datetime.now() - timedelta(seconds=grace))],
                expression.OR(
                    [[("channel", "=like", f"{name}%")] for name in self._get_dead_job_channels()]
                ),
            ]
        )
        dead = self.search(domain).filtered(lambda job: not job._is_alive())
        if dead:
            _logger.warning("Requeuing %s jobs of dead workers: %s", len(dead), dead.mapped("uuid"))
            dead.requeue()
        return dead

    def _is_alive(self):
        """True while a worker's session holds the job's sign of life."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", job_alive_lock_args(self.uuid)
        )
        return not self.env.cr.fetchone()[0]
