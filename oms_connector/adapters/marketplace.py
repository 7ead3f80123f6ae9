"""What the marketplace adapters (Ozon, Wildberries) share: pulled orders, a request budget, thin
notifications.

Marketplaces differ from shops in three ways this base absorbs:

* **They are pulled.** An order (an Ozon posting, a Wildberries group of assembly tasks) carries
  no "last updated" time, so the OMS stamps every order it reads with ``oms_observed_at`` (the
  moment it read it, UTC ISO 8601): the intake's staleness check then keeps the newest reading.
  A pull yields only the orders Odoo does not know yet and those whose marketplace status
  differs from the one Odoo holds (``_drop_known_unchanged``), so polling the same open orders
  every few minutes stores nothing new.
* **Quotas are budgets.** Every HTTP call first takes a token from the channel's request budget
  (``oms.marketplace.budget``: a token bucket in one row per channel, shared by pulls, status
  and stock pushes of every job and worker); a 429 empties the bucket for the time the
  marketplace asked for.
* **Notifications are thin.** A notification only names an order; ``fetch_order`` reads it
  from the API (the notification's body is never trusted). An order the API does not return
  yet raises ``OmsRetryableError``: the processing job tries again a moment later.

Subclasses set ``default_api_url``, the budget figures and implement ``_fetch_order_payloads``,
``fetch_order``, ``get_order_status`` and the outbound methods.
"""

import json
import logging
from datetime import UTC, datetime
from ipaddress import ip_address, ip_network

from odoo.tools.translate import LazyTranslate

from .base import TOPIC_ORDER_CREATED, TOPIC_ORDER_UPDATED, ChannelAdapter
from .exceptions import OmsError, OmsPayloadError, OmsRetryableError
from .normalized import NormalizedTax
from .outbound import OUTBOUND_TIMEOUT
from .reader import round_amount
from .transport import body_digest, request, retry_after_seconds

_lt = LazyTranslate(__name__, default_lang="en_US")

_logger = logging.getLogger(__name__)

#: the key under which the OMS stamps the moment it read an order from the marketplace
OBSERVED_AT_KEY = "oms_observed_at"
#: topic of a thin notification: the order it names is fetched when the event is processed
TOPIC_MARKETPLACE_NOTIFICATION = "marketplace.notification"
#: seconds the processing job waits before asking again for an order the API does not show yet
NOT_YET_VISIBLE_RETRY = 5


class MarketplaceNotFoundError(OmsError):
    """The marketplace answered 404: the object does not exist (yet)."""


class MarketplaceRefusedError(OmsError):
    """The marketplace refused the call (4xx): ``status`` and its decoded ``answer``."""

    def __init__(self, message, status=None, answer=None):
        super().__init__(message)
        self.status = status
        self.answer = answer


