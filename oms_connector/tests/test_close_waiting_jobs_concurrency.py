# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two batch jobs closing each other's waiting queue jobs, each in its own transaction
(issue 13): closing them is an optimisation that must never undo a batch.

The data is committed (the transactions must see it) and removed again by the cleanup.
"""

import uuid

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCloseWaitingJobsConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            channel = env["oms.channel"].create(
                {
                    "name": "Close Jobs Shop",
                    "code": f"close-jobs-{uuid.uuid4().hex[:6]}",
                    "platform": "generic",
                }
            )
            events = env["oms.channel.event"].create(
                [
                    {
                        "channel_id": channel.id,
                        "topic": "order.created",
                        "delivery_id": f"close-jobs-{number}",
                        "external_order_id": f"CJ-{number}",
                        "payload": "{}",
                    }
                    for number in range(3)
                ]
            )
            events._enqueue_processing()
            keys = [event._get_processing_identity_key() for event in events]
            jobs = env["queue.job"].search([("identity_key", "in", keys)], order="id")
            self.channel_id, self.event_ids, self.job_ids = channel.id, events.ids, jobs.ids
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["queue.job"].browse(self.job_ids).unlink()
            env["oms.channel"].browse(self.channel_id).unlink()

    def _jobs(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return [(job.state, job.result) for job in env["queue.job"].browse(self.job_ids)]

    def test_a_conflict_on_a_waiting_job_never_undoes_the_batch(self):
        first_id, second_id, third_id = self.event_ids
        with self.registry.cursor() as cr_batch:
            env = api.Environment(cr_batch, SUPERUSER_ID, {})
            events = env["oms.channel.event"].browse(self.event_ids)
            # the batch's own work, in the snapshot of its transaction
            events[0].write({"error": "taken in by this batch"})
            env.flush_all()
            # another batch job closes the second event's job and commits after that snapshot
            with self.registry.cursor() as cr_other:
                other = api.Environment(cr_other, SUPERUSER_ID, {})["oms.channel.event"]
                other.browse(second_id)._close_waiting_jobs(other.browse(third_id))
            # a third transaction holds the third event's job
            with self.registry.cursor() as cr_lock:
                cr_lock.execute(
                    "SELECT id FROM queue_job WHERE id = %s FOR UPDATE", [self.job_ids[2]]
                )
                # skipped without waiting for the lock
                events[2]._close_waiting_jobs(events[0])
                # "could not serialize access due to concurrent update": given up, not raised
                events[1]._close_waiting_jobs(events[0])
                cr_lock.rollback()
            self.assertEqual(events[0].error, "taken in by this batch")
            events[0].write({"state": "done"})
            cr_batch.commit()
        with self.registry.cursor() as cr:
            event = api.Environment(cr, SUPERUSER_ID, {})["oms.channel.event"].browse(first_id)
            self.assertEqual((event.state, event.error), ("done", "taken in by this batch"))
        self.assertEqual(
            self._jobs(),
            [
                ("pending", False),
                ("done", f"Processed with the batch of event {third_id}."),
                ("pending", False),
            ],
            "the first job is the batch's own; the second was closed by the other batch; "
            "the third was held by another transaction and is left to run",
        )

    def test_one_job_changed_by_the_runner_does_not_keep_the_others_waiting(self):
        """The runner dispatches a job of the batch (it updates its row) while the batch runs:
        the batch's other jobs are still closed, job by job (before: none was, and each ran
        only to find its event done: ~460 idle runs a 1,000-order burst with 2 workers)."""
        first_id, second_id, third_id = self.event_ids
        with self.registry.cursor() as cr_batch:
            env = api.Environment(cr_batch, SUPERUSER_ID, {})
            events = env["oms.channel.event"].browse(self.event_ids)
            events[0].write({"error": "taken in by this batch"})
            env.flush_all()  # the batch's snapshot is taken
            with self.registry.cursor() as cr_runner:  # the runner touches the third job
                cr_runner.execute(
                    "UPDATE queue_job SET date_enqueued = now() AT TIME ZONE 'UTC' WHERE id = %s",
                    [self.job_ids[2]],
                )
            (events[1] | events[2])._close_waiting_jobs(events[0])
            events[0].write({"state": "done"})
            cr_batch.commit()
        self.assertEqual(
            self._jobs(),
            [
                ("pending", False),
                ("done", f"Processed with the batch of event {first_id}."),
                ("pending", False),
            ],
            "the second job is closed although the third one changed under the batch",
        )
