"""The interface every platform adapter implements, and the registry that picks one per channel.

A new platform is one new subclass decorated with ``@register_adapter("<platform>")`` plus the
selection value on ``oms.channel.platform``: the core never branches on the platform.

Another addon adds its own platform behaviour to the adapters with a mixin decorated with
``@register_adapter_extension("<platform>", ...)`` (no platform: every adapter);
``get_adapter_class`` then answers the adapter class with the registered mixins in front of it.
"""

import logging
import time

from odoo.tools.translate import LazyTranslate

from . import outbound
from .exceptions import OmsPayloadError

_lt = LazyTranslate(__name__, default_lang="en_US")

_logger = logging.getLogger(__name__)

_ADAPTERS = {}
#: platform (``ALL_PLATFORMS``: every platform) -> adapter mixins of other addons, in the order
#: they were registered
_EXTENSIONS = {}
_COMPOSED = {}
ALL_PLATFORMS = "*"

# Normalized webhook / event topics understood by the intake pipeline.
TOPIC_ORDER_CREATED = "order.created"
TOPIC_ORDER_UPDATED = "order.updated"
TOPIC_ORDER_CANCELLED = "order.cancelled"
TOPIC_ORDER_PAID = "order.paid"
TOPIC_TRANSACTION_CREATED = "transaction.created"
TOPIC_REFUND_CREATED = "refund.created"
TOPIC_RETURN_REQUESTED = "return.requested"


def register_adapter(platform):
    """Class decorator: register ``cls`` as the adapter of ``platform``."""

    def decorator(cls):
        cls.platform = platform
        _ADAPTERS[platform] = cls
        return cls

    return decorator


def register_adapter_extension(*platforms):
    """Class decorator: put the mixin ``cls`` in front of the adapters of ``platforms`` (of
    every platform when none is given), so that an addon adds methods to the adapters (or
    overrides them, calling ``super()``) without a registry of its own.

    A mixin registered later comes first in the adapter's MRO; a platform's own mixins come
    before the mixins of every platform, so ``@register_adapter_extension()`` gives a default
    that ``@register_adapter_extension("shopify")`` refines."""

    def decorator(cls):
        for platform in platforms or (ALL_PLATFORMS,):
            _EXTENSIONS.setdefault(platform, []).append(cls)
        _COMPOSED.clear()
        return cls

    return decorator


def _extension_addon(mixin):
    """The addon a mixin comes from (``odoo.addons.<addon>.…``), None outside an addon."""
    parts = mixin.__module__.split(".")
    return parts[2] if parts[:2] == ["odoo", "addons"] and len(parts) > 2 else None


def get_adapter_class(platform, env=None):
    """The adapter class of ``platform`` with the registered extension mixins in front of it.
    With ``env``, only the mixins of addons loaded in its database (a server may serve
    databases with different addons installed)."""
    try:
        adapter_class = _ADAPTERS[platform]
    except KeyError as exc:
        raise KeyError(f"No adapter registered for platform {platform!r}") from exc
    mixins = [
        *reversed(_EXTENSIONS.get(platform, ())),
        *reversed(_EXTENSIONS.get(ALL_PLATFORMS, ())),
    ]
    if env is not None:
        loaded = env.registry._init_modules
        mixins = [m for m in mixins if _extension_addon(m) in (None, *loaded)]
    if not mixins:
        return adapter_class
    key = (adapter_class, tuple(mixins))
    if key not in _COMPOSED:
        _COMPOSED[key] = type(
            adapter_class.__name__,
            (*mixins, adapter_class),
            {"__module__": adapter_class.__module__, "__doc__": adapter_class.__doc__},
        )
    return _COMPOSED[key]


