# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class OmsChannelEvent(models.Model):
    _inherit = "oms.channel.event"

    def _process_marketplace_notification(self):
        """A thin notification (``marketplace.notification``): read the order it names from
        the marketplace's API (the notification's body is never trusted) and take it in, or
        cancel it. An order the API does not show yet raises ``OmsRetryableError``: the job
        asks again a moment later."""
        adapter = self.channel_id._get_adapter()
        payload = adapter.fetch_order(self.external_order_id)
        self._take_in_marketplace_order(adapter, payload)

    def _process_marketplace_cancellation_request(self):
        """A buyer's cancellation request (Yandex Market DBS), notified or pulled: the order is
        read again from the API and the request answered (``_answer_cancellation_request``)."""
        self._process_marketplace_notification()

    def _take_in_marketplace_order(self, adapter, payload):
        """Take in, update or cancel the order of ``payload`` (read from the API now),
        answering first a cancellation request it shows."""
        normalized = adapter.normalize_order(payload)
        if adapter.is_cancellation_requested(payload) and self._answer_cancellation_request(
            adapter, normalized, payload
        ):
            normalized.cancelled_at = fields.Datetime.now()
        bindings = self.env["oms.channel.order"]
        if normalized.cancelled_at:
            binding = bindings._cancel_normalized_order(self.channel_id, normalized, self)
        else:
            binding = bindings._import_normalized_order(self.channel_id, normalized, self)
        self._link_binding(binding)

    def _answer_cancellation_request(self, adapter, normalized, payload):
        """Accept the buyer's request while Odoo has not shipped the order (True: the order
        is cancelled), refuse it with the adapter's reason once shipped (False)."""
        # sudo: whether Odoo shipped decides, whoever's job asks
        binding = (
            self.env["oms.channel.order"]
            .sudo()
            ._get_binding(self.channel_id, normalized.external_id)
        )
        if binding and binding.sale_order_id._is_oms_shipped():
            reason = adapter.get_refusal_reason(payload)
            adapter.answer_cancellation_request(normalized.external_id, False, reason)
            return False
        adapter.answer_cancellation_request(normalized.external_id, True)
        return True

    @api.model
    def _receive_marketplace_notification(self, channel, headers, body, remote_addr):
        """What the notification route does: refuse senders outside the channel's networks
        (403), then store and enqueue as a webhook (``_receive_webhook``)."""
        if not channel._get_adapter().check_notification_source(remote_addr):
            return 403, "source address not allowed", None
        return self._receive_webhook(channel, headers, body)
