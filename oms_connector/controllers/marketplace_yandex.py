# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Yandex Market API notifications: check the sender, store, enqueue, answer. Yandex waits 10 s
for an answer (1 s for ``PING``) and posts to ``<the URL it was given>/notification``;
nothing is fetched here."""

from datetime import UTC, datetime

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..adapters.exceptions import OmsPayloadError
from ..adapters.sanitize import loads_json
from .main import read_body

#: what the OMS answers to every notification (Yandex's documented 200 body)
INTEGRATION_NAME = "Odoo OMS"
INTEGRATION_VERSION = "1.0.0"


class OmsYandexMarketController(http.Controller):
    def _yandex_answer(self, http_status, values):
        return request.make_json_response(values, status=http_status)

    def _yandex_accepted(self):
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return self._yandex_answer(
            200, {"version": INTEGRATION_VERSION, "name": INTEGRATION_NAME, "time": now}
        )

    def _yandex_error(self, http_status, message, kind="UNKNOWN"):
        # Yandex's documented error body (NotificationApiErrorDTO)
        return self._yandex_answer(http_status, {"error": {"type": kind, "message": message}})

    @http.route(
        "/oms/marketplace/<string:code>/notification",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def oms_yandex_market_notification(self, code, **kwargs):
        """One API notification of channel ``code``: ``PING`` answers at once (nothing is
        written); an order notification is stored (deduplicated on its body) for a job that
        reads the order from the API; other types are acknowledged and ignored."""
        # Notifications are unsigned: the source address is their authentication. The route
        # works as the superuser (OdooBot), who owns the processing job it enqueues.
        env = request.env(user=SUPERUSER_ID, su=True)
        channel = env["oms.channel"].search(
            [("code", "=", code), ("platform", "=", "yandex_market")], limit=1
        )
        if not channel:
            return self._yandex_error(404, "unknown channel")
        body = read_body(channel.webhook_max_bytes or 2 * 1024 * 1024)
        if body is None:
            return self._yandex_error(413, "payload too large")
        remote_addr = request.httprequest.remote_addr
        if not channel._get_adapter().check_notification_source(remote_addr):
            return self._yandex_error(403, "source address not allowed")
        try:
            payload = loads_json(body)
        except OmsPayloadError:
            payload = None
        if not isinstance(payload, dict) or not payload.get("notificationType"):
            return self._yandex_error(400, "not a notification", "WRONG_EVENT_FORMAT")
        if payload["notificationType"] == "PING":
            return self._yandex_accepted()
        status, message, _event = env["oms.channel.event"]._receive_marketplace_notification(
            channel, request.httprequest.headers, body, remote_addr
        )
        if status != 200:
            return self._yandex_error(status, message)
        return self._yandex_accepted()
