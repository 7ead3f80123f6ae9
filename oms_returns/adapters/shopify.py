# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shopify's return requests (``returns/request`` webhook)."""

from odoo.addons.oms_connector.adapters import OmsPayloadError, register_adapter_extension
from odoo.tools.translate import LazyTranslate

from .return_request import ReturnRequest, ReturnRequestLine, positive_quantity, required

_lt = LazyTranslate(__name__, default_lang="en_US")


@register_adapter_extension("shopify")
class ShopifyReturnRequestAdapterMixin:
    def _parse_return_request(self, payload):
        """A Shopify Return with its ``order`` and ``return_line_items`` (each with its
        ``fulfillment_line_item.line_item``)."""
        order = payload.get("order") or {}
        if not order.get("id"):
            raise OmsPayloadError(_lt("The Shopify return has no order id."))
        lines = [
            self._parse_shopify_return_line(item, _lt("return line item %(index)s", index=index))
            for index, item in enumerate(required(payload, "return_line_items"), start=1)
        ]
        if payload.get("exchange_line_items"):
            # Shopify exchanges pair new items with returned ones: ask for an exchange on every
            # returned line, the back office picks the new product.
            for line in lines:
                line.outcome = "exchange"
        return ReturnRequest(
            external_id=str(required(payload, "id")),
            order_external_id=str(order["id"]),
            name=str(payload.get("name") or ""),
            note="",
            lines=lines,
        )

    def _parse_shopify_return_line(self, item, where):
        line_item = (
            (item.get("fulfillment_line_item") or {}).get("line_item")
            or item.get("line_item")
            or {}
        )
        if not (line_item.get("id") or line_item.get("sku")):
            raise OmsPayloadError(_lt("The Shopify %(where)s has no line item.", where=where))
        return ReturnRequestLine(
            line_external_id=str(line_item.get("id") or ""),
            sku=str(line_item.get("sku") or ""),
            quantity=positive_quantity(item.get("quantity"), where),
            reason_code=str(item.get("return_reason") or "other").lower(),
            outcome="refund",
            note=str(item.get("customer_note") or item.get("return_reason_note") or ""),
        )
