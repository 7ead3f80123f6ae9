# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class OmsChannelEvent(models.Model):
    _inherit = "oms.channel.event"

    def _process_marketplace_notification(self):
        """A thin notification (``marketplace.notification``): read the order it names from
        the marketplace's API (the notification's body is never trusted) and take it in, or
        cancel it. An order the API does not show yet raises ``OmsRetryableError``: the job
        asks again a moment later."""
        adapter = self.channel_id._get_adapter()
        payload = adapter.fetch_order(self.external_order_id)
        normalized = adapter.normalize_order(payload)
        bindings = self.env["oms.channel.order"]
        if normalized.cancelled_at:
            binding = bindings._cancel_normalized_order(self.channel_id, normalized, self)
        else:
            binding = bindings._import_normalized_order(self.channel_id, normalized, self)
        self._link_binding(binding)

    @api.model
    def _receive_marketplace_notification(self, channel, headers, body, remote_addr):
        """What the notification route does: refuse senders outside the channel's networks
        (403), then store and enqueue as a webhook (``_receive_webhook``)."""
        if not channel._get_adapter().check_notification_source(remote_addr):
            return 403, "source address not allowed", None
        return self._receive_webhook(channel, headers, body)
