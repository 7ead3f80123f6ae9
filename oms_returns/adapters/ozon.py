# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ozon's returns of FBS postings, read from the Seller API by the channel's pull.

Endpoint: ``POST /v1/returns/list`` (FBO and FBS returns in one list; it replaced
``/v3/returns/company/fbs``, switched off in 2025), filtered on ``return_schema: "FBS"`` and
the moment the return's status last changed, paged by ``last_id`` while ``has_next``. One
Ozon return is one product of one posting (``posting_number``): it becomes one OMS return of
one line, deduplicated on Ozon's return ``id``. The line is the order line of the product's
Ozon SKU, else of its ``offer_id`` (the product's internal reference). Ozon gives the reason
as a text (``return_reason_name``): it is kept as the line's note, under the reason "other".
"""

from datetime import UTC, datetime

from odoo.addons.oms_connector.adapters import register_adapter_extension
from odoo.addons.oms_connector.adapters.reader import load_payload

from .return_request import ReturnRequest, ReturnRequestLine

#: returns read per page (the endpoint's maximum)
OZON_RETURNS_PAGE = 500


@register_adapter_extension("ozon")
class OzonReturnRequestAdapterMixin:
    def fetch_return_requests_since(self, since):
        now = datetime.now(UTC).replace(tzinfo=None)
        body = {
            "filter": {
                "return_schema": "FBS",
                "visual_status_change_moment": {
                    "time_from": _ozon_time(since),
                    "time_to": _ozon_time(now),
                },
            },
            "limit": OZON_RETURNS_PAGE,
            "last_id": 0,
        }
        payloads = []
        for _page in range(1000):
            answer = self._request("POST", "/v1/returns/list", body)
            returns = [r for r in answer.get("returns") or [] if isinstance(r, dict)]
            payloads.extend(returns)
            if not answer.get("has_next") or not returns:
                break
            body["last_id"] = returns[-1].get("id") or 0
        return payloads

    def get_return_request_order_id(self, payload):
        return str(payload.get("posting_number") or "") if isinstance(payload, dict) else ""

    def _parse_return_request(self, payload):
        """One Ozon return (an item of ``/v1/returns/list``) -> a ``ReturnRequest`` of one
        line. Errors name the JSON path of what is wrong (``$.product.quantity``)."""
        ret = load_payload(payload)
        product = ret.obj("product", required=True)
        return_id = ret.ident("id", required=True)
        status = ""
        visual = ret.obj("visual")
        if visual and visual.obj("status"):
            status = visual.obj("status").text("display_name")
        return ReturnRequest(
            external_id=return_id,
            order_external_id=ret.ident("posting_number", required=True),
            name=return_id,
            note=" / ".join(filter(None, [ret.text("type"), status])),
            lines=[
                ReturnRequestLine(
                    line_external_id=product.ident("sku"),
                    sku=product.ident("offer_id"),
                    quantity=product.number("quantity", required=True, minimum=1),
                    reason_code="other",
                    outcome="refund",
                    note=ret.text("return_reason_name"),
                )
            ],
        )


def _ozon_time(value):
    return value.replace(microsecond=0).isoformat() + "Z"
