# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A job meeting a passing conflict waits longer at each retry, so that a job whose order sits
in another job's long batch does not spend its retries while that batch runs (issue 13: 300-order
bursts ended with "Max. retries reached" on jobs whose events were taken in)."""

import json

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.tests import TransactionCase, tagged

from ..models.concurrency import (
    PROCESSING_MAX_RETRIES,
    RETRY_BACKOFF_CAP,
    OmsPassingConflict,
    job_retried_on_conflict,
)
from .common_intake import IntakeChannelMixin, load_payload


@tagged("post_install", "-at_install")
class TestJobRetryBackoff(IntakeChannelMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_channels()
        payload = load_payload("generic_order.json")
        Event = cls.env["oms.channel.event"]
        cls.event = Event.create(
            Event._prepare_event_vals(
                cls.generic,
                "order.created",
                "backoff-1",
                json.dumps(payload),
                external_order_id="B-1",
            )
        )
        cls.event._enqueue_processing()
        cls.job = cls.env["queue.job"].search(
            [("model_name", "=", "oms.channel.event"), ("records", "like", f"%{cls.event.id}%")],
            order="id desc",
            limit=1,
        )

    def _delay_at_retry(self, retry):
        self.job.retry = retry
        env = self.env(context=dict(self.env.context, job_uuid=self.job.uuid))
        with self.assertRaises(RetryableJobError) as caught, job_retried_on_conflict(env):
            raise OmsPassingConflict("Another job is processing order B-1: retried.", 1.0)
        return caught.exception.seconds

    def test_processing_jobs_get_more_retries(self):
        self.assertEqual(self.job.max_retries, PROCESSING_MAX_RETRIES)

    def test_delay_doubles_with_each_retry_up_to_the_cap(self):
        # 1 s of the conflict, + 2^retry - 1 of backoff, + 1 (rounded up)
        self.assertEqual(
            [self._delay_at_retry(retry) for retry in range(7)],
            [2, 3, 5, 9, 17, 2 + RETRY_BACKOFF_CAP, 2 + RETRY_BACKOFF_CAP],
        )
