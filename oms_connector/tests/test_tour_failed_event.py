# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from .common_intake import IntakeChannelMixin, load_payload
from .common_tour import OmsTourCase


@tagged("post_install", "-at_install", "oms_tour")
class TestTourFailedEvent(IntakeChannelMixin, OmsTourCase):
    """In the browser, as a sales user: the channel dashboard shows a failed event, the event
    says which SKU is unknown, Retry after the fix takes the order in and opens it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = cls._setup_order_mapping(cls._create_channel("generic", "t-tour"))
        cls.channel.name = "Tour Shop"
        cls.user = new_test_user(
            cls.env,
            login="oms_tour_sales",
            groups="oms_connector.group_oms_user,sales_team.group_sale_salesman",
        )
        payload = load_payload("generic_order.json")
        payload["id"] = "WS-TOUR-0404"
        payload["lines"][1]["sku"] = "OMS-TOUR-404"
        payload["lines"][1]["barcode"] = ""
        Event = cls.env["oms.channel.event"]
        cls.event = Event._store_delivery(
            Event._prepare_event_vals(
                cls.channel,
                "order.created",
                "dlv-tour-0404",
                json.dumps(payload),
                external_order_id="WS-TOUR-0404",
            )
        )
        cls.event._job_process()
        assert cls.event.state == "failed", cls.event.error
        # the fix the user was told to make: the product with that SKU
        cls.env["product.product"].create(
            {"name": "Tour candle", "default_code": "OMS-TOUR-404", "list_price": 35.0}
        )

    def test_failed_event_retried_after_the_fix_creates_the_order(self):
        # queue_job's own switch: Retry processes the event in the request instead of
        # leaving a job for a runner the test server does not have
        with patch.dict("os.environ", {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour(
                "/odoo/action-oms_connector.oms_channel_action",
                "oms_failed_event_tour",
                login=self.user.login,
            )
        self.assertEqual(self.event.state, "done", self.event.error)
        order = self.event.sale_order_id
        self.assertEqual(order.client_order_ref, "WS-123")
        self.assertAlmostEqual(order.amount_total, 234.62, places=2)
