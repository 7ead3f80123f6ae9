# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A channel's return request as the returns read it, whatever the platform sent."""

from dataclasses import dataclass, field

from odoo.addons.oms_connector.adapters import OmsPayloadError


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


def required(payload, key, where="return request"):
    """``payload[key]``; ``OmsPayloadError`` when it is missing or empty."""
    value = payload.get(key)
    if value in (None, "", []):
        raise OmsPayloadError(f"The {where} has no {key!r}.")
    return value


def positive_quantity(value, where):
    """``value`` as a positive float; ``OmsPayloadError`` otherwise."""
    try:
        quantity = float(value)
    except (TypeError, ValueError):
        raise OmsPayloadError(f"The quantity of {where} is not a number: {value!r}.") from None
    if quantity <= 0:
        raise OmsPayloadError(f"The quantity of {where} must be positive, not {value!r}.")
    return quantity
