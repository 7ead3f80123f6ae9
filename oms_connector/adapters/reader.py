"""Defensive reading of order payloads for the adapters' ``normalize_*`` methods.

A payload comes from outside: any field can be missing, of the wrong type, absurdly large or
full of unusual characters. ``PayloadReader`` wraps one JSON object and reads typed values out
of it; anything unusable raises ``OmsPayloadError`` naming the JSON path of the field
(``$.line_items[2].quantity``) so the user sees exactly what the channel sent wrong. What a
value may be (storable text, finite number, date in range) is decided in ``sanitize``.
"""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo.tools.translate import LazyTranslate

from . import sanitize
from .exceptions import OmsPayloadError

_lt = LazyTranslate(__name__, default_lang="en_US")

#: largest amount accepted (in any currency): above it a payload is broken or hostile
MAX_AMOUNT = 1e11
#: largest quantity accepted on one line
MAX_QUANTITY = 1e7
#: most lines (items, shipping, fees...) accepted in one list of an order
MAX_ITEMS = 2000
#: longest text kept from a payload field (names, streets); ids are shorter still
MAX_TEXT = 1024
MAX_ID = 255
#: decimals kept of the amounts an adapter adds up for an order: only float noise goes, the
#: intake rounds to the order's currency (2, 0 or 3 decimals) itself
AMOUNT_DIGITS = 6


#: dates a channel can send: from this one to a day ahead of the clock (time zones, clock skew)
EARLIEST_DATE = datetime(2000, 1, 1)
MAX_FUTURE = timedelta(days=1)
#: deadlines a channel sets ahead (a hand-over date): up to a year ahead of the clock
MAX_DEADLINE_AHEAD = timedelta(days=366)


