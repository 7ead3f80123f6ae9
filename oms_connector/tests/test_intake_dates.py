# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Implausible dates are refused at intake with their JSON path (issue 13, kind 5): an order of
0001-01-01 once came first in every routing batch and failed them all."""

import json
from datetime import UTC, datetime, timedelta

from odoo.tests import TransactionCase, tagged

from ..adapters.exceptions import OmsPayloadError
from ..adapters.reader import PayloadReader
from .common_intake import IntakeChannelMixin, load_payload


@tagged("post_install", "-at_install", "oms_clock")
class TestIntakeDates(IntakeChannelMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_channels()
        cls._setup_order_mapping(cls.generic)

    def _process(self, number, **dates):
        payload = load_payload("generic_order.json")
        payload.update(id=f"DATE-{number}", number=f"DATE-{number}", **dates)
        event = self.env["oms.channel.event"].create(
            self.env["oms.channel.event"]._prepare_event_vals(
                self.generic,
                "order.created",
                f"date-{number}",
                json.dumps(payload),
                external_order_id=payload["id"],
            )
        )
        event._job_process()
        return event

    def test_implausible_dates_are_refused_with_their_path(self):
        # "now" from the clock the reader reads
        now = datetime.now(UTC)
        cases = [
            ("created_at", "0001-01-01T00:00:00Z"),
            ("created_at", "1999-12-31T23:59:59Z"),
            ("updated_at", (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ]
        for number, (key, value) in enumerate(cases):
            with self.subTest(key=key, value=value):
                event = self._process(number, **{key: value})
                self.assertEqual(event.state, "failed")
                # years outside 1900-2999 are refused by the payload sanitizer first (issue
                # 17), the others by the plausibility check: both name the JSON path
                self.assertRegex(
                    event.error,
                    rf"\$\.{key}: the date '{value}' is (implausible|out of range)",
                )
                self.assertFalse(event.sale_order_id)

    def test_plausible_dates_go_in(self):
        now = datetime.now(UTC)
        stamp = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = self._process(9, created_at="2000-01-01T00:00:00Z", updated_at=stamp)
        self.assertEqual(event.state, "done", event.error)

    def test_deadlines_may_lie_days_ahead_not_years(self):
        # a hand-over deadline (Ozon shipment_date, Amazon LatestShipDate) is set ahead by
        # the channel: days ahead go in, a date beyond a year ahead is refused with its path
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        ahead = now + timedelta(days=3)
        reader = PayloadReader(
            {
                "shipment_date": ahead.isoformat() + "Z",
                "far": (now + timedelta(days=400)).isoformat() + "Z",
                "created": ahead.isoformat() + "Z",
            }
        )
        self.assertEqual(reader.deadline("shipment_date"), ahead)
        self.assertIsNone(reader.deadline("missing"))
        with self.assertRaisesRegex(OmsPayloadError, r"\$\.far: the deadline '.*' is implausible"):
            reader.deadline("far")
        with self.assertRaisesRegex(OmsPayloadError, r"\$\.created: the date '.*' is implausible"):
            reader.datetime("created")