class MarketplaceAdapter(ChannelAdapter):
    """Base of the pulled, budgeted marketplace adapters."""

    #: the platform's public API base URL, used when the channel's API URL is empty
    default_api_url = ""
    #: request budget: bucket size (burst) and refill rate (requests per second)
    budget_capacity = 10.0
    budget_rate = 5.0
    #: a call waits at most this many seconds for a token; longer: the job retries later
    budget_max_wait = 5.0
    #: the stock endpoint's own budget (capacity, rate), when the platform limits it apart
    stock_budget = None
    #: the budget throttles stock requests (see ``_request``), not the base class' timer
    stock_requests_per_second = 0
    #: marketplace statuses meaning the buyer or the marketplace cancelled the order
    cancelled_statuses = ()
    #: HTTP statuses meaning "too many requests" (Yandex Market answers 420)
    rate_limit_statuses = (429,)

    # ------------------------------------------------------------------ HTTP with budget
    def _get_base_url(self):
        url = (self.channel.sudo().api_url or self.default_api_url).strip().rstrip("/")
        if "://" not in url:
            url = "https://" + url
        return url

    def _get_auth_headers(self):
        """The marketplace's authentication headers (credentials: OMS managers only)."""
        raise NotImplementedError

    def get_budget(self, name):
        """(capacity, requests per second) of the budget ``name`` ("default", "stocks")."""
        if name == "stocks" and self.stock_budget:
            return self.stock_budget
        return self.budget_capacity, self.budget_rate

    def get_budget_max_wait(self, name):
        """Seconds a call of budget ``name`` may wait for its token (longer: the job retries)."""
        return self.budget_max_wait

    def _request(self, method, path, payload=None, params=None, budget="default", base_url=None):
        """One call to the marketplace: a token of the channel's budget first, then the HTTP
        request (to ``base_url`` when the platform serves the call on another host, else to
        the channel's API URL). Same error contract as ``outbound.send_json``, plus
        ``MarketplaceNotFoundError`` on 404; a 429 also empties the budget for the time the
        marketplace asked (``Retry-After``, else one refill of the bucket)."""
        self._acquire_budget(budget)
        url = (base_url or self._get_base_url()) + path
        response = self._send_request(method, url, payload, params)
        self._check_rate_limit(response, budget)
        self._raise_for_status(response, method, path)
        return self._decode_answer(response)

    def _acquire_budget(self, budget):
        """Take a token of the "default" budget, and of ``budget`` when it is another one
        (waits; the budget model raises ``OmsRetryableError`` when the wait is too long)."""
        budgets = self.env["oms.marketplace.budget"]
        names = ("default",) if budget == "default" else ("default", budget)
        for name in names:
            budgets._acquire(
                self.channel, name, *self.get_budget(name), self.get_budget_max_wait(name)
            )

    def _send_request(self, method, url, payload, params):
        """The ``requests`` response of ``payload`` (a JSON-able value, or None: no body) sent
        to ``url``; ``OmsRetryableError`` on a timeout or a refused connection."""
        headers = {"Accept": "application/json", **self._get_auth_headers()}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        return request(
            method,
            url,
            self.channel.name,
            timeout=OUTBOUND_TIMEOUT,
            data=body,
            params=params,
            headers=headers,
        )

    def _check_rate_limit(self, response, budget):
        """On a "too many requests" answer (``rate_limit_statuses``): empty ``budget`` for the
        seconds the marketplace asked (else one refill of the bucket) and raise
        ``OmsRetryableError`` with them; nothing otherwise."""
        if response.status_code not in self.rate_limit_statuses:
            return
        wait = retry_after_seconds(response, "X-Ratelimit-Retry") or max(
            1, int(self.budget_capacity / self.budget_rate)
        )
        self.env["oms.marketplace.budget"]._back_off(self.channel, budget, wait)
        raise OmsRetryableError(
            _lt(
                "%(channel)s: the marketplace is rate limiting the OMS (HTTP "
                "%(status)s), next call in %(wait)s s.",
                channel=self.channel.name,
                status=response.status_code,
                wait=wait,
            ),
            retry_after=wait,
        )

    def _raise_for_status(self, response, method, path):
        """Nothing for a 1xx / 2xx answer; ``OmsRetryableError`` on 5xx,
        ``MarketplaceNotFoundError`` on 404, ``MarketplaceRefusedError`` (with the status and
        the decoded answer) on any other answer of 300 and above."""
        channel_name = self.channel.name
        if response.status_code >= 500:
            raise OmsRetryableError(
                _lt(
                    "%(channel)s: the marketplace answered HTTP %(status)s.",
                    channel=channel_name,
                    status=response.status_code,
                ),
                retry_after=retry_after_seconds(response, "X-Ratelimit-Retry"),
            )
        if response.status_code == 404:
            raise MarketplaceNotFoundError(
                _lt(
                    "%(channel)s: %(method)s %(path)s not found (HTTP 404).",
                    channel=channel_name,
                    method=method,
                    path=path,
                )
            )
        if response.status_code >= 300:
            raise self._get_refused_error(response, method, path)

    def _get_refused_error(self, response, method, path):
        """The ``MarketplaceRefusedError`` of a refused call (4xx): the status, the start of
        the answer's text in the message, the decoded answer (None: not JSON) on the error."""
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return MarketplaceRefusedError(
            _lt(
                "%(channel)s: the marketplace answered HTTP %(status)s for "
                "%(method)s %(path)s: %(answer)s (check the channel's "
                "settings and credentials).",
                channel=self.channel.name,
                status=response.status_code,
                method=method,
                path=path,
                answer=response.text[:300],
            ),
            status=response.status_code,
            answer=answer,
        )

    def _decode_answer(self, response):
        """The decoded JSON answer (``{}`` when empty); ``OmsError`` when it is not JSON."""
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise OmsError(
                _lt(
                    "%(channel)s: the marketplace answered something that is not JSON.",
                    channel=self.channel.name,
                )
            ) from exc

    # ------------------------------------------------------------------ pull
    def fetch_orders_updated_since(self, since):
        """The marketplace's orders changed since ``since`` that Odoo does not reflect yet,
        each stamped with ``oms_observed_at``."""
        payloads = list(self._fetch_order_payloads(since))
        observed = _now_iso()
        for payload in payloads:
            payload[OBSERVED_AT_KEY] = observed
        return self._drop_known_unchanged(payloads)

    def _fetch_order_payloads(self, since):
        """Yield the platform's order payloads changed at or after ``since``."""
        raise NotImplementedError

    def fetch_order(self, external_id):
        """The order ``external_id`` read from the API now (stamped); ``OmsRetryableError``
        when the marketplace does not show it yet."""
        raise NotImplementedError

    #: key of the order's id and of its status in the marketplace's order payload
    order_id_key = None
    order_status_key = None

    def get_external_order_id(self, topic, payload):
        if not isinstance(payload, dict):
            return ""
        return str(payload.get(self.order_id_key) or "").strip()[:255]

    def get_order_status(self, payload):
        """The marketplace's status of an order payload (compared with the one Odoo holds)."""
        return str(payload.get(self.order_status_key) or "")

    def _drop_known_unchanged(self, payloads):
        """``payloads`` without the orders Odoo holds already in the same status (one query)."""
        ids = [self.get_external_order_id(TOPIC_ORDER_UPDATED, p) for p in payloads]
        # sudo: the pull job runs for whoever clicked Sync; bindings are the intake's records
        bindings = (
            self.env["oms.channel.order"]
            .sudo()
            .search_read(
                [("channel_id", "=", self.channel.id), ("external_id", "in", ids)],
                ["external_id", "external_status"],
            )
        )
        known = {row["external_id"]: row["external_status"] for row in bindings}
        return [
            payload
            for external_id, payload in zip(ids, payloads, strict=True)
            if external_id not in known or known[external_id] != self.get_order_status(payload)
        ]

    def get_order_updated_at(self, payload):
        value = payload.get(OBSERVED_AT_KEY) if isinstance(payload, dict) else None
        if not isinstance(value, str):
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed

    def is_order_cancelled(self, payload):
        return self.get_order_status(payload) in self.cancelled_statuses

    def is_cancellation_requested(self, payload):
        """True when the buyer asked to cancel and the seller must answer (Yandex Market
        DBS); see ``answer_cancellation_request``."""
        return False

    def answer_cancellation_request(self, external_id, accept, reason=None):
        """Accept or refuse the buyer's cancellation request of order ``external_id``."""
        raise NotImplementedError

    def get_pulled_order_topic(self, payload, known):
        # the import reflects a cancellation of an order Odoo never saw (taken in, cancelled),
        # and of an order it holds (its delivery cancelled) alike
        return TOPIC_ORDER_UPDATED if known else TOPIC_ORDER_CREATED

    # ------------------------------------------------------------------ notifications
    def verify_webhook(self, headers, body):
        """Marketplace notifications are unsigned: the route checks the source address, and
        the order is read from the API, never from the notification."""

    def get_webhook_delivery_id(self, headers, body):
        return body_digest(body)

    def check_notification_source(self, remote_addr):
        """True when ``remote_addr`` is in the channel's allowed source networks."""
        allowed = (self.channel.sudo().marketplace_notify_networks or "").replace(",", " ")
        try:
            address = ip_address((remote_addr or "").strip())
        except ValueError:
            return False
        for network in allowed.split():
            try:
                if address in ip_network(network.strip(), strict=False):
                    return True
            except ValueError:
                _logger.warning("Channel %s: %r is not a network", self.channel.code, network)
        return False

    # ------------------------------------------------------------------ settings
    def test_connection(self):
        """Call a cheap authenticated endpoint; return the marketplace warehouses as
        ``[(external id, name)]`` (used to fill the warehouse mapping)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ money and stock
    def _get_vat_taxes(self, amount):
        """The VAT of a line as the channel is configured (marketplaces give prices with VAT
        included and no tax detail): one ``NormalizedTax`` of the channel's VAT rate, or none
        for a seller without VAT. The channel's tax mappings turn the rate into Odoo's tax."""
        rate = self.channel.marketplace_vat_rate or 0.0
        if not rate:
            return []
        tax = round_amount(amount * rate / (100.0 + rate))
        return [NormalizedTax(title="VAT", rate=rate, amount=tax)]

    # ------------------------------------------------------------------ mapping helpers
    def _get_cancelled_at(self, observed_at, cancelled):
        """When a cancelled order was cancelled (naive UTC datetime): the moment the OMS read
        it (``observed_at``), else now; None when ``cancelled`` is false (marketplaces give
        no cancellation time)."""
        if not cancelled:
            return None
        return observed_at or datetime.now(UTC).replace(tzinfo=None)

    def _get_single_currency(self, number, currencies):
        """The one currency code in ``currencies`` (a set of codes; "" is no code), "" when
        there is none; ``OmsPayloadError`` when order ``number``'s amounts are in several."""
        currencies.discard("")
        if len(currencies) > 1:
            raise OmsPayloadError(
                _lt(
                    "Order %(number)s: amounts in several currencies %(currencies)s.",
                    number=number,
                    currencies=currencies,
                )
            )
        return currencies.pop() if currencies else ""

    def _get_lines_total(self, lines, shipping_lines=()):
        """The order's total as the marketplace charges it (prices include VAT, no discount
        on top): the lines' ``price_unit`` x ``quantity`` plus the shipping lines' prices,
        rounded to the cent."""
        total = sum(line.price_unit * line.quantity for line in lines)
        total += sum(line.price for line in shipping_lines)
        return round_amount(total)

    def _get_warehouse_quantities(self, levels):
        """``{(level id, marketplace warehouse id): quantity}`` for the channel's mapped
        warehouses (see ``oms.channel._get_marketplace_stock``)."""
        return self.channel._get_marketplace_stock(levels)


def _now_iso():
    # with microseconds: two readings of one order in the same second are two updates
    return datetime.now(UTC).isoformat()


def chunks(items, size):
    """``items`` in lists of at most ``size``."""
    return [items[start : start + size] for start in range(0, len(items), size)]
