"""Defensive reading of order payloads for the adapters' ``normalize_*`` methods.

A payload comes from outside: any field can be missing, of the wrong type, absurdly large or
full of unusual characters. ``PayloadReader`` wraps one JSON object and reads typed values out
of it; anything unusable raises ``OmsPayloadError`` naming the JSON path of the field
(``$.line_items[2].quantity``) so the user sees exactly what the channel sent wrong.
"""

import json
import math
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .exceptions import OmsPayloadError

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


def _clean_text(value, limit):
    # PostgreSQL refuses NUL characters in text columns: drop them (and other C0 controls
    # but tab and newlines) rather than fail the whole order on an invisible character.
    text = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r").strip()
    return text[:limit]


class PayloadReader:
    """Typed, path-aware access to one JSON object of a payload."""

    __slots__ = ("data", "path")

    def __init__(self, data, path="$"):
        if not isinstance(data, dict):
            raise OmsPayloadError(f"{path}: expected a JSON object, got {_type_name(data)}.")
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
                raise OmsPayloadError(f"{self._path(key)}: missing (required).")
            return ""
        if isinstance(value, bool):
            raise OmsPayloadError(f"{self._path(key)}: expected a text, got a boolean.")
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise OmsPayloadError(f"{self._path(key)}: expected a text, got {value}.")
            value = str(value)
        if not isinstance(value, str):
            raise OmsPayloadError(f"{self._path(key)}: expected a text, got {_type_name(value)}.")
        text = _clean_text(value, limit)
        if required and not text:
            raise OmsPayloadError(f"{self._path(key)}: missing (required).")
        return text

    def ident(self, key, required=False):
        """An identifier (id, SKU, code): text of at most ``MAX_ID`` characters."""
        value = self.text(key, required=required, limit=MAX_ID + 1)
        if len(value) > MAX_ID:
            raise OmsPayloadError(f"{self._path(key)}: identifier longer than {MAX_ID} characters.")
        return value

    def number(self, key, required=False, default=0.0, minimum=None, maximum=MAX_AMOUNT):
        """A finite number, from a JSON number or a decimal string (``"24.90"``)."""
        value = self.data.get(key)
        path = self._path(key)
        if value is None or value == "":
            if required:
                raise OmsPayloadError(f"{path}: missing (required).")
            return default
        if isinstance(value, bool):
            raise OmsPayloadError(f"{path}: expected a number, got a boolean.")
        if isinstance(value, int | float):
            number = float(value) if abs(value) < 1e300 else math.inf
        elif isinstance(value, str):
            if len(value) > 64:
                raise OmsPayloadError(f"{path}: expected a number, got a long text.")
            try:
                number = float(Decimal(value.strip()))
            except (InvalidOperation, ValueError) as exc:
                raise OmsPayloadError(f"{path}: expected a number, got {value[:40]!r}.") from exc
        else:
            raise OmsPayloadError(f"{path}: expected a number, got {_type_name(value)}.")
        if not math.isfinite(number):
            raise OmsPayloadError(f"{path}: the number {value!r} is not finite.")
        if abs(number) > maximum:
            raise OmsPayloadError(
                f"{path}: {number:g} is out of range (at most {maximum:g} is accepted)."
            )
        if minimum is not None and number < minimum:
            raise OmsPayloadError(f"{path}: {number:g} is below the minimum {minimum:g}.")
        return number

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
        raise OmsPayloadError(f"{self._path(key)}: expected true or false, got {value!r:.40}.")

    def datetime(self, key, required=False, assume_utc=True):
        """A naive UTC datetime from an ISO 8601 text; texts without an offset are UTC."""
        value = self.data.get(key)
        path = self._path(key)
        if value is None or value == "":
            if required:
                raise OmsPayloadError(f"{path}: missing (required).")
            return None
        if not isinstance(value, str) or len(value) > 64:
            raise OmsPayloadError(f"{path}: expected an ISO 8601 date, got {value!r:.40}.")
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise OmsPayloadError(f"{path}: expected an ISO 8601 date, got {value!r:.40}.") from exc
        if parsed.tzinfo is None:
            if not assume_utc:
                raise OmsPayloadError(f"{path}: the date {value!r:.40} has no time zone.")
            return parsed
        return parsed.astimezone(UTC).replace(tzinfo=None)

    # -------------------------------------------------------------- structures
    def obj(self, key, required=False):
        """A nested object as a ``PayloadReader``, or None when absent."""
        value = self.data.get(key)
        if value is None or value == {} or value == []:
            if required:
                raise OmsPayloadError(f"{self._path(key)}: missing (required).")
            return None
        return PayloadReader(value, self._path(key))

    def items(self, key, required=False, limit=MAX_ITEMS):
        """A list, as ``(index, element)`` pairs; None or absent is the empty list."""
        value = self.data.get(key)
        path = self._path(key)
        if value is None:
            if required:
                raise OmsPayloadError(f"{path}: missing (required).")
            return []
        if not isinstance(value, list):
            raise OmsPayloadError(f"{path}: expected a list, got {_type_name(value)}.")
        if len(value) > limit:
            raise OmsPayloadError(f"{path}: {len(value)} entries, at most {limit} accepted.")
        return list(enumerate(value))

    def objects(self, key, required=False, limit=MAX_ITEMS):
        """A list of objects, as ``PayloadReader``s."""
        path = self._path(key)
        return [
            PayloadReader(element, f"{path}[{index}]")
            for index, element in self.items(key, required=required, limit=limit)
        ]


def _type_name(value):
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a text",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def round_amount(value, digits=2):
    """Round half away from zero, as shops show amounts (Python's round() is banker's)."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def load_payload(payload):
    """The payload as a ``PayloadReader``: accepts a dict, or the raw JSON text / bytes."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise OmsPayloadError(f"$: the body is not valid JSON ({exc}).") from exc
    return PayloadReader(payload)


def read_currency(reader, key="currency", required=True):
    """An ISO 4217 currency code (upper case) read from ``reader``."""
    currency = reader.text(key, required=required, limit=8).upper()
    if currency and (len(currency) != 3 or not currency.isalpha() or not currency.isascii()):
        raise OmsPayloadError(f"{reader.path}.{key}: {currency!r} is not an ISO 4217 code.")
    return currency
