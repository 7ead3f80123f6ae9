"""YandexMarketAdapter: Yandex Market Partner API, FBS / Express / DBS orders of one campaign.

One Yandex Market **order** (``orderId``, a number) is one OMS order. The channel holds the
campaign (``campaignId``, the store) and its business (``businessId``, the seller's cabinet).
Endpoints (``https://api.partner.market.yandex.ru``, header ``Api-Key``):

* pull and one order: ``POST /v1/businesses/{businessId}/orders`` (``getBusinessOrders``)
  filtered on the campaign and ``dates.updateDateFrom`` (or ``orderIds`` for one order),
  50 a page, paged by ``pageToken`` while ``paging.nextPageToken``. The older
  ``GET /v2/campaigns/{campaignId}/orders`` and ``GET .../orders/{orderId}`` are deprecated
  (degraded from 2027-01-18, switched off on 2027-04-12) and not used;
* shipment: ``PUT /v2/campaigns/{campaignId}/orders/{orderId}/boxes`` (FBS, Express: the
  shipped items in one box) then ``PUT .../orders/{orderId}/status`` to
  ``PROCESSING / READY_TO_SHIP``; DBS (the seller delivers): status ``DELIVERY``;
* stock: ``PUT /v2/campaigns/{campaignId}/offers/stocks``, 2,000 offers a call (the
  campaign's one warehouse: no warehouse id since 2024);
* buyer cancellation requests (DBS): ``PUT .../orders/{orderId}/cancellation/accept``;
* connection test: ``GET /v2/campaigns/{campaignId}`` (the campaign is the "warehouse" to map);
* API notifications (``ORDER_CREATED``, ``ORDER_STATUS_UPDATED``, ``ORDER_CANCELLED``,
  ``ORDER_UPDATED``, ``ORDER_CANCELLATION_REQUEST``, ``PING``) arrive on
  ``/oms/marketplace/<code>/notification``: unsigned, from Yandex's published networks; the
  order is then read from the API.

Dates: ``getBusinessOrders`` writes ISO 8601 with an offset; the older endpoints and some
reports write ``dd-MM-yyyy HH:mm:ss`` (or ``dd-MM-yyyy``) without a zone, which is Moscow
time: ``yandex_datetime`` reads both. Money: ``CurrencyValueDTO`` (``value``,
``currencyId``) in the store's currency, ``RUR`` for the rouble. An item's ``payment`` +
``cashback`` (Plus points) is what the buyer pays for all its units; the Market's ``subsidy``
is kept in the raw payload. Each item states its VAT (``VAT_22``, ``NO_VAT``, ...).

Rate limits answer HTTP **420** (not 429). No client library: Yandex publishes only an
OpenAPI description and PHP/Go clients; the seven JSON calls above are plain ``requests``
calls through the OMS budget like Ozon's and Wildberries'.
"""

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from odoo.tools.translate import LazyTranslate

from .base import TOPIC_ORDER_CREATED, TOPIC_ORDER_UPDATED, register_adapter
from .exceptions import OmsError, OmsEventIgnored, OmsPayloadError, OmsRetryableError
from .marketplace import (
    NOT_YET_VISIBLE_RETRY,
    OBSERVED_AT_KEY,
    TOPIC_MARKETPLACE_NOTIFICATION,
    MarketplaceAdapter,
    MarketplaceRefusedError,
    _now_iso,
    chunks,
)
from .normalized import (
    NormalizedCustomer,
    NormalizedLine,
    NormalizedOrder,
    NormalizedShippingLine,
    NormalizedTax,
)
from .reader import load_payload, round_amount

_lt = LazyTranslate(__name__, default_lang="en_US")

