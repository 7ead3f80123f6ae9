"""HTTP calls the OMS makes to channels to tell them about shipments and stock (routing).

Same error contract as the intake transport: ``OmsRetryableError`` on 429 (with the platform's
``Retry-After``), 5xx, timeouts and connection errors; ``OmsError`` on other refusals.
"""

import hashlib
import hmac
import json

from odoo.tools.translate import LazyTranslate

from .exceptions import OmsError, OmsRetryableError
from .transport import request, retry_after_seconds

_lt = LazyTranslate(__name__, default_lang="en_US")

#: seconds before an outgoing call is abandoned (connect, read)
OUTBOUND_TIMEOUT = (10, 30)


def sign_hex(secret, body):
    """``sha256=<hex HMAC-SHA256>`` of ``body`` (bytes) with ``secret``."""
    return "sha256=" + hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()


def sign_timestamped(secret, timestamp, body):
    """Hex HMAC-SHA256 of ``<timestamp>.<body>``: how generic channels' webhooks are signed,
    both ways."""
    return hmac.new(
        (secret or "").encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()


def send_json(
    method,
    url,
    payload=None,
    headers=None,
    auth=None,
    platform="the channel",
    params=None,
    body=None,
):
    """Send ``payload`` as JSON (or ``body``, bytes already encoded, e.g. signed) and return
    the decoded JSON answer (``{}`` when empty)."""
    if body is None and payload is not None:
        body = json.dumps(payload).encode()
    all_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    all_headers.update(headers or {})
    response = request(
        method,
        url,
        platform,
        timeout=OUTBOUND_TIMEOUT,
        data=body,
        headers=all_headers,
        auth=auth,
        params=params,
    )
    _raise_for_status(response, method, url, platform)
    return _decode_json(response, url, platform)


def _raise_for_status(response, method, url, platform):
    """Nothing for a 1xx / 2xx answer; ``OmsRetryableError`` on 429 and 5xx (with the
    ``Retry-After`` seconds), ``OmsError`` on any other answer of 300 and above."""
    if response.status_code == 429:
        raise OmsRetryableError(
            _lt("%(platform)s is rate limiting the OMS (HTTP 429).", platform=platform),
            retry_after=retry_after_seconds(response),
        )
    if response.status_code >= 500:
        raise OmsRetryableError(
            _lt(
                "%(platform)s answered HTTP %(status)s.",
                platform=platform,
                status=response.status_code,
            ),
            retry_after=retry_after_seconds(response),
        )
    if response.status_code >= 300:
        raise OmsError(
            _lt(
                "%(platform)s answered HTTP %(status)s for %(method)s "
                "%(url)s: %(answer)s (check the channel's API URL and "
                "credentials).",
                platform=platform,
                status=response.status_code,
                method=method,
                url=url,
                answer=response.text[:300],
            )
        )


def _decode_json(response, url, platform):
    """The decoded JSON answer (``{}`` when empty); ``OmsError`` when it is not JSON."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError as exc:
        raise OmsError(
            _lt(
                "%(platform)s answered something that is not JSON at %(url)s.",
                platform=platform,
                url=url,
            )
        ) from exc


def base_url(channel, platform):
    """The channel's API URL with a scheme and no trailing slash."""
    url = (channel.sudo().api_url or "").strip().rstrip("/")  # API settings: OMS managers only
    if not url:
        raise OmsError(
            _lt(
                "Channel %(channel)s: set the API URL to tell %(platform)s "
                "about shipments and stock.",
                channel=channel.name,
                platform=platform,
            )
        )
    if "://" not in url:
        url = "https://" + url
    return url
