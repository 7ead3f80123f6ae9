# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The public webhook route: verify, store, enqueue, answer. Nothing is processed here."""

from urllib.parse import urlencode

from odoo import SUPERUSER_ID, http
from odoo.http import request


def read_body(limit):
    """The raw body of the current request, or None when it is larger than ``limit`` bytes
    (checked on the announced length first, then on what arrived). Every public OMS route
    reads its body through it."""
    httprequest = request.httprequest
    if httprequest.content_length is not None and httprequest.content_length > limit:
        return None
    body = httprequest.get_data(cache=True)
    if not body and httprequest.form:
        # a form-encoded body (WooCommerce's ping) was already parsed by Odoo
        body = urlencode(list(httprequest.form.items(multi=True))).encode()
    return None if len(body) > limit else body


class OmsWebhookController(http.Controller):
    def _json_response(self, http_status, **values):
        return request.make_json_response(values, status=http_status)

    def _get_channel(self, env, code):
        return env["oms.channel"].search([("code", "=", code)], limit=1)

    @http.route(
        "/oms/webhook/<string:code>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def oms_webhook(self, code, **kwargs):
        """Receive one webhook delivery of channel ``code``.

        401 bad or missing signature, 404 unknown channel, 400 body not JSON, 413 body too
        large: nothing is stored. A delivery already received answers 200 "duplicate"."""
        # The senders are shops, not Odoo users: the signature is their authentication. The
        # route therefore works as the superuser (OdooBot), who also owns the processing job
        # it enqueues (queue_job runs a job as the user who enqueued it).
        env = request.env(user=SUPERUSER_ID, su=True)
        channel = self._get_channel(env, code)
        if not channel:
            return self._json_response(404, status="unknown channel")
        body = read_body(channel.webhook_max_bytes or 2 * 1024 * 1024)
        if body is None:
            return self._json_response(413, status="payload too large")
        status, message, event = env["oms.channel.event"]._receive_webhook(
            channel, request.httprequest.headers, body
        )
        values = {"status": message}
        if event:
            values["event"] = event.id
        return self._json_response(status, **values)
