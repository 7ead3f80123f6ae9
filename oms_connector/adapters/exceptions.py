"""Errors raised by adapters and the intake pipeline.

Each carries a message a user can act on; the event that raised it is kept (state ``failed``)
and can
be retried after the fix.

The adapters know no environment: their messages are lazy translations (``LazyGettext``, made
by ``_lt = LazyTranslate(__name__, default_lang="en_US")``). ``str(exc)`` is English, for logs
and tests; ``exc.translated(env)`` is the message in ``env.lang``, for what a user reads.
"""

from odoo.tools.translate import LazyGettext


class OmsError(Exception):
    """Base class of OMS errors. The message (``args[0]``) is a str or a ``LazyGettext``."""

    def __str__(self):
        message = self.args[0] if len(self.args) == 1 else None
        if isinstance(message, LazyGettext):
            # English whatever the caller's environment: str() is for logs and tests
            return message._translate("en_US")
        return super().__str__()

    def translated(self, env):
        """The message in the language of ``env`` (``env.lang``; English without one): a lazy
        message is translated there, a str (already made with ``_()``) is returned as it is."""
        message = self.args[0] if len(self.args) == 1 else None
        if isinstance(message, LazyGettext):
            return env._(message)
        return str(self)


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


def error_message(exc, env):
    """The message of ``exc`` for a user of ``env``: an ``OmsError`` in ``env.lang``
    (``OmsError.translated``), any other exception as ``str()`` gives it."""
    if isinstance(exc, OmsError):
        return exc.translated(env)
    return str(exc)
