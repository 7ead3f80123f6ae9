"""Helpers shared by the adapters' transport methods: signatures, dates and HTTP calls.

Nothing here knows a platform: the adapters call these helpers with their platform's header
names, secrets and URLs.
"""

import base64
import hashlib
import hmac
import logging

import requests

from odoo.tools.translate import LazyTranslate

from . import sanitize
from .exceptions import OmsError, OmsPayloadError, OmsRetryableError, OmsSignatureError

_lt = LazyTranslate(__name__, default_lang="en_US")

_logger = logging.getLogger(__name__)

#: seconds before an outgoing HTTP call is abandoned (connect, read)
HTTP_TIMEOUT = (10, 60)
#: pages followed at most in one pull, a guard against a platform that pages forever
MAX_PAGES = 1000


def get_header(headers, name):
    """The value of header ``name`` (case-insensitive) or ``""``; control characters (which
    the database cannot store, or which no platform sends) are dropped."""
    if hasattr(headers, "get"):
        value = headers.get(name)
        if value is None:
            lowered = name.lower()
            value = next((v for k, v in headers.items() if k.lower() == lowered), None)
        return sanitize.clean_text(value or "", 1024)
    return ""


def hmac_sha256(secret, data):
    """The raw HMAC-SHA256 digest of ``data`` (bytes) keyed with ``secret`` (str)."""
    return hmac.new((secret or "").encode(), data, hashlib.sha256).digest()


def check_base64_signature(secret, body, signature, header_name):
    """Raise ``OmsSignatureError`` unless ``signature`` is the base64 HMAC-SHA256 of ``body``."""
    if not secret:
        raise OmsSignatureError(
            _lt("The channel has no webhook secret: every delivery is refused.")
        )
    if not signature:
        raise OmsSignatureError(_lt("Missing %(header)s header.", header=header_name))
    expected = base64.b64encode(hmac_sha256(secret, body))
    if not hmac.compare_digest(expected, signature.encode("ascii", "replace")):
        raise OmsSignatureError(_lt("Wrong %(header)s signature.", header=header_name))


def check_hex_signature(secret, data, signature, header_name):
    """Raise ``OmsSignatureError`` unless ``signature`` is the hex HMAC-SHA256 of ``data``."""
    if not secret:
        raise OmsSignatureError(
            _lt("The channel has no webhook secret: every delivery is refused.")
        )
    if not signature:
        raise OmsSignatureError(_lt("Missing %(header)s header.", header=header_name))
    expected = hmac_sha256(secret, data).hex().encode()
    if not hmac.compare_digest(expected, signature.lower().encode("ascii", "replace")):
        raise OmsSignatureError(_lt("Wrong %(header)s signature.", header=header_name))


def body_digest(body):
    """A delivery id derived from the body, for platforms that send none."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def id_to_str(value):
    """The channel's id of a record as text (ids are numbers on some platforms), or ``""`` when
    ``value`` is not a usable id (missing, empty, a boolean, an object, a text the database
    cannot store: the adapter's reader refuses it with its JSON path when the event is
    processed)."""
    return sanitize.safe_ident(value)


def parse_datetime(value, assume_utc=True):
    """A naive UTC ``datetime`` (Odoo's convention) from an ISO 8601 string, or None.

    Strings without an offset are taken as UTC when ``assume_utc`` (WooCommerce ``*_gmt``)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return sanitize.to_datetime(value, "$", assume_utc=assume_utc)
    except OmsPayloadError:
        return None


def format_datetime(value):
    """ISO 8601 with an explicit UTC offset, as the platforms' APIs expect in filters."""
    return value.replace(microsecond=0).isoformat() + "+00:00"


def retry_after_seconds(response, *header_names):
    """The seconds a platform asks to wait (``Retry-After``, else the first of
    ``header_names`` present), at least 1; None when it gives none or no number."""
    headers = response.headers
    value = next(
        (headers[name] for name in ("Retry-After", *header_names) if headers.get(name)), None
    )
    try:
        return max(1, int(float(value))) if value else None
    except ValueError:
        return None


def request(method, url, platform, timeout=HTTP_TIMEOUT, **kwargs):
    """``requests.request`` (``kwargs``: its arguments) to an outside system; its
    ``Response`` whatever the status. ``OmsRetryableError`` on a timeout or a refused
    connection (every adapter's calls go through here)."""
    try:
        return requests.request(method, url, timeout=timeout, **kwargs)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise OmsRetryableError(
            _lt(
                "%(platform)s could not be reached at %(url)s: %(error)s",
                platform=platform,
                url=url,
                error=str(exc),
            )
        ) from exc


def http_get(url, params=None, headers=None, auth=None, platform="the platform"):
    """GET ``url`` and return the ``requests.Response`` of a 2xx answer.

    Raise ``OmsRetryableError`` on 429 (with the platform's ``Retry-After``), 5xx, timeouts and
    connection errors; ``OmsError`` with the status and the start of the body on any other
    answer (wrong credentials, wrong URL), which a user has to fix in the channel settings."""
    response = request("GET", url, platform, params=params, headers=headers, auth=auth)
    _raise_for_status(response, platform)
    return response


def _raise_for_status(response, platform):
    """Nothing for a 1xx / 2xx answer; ``OmsRetryableError`` on 429 and 5xx (with the
    ``Retry-After`` seconds), ``OmsError`` on any other answer of 300 and above."""
    if response.status_code == 429:
        raise OmsRetryableError(
            _lt(
                "%(platform)s is rate limiting the OMS (HTTP 429): will try again later.",
                platform=platform,
            ),
            retry_after=retry_after_seconds(response),
        )
    if response.status_code >= 500:
        raise OmsRetryableError(
            _lt(
                "%(platform)s answered HTTP %(status)s: will try again later.",
                platform=platform,
                status=response.status_code,
            ),
            retry_after=retry_after_seconds(response),
        )
    if response.status_code >= 300:
        raise OmsError(
            _lt(
                "%(platform)s answered HTTP %(status)s for %(url)s: "
                "%(answer)s (check the channel's API URL and credentials).",
                platform=platform,
                status=response.status_code,
                url=response.url,
                answer=response.text[:300],
            )
        )


def response_json(response, platform="the platform"):
    """The JSON body of ``response``; ``OmsError`` when it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise OmsError(
            _lt(
                "%(platform)s answered something that is not JSON at %(url)s: %(answer)s",
                platform=platform,
                url=response.url,
                answer=response.text[:200],
            )
        ) from exc
