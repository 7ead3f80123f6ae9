# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The channel's pull also reads the returns of platforms that publish them only through their
API (marketplaces): each new return becomes a ``return.requested`` event."""

import json
import logging

from odoo import _, models
from odoo.addons.oms_connector.adapters import OmsError, OmsRetryableError
from odoo.addons.oms_connector.adapters.base import TOPIC_RETURN_REQUESTED
from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    def _job_pull_orders(self):
        """Also pull the channel's returns (``fetch_return_requests_since``) since the same
        moment as the orders. They are read before the orders' pull moves ``last_sync_at``,
        so that a rate limit on the returns retries the whole pull from the same moment; their
        events are stored after the orders' ones, so that a return of a new order finds it."""
        self.ensure_one()
        if not self.is_marketplace:
            return super()._job_pull_orders()
        try:
            payloads = self._get_adapter().fetch_return_requests_since(self._get_pull_since())
        except OmsRetryableError as exc:
            raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
        except OmsError as exc:
            # the orders are still pulled; the error shows on the channel
            _logger.warning("Pull of the returns of channel %s failed: %s", self.code, exc)
            payloads, error = None, exc.translated(self.env)
        else:
            error = False
        result = super()._job_pull_orders()
        if error:
            self.last_sync_error = _("Returns not pulled: %(error)s", error=error)
        if payloads:
            events = self._create_return_request_events(payloads)
            events._enqueue_processing()
        return result

    def _create_return_request_events(self, payloads):
        """``return.requested`` events (source "pull") of the pulled returns not stored yet,
        keyed ``return:<the platform's return id>``. Returns the new events."""
        self.ensure_one()
        adapter = self._get_adapter()
        Event = self.env["oms.channel.event"]
        vals_by_delivery = {}
        for payload in payloads:
            return_id = adapter.get_return_request_id(payload)
            if not return_id:
                _logger.warning("Channel %s: pulled return without id, skipped", self.code)
                continue
            delivery_id = f"return:{return_id}"
            vals_by_delivery[delivery_id] = Event._prepare_event_vals(
                self,
                TOPIC_RETURN_REQUESTED,
                delivery_id,
                json.dumps(payload, ensure_ascii=False),
                external_order_id=adapter.get_return_request_order_id(payload),
                source="pull",
            )
        if not vals_by_delivery:
            return Event
        already = Event.search(
            [("channel_id", "=", self.id), ("delivery_id", "in", list(vals_by_delivery))]
        )
        for event in already:
            vals = vals_by_delivery.pop(event.delivery_id)
            self._refresh_failed_return_event(event, vals)
        return Event.create(list(vals_by_delivery.values()))

    def _refresh_failed_return_event(self, event, vals):
        """A failed return event takes the marketplace's new reading of its return (the
        marketplace corrected what failed): Retry then reads the corrected return. A done,
        waiting or pending event keeps the payload it was processed with."""
        if event.state == "failed" and event.payload != vals["payload"]:
            event.write(
                {
                    "payload": vals["payload"],
                    "external_order_id": vals.get("external_order_id") or event.external_order_id,
                }
            )
