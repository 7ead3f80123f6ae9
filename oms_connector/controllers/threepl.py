# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 3PL shipment confirmation webhook: verify, store, process, answer."""

import logging

from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..adapters.exceptions import OmsPayloadError, OmsSignatureError
from ..adapters.threepl import read_shipment_confirmation
from ..models.fulfillment.oms_fulfillment_provider import SIGNATURE_HEADER

_logger = logging.getLogger(__name__)


class OmsThreePLController(http.Controller):
    def _json_response(self, http_status, **values):
        return request.make_json_response(values, status=http_status)

    @http.route(
        "/oms/3pl/<string:code>/shipment",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def shipment_confirmation(self, code, **kwargs):
        """A 3PL confirms a shipment (see readme/THREEPL_API.md). 401 on a bad signature,
        400 on a body that is not a confirmation (the message names the JSON path of the
        wrong field: ``adapters.threepl``), 200 with the outcome otherwise; the same
        shipment_id posted again is answered ``duplicate`` and changes nothing."""
        # anonymous call: the provider's signature is the authentication; the delivery is
        # validated by the system user (chatter and stock moves need a real user)
        env = request.env(user=SUPERUSER_ID, su=True)
        body = request.httprequest.get_data()
        provider = env["oms.fulfillment.provider"]._get_by_code(code)
        if not provider:
            return self._json_response(404, error=f"Unknown 3PL {code!r}.")
        try:
            provider._check_signature(body, request.httprequest.headers.get(SIGNATURE_HEADER, ""))
        except OmsSignatureError as exc:
            _logger.warning("3PL %s: refused confirmation: %s", code, exc)
            return self._json_response(401, error=str(exc))
        try:
            data = read_shipment_confirmation(body)
        except OmsPayloadError as exc:
            return self._json_response(400, error=f"Not a shipment confirmation: {exc}")
        return self._process_confirmation(env, provider, data, body)

    def _process_confirmation(self, env, provider, data, body):
        """The answer to the verified confirmation ``data`` of ``provider``: ``duplicate`` for
        a shipment already stored, else it is stored, processed and answered ``done`` (200)
        or ``failed`` (422, with the error)."""
        shipment_id = data["shipment_id"]
        confirmation = env["oms.fulfillment.confirmation"].search(
            [("provider_id", "=", provider.id), ("shipment_id", "=", shipment_id)], limit=1
        )
        if confirmation.state == "done":
            return self._json_response(200, status="duplicate", shipment_id=shipment_id)
        if not confirmation:
            confirmation = self._create_confirmation(env, provider, data, body)
            if not confirmation:
                return self._json_response(200, status="duplicate", shipment_id=shipment_id)
        confirmation._process()
        if confirmation.state == "done":
            return self._json_response(
                200, status="done", shipment_id=shipment_id, picking=confirmation.picking_id.name
            )
        return self._json_response(
            422, status="failed", shipment_id=shipment_id, error=confirmation.error
        )

    def _create_confirmation(self, env, provider, data, body):
        """The new ``oms.fulfillment.confirmation`` of ``data``; empty when a concurrent request
        is storing the same one (the unique key decides)."""
        Confirmation = env["oms.fulfillment.confirmation"]
        try:
            with env.cr.savepoint():
                return Confirmation.create(
                    {
                        "provider_id": provider.id,
                        "shipment_id": data["shipment_id"],
                        "request_id": str(data.get("request_id") or ""),
                        "payload": body.decode("utf-8", "replace"),
                    }
                )
        except IntegrityError:
            # the same confirmation is being stored by a concurrent request
            return Confirmation
