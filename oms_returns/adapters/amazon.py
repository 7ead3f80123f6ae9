# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon's returns of merchant-fulfilled (MFN) orders, read by the channel's pull.

SP-API publishes MFN returns only as a report: Reports API 2021-06-30 with the report type
``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` (tab separated, one row per returned item of
an RMA; its XML twin ``GET_XML_RETURNS_DATA_BY_RETURN_DATE`` carries the same fields):

1. ``POST /reports/2021-06-30/reports`` (``reportType``, ``marketplaceIds``,
   ``dataStartTime``, ``dataEndTime``) -> ``reportId``, kept on the channel;
2. ``GET /reports/2021-06-30/reports/{reportId}`` until ``processingStatus`` is ``DONE``
   (``IN_QUEUE`` / ``IN_PROGRESS``: the next pull asks again; ``CANCELLED``: no data in the
   period; ``FATAL``: an error on the channel);
3. ``GET /reports/2021-06-30/documents/{reportDocumentId}`` -> a pre-signed ``url`` (and
   ``compressionAlgorithm`` ``GZIP`` or none), downloaded without the SP-API token.

The next report starts where the last one ended (``oms_returns_pulled_until``, an hour of
overlap: Amazon lists returns late). The rows are grouped per RMA (``Amazon RMA ID``) into the
OMS' own envelope ``{"amazon_rma_id", "order_id", "rows": [row, ...]}``, each row keyed by
its column in snake case (``merchant_sku``, ``return_quantity``, ``return_reason``: the XML
report's names). One RMA becomes one OMS return, a line per row, matched to the order line
by the SKU; Amazon's reason codes are mapped to the OMS reasons.
"""

import csv
import gzip
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests

from odoo.addons.oms_connector.adapters import (
    OmsError,
    OmsRetryableError,
    register_adapter_extension,
)
from odoo.addons.oms_connector.adapters.outbound import OUTBOUND_TIMEOUT
from odoo.addons.oms_connector.adapters.reader import load_payload
from odoo.addons.oms_connector.adapters.transport import request
from odoo.tools.translate import LazyTranslate

from .return_request import ReturnRequest, ReturnRequestLine

_lt = LazyTranslate(__name__, default_lang="en_US")

AMAZON_RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
REPORTS_PATH = "/reports/2021-06-30"
#: a report starts this long before the end of the last one
AMAZON_RETURNS_OVERLAP = timedelta(hours=1)
#: Amazon's return reason codes -> OMS return reason codes (others: "other")
AMAZON_REASONS = {
    "CR-UNWANTED_ITEM": "unwanted",
    "CR-FOUND_BETTER_PRICE": "unwanted",
    "CR-ORDERED_WRONG_ITEM": "unwanted",
    "CR-DEFECTIVE": "defective",
    "CR-QUALITY_UNACCEPTABLE": "defective",
    "CR-DAMAGED_BY_CARRIER": "defective",
    "CR-DAMAGED_BY_FC": "defective",
    "CR-SWITCHEROO": "wrong_item",
    "AMZ-PG-BAD-DESC": "not_as_described",
    "AMZ-PG-APP-TOO-SMALL": "size_too_small",
    "AMZ-PG-APP-TOO-LARGE": "size_too_large",
    "AMZ-PG-APP-STYLE": "style",
}


@register_adapter_extension("amazon")
class AmazonReturnRequestAdapterMixin:
    def fetch_return_requests_since(self, since):
        """The RMAs of the channel's returns report: the pending one when it is done, else a
        new one is requested (and read at once when Amazon has it ready). An empty list
        while Amazon prepares the report."""
        channel = self.channel.sudo()  # the report's state is the pull's, whoever runs it
        if not channel.oms_returns_report_id:
            start = since
            if channel.oms_returns_pulled_until:
                start = min(since, channel.oms_returns_pulled_until - AMAZON_RETURNS_OVERLAP)
            channel.oms_returns_report_id = self._create_returns_report(start)
        report_id = channel.oms_returns_report_id
        report = self._request("GET", f"{REPORTS_PATH}/reports/{quote(report_id, safe='')}")
        status = report.get("processingStatus")
        if status in ("IN_QUEUE", "IN_PROGRESS"):
            return []
        if status == "FATAL":
            channel.oms_returns_report_id = False
            raise OmsError(
                _lt(
                    "Amazon could not prepare the returns report %(report)s (FATAL).",
                    report=report_id,
                )
            )
        rows = []
        if status == "DONE":
            rows = self._download_report_rows(report.get("reportDocumentId"))
        channel.write(
            {
                "oms_returns_report_id": False,
                "oms_returns_pulled_until": _amazon_time(report.get("dataEndTime")),
            }
        )
        return _group_rows_by_rma(rows)

    def _create_returns_report(self, start):
        """Request the returns report of ``start`` (naive UTC) to now; its id."""
        answer = self._request(
            "POST",
            f"{REPORTS_PATH}/reports",
            {
                "reportType": AMAZON_RETURNS_REPORT,
                "marketplaceIds": self._get_marketplace_ids(),
                "dataStartTime": start.replace(microsecond=0).isoformat() + "Z",
                "dataEndTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
        if not answer.get("reportId"):
            raise OmsError(_lt("Amazon answered no report id for the returns report."))
        return str(answer["reportId"])

    def _download_report_rows(self, document_id):
        """The rows of the report document ``document_id`` as dicts keyed in snake case."""
        if not document_id:
            raise OmsError(_lt("Amazon's returns report has no document."))
        document = self._request(
            "GET", f"{REPORTS_PATH}/documents/{quote(str(document_id), safe='')}"
        )
        url = document.get("url") or ""
        try:
            # a pre-signed URL: no SP-API token, no budget (it is not an SP-API operation)
            response = request("GET", url, "Amazon", timeout=OUTBOUND_TIMEOUT)
        except requests.RequestException as exc:
            raise OmsError(
                _lt("Amazon's report document has no valid URL: %(error)s", error=str(exc))
            ) from exc
        if response.status_code != 200:
            # an expired pre-signed URL: the next pull asks for the document again
            raise OmsRetryableError(
                _lt(
                    "Amazon's report document answered HTTP %(status)s.",
                    status=response.status_code,
                )
            )
        content = response.content
        if document.get("compressionAlgorithm") == "GZIP":
            try:
                content = gzip.decompress(content)
            except (OSError, EOFError) as exc:
                # a truncated download: the next pull reads the document again
                raise OmsRetryableError(
                    _lt("Amazon's report document is not valid GZIP: %(error)s", error=str(exc))
                ) from exc
        text = content.decode("utf-8-sig", errors="replace")
        reader = csv.DictReader(io.StringIO(text), delimiter="\t")
        return [
            {_snake(key): (value or "").strip() for key, value in row.items()} for row in reader
        ]

    def get_return_request_id(self, payload):
        return str(payload.get("amazon_rma_id") or "") if isinstance(payload, dict) else ""

    def get_return_request_order_id(self, payload):
        return str(payload.get("order_id") or "") if isinstance(payload, dict) else ""

    def _parse_return_request(self, payload):
        """One RMA envelope -> a ``ReturnRequest`` of a line per row."""
        rma = load_payload(payload)
        rma_id = rma.ident("amazon_rma_id", required=True)
        rows = rma.objects("rows", required=True)
        statuses = sorted({row.text("return_request_status", limit=64) for row in rows} - {""})
        return ReturnRequest(
            external_id=rma_id,
            order_external_id=rma.ident("order_id", required=True),
            name=rma_id,
            note=" / ".join(statuses),
            lines=[self._parse_amazon_return_row(row) for row in rows],
        )

    def _parse_amazon_return_row(self, row):
        reason = row.text("return_reason", limit=64)
        return ReturnRequestLine(
            line_external_id="",
            sku=row.ident("merchant_sku", required=True),
            quantity=row.number("return_quantity", required=True, minimum=1),
            reason_code=AMAZON_REASONS.get(reason.upper(), "other"),
            outcome="refund",
            note=" / ".join(filter(None, [reason, row.text("resolution")])),
        )


def _snake(header):
    """``"Amazon RMA ID"`` -> ``"amazon_rma_id"``."""
    return re.sub(r"[^0-9a-z]+", "_", (header or "").strip().lower()).strip("_")


def _amazon_time(value):
    """A report's ISO 8601 time as naive UTC; now when absent or unreadable."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC).replace(tzinfo=None)
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _group_rows_by_rma(rows):
    """The OMS envelopes ``{"amazon_rma_id", "order_id", "rows"}`` of the report's rows; a
    row without an RMA id is kept alone (the pull skips it and logs it)."""
    envelopes = {}
    for index, row in enumerate(rows):
        key = row.get("amazon_rma_id") or f"row-{index}"
        envelope = envelopes.setdefault(
            key,
            {"amazon_rma_id": row.get("amazon_rma_id"), "order_id": row.get("order_id")},
        )
        envelope.setdefault("rows", []).append(row)
    return list(envelopes.values())
