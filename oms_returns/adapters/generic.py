# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Return requests in our generic JSON: what every adapter reads unless its platform has a
format of its own (WooCommerce has no native returns, its channels may send this JSON).
The JSON is documented in ``readme/USAGE.md``."""

from odoo.addons.oms_connector.adapters import OmsPayloadError, register_adapter_extension
from odoo.tools.translate import LazyTranslate

from .return_request import ReturnRequest, ReturnRequestLine, positive_quantity, required

_lt = LazyTranslate(__name__, default_lang="en_US")

OUTCOMES = ("refund", "exchange", "credit")


@register_adapter_extension()
class ReturnRequestAdapterMixin:
    """Adds ``normalize_return_request`` to every adapter. A platform with its own return
    format registers a mixin overriding ``_parse_return_request``."""

    def normalize_return_request(self, payload):
        """The ``ReturnRequest`` of a ``return.requested`` payload; ``OmsPayloadError`` when it
        is not a return request with at least one line."""
        if not isinstance(payload, dict):
            raise OmsPayloadError(_lt("A return request must be a JSON object."))
        request = self._parse_return_request(payload)
        if not request.lines:
            raise OmsPayloadError(
                _lt("Return request %(external_id)s has no line.", external_id=request.external_id)
            )
        return request

    def _parse_return_request(self, payload):
        """Our own JSON: ``{"id", "order_id", "name", "note", "lines": [{"line_id", "sku",
        "quantity", "reason", "outcome", "note"}]}``."""
        return ReturnRequest(
            external_id=str(required(payload, "id")),
            order_external_id=str(required(payload, "order_id")),
            name=str(payload.get("name") or ""),
            note=str(payload.get("note") or ""),
            lines=[
                self._parse_generic_return_line(line, _lt("line %(index)s", index=index))
                for index, line in enumerate(required(payload, "lines"), start=1)
            ],
        )

    def _parse_generic_return_line(self, line, where):
        if not (line.get("line_id") or line.get("sku")):
            raise OmsPayloadError(
                _lt("The return %(where)s has neither 'line_id' nor 'sku'.", where=where)
            )
        outcome = line.get("outcome") or "refund"
        if outcome not in OUTCOMES:
            raise OmsPayloadError(
                _lt(
                    "The outcome of %(where)s must be refund, exchange or credit, "
                    "not %(outcome)s.",
                    where=where,
                    outcome=repr(outcome),
                )
            )
        return ReturnRequestLine(
            line_external_id=str(line.get("line_id") or ""),
            sku=str(line.get("sku") or ""),
            quantity=positive_quantity(line.get("quantity"), where),
            reason_code=str(line.get("reason") or "other"),
            outcome=outcome,
            note=str(line.get("note") or ""),
        )
