"""Turn a platform's return request payload into a ``ReturnRequest``.

One parser per platform, registered with ``@register_return_parser("<platform>")``; the
``oms.channel.event`` handler only ever sees ``ReturnRequest`` objects. WooCommerce has no native
returns (its refunds are the ``refund.created`` topic): its channels may send our generic JSON.
The generic JSON is documented in ``readme/USAGE.md``.
"""

from dataclasses import dataclass, field

from odoo.addons.oms_connector.adapters import OmsPayloadError

_PARSERS = {}


@dataclass
class ReturnRequestLine:
    line_external_id: str = ""
    sku: str = ""
    quantity: float = 0.0
    reason_code: str = ""
    outcome: str = "refund"  # refund, exchange, credit
    note: str = ""


@dataclass
class ReturnRequest:
    external_id: str
    order_external_id: str
    name: str = ""
    note: str = ""
    lines: list[ReturnRequestLine] = field(default_factory=list)


def register_return_parser(*platforms):
    def decorator(func):
        for platform in platforms:
            _PARSERS[platform] = func
        return func

    return decorator


def parse_return_request(platform, payload):
    """The ``ReturnRequest`` of ``payload`` sent by a channel of ``platform``."""
    parser = _PARSERS.get(platform, _PARSERS["generic"])
    if not isinstance(payload, dict):
        raise OmsPayloadError("A return request must be a JSON object.")
    request = parser(payload)
    if not request.lines:
        raise OmsPayloadError(f"Return request {request.external_id} has no line.")
    return request


def _required(payload, key, where="return request"):
    value = payload.get(key)
    if value in (None, "", []):
        raise OmsPayloadError(f"The {where} has no {key!r}.")
    return value


def _quantity(value, where):
    try:
        quantity = float(value)
    except (TypeError, ValueError):
        raise OmsPayloadError(f"The quantity of {where} is not a number: {value!r}.") from None
    if quantity <= 0:
        raise OmsPayloadError(f"The quantity of {where} must be positive, not {value!r}.")
    return quantity


@register_return_parser("generic", "woocommerce")
def parse_generic_return(payload):
    """Our own JSON: ``{"id", "order_id", "note", "lines": [{"line_id", "sku", "quantity",
    "reason", "outcome", "note"}]}``."""
    lines = []
    for index, line in enumerate(_required(payload, "lines"), start=1):
        where = f"line {index}"
        if not (line.get("line_id") or line.get("sku")):
            raise OmsPayloadError(f"The return {where} has neither 'line_id' nor 'sku'.")
        outcome = line.get("outcome") or "refund"
        if outcome not in ("refund", "exchange", "credit"):
            raise OmsPayloadError(
                f"The outcome of {where} must be refund, exchange or credit, not {outcome!r}."
            )
        lines.append(
            ReturnRequestLine(
                line_external_id=str(line.get("line_id") or ""),
                sku=str(line.get("sku") or ""),
                quantity=_quantity(line.get("quantity"), where),
                reason_code=str(line.get("reason") or "other"),
                outcome=outcome,
                note=str(line.get("note") or ""),
            )
        )
    return ReturnRequest(
        external_id=str(_required(payload, "id")),
        order_external_id=str(_required(payload, "order_id")),
        name=str(payload.get("name") or ""),
        note=str(payload.get("note") or ""),
        lines=lines,
    )


@register_return_parser("shopify")
def parse_shopify_return(payload):
    """Shopify's ``returns/request`` webhook: a Return with its ``order`` and
    ``return_line_items`` (each with its ``fulfillment_line_item.line_item``)."""
    order = payload.get("order") or {}
    if not order.get("id"):
        raise OmsPayloadError("The Shopify return has no order id.")
    lines = []
    for index, item in enumerate(_required(payload, "return_line_items"), start=1):
        where = f"return line item {index}"
        line_item = (
            (item.get("fulfillment_line_item") or {}).get("line_item")
            or item.get("line_item")
            or {}
        )
        if not (line_item.get("id") or line_item.get("sku")):
            raise OmsPayloadError(f"The Shopify {where} has no line item.")
        lines.append(
            ReturnRequestLine(
                line_external_id=str(line_item.get("id") or ""),
                sku=str(line_item.get("sku") or ""),
                quantity=_quantity(item.get("quantity"), where),
                reason_code=str(item.get("return_reason") or "other").lower(),
                outcome="refund",
                note=str(item.get("customer_note") or item.get("return_reason_note") or ""),
            )
        )
    exchange_count = len(payload.get("exchange_line_items") or [])
    if exchange_count:
        # Shopify exchanges pair new items with returned ones: ask for an exchange on every
        # returned line, the back office picks the new product.
        for line in lines:
            line.outcome = "exchange"
    return ReturnRequest(
        external_id=str(_required(payload, "id")),
        order_external_id=str(order["id"]),
        name=str(payload.get("name") or ""),
        note="",
        lines=lines,
    )
