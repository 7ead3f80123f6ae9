# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Yandex Market's returns and non-purchases (невыкупы) of the campaign, read by the pull.

Endpoint: ``GET /v2/campaigns/{campaignId}/returns`` (``getReturns``), filtered on the update
date (``fromDate`` / ``toDate``, ``yyyy-MM-dd``), 50 a page, paged by ``page_token`` while
``result.paging.nextPageToken``. One return (``id``) of one order (``orderId``) becomes one
OMS return, deduplicated on its id, with one line per item (``shopSku`` is the offer id: the
product's internal reference) of ``count`` units. ``returnType`` says whether the buyer sent
it back after delivery (``RETURN``) or never took it (``UNREDEEMED``): kept in the return's
note. The reason of an item is its first decision's ``reasonType`` (mapped to the OMS
reasons), its buyer's comment the line's note.
"""

from datetime import UTC, datetime, timedelta

from odoo.addons.oms_connector.adapters import OmsPayloadError, register_adapter_extension
from odoo.addons.oms_connector.adapters.reader import load_payload
from odoo.tools.translate import LazyTranslate

from .return_request import ReturnRequest, ReturnRequestLine

_lt = LazyTranslate(__name__, default_lang="en_US")

#: returns read per page (the endpoint's maximum)
YANDEX_RETURNS_PAGE = 50
#: Yandex Market's reason types -> OMS return reason codes (others: "other")
YANDEX_REASONS = {
    "BAD_QUALITY": "defective",
    "DAMAGE_DELIVERY": "defective",
    "WRONG_ITEM": "wrong_item",
    "CONTENT_FAIL": "not_as_described",
    "DOES_NOT_FIT": "unwanted",
}


@register_adapter_extension("yandex_market")
class YandexMarketReturnRequestAdapterMixin:
    def fetch_return_requests_since(self, since):
        """The returns and non-purchases updated on or after the day of ``since``."""
        today = datetime.now(UTC).date()
        params = {
            "fromDate": min(since.date(), today).isoformat(),
            "toDate": (today + timedelta(days=1)).isoformat(),
            "limit": YANDEX_RETURNS_PAGE,
        }
        path = f"/v2/campaigns/{self._get_campaign_id()}/returns"
        payloads = []
        for _page in range(1000):
            result = self._request("GET", path, params=params).get("result") or {}
            returns = [r for r in result.get("returns") or [] if isinstance(r, dict)]
            payloads += returns
            token = (result.get("paging") or {}).get("nextPageToken")
            if not token or not returns or token == params.get("page_token"):
                break
            params["page_token"] = token
        return payloads

    def get_return_request_order_id(self, payload):
        return str(payload.get("orderId") or "") if isinstance(payload, dict) else ""

    def _parse_return_request(self, payload):
        """One return of ``getReturns`` -> a ``ReturnRequest`` of a line per item."""
        ret = load_payload(payload)
        return_id = ret.ident("id", required=True)
        kind = ret.text("returnType", required=True, limit=32)
        if kind not in ("RETURN", "UNREDEEMED"):
            raise OmsPayloadError(
                _lt(
                    "$.returnType: %(value)s is neither RETURN nor UNREDEEMED.",
                    value=repr(kind)[:40],
                )
            )
        return ReturnRequest(
            external_id=return_id,
            order_external_id=ret.ident("orderId", required=True),
            name=return_id,
            note=" / ".join(filter(None, [kind, ret.text("refundStatus", limit=64)])),
            lines=[self._parse_yandex_return_item(item) for item in ret.objects("items", True)],
        )

    def _parse_yandex_return_item(self, item):
        decisions = item.objects("decisions")
        reason = decisions[0].text("reasonType", limit=64) if decisions else ""
        return ReturnRequestLine(
            line_external_id="",
            sku=item.ident("shopSku", required=True),
            quantity=item.number("count", required=True, minimum=1),
            reason_code=YANDEX_REASONS.get(reason, "other"),
            outcome="refund",
            note=" / ".join(filter(None, (d.text("comment") for d in decisions))),
        )
