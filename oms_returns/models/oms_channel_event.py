# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging

from odoo import _, models
from odoo.addons.oms_connector.adapters import OmsMappingError, OmsPayloadError
from odoo.addons.oms_connector.adapters.exceptions import OmsWaitingForOrder
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class OmsChannelEvent(models.Model):
    _inherit = "oms.channel.event"

    def _process_return_requested(self):
        """Topic ``return.requested``: create the ``oms.return`` the customer asked for on the
        channel. Idempotent: the same channel return delivered again returns the existing one.

        Raises ``OmsPayloadError`` for a payload that is not a return request and
        ``OmsMappingError`` for an unknown order line or product: the event fails and nothing
        is created. A return of an order Odoo has not taken in yet waits for it
        (``OmsWaitingForOrder``) and is processed again when the order arrives.
        """
        self.ensure_one()
        request = self._get_return_request()
        existing = self.env["oms.return"].search(
            [("channel_id", "=", self.channel_id.id), ("external_id", "=", request.external_id)],
            limit=1,
        )
        if existing:
            _logger.info(
                "Return %s of %s already in Odoo", request.external_id, self.channel_id.name
            )
            return existing
        order = self._get_return_request_order(request)
        record = self._create_channel_return(order, request)
        self.sale_order_id = order
        record.message_post(
            body=_(
                "Requested on %(channel)s (return %(ret)s).",
                channel=self.channel_id.name,
                ret=request.external_id,
            )
        )
        return record

    def _get_return_request(self):
        """The ``ReturnRequest`` of this event, read by the channel's adapter
        (``normalize_return_request``, added to every adapter by ``oms_returns.adapters``)."""
        try:
            payload = json.loads(self.payload)
        except ValueError as exc:
            raise OmsPayloadError(
                _("The return request is not valid JSON: %(error)s", error=exc)
            ) from exc
        return self.channel_id._get_adapter().normalize_return_request(payload)

    def _get_return_request_order(self, request):
        """The sale order ``request`` is about; an error when Odoo does not have it yet (see
        ``_get_return_order_missing_error``)."""
        binding = self.env["oms.channel.order"].search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("external_id", "=", request.order_external_id),
            ],
            limit=1,
        )
        if not binding:
            raise self._get_return_order_missing_error(request)
        return binding.sale_order_id

    def _get_return_order_missing_error(self, request):
        """The error of a return whose order Odoo does not have: ``OmsWaitingForOrder`` (the
        event waits and is woken when the order comes in) when the event names that order,
        else ``OmsMappingError`` (nothing would wake it: retried by the user)."""
        if self.external_order_id != request.order_external_id:
            return OmsMappingError(
                _(
                    "Return %(ret)s is for order %(order)s, which channel %(channel)s never sent "
                    "to Odoo: take the order in first, then retry this event.",
                    ret=request.external_id,
                    order=request.order_external_id,
                    channel=self.channel_id.name,
                )
            )
        return OmsWaitingForOrder(
            _(
                "Return %(ret)s is for order %(order)s, which channel %(channel)s has not "
                "sent to Odoo yet: the return waits for the order and is taken in when it "
                "arrives (if the order's own event failed, fix and retry that one).",
                ret=request.external_id,
                order=request.order_external_id,
                channel=self.channel_id.name,
            )
        )

    def _create_channel_return(self, order, request):
        """The return of ``request`` on ``order``; a return the rules refuse (more than
        delivered, ...) is an ``OmsMappingError`` the user reads on the event."""
        Return = self.env["oms.return"]
        vals = Return._prepare_channel_return_vals(self.channel_id, order, request)
        try:
            with self.env.cr.savepoint():
                return Return.create(vals)
        except ValidationError as exc:
            raise OmsMappingError(
                _(
                    "Return %(ret)s cannot be taken in: %(error)s",
                    ret=request.external_id,
                    error=exc.args[0],
                )
            ) from exc
