"""What a value from outside may be before it reaches the database: one place for all routes.

Webhooks, the 3PL confirmation and the portal's forms all take values a sender controls. Python
accepts more than PostgreSQL and Odoo can hold, and each such value used to end in a server
error (HTTP 500, or an "Unexpected error" on the event):

- text: PostgreSQL ``text`` cannot hold NUL, and a lone UTF-16 surrogate (``"\\ud800"``, valid
  in JSON) cannot be encoded to UTF-8 at all;
- numbers: JSON as Python reads it has ``NaN`` and ``Infinity``, and ``1e308`` is finite but
  overflows every sum;
- dates: ``9999-12-31T23:59:59-23:59`` parses, then overflows when converted to UTC.

The adapters' ``PayloadReader`` (``reader.py``), the webhook route, the 3PL confirmation route
and the portal's return form all go through the functions below. Each refusal raises
``OmsPayloadError`` with a message naming the field (a JSON path or a form field), which the
routes answer with a 4xx or keep on the failed event.
"""

import json
import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from odoo.tools.translate import LazyTranslate

from .exceptions import OmsPayloadError

_lt = LazyTranslate(__name__, default_lang="en_US")

#: dates accepted from outside (an order placed before 1900 or after 2999 is a broken payload)
MIN_DATETIME = datetime(1900, 1, 1)
MAX_DATETIME = datetime(2999, 12, 31, 23, 59, 59)
#: deepest nesting of objects and lists accepted in a body
MAX_DEPTH = 64
#: longest text of a number accepted ("24.90", not a thousand digits)
MAX_NUMBER_TEXT = 64


def _is_surrogate(char):
    return "\ud800" <= char <= "\udfff"


def find_unsafe_char(text):
    """A description of the first character of ``text`` the database cannot store (NUL, a
    lone surrogate), or ``""`` when there is none."""
    for char in text:
        if char == "\x00":
            return _lt("a NUL character")
        if _is_surrogate(char):
            return _lt("a lone surrogate (U+%(code)s)", code=format(ord(char), "04X"))
    return ""


def clean_surrogates(text):
    """``text`` with lone surrogates replaced by U+FFFD: for showing a payload (JSON decoded
    with ``ensure_ascii=False``) to a user, which must encode to UTF-8."""
    return "".join("\ufffd" if _is_surrogate(ch) else ch for ch in text)


def clean_text(value, limit):
    """``value`` (a str) made storable: C0 control characters but tab and newlines dropped
    (NUL among them), lone surrogates replaced by U+FFFD, surrounding spaces stripped, cut to
    ``limit`` characters. For free texts (names, streets, notes) where an invisible character
    must not cost the customer their order."""
    text = "".join(
        "\ufffd" if _is_surrogate(ch) else ch for ch in value if ch >= " " or ch in "\t\n\r"
    ).strip()
    return text[:limit]


def check_ident(value, path):
    """``value`` (a str) unchanged, or ``OmsPayloadError``: an identifier (order id, SKU,
    shipment id) holding a NUL, a lone surrogate or another control character is refused,
    never altered, since ``"A\\x00B"`` stripped is another order's id ``"AB"``."""
    unsafe = find_unsafe_char(value)
    if not unsafe and any(ch < " " for ch in value):
        unsafe = _lt("a control character")
    if unsafe:
        raise OmsPayloadError(
            _lt("%(path)s: the identifier holds %(unsafe)s.", path=path, unsafe=unsafe)
        )
    return value