MOSCOW = ZoneInfo("Europe/Moscow")
#: Yandex Market's notification source networks (partner-api docs, "API notifications")
YANDEX_NOTIFY_NETWORKS = "5.45.207.0/25 141.8.142.0/25 5.255.253.0/25"
#: notifications about an order: the order is fetched from the API when processed
YANDEX_ORDER_NOTIFICATIONS = (
    "ORDER_CREATED",
    "ORDER_STATUS_UPDATED",
    "ORDER_CANCELLED",
    "ORDER_UPDATED",
)
#: topic of a buyer's cancellation request (DBS): accepted or refused when processed
TOPIC_CANCELLATION_REQUEST = "marketplace.cancellation_request"
#: Yandex currency codes that are not ISO 4217
YANDEX_CURRENCIES = {"RUR": "RUB"}
#: statuses of orders not placed yet: not taken in (the buyer may still not pay)
YANDEX_NOT_PLACED = ("PLACING", "RESERVED", "UNPAID")
#: substatuses of PROCESSING after which the order is packed
YANDEX_PACKED_SUBSTATUSES = ("READY_TO_SHIP", "SHIPPED")
#: statuses after which the order left the seller
YANDEX_SHIPPED_STATUSES = (
    "DELIVERY",
    "PICKUP",
    "DELIVERED",
    "PARTIALLY_RETURNED",
    "RETURNED",
)
_LEGACY_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})(?: (\d{2}):(\d{2}):(\d{2}))?$")


