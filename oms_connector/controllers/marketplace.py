# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace notification route (Ozon push notifications): check the sender, store, enqueue,
answer, well inside the marketplace's deadline (Ozon: 5 s). Nothing is fetched here."""

from datetime import UTC, datetime

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..adapters.exceptions import OmsPayloadError
from ..adapters.sanitize import loads_json
from .main import read_body


class OmsMarketplaceController(http.Controller):
    def _ozon_answer(self, http_status, values):
        return request.make_json_response(values, status=http_status)

    def _ozon_error(self, http_status, message):
        # Ozon's documented error body
        return self._ozon_answer(
            http_status, {"error": {"code": "ERROR_UNKNOWN", "message": message, "details": None}}
        )

    @http.route(
        "/oms/marketplace/<string:code>/notify",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def oms_marketplace_notify(self, code, **kwargs):
        """One notification of channel ``code``: ``TYPE_PING`` answers the version and time;
        a posting notification is stored (deduplicated on its body) for a job that reads the
        posting from the API; anything else is acknowledged and ignored."""
        # Notifications are unsigned: the source address is their authentication. The route
        # works as the superuser (OdooBot), who owns the processing job it enqueues.
        env = request.env(user=SUPERUSER_ID, su=True)
        channel = env["oms.channel"].search([("code", "=", code)], limit=1)
        if not channel or not channel.is_marketplace:
            return self._ozon_error(404, "unknown channel")
        body = read_body(channel.webhook_max_bytes or 2 * 1024 * 1024)
        if body is None:
            return self._ozon_error(413, "payload too large")
        try:
            payload = loads_json(body)
        except OmsPayloadError:
            payload = None
        remote_addr = request.httprequest.remote_addr
        if isinstance(payload, dict) and payload.get("message_type") == "TYPE_PING":
            if not channel._get_adapter().check_notification_source(remote_addr):
                return self._ozon_error(403, "source address not allowed")
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return self._ozon_answer(200, {"version": "1.0", "name": "oms", "time": now})
        status, message, _event = env["oms.channel.event"]._receive_marketplace_notification(
            channel, request.httprequest.headers, body, remote_addr
        )
        if status != 200:
            return self._ozon_error(status, message)
        return self._ozon_answer(200, {"result": True})