def safe_ident(value, limit=255):
    """An identifier as text for a lookup (``""`` when it is missing or not storable): for
    the transport, which must store a delivery without failing; the reader refuses it later
    with its JSON path."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    text = str(value).strip()[:limit]
    try:
        return check_ident(text, "$")
    except OmsPayloadError:
        return ""


def to_number(value, path, minimum=None, maximum=1e11):
    """A finite float from a JSON number or a decimal text, within ``minimum``/``maximum``
    (absolute value); ``OmsPayloadError`` otherwise (NaN, Infinity, 1e308, "abc", a list)."""
    number = _parse_number(value, path)
    if not math.isfinite(number):
        raise OmsPayloadError(
            _lt(
                "%(path)s: the number %(value)s is not finite.",
                path=path,
                value=clean_text(str(value), 40),
            )
        )
    _check_number_range(number, path, minimum, maximum)
    return number


def _parse_number(value, path):
    """The float of a JSON number or a decimal text (infinite when the text overflows, e.g.
    ``"1e400"``); ``OmsPayloadError`` for a boolean, NaN / Infinity, an integer too large
    for a float, a text that is no number, or any other type."""
    if isinstance(value, bool):
        raise OmsPayloadError(_lt("%(path)s: expected a number, got a boolean.", path=path))
    if isinstance(value, float) and not math.isfinite(value):
        raise OmsPayloadError(
            _lt("%(path)s: the number %(value)s is not finite.", path=path, value=value)
        )
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError as exc:  # an integer of hundreds of digits
            raise OmsPayloadError(_lt("%(path)s: the number is out of range.", path=path)) from exc
    if isinstance(value, str):
        return _parse_decimal_text(value, path)
    raise OmsPayloadError(
        _lt("%(path)s: expected a number, got %(kind)s.", path=path, kind=type_name(value))
    )


def _parse_decimal_text(value, path):
    """The float of a decimal text (``" 24.90 "``); ``OmsPayloadError`` for a text longer
    than ``MAX_NUMBER_TEXT`` or one that is no number (shown cut to 40 characters)."""
    if len(value) > MAX_NUMBER_TEXT:
        raise OmsPayloadError(_lt("%(path)s: expected a number, got a long text.", path=path))
    try:
        return float(Decimal(value.strip()))
    except (InvalidOperation, ValueError, OverflowError) as exc:
        shown = clean_text(value, 40)
        raise OmsPayloadError(
            _lt("%(path)s: expected a number, got %(shown)s.", path=path, shown=repr(shown))
        ) from exc


def _check_number_range(number, path, minimum, maximum):
    """``OmsPayloadError`` when ``abs(number)`` is above ``maximum`` or ``number`` below
    ``minimum`` (None: no bound)."""
    if maximum is not None and abs(number) > maximum:
        raise OmsPayloadError(
            _lt(
                "%(path)s: %(number)s is out of range (at most %(maximum)s is accepted).",
                path=path,
                number=format(number, "g"),
                maximum=format(maximum, "g"),
            )
        )
    if minimum is not None and number < minimum:
        raise OmsPayloadError(
            _lt(
                "%(path)s: %(number)s is below the minimum %(minimum)s.",
                path=path,
                number=format(number, "g"),
                minimum=format(minimum, "g"),
            )
        )


def to_datetime(value, path, assume_utc=True):
    """A naive UTC datetime (Odoo's convention) from an ISO 8601 text between 1900 and 2999;
    texts without an offset are UTC when ``assume_utc``. ``OmsPayloadError`` otherwise."""
    if not isinstance(value, str) or len(value) > 64:
        shown = clean_text(str(value), 40) if isinstance(value, str) else type_name(value)
        raise OmsPayloadError(
            _lt("%(path)s: expected an ISO 8601 date, got %(shown)s.", path=path, shown=shown)
        )
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    shown = clean_text(value, 40)
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        elif not assume_utc:
            raise OmsPayloadError(
                _lt("%(path)s: the date %(shown)s has no time zone.", path=path, shown=repr(shown))
            )
    except (ValueError, OverflowError) as exc:
        raise OmsPayloadError(
            _lt("%(path)s: expected an ISO 8601 date, got %(shown)s.", path=path, shown=repr(shown))
        ) from exc
    if not MIN_DATETIME <= parsed <= MAX_DATETIME:
        raise OmsPayloadError(
            _lt(
                "%(path)s: the date %(shown)s is out of range (years 1900 to "
                "2999 are accepted).",
                path=path,
                shown=repr(shown),
            )
        )
    return parsed


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def check_depth(data, path="$", max_depth=MAX_DEPTH):
    """``OmsPayloadError`` when objects and lists are nested deeper than ``max_depth``."""
    stack = [(data, path, 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= max_depth:
                raise OmsPayloadError(
                    _lt(
                        "%(where)s: nested deeper than %(max_depth)s levels.",
                        where=where,
                        max_depth=max_depth,
                    )
                )
            if isinstance(value, dict):
                children = ((f"{where}.{key}", child) for key, child in value.items())
            else:
                children = ((f"{where}[{index}]", child) for index, child in enumerate(value))
            for child_path, child in children:
                if isinstance(child, dict | list):
                    stack.append((child, child_path, depth + 1))


def loads_json(body):
    """Parse a JSON body (bytes or str) as the standard defines it: ``NaN``, ``Infinity``
    and nesting deeper than ``MAX_DEPTH`` are refused. ``OmsPayloadError`` with the reason."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        data = json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise OmsPayloadError(
            _lt("$: the body is not UTF-8 (%(reason)s).", reason=exc.reason)
        ) from exc
    except (ValueError, RecursionError) as exc:
        reason = _lt("nested too deeply") if isinstance(exc, RecursionError) else str(exc)
        raise OmsPayloadError(
            _lt("$: the body is not valid JSON (%(reason)s).", reason=reason)
        ) from exc
    check_depth(data)
    return data


def type_name(value):
    """How a JSON value's type is named in messages."""
    if value is None:
        return "null"
    return {
        bool: _lt("a boolean"),
        int: _lt("a number"),
        float: _lt("a number"),
        str: _lt("a text"),
        list: _lt("a list"),
        dict: _lt("an object"),
    }.get(type(value), type(value).__name__)
