# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""queue_job's job runner route, with a sign of life held while a job runs (issue 13).

A worker killed during a job (``kill -9``, out of memory, a lost server) leaves the job
*started* for good: queue_job's cleanup requeues only *enqueued* jobs. While this controller
performs a job, its database session holds an advisory lock named after the job; a killed
worker's session ends and frees it. ``queue.job._cron_requeue_dead_oms_jobs`` requeues the
started OMS jobs whose lock is free.
"""

from odoo.addons.queue_job.controllers.main import RunJobController

from ..models.queue_job import job_alive_lock_args


class OmsRunJobController(RunJobController):
    def _try_perform_job(self, env, job):
        # session-level: it outlives the commit of the "started" state, and ends with the
        # session of a killed worker
        env.cr.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", job_alive_lock_args(job.uuid))
        try:
            return super()._try_perform_job(env, job)
        except Exception:
            env.cr.rollback()  # the controller rolls back too; the unlock needs a live transaction
            raise
        finally:
            env.cr.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(%s))", job_alive_lock_args(job.uuid)
            )