class PayloadReader:
    """Typed, path-aware access to one JSON object of a payload."""

    __slots__ = ("data", "path")

    def __init__(self, data, path="$"):
        if not isinstance(data, dict):
            raise OmsPayloadError(
                _lt(
                    "%(path)s: expected a JSON object, got %(kind)s.",
                    path=path,
                    kind=_type_name(data),
                )
            )
        self.data = data
        self.path = path

    def _path(self, key):
        return f"{self.path}.{key}"

    def has(self, key):
        return self.data.get(key) not in (None, "")

    def raw(self, key, default=None):
        return self.data.get(key, default)

    # -------------------------------------------------------------- scalars
    def text(self, key, required=False, limit=MAX_TEXT):
        """A string (numbers are accepted and converted: platforms send ids as either)."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise OmsPayloadError(_lt("%(path)s: missing (required).", path=self._path(key)))
            return ""
        if isinstance(value, bool):
            raise OmsPayloadError(
                _lt("%(path)s: expected a text, got a boolean.", path=self._path(key))
            )
        if isinstance(value, float):
            sanitize.to_number(value, self._path(key), maximum=None)  # NaN, Infinity
            value = str(value)
        elif isinstance(value, int):
            if abs(value) >= 10**MAX_ID:
                raise OmsPayloadError(
                    _lt("%(path)s: the number has too many digits.", path=self._path(key))
                )
            value = str(value)
        if not isinstance(value, str):
            raise OmsPayloadError(
                _lt(
                    "%(path)s: expected a text, got %(kind)s.",
                    path=self._path(key),
                    kind=_type_name(value),
                )
            )
        text = sanitize.clean_text(value, limit)
        if required and not text:
            raise OmsPayloadError(_lt("%(path)s: missing (required).", path=self._path(key)))
        return text

    def ident(self, key, required=False):
        """An identifier (id, SKU, code): text of at most ``MAX_ID`` characters, refused when
        it holds a character the database cannot store (never altered into another id)."""
        raw = self.data.get(key)
        if isinstance(raw, str):
            sanitize.check_ident(raw.strip(), self._path(key))
        value = self.text(key, required=required, limit=MAX_ID + 1)
        if len(value) > MAX_ID:
            raise OmsPayloadError(
                _lt(
                    "%(path)s: identifier longer than %(limit)s characters.",
                    path=self._path(key),
                    limit=MAX_ID,
                )
            )
        return value

    def number(self, key, required=False, default=0.0, minimum=None, maximum=MAX_AMOUNT):
        """A finite number, from a JSON number or a decimal string (``"24.90"``)."""
        value = self.data.get(key)
        path = self._path(key)
        if value is None or value == "":
            if required:
                raise OmsPayloadError(_lt("%(path)s: missing (required).", path=path))
            return default
        return sanitize.to_number(value, path, minimum=minimum, maximum=maximum)

    def amount(self, key, required=False, signed=False):
        """A money amount: non-negative unless ``signed``."""
        return self.number(key, required=required, minimum=None if signed else 0.0)

    def quantity(self, key, required=True):
        quantity = self.number(key, required=required, minimum=0.0, maximum=MAX_QUANTITY)
        return quantity

    def boolean(self, key, default=False):
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "0", "no"):
            return False
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise OmsPayloadError(
            _lt(
                "%(path)s: expected true or false, got %(value)s.",
                path=self._path(key),
                value=repr(value)[:40],
            )
        )

    def datetime(self, key, required=False, assume_utc=True, max_ahead=None):
        """A naive UTC datetime from an ISO 8601 text; texts without an offset are UTC.
        ``max_ahead`` (a timedelta): how far ahead of the clock the date may lie, by default
        ``MAX_FUTURE`` (a date the channel wrote: creation, update)."""
        value = self.data.get(key)
        path = self._path(key)
        if value is None or value == "":
            if required:
                raise OmsPayloadError(_lt("%(path)s: missing (required).", path=path))
            return None
        parsed = sanitize.to_datetime(value, path, assume_utc=assume_utc)
        return self._ensure_plausible_date(path, value, parsed, max_ahead)

    def deadline(self, key, required=False):
        """A deadline the channel sets ahead (an Ozon posting's ``shipment_date``, Amazon's
        ``LatestShipDate``) as a naive UTC datetime: like ``datetime``, but days ahead of the
        clock are plausible (a posting taken in on Friday is due on Monday), up to
        ``MAX_DEADLINE_AHEAD``."""
        return self.datetime(key, required=required, max_ahead=MAX_DEADLINE_AHEAD)

    @staticmethod
    def _ensure_plausible_date(path, value, parsed, max_ahead=None):
        """``parsed`` (naive UTC), unless it is before ``EARLIEST_DATE`` or more than
        ``max_ahead`` (default ``MAX_FUTURE``) ahead of the clock: a date no shop can have
        written (issue 13: an order of 0001-01-01 came first in every routing batch)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        if EARLIEST_DATE <= parsed <= now + (max_ahead or MAX_FUTURE):
            return parsed
        values = {
            "path": path,
            "value": repr(value)[:40],
            "earliest": format(EARLIEST_DATE, "%Y-%m-%d"),
            "now": format(now, "%Y-%m-%d %H:%M"),
        }
        if max_ahead == MAX_DEADLINE_AHEAD:
            raise OmsPayloadError(
                _lt(
                    "%(path)s: the deadline %(value)s is implausible (before %(earliest)s or "
                    "more than a year ahead of %(now)s UTC).",
                    **values,
                )
            )
        raise OmsPayloadError(
            _lt(
                "%(path)s: the date %(value)s is implausible (before "
                "%(earliest)s or more than a day ahead of %(now)s UTC).",
                **values,
            )
        )

    # -------------------------------------------------------------- structures
    def obj(self, key, required=False):
        """A nested object as a ``PayloadReader``, or None when absent."""
        value = self.data.get(key)
        if value is None or value == {} or value == []:
            if required:
                raise OmsPayloadError(_lt("%(path)s: missing (required).", path=self._path(key)))
            return None
        return PayloadReader(value, self._path(key))

    def items(self, key, required=False, limit=MAX_ITEMS):
        """A list, as ``(index, element)`` pairs; None or absent is the empty list."""
        value = self.data.get(key)
        path = self._path(key)
        if value is None:
            if required:
                raise OmsPayloadError(_lt("%(path)s: missing (required).", path=path))
            return []
        if not isinstance(value, list):
            raise OmsPayloadError(
                _lt("%(path)s: expected a list, got %(kind)s.", path=path, kind=_type_name(value))
            )
        if len(value) > limit:
            raise OmsPayloadError(
                _lt(
                    "%(path)s: %(count)s entries, at most %(limit)s accepted.",
                    path=path,
                    count=len(value),
                    limit=limit,
                )
            )
        return list(enumerate(value))

    def objects(self, key, required=False, limit=MAX_ITEMS):
        """A list of objects, as ``PayloadReader``s."""
        path = self._path(key)
        return [
            PayloadReader(element, f"{path}[{index}]")
            for index, element in self.items(key, required=required, limit=limit)
        ]


_type_name = sanitize.type_name


def round_amount(value, digits=2):
    """Round half away from zero, as shops show amounts (Python's round() is banker's)."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def load_payload(payload):
    """The payload as a ``PayloadReader``: accepts a dict, or the raw JSON text / bytes."""
    if isinstance(payload, bytes | str):
        payload = sanitize.loads_json(payload)
    return PayloadReader(payload)


def read_currency(reader, key="currency", required=True):
    """An ISO 4217 currency code (upper case) read from ``reader``."""
    currency = reader.text(key, required=required, limit=8).upper()
    if currency and (len(currency) != 3 or not currency.isalpha() or not currency.isascii()):
        raise OmsPayloadError(
            _lt(
                "%(path)s.%(key)s: %(currency)s is not an ISO 4217 code.",
                path=reader.path,
                key=key,
                currency=repr(currency),
            )
        )
    return currency