class ChannelAdapter:
    """Talks to one channel of one platform. Built with ``channel._get_adapter()``.

    Inbound: verify and read webhooks, normalize orders, pull orders.
    Outbound: tell the channel about shipments, stock levels and refunds.
    Methods raise the errors of ``adapters.exceptions``; HTTP calls always use a timeout.
    """

    platform = None
    #: header carrying the platform's unique delivery id (None: derived from the body)
    delivery_id_header = None
    #: header carrying the platform's name of the webhook topic
    topic_header = None
    #: stock levels sent per request, and requests per second allowed (routing stock push)
    stock_batch_size = 50
    stock_requests_per_second = 2.0
    #: whether the platform's order lines carry the product's barcode (channel form warning)
    order_lines_have_barcode = False

    def __init__(self, channel):
        self.channel = channel
        self.env = channel.env
        self._last_stock_request = None

    def _throttle_stock_request(self):
        """Wait, before a stock request, until ``stock_requests_per_second`` allows it. Every
        HTTP request of ``push_stock_levels`` calls it (one adapter serves a whole push job, so
        requests of successive batches are spaced too)."""
        if self.stock_requests_per_second:
            if self._last_stock_request is not None:
                wait = self._last_stock_request + 1.0 / self.stock_requests_per_second
                time.sleep(max(0.0, wait - time.monotonic()))
            self._last_stock_request = time.monotonic()

    # ----------------------------------------------------------------- webhooks (inbound)
    def verify_webhook(self, headers, body):
        """Raise ``OmsSignatureError`` unless ``body`` (bytes) is signed with the channel secret.

        Must compare in constant time (``hmac.compare_digest``)."""
        raise NotImplementedError

    def get_webhook_topic(self, headers, payload):
        """Return the normalized topic (``TOPIC_*``) of a webhook, or None to acknowledge and
        ignore a topic the OMS does not handle."""
        raise NotImplementedError

    def get_webhook_platform_topic(self, headers, payload):
        """The topic as the platform names it (kept on the event for the user)."""
        if not self.topic_header:
            return ""
        return (headers.get(self.topic_header) or "").strip()[:128]

    def get_webhook_delivery_id(self, headers, body):
        """A unique id of this delivery: the platform's delivery header if it sends one, else a
        digest of the body, so that the same delivery posted again is recognised."""
        raise NotImplementedError

    def get_external_order_id(self, topic, payload):
        """The channel's id of the order the payload is about (for refunds: the parent order)."""
        raise NotImplementedError

    def is_webhook_ping(self, headers, body):
        """True for a platform's unsigned "is this URL alive" delivery, answered 200 and not
        stored (WooCommerce sends ``webhook_id=<id>`` when a webhook is saved)."""
        return False

    def get_order_updated_at(self, payload):
        """When the order in ``payload`` was last updated on the channel (naive UTC datetime),
        or None: pull reconciliation compares it with what Odoo already reflects."""
        raise NotImplementedError

    def is_order_cancelled(self, payload):
        """True when the order payload says the order is cancelled."""
        raise NotImplementedError

    #: where this platform's payload says an order is cancelled (shown in refusals)
    cancellation_fields = "cancelled_at"

    def is_cancellation_notice(self, payload):
        """True when ``payload`` may be taken as the cancellation of an order: it must say so
        itself, since on most platforms the topic header is not signed with the body. A bare
        notice carrying only the order's id (WooCommerce's ``order.deleted``) is one: no order
        body can be mistaken for it."""
        bare_notice = bool(payload) and set(payload) <= {"id", "order_id"}
        return bare_notice or self.is_order_cancelled(payload)

    def check_webhook_topic(self, topic, payload):
        """Raise ``OmsPayloadError`` when ``payload`` contradicts ``topic``. A captured
        ``order.created`` body posted again under ``order.cancelled`` must not cancel the
        order: an order is cancelled only when its payload says so. Extend for other topics
        whose meaning a body can contradict."""
        if (
            topic == TOPIC_ORDER_CANCELLED
            and isinstance(payload, dict)
            and not self.is_cancellation_notice(payload)
        ):
            raise OmsPayloadError(
                _lt(
                    "The topic %(topic)s contradicts the payload, which does not "
                    "say the order is cancelled (%(cancellation_fields)s, or a "
                    "notice carrying only the order's id): refused, nothing was "
                    "changed. A genuine cancellation carries it in the payload; "
                    "check what was sent to the webhook URL.",
                    topic=topic,
                    cancellation_fields=self.cancellation_fields,
                )
            )

    def get_pulled_order_topic(self, payload, known):
        """The topic under which a pulled order is processed; ``known``: Odoo has it already."""
        # a cancelled order Odoo never saw is still taken in (the import reflects the
        # cancellation), so that nothing sold on the channel is missing in Odoo
        if self.is_order_cancelled(payload):
            return TOPIC_ORDER_CANCELLED if known else TOPIC_ORDER_CREATED
        return TOPIC_ORDER_UPDATED if known else TOPIC_ORDER_CREATED

    # ----------------------------------------------------------------- orders (mapping)
    def normalize_order(self, payload):
        """Return a ``NormalizedOrder`` from an order payload; ``OmsPayloadError`` when it is not
        a valid order of this platform."""
        raise NotImplementedError

    def normalize_transaction(self, payload):
        """Return a ``NormalizedPayment`` from a payment transaction payload."""
        raise NotImplementedError

    def normalize_refund(self, payload):
        """Return a ``NormalizedRefund`` from a refund payload."""
        raise NotImplementedError

    # ----------------------------------------------------------------- pull reconciliation
    def fetch_orders_updated_since(self, since):
        """Yield order payloads (dicts) updated at or after ``since`` (a UTC datetime), following
        the platform's paging. ``OmsRetryableError`` on 429 / 5xx / timeouts."""
        raise NotImplementedError

    # ----------------------------------------------------------------- outbound
    def push_fulfillment(self, binding, shipment):
        """Tell the channel that (part of) the order shipped. ``shipment`` is a dict with
        ``carrier``, ``tracking_number``, ``tracking_url`` and ``lines`` (external line id ->
        quantity). Returns the channel's fulfillment id."""
        raise NotImplementedError

    def push_stock_levels(self, levels):
        """Send available-to-promise quantities: ``levels`` is a list of
        (``oms.channel.stock.level`` record, quantity), at most ``stock_batch_size`` long.
        Returns ``{level id: error message}`` for the levels the channel refused (the others
        count as pushed); raises ``OmsRetryableError`` when the whole call must be retried."""
        raise NotImplementedError

    def push_refund(self, binding, refund):
        """Tell the channel that a refund was made in Odoo. ``refund`` is a dict with
        ``amount``, ``currency``, ``reason``, ``lines`` (external line id -> quantity) and
        ``reference``. Returns the channel's refund id."""
        raise NotImplementedError

    def _post_refund(self, url, body, headers, auth=None):
        """POST the refund ``body`` (bytes) to ``url``; the channel's JSON answer."""
        if url and "://" not in url:
            url = f"https://{url}"
        return outbound.send_json(
            "POST", url, body=body, headers=headers, auth=auth, platform=self.channel.name
        )