@register_adapter("yandex_market")
class YandexMarketAdapter(MarketplaceAdapter):
    order_id_key = "orderId"
    default_api_url = "https://api.partner.market.yandex.ru"
    # order methods: 10,000 calls an hour per method and cabinet; 2.5 a second for all the
    # channel's calls together (9,000 an hour) stays clear of them
    budget_capacity = 10.0
    budget_rate = 2.5
    rate_limit_statuses = (420, 429)
    stock_batch_size = 2000
    page_size = 50
    platform_name = "Yandex Market"

    def _get_auth_headers(self):
        channel = self.channel.sudo()  # the Api-Key: OMS managers only
        if not channel.api_key:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Yandex Market API key (seller "
                    "cabinet > Settings > API and modules > API key).",
                    channel=channel.name,
                )
            )
        return {"Api-Key": channel.api_key.strip()}

    def _get_campaign_id(self):
        campaign = (self.channel.marketplace_campaign_id or "").strip()
        if not campaign.isdigit():
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Yandex Market campaign ID.",
                    channel=self.channel.name,
                )
            )
        return int(campaign)

    def _get_business_id(self):
        business = (self.channel.marketplace_business_id or "").strip()
        if not business.isdigit():
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Yandex Market business ID.",
                    channel=self.channel.name,
                )
            )
        return int(business)

    def _order_path(self, external_id, suffix=""):
        return f"/v2/campaigns/{self._get_campaign_id()}/orders/{int(external_id)}{suffix}"

    # ------------------------------------------------------------------ pull
    def _list_orders(self, body):
        """Every order of ``getBusinessOrders`` for ``body`` (the campaign added), all pages."""
        path = f"/v1/businesses/{self._get_business_id()}/orders"
        body = dict(body, campaignIds=[self._get_campaign_id()])
        params = {"limit": self.page_size}
        for _page in range(1000):
            answer = self._request("POST", path, body, params=params)
            orders = [o for o in answer.get("orders") or [] if isinstance(o, dict)]
            yield from orders
            token = (answer.get("paging") or {}).get("nextPageToken")
            if not token or not orders or token == params.get("page_token"):
                return
            params["page_token"] = token

    def _fetch_order_payloads(self, since):
        now = datetime.now(UTC).replace(tzinfo=None)
        body = {"dates": {"updateDateFrom": _iso_utc(since), "updateDateTo": _iso_utc(now)}}
        return [o for o in self._list_orders(body) if o.get("status") not in YANDEX_NOT_PLACED]

    def fetch_order(self, external_id):
        if not str(external_id).isdigit():
            raise OmsPayloadError(
                _lt(
                    "%(external_id)s is not a Yandex Market order id.",
                    external_id=repr(external_id),
                )
            )
        orders = list(self._list_orders({"orderIds": [int(external_id)]}))
        order = next((o for o in orders if str(o.get("orderId")) == str(external_id)), None)
        if order is None:
            raise OmsRetryableError(
                _lt(
                    "Yandex Market does not show order %(external_id)s yet: will ask again.",
                    external_id=external_id,
                ),
                retry_after=NOT_YET_VISIBLE_RETRY,
            )
        order[OBSERVED_AT_KEY] = _now_iso()
        return order

    def get_order_status(self, payload):
        status = f"{payload.get('status') or ''}/{payload.get('substatus') or ''}"
        if payload.get("cancelRequested"):
            status += "/CANCEL_REQUESTED"
        return status

    def is_order_cancelled(self, payload):
        return payload.get("status") == "CANCELLED"

    def is_cancellation_requested(self, payload):
        """The buyer asked to cancel (DBS) and the seller has not answered yet."""
        return bool(payload.get("cancelRequested")) and not self.is_order_cancelled(payload)

    def get_pulled_order_topic(self, payload, known):
        if self.is_cancellation_requested(payload):
            return TOPIC_CANCELLATION_REQUEST
        return TOPIC_ORDER_UPDATED if known else TOPIC_ORDER_CREATED

    # ------------------------------------------------------------------ notifications
    def get_webhook_topic(self, headers, payload):
        if not isinstance(payload, dict) or not payload.get("orderId"):
            return None
        campaign = str(payload.get("campaignId") or "")
        if campaign and campaign != (self.channel.marketplace_campaign_id or "").strip():
            return None  # a cabinet-wide notification about another store
        kind = payload.get("notificationType")
        if kind == "ORDER_CANCELLATION_REQUEST":
            return TOPIC_CANCELLATION_REQUEST
        if kind in YANDEX_ORDER_NOTIFICATIONS:
            return TOPIC_MARKETPLACE_NOTIFICATION
        return None

    def get_webhook_platform_topic(self, headers, payload):
        if not isinstance(payload, dict):
            return ""
        return str(payload.get("notificationType") or "")[:128]

    # ------------------------------------------------------------------ mapping
    def normalize_order(self, payload):
        """A ``BusinessOrderDTO`` of ``getBusinessOrders`` -> ``NormalizedOrder``. A line per
        item at (``payment`` + ``cashback``) / ``count``, VAT included at the item's ``vat``
        (the channel's rate when Yandex gives none); the buyer's delivery payment (DBS) as a
        shipping line. Orders not placed yet (``UNPAID``, ...) are ignored until they are."""
        order = load_payload(payload)
        number, status = self._read_placed_order(order)
        observed_at = self.get_order_updated_at(order.data)
        currencies = set()
        lines = [
            self._normalize_item(item, currencies) for item in order.objects("items", required=True)
        ]
        if not lines:
            raise OmsPayloadError(
                _lt("$.items: Yandex Market order %(number)s has no items.", number=number)
            )
        shipping_lines = self._normalize_delivery_payment(order, currencies)
        currency = self._get_single_currency(number, currencies)
        delivery = order.obj("delivery")
        return NormalizedOrder(
            external_id=number,
            name=number,
            currency=currency or "RUB",
            created_at=yandex_datetime(order.raw("creationDate"), f"{order.path}.creationDate"),
            updated_at=observed_at,
            cancelled_at=self._get_cancelled_at(observed_at, self.is_order_cancelled(order.data)),
            ship_by=_ship_by(delivery),
            taxes_included=True,
            customer=NormalizedCustomer(name="Yandex Market buyer", is_guest=True),
            lines=lines,
            shipping_lines=shipping_lines,
            total=self._get_lines_total(lines, shipping_lines),
            financial_status="pending" if order.text("paymentType") == "POSTPAID" else "paid",
            fulfillment_status=_fulfillment_status(order, status),
            status=self.get_order_status(order.data),
            note=order.text("notes"),
            raw=order.data,
        )

    def _read_placed_order(self, order):
        """``(orderId, status)`` of the order (a ``PayloadReader``); ``OmsEventIgnored`` while
        the order is not placed yet (``YANDEX_NOT_PLACED``)."""
        number = order.ident("orderId", required=True)
        status = order.text("status", required=True, limit=64)
        if status in YANDEX_NOT_PLACED:
            raise OmsEventIgnored(
                _lt(
                    "Yandex Market order %(number)s is not placed yet (%(status)s).",
                    number=number,
                    status=status,
                )
            )
        return number, status

    def _normalize_item(self, item, currencies):
        """The ``NormalizedLine`` of an item (a ``PayloadReader``): its ``payment`` +
        ``cashback`` spread over its ``count``, VAT included; adds the currencies of its
        amounts to the set ``currencies``."""
        count = item.quantity("count")
        prices = item.obj("prices")
        total = 0.0
        for key in ("payment", "cashback"):
            money = prices.obj(key) if prices else None
            if money:
                total += money.amount("value", required=True)
                currencies.add(_currency(money.text("currencyId", required=True)))
        taxes = _vat_taxes(prices.text("vat") if prices else "", total)
        return NormalizedLine(
            external_id=item.ident("id", required=True),
            sku=item.ident("offerId", required=True),
            external_product_id=item.ident("offerId"),
            name=item.text("offerName"),
            quantity=count,
            price_unit=round_amount(total / count) if count else 0.0,
            taxes=self._get_vat_taxes(total) if taxes is None else taxes,
        )

    def _normalize_delivery_payment(self, order, currencies):
        """``[NormalizedShippingLine]`` of what the buyer pays for the delivery (DBS), VAT
        included; ``[]`` when the buyer pays none. Adds its currency to ``currencies``."""
        delivery_price = order.obj("prices") and order.obj("prices").obj("delivery")
        payment = delivery_price.obj("payment") if delivery_price else None
        if not payment or payment.amount("value") <= 0:
            return []
        amount = round_amount(payment.amount("value"))
        currencies.add(_currency(payment.text("currencyId", required=True)))
        taxes = _vat_taxes(delivery_price.text("vat"), amount)
        return [
            NormalizedShippingLine(
                title="Yandex Market delivery",
                code="yandex_market",
                price=amount,
                taxes=self._get_vat_taxes(amount) if taxes is None else taxes,
            )
        ]

    # ------------------------------------------------------------------ outbound
    def push_fulfillment(self, binding, shipment):
        """Tell Yandex Market the order is packed: FBS / Express: the shipped items in one box,
        then ``PROCESSING / READY_TO_SHIP``; DBS: ``DELIVERY`` (the seller's courier has it).
        The order is read first: a step Yandex already shows is not sent again."""
        items = [
            {"id": int(item_id), "fullCount": int(quantity)}
            for item_id, quantity in sorted((shipment.get("lines") or {}).items())
            if str(item_id).isdigit() and quantity
        ]
        if not items:
            raise OmsError(
                _lt(
                    "Order %(external_id)s: no Yandex Market item to ship.",
                    external_id=binding.external_id,
                )
            )
        order = self.fetch_order(binding.external_id)
        status, substatus = order.get("status"), order.get("substatus")
        if status == "CANCELLED":
            raise OmsError(
                _lt(
                    "Yandex Market cancelled order %(external_id)s: do not ship.",
                    external_id=binding.external_id,
                )
            )
        if status in YANDEX_SHIPPED_STATUSES:
            return binding.external_id
        dbs = order.get("programType") == "DBS"
        if substatus not in YANDEX_PACKED_SUBSTATUSES:
            if not dbs:
                self._request(
                    "PUT",
                    self._order_path(binding.external_id, "/boxes"),
                    {"boxes": [{"items": items}]},
                )
            self._set_status(binding.external_id, "PROCESSING", "READY_TO_SHIP")
        if dbs:
            self._set_status(binding.external_id, "DELIVERY")
        return binding.external_id

    def _set_status(self, external_id, status, substatus=None):
        order = {"status": status}
        if substatus:
            order["substatus"] = substatus
        self._request("PUT", self._order_path(external_id, "/status"), {"order": order})

    def answer_cancellation_request(self, external_id, accept, reason=None):
        """Accept the buyer's cancellation request, or refuse it with ``reason``
        (``ORDER_IN_DELIVERY``, ``ORDER_DELIVERED``)."""
        body = {"accepted": bool(accept)}
        if not accept:
            body["reason"] = reason or "ORDER_IN_DELIVERY"
        self._request("PUT", self._order_path(external_id, "/cancellation/accept"), body)

    def get_refusal_reason(self, payload):
        """Why a cancellation request is refused: the order is delivered, or on its way."""
        if payload.get("status") in ("PICKUP", "DELIVERED"):
            return "ORDER_DELIVERED"
        return "ORDER_IN_DELIVERY"

    def push_stock_levels(self, levels):
        """``PUT /v2/campaigns/{campaignId}/offers/stocks``: one offer (``sku`` = the offer id,
        the product's internal reference) per level with the free stock of the mapped
        warehouses, 2,000 offers a call. A refused call marks its levels."""
        quantities = self._get_warehouse_quantities([level for level, _qty in levels])
        if not quantities:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: map the Yandex Market campaign.",
                    channel=self.channel.name,
                )
            )
        per_level = {}
        for (level_id, _warehouse), quantity in quantities.items():
            per_level[level_id] = per_level.get(level_id, 0.0) + quantity
        errors, offers = {}, []
        for level, _quantity in levels:
            offer_id = (level.external_id or level.product_id.default_code or "").strip()
            if not offer_id:
                errors[level.id] = _lt(
                    "No Yandex Market offer id (the product's internal reference)."
                )
                continue
            offers.append((level, offer_id, int(per_level.get(level.id, 0.0))))
        path = f"/v2/campaigns/{self._get_campaign_id()}/offers/stocks"
        for batch in chunks(offers, self.stock_batch_size):
            body = {"skus": [{"sku": sku, "items": [{"count": qty}]} for _lv, sku, qty in batch]}
            try:
                self._request("PUT", path, body, budget="stocks")
            except MarketplaceRefusedError as exc:
                errors.update({level.id: str(exc) for level, _sku, _qty in batch})
        return errors

    def test_connection(self):
        answer = self._request("GET", f"/v2/campaigns/{self._get_campaign_id()}")
        campaign = answer.get("campaign") or {}
        business = campaign.get("business") or {}
        if business.get("id") and str(business["id"]) != str(self._get_business_id()):
            raise OmsError(
                _lt(
                    "Campaign %(campaign)s belongs to business %(business)s, not "
                    "to %(expected_business)s: correct the business ID.",
                    campaign=campaign.get("id"),
                    business=business["id"],
                    expected_business=self._get_business_id(),
                )
            )
        name = campaign.get("domain") or str(campaign.get("id") or "")
        return [(str(self._get_campaign_id()), name)]


