"""Errors raised by adapters and the intake pipeline.

Each carries a message a user can act on; the event that raised it is kept (state ``failed``)
and can
be retried after the fix.
"""


class OmsError(Exception):
    """Base class of OMS errors."""


class OmsSignatureError(OmsError):
    """The webhook signature is missing, malformed or wrong (HTTP 401, nothing stored)."""


class OmsPayloadError(OmsError):
    """The payload is not what the platform documents (missing field, wrong type, bad value)."""


class OmsMappingError(OmsError):
    """The payload is valid but cannot be mapped yet: unknown SKU, unmapped tax, missing address,
    total mismatch. The user fixes the mapping, then retries the event.

    ``problems`` lists what keeps the order out, one dict per problem: ``kind`` (product, tax,
    currency, address, customer, setup, total), ``key`` (the missing mapping it waits for,
    e.g. ``product:sku:TEE-M``: the guided fix retries every event waiting for the same key),
    ``message`` (a sentence naming the fix) and the data the guided fix needs."""

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.problems = list(problems or [])


class OmsRetryableError(OmsError):
    """A temporary failure of the outside system (HTTP 429, 5xx, timeout): try again later.

    ``retry_after`` is the delay in seconds the platform asked for, if any."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class OmsEventIgnored(OmsError):
    """The event changes nothing and is acknowledged as such (state ``ignored``), e.g. an
    update older than what Odoo already reflects. The message says why."""


class OmsWaitingForOrder(OmsMappingError):
    """The event is about an order Odoo has not taken in yet (a payment or refund delivered a
    moment before the order): it waits (state ``waiting``) and is processed again by itself
    when the order arrives."""
