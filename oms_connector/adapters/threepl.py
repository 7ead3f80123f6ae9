"""The 3PL shipment confirmation as a 3PL may send it (readme/THREEPL_API.md), checked before
anything is stored: every field the OMS reads has the type the contract gives it, texts the
database can hold, quantities finite and in range."""

from odoo.tools.translate import LazyTranslate

from .exceptions import OmsPayloadError
from .reader import MAX_QUANTITY, PayloadReader
from .sanitize import check_ident, loads_json

_lt = LazyTranslate(__name__, default_lang="en_US")

#: text fields of a confirmation (all optional but ``shipment_id``)
CONFIRMATION_TEXTS = ("carrier", "service", "status", "tracking_number", "tracking_url")
#: largest line id accepted (ours are database ids)
MAX_LINE_ID = 2**31 - 1


def read_shipment_confirmation(body):
    """The confirmation ``body`` (bytes) as a dict, or ``OmsPayloadError`` naming the JSON path
    of the first field that is not what the contract says. The dict is the parsed body itself
    (what the confirmation's processing reads), with ``shipment_id`` stripped."""
    data = loads_json(body)
    reader = PayloadReader(data)
    shipment_id = reader.ident("shipment_id", required=True)
    for key in ("request_id", "picking"):
        _require_text(reader, key)
        reader.ident(key)
    for key in CONFIRMATION_TEXTS:
        _require_text(reader, key)
        reader.text(key)
    reader.datetime("shipped_at")
    for line in reader.objects("lines"):
        _check_line_id(line)
        _require_text(line, "sku")
        line.ident("sku")
        for key in ("quantity_shipped", "quantity"):
            line.number(key, minimum=0.0, maximum=MAX_QUANTITY)
    data["shipment_id"] = shipment_id
    return data


def _check_line_id(line):
    """``OmsPayloadError`` unless the line's ``line_id``, when given, is the id of a line of
    the shipment request: a positive whole number up to ``MAX_LINE_ID`` (or its text)."""
    line_id = line.raw("line_id")
    if line_id in (None, "", 0):
        return
    if isinstance(line_id, str):
        check_ident(line_id, f"{line.path}.line_id")
    if isinstance(line_id, bool) or not (
        (isinstance(line_id, int) and 0 < line_id <= MAX_LINE_ID)
        or (isinstance(line_id, str) and line_id.strip().isdecimal())
    ):
        raise OmsPayloadError(
            _lt(
                "%(path)s.line_id: expected the line id of the shipment "
                "request (a positive whole number), got %(line_id)s.",
                path=line.path,
                line_id=repr(line_id)[:40],
            )
        )
    if isinstance(line_id, str) and int(line_id) > MAX_LINE_ID:
        raise OmsPayloadError(
            _lt(
                "%(path)s.line_id: %(line_id)s is out of range.",
                path=line.path,
                line_id=line_id[:40],
            )
        )


def _require_text(reader, key):
    """The field, when present, must be a JSON text (numbers allowed: ids are sent as both)."""
    value = reader.raw(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise OmsPayloadError(
            _lt(
                "%(path)s.%(key)s: expected a text, got %(value)s.",
                path=reader.path,
                key=key,
                value=repr(value)[:40],
            )
        )