def yandex_datetime(value, path="$"):
    """A naive UTC datetime from a Yandex Market date: ISO 8601 with an offset, or
    ``dd-MM-yyyy HH:mm:ss`` / ``dd-MM-yyyy`` without a zone, which is Moscow time."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise OmsPayloadError(
            _lt("%(path)s: expected a date, got %(value)s.", path=path, value=repr(value)[:40])
        )
    text = value.strip()
    legacy = _LEGACY_DATE.match(text)
    if legacy:
        day, month, year, hour, minute, second = (int(g or 0) for g in legacy.groups())
        parsed = datetime(year, month, day, hour, minute, second, tzinfo=MOSCOW)
        return parsed.astimezone(UTC).replace(tzinfo=None)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise OmsPayloadError(
            _lt("%(path)s: expected a date, got %(value)s.", path=path, value=repr(value)[:40])
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MOSCOW)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _ship_by(delivery):
    """The hand-over deadline: the shipment's date (``YYYY-MM-DD``, or ``dd-MM-yyyy``) at its
    time, Moscow; the end of that day when Yandex gives no time."""
    shipment = delivery.obj("shipment") if delivery else None
    if not shipment or not shipment.has("shipmentDate"):
        return None
    text = shipment.text("shipmentDate", limit=32)
    legacy = _LEGACY_DATE.match(text)
    try:
        if legacy:
            day = datetime(int(legacy[3]), int(legacy[2]), int(legacy[1])).date()
        else:
            day = datetime.fromisoformat(text).date()
        at = time(23, 59, 59)
        if shipment.has("shipmentTime"):
            at = time.fromisoformat(shipment.text("shipmentTime", limit=16)[:8])
    except ValueError as exc:
        raise OmsPayloadError(
            _lt("%(path)s: not a shipment date and time.", path=shipment.path)
        ) from exc
    moment = datetime.combine(day, at, tzinfo=MOSCOW)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _fulfillment_status(order, status):
    """ "fulfilled" once the order left the seller or is packed (its substatus), else
    "unfulfilled"."""
    if status in YANDEX_SHIPPED_STATUSES or order.text("substatus") in YANDEX_PACKED_SUBSTATUSES:
        return "fulfilled"
    return "unfulfilled"


def _currency(code):
    code = (code or "").upper()
    return YANDEX_CURRENCIES.get(code, code)


def _vat_taxes(vat, amount):
    """The taxes of ``amount`` (VAT included) at Yandex's ``vat`` (``VAT_22``, ``VAT_20_120``,
    ``NO_VAT``...); None when Yandex gives no usable rate (the channel's rate applies)."""
    if vat in ("NO_VAT", "VAT_0"):
        return []
    match = re.match(r"^VAT_(\d+)", vat or "")
    if not match:
        return None
    rate = float(match.group(1))
    return [
        NormalizedTax(title="VAT", rate=rate, amount=round_amount(amount * rate / (100 + rate)))
    ]


def _iso_utc(value):
    return value.replace(microsecond=0).isoformat() + "Z"
