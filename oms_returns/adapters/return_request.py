# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A channel's return request as the returns read it, whatever the platform sent."""

from dataclasses import dataclass, field

from odoo.addons.oms_connector.adapters import OmsPayloadError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__, default_lang="en_US")

#: what ``required`` names in its message by default
RETURN_REQUEST = _lt("return request")


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


def required(payload, key, where=RETURN_REQUEST):
    """``payload[key]``; ``OmsPayloadError`` when it is missing or empty."""
    value = payload.get(key)
    if value in (None, "", []):
        raise OmsPayloadError(_lt("The %(where)s has no %(key)s.", where=where, key=repr(key)))
    return value


def positive_quantity(value, where):
    """``value`` as a positive float; ``OmsPayloadError`` otherwise."""
    try:
        quantity = float(value)
    except (TypeError, ValueError):
        raise OmsPayloadError(
            _lt(
                "The quantity of %(where)s is not a number: %(value)s.",
                where=where,
                value=repr(value),
            )
        ) from None
    if quantity <= 0:
        raise OmsPayloadError(
            _lt(
                "The quantity of %(where)s must be positive, not %(value)s.",
                where=where,
                value=repr(value),
            )
        )
    return quantity
