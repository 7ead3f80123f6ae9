# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Wildberries' buyer returns (claims) of FBS assembly tasks, read by the channel's pull.

Endpoint: "Buyers Returns" ``GET /api/v1/claims`` on ``returns-api.wildberries.ru`` (token of
the "Buyers Returns" category; the channel's API URL, when set, serves every host),
``is_archive`` false (claims being decided) then true (decided in the last two weeks), paged
by ``offset`` / ``limit`` (200 a page) while a page is full; the endpoint filters on no
date, so the claims already taken in are left before anything else is asked. One claim
(``id``, a UUID) is one unit of one sold item: it becomes one OMS return of one line of
quantity 1, deduplicated on the claim's id. Claims the seller refused (``status`` 1) are not
taken in.

A claim names its sale by ``srid``, which is the ``rid`` of the assembly task; the OMS keys
Wildberries orders by ``orderUid`` with one line per task (line id = task id). The pull
therefore reads the tasks Wildberries lists around the claim's ``order_dt`` (``GET
/api/v3/orders``, the same call as the orders' pull) and stamps the claim with the task's
``orderUid`` and ``id`` (``oms_order_uid``, ``oms_task_id``). A claim whose ``srid`` is no
FBS task of the seller (a sale from a Wildberries warehouse, FBW) is ignored with that
reason. The buyer's comment (``user_comment``) is the line's note, under the reason "other".
"""

from datetime import UTC, datetime, timedelta

from odoo.addons.oms_connector.adapters import (
    OmsEventIgnored,
    OmsPayloadError,
    register_adapter_extension,
)
from odoo.addons.oms_connector.adapters.reader import load_payload
from odoo.tools.translate import LazyTranslate

from .return_request import ReturnRequest, ReturnRequestLine

_lt = LazyTranslate(__name__, default_lang="en_US")

WB_RETURNS_API_URL = "https://returns-api.wildberries.ru"
#: claims read per page (the endpoint's maximum)
WB_CLAIMS_PAGE = 200
#: claim status: the seller refused the claim
WB_CLAIM_REFUSED = 1
#: the OMS' stamps on a claim: the task's order uid and task id
ORDER_UID_KEY = "oms_order_uid"
TASK_ID_KEY = "oms_task_id"
#: days around the claim's order date in which its task is looked for
WB_TASK_WINDOW_DAYS = 2


@register_adapter_extension("wildberries")
class WildberriesReturnRequestAdapterMixin:
    #: the host of the next ``_request`` ("returns": returns-api, else marketplace-api)
    _wb_api = None
    wb_claims_page_size = WB_CLAIMS_PAGE

    def _get_base_url(self):
        if self._wb_api != "returns":
            return super()._get_base_url()
        url = (self.channel.sudo().api_url or WB_RETURNS_API_URL).strip().rstrip("/")
        return url if "://" in url else "https://" + url

    def fetch_return_requests_since(self, since):
        """The claims (not refused) the OMS has not taken in yet, stamped with their task.
        The endpoint filters on no date: both lists are read whole (claims stay in the
        archive two weeks), and the tasks are looked up only for the claims not stored yet
        (or whose event failed: the new reading may be the fixed one)."""
        claims = [
            claim
            for archived in ("false", "true")
            for claim in self._fetch_wb_claims(archived)
            if claim.get("status") != WB_CLAIM_REFUSED
        ]
        stored = self._get_stored_return_ids([str(claim["id"]) for claim in claims])
        claims = [claim for claim in claims if str(claim["id"]) not in stored]
        self._stamp_wb_claim_tasks(claims)
        return claims

    def _get_stored_return_ids(self, return_ids):
        """The ids among ``return_ids`` whose ``return.requested`` event is stored and not
        failed."""
        # sudo: the pull runs for whoever clicked Sync; events are the intake's records
        events = (
            self.env["oms.channel.event"]
            .sudo()
            .search_read(
                [
                    ("channel_id", "=", self.channel.id),
                    ("delivery_id", "in", [f"return:{rid}" for rid in return_ids]),
                    ("state", "!=", "failed"),
                ],
                ["delivery_id"],
            )
        )
        return {event["delivery_id"].split(":", 1)[1] for event in events}

    def _fetch_wb_claims(self, archived):
        """Every claim of the list ``is_archive=archived``, all pages."""
        params = {"is_archive": archived, "limit": self.wb_claims_page_size, "offset": 0}
        claims = []
        for _page in range(1000):
            self._wb_api = "returns"
            try:
                answer = self._request("GET", "/api/v1/claims", params=params)
            finally:
                self._wb_api = None
            page = [c for c in answer.get("claims") or [] if isinstance(c, dict) and c.get("id")]
            claims += page
            if len(page) < self.wb_claims_page_size:
                break
            params["offset"] += len(page)
        return claims

    def _stamp_wb_claim_tasks(self, claims):
        """Stamp each claim with the ``orderUid`` and id of the task of its ``srid``: one
        listing of the tasks per order day the claims name."""
        tasks_by_rid = {}
        for day in sorted({_claim_order_day(c) for c in claims if c.get("srid")} - {None}):
            start = datetime.combine(day, datetime.min.time()) - timedelta(WB_TASK_WINDOW_DAYS)
            end = start + timedelta(days=1 + 2 * WB_TASK_WINDOW_DAYS)
            for task in self._list_wb_tasks(start, end):
                tasks_by_rid.setdefault(str(task.get("rid") or ""), task)
        for claim in claims:
            task = tasks_by_rid.get(str(claim.get("srid") or ""))
            if task and task.get("orderUid") and task.get("id"):
                claim[ORDER_UID_KEY] = str(task["orderUid"])
                claim[TASK_ID_KEY] = str(task["id"])

    def _list_wb_tasks(self, start, end):
        """The assembly tasks created between ``start`` and ``end`` (naive UTC), all pages."""
        params = {
            "limit": self.page_size,
            "next": 0,
            "dateFrom": int(start.replace(tzinfo=UTC).timestamp()),
            "dateTo": int(end.replace(tzinfo=UTC).timestamp()),
        }
        for _page in range(1000):
            answer = self._request("GET", "/api/v3/orders", params=params)
            page = [t for t in answer.get("orders") or [] if isinstance(t, dict)]
            yield from page
            if not page or not answer.get("next") or answer["next"] == params["next"]:
                return
            params["next"] = answer["next"]

    def get_return_request_order_id(self, payload):
        return str(payload.get(ORDER_UID_KEY) or "") if isinstance(payload, dict) else ""

    def _parse_return_request(self, payload):
        """One claim (stamped by the pull) -> a ``ReturnRequest`` of one unit."""
        claim = load_payload(payload)
        claim_id = claim.ident("id", required=True)
        srid = claim.ident("srid", required=True)
        if not claim.has(ORDER_UID_KEY):
            raise OmsEventIgnored(
                f"Wildberries claim {claim_id} is for sale {srid}, which is no FBS assembly "
                "task of this seller (a sale from a Wildberries warehouse): handle it on the "
                "Wildberries seller portal."
            )
        task_id = claim.ident(TASK_ID_KEY, required=True)
        nm_id = claim.ident("nm_id", required=True)
        status = claim.raw("status")
        if status is not None and not isinstance(status, int):
            raise OmsPayloadError(
                _lt("$.status: expected a number, got %(value)s.", value=repr(status)[:40])
            )
        return ReturnRequest(
            external_id=claim_id,
            order_external_id=claim.ident(ORDER_UID_KEY),
            name=f"WB {task_id}",
            note=" / ".join(
                filter(None, [f"nmID {nm_id}", claim.text("imt_name"), claim.text("wb_comment")])
            ),
            lines=[
                ReturnRequestLine(
                    line_external_id=task_id,
                    sku="",
                    quantity=1.0,
                    reason_code="other",
                    outcome="refund",
                    note=claim.text("user_comment"),
                )
            ],
        )


def _parse_wb_date(value):
    """A claim's date (ISO 8601 without a zone, microseconds or not) as naive UTC, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _claim_order_day(claim):
    parsed = _parse_wb_date(claim.get("order_dt")) or _parse_wb_date(claim.get("dt"))
    return parsed.date() if parsed else None
