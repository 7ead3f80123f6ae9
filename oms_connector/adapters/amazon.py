"""AmazonAdapter: Amazon Selling Partner API, merchant-fulfilled (MFN) orders.

One Amazon order (``AmazonOrderId``, e.g. ``302-4615372-6734656``) is one OMS order; lines
are keyed by ``OrderItemId`` and matched to products by ``SellerSKU``. Endpoints (regional
hosts ``sellingpartnerapi-na|eu|fe.amazon.com``, header ``x-amz-access-token``):

* LWA: ``POST https://api.amazon.com/auth/o2/token`` (``grant_type=refresh_token``); the
  access token (1 hour) is kept per process until a minute before it expires;
* pull: Orders API v0 ``GET /orders/v0/orders`` (``MarketplaceIds``, ``LastUpdatedAfter``,
  ``FulfillmentChannels=MFN``, 100 a page, ``NextToken`` paging). A pulled order is stored as
  a thin event: its processing job reads ``GET /orders/v0/orders/{orderId}`` and
  ``GET /orders/v0/orders/{orderId}/orderItems`` (``NextToken`` paging), each under its own
  budget (``getOrders`` allows one call a minute after a burst of 20: a pull must not also
  spend the items' calls);
* shipment: Orders API v0 ``confirmShipment`` (``POST .../{orderId}/shipmentConfirmation``):
  synchronous, per order, answered 204. The feed alternative (``POST_ORDER_FULFILLMENT_DATA``)
  is asynchronous (create a document, upload, create the feed, poll the result) and its XML
  flat files are being retired; a shipment must be confirmed once and its failure seen on
  the delivery, which the synchronous call gives;
* stock: Listings Items API 2021-08-01 ``patchListingsItem``
  (``PATCH /listings/2021-08-01/items/{sellerId}/{sku}``) replacing
  ``/attributes/fulfillment_availability``: one SKU a call, 5 a second. For catalogues of
  thousands of SKUs the ``JSON_LISTINGS_FEED`` (10,000 messages a feed) is the next step.

No AWS Signature v4 (not required by SP-API since October 2023), no IAM role.

**No client library.** ``amzn-sp-api`` (Amazon's SDK, 1.x) is a generated client on
``urllib3`` with its own LWA token handling per client object; ``python-amazon-sp-api``
(2.x) now sends through ``httpx``, builds the ``Host`` header from ``endpoint[8:]`` (an
``https://`` base only), hard-codes the LWA host, keeps tokens in a process cache and sleeps
on throttling in its own retry decorator. Neither can share the request budget across Odoo
jobs and workers (``oms.marketplace.budget``) or point the token call at a test server; the
OMS needs six plain JSON calls, made with ``requests`` like the other marketplaces.
"""

import hashlib
import threading
import time
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from odoo.tools.translate import LazyTranslate

from .base import register_adapter
from .exceptions import OmsError, OmsEventIgnored, OmsPayloadError, OmsRetryableError
from .marketplace import (
    NOT_YET_VISIBLE_RETRY,
    OBSERVED_AT_KEY,
    TOPIC_MARKETPLACE_NOTIFICATION,
    MarketplaceAdapter,
    MarketplaceNotFoundError,
    _now_iso,
)
from .normalized import (
    NormalizedCustomer,
    NormalizedLine,
    NormalizedOrder,
    NormalizedShippingLine,
    NormalizedTax,
)
from .outbound import OUTBOUND_TIMEOUT
from .reader import load_payload, round_amount

_lt = LazyTranslate(__name__, default_lang="en_US")

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
#: SP-API regional endpoints
AMAZON_ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
#: order statuses not taken in: payment not authorised yet
AMAZON_NOT_PLACED = ("Pending", "PendingAvailability")
AMAZON_SHIPPED = ("Shipped", "InvoiceUnconfirmed")
#: an access token is renewed this many seconds before it expires
TOKEN_MARGIN = 60

_TOKENS = {}  # (database, channel id, digest of the credentials) -> (access token, expiry)
_TOKENS_LOCK = threading.Lock()


@register_adapter("amazon")
class AmazonAdapter(MarketplaceAdapter):
    order_id_key = "AmazonOrderId"
    order_status_key = "OrderStatus"
    # budgets per SP-API operation (rate a second, burst); "default" covers the rest
    budget_capacity = 10.0
    budget_rate = 2.0
    operation_budgets = {
        "getOrders": (20.0, 0.0167),
        "getOrder": (30.0, 0.5),
        "getOrderItems": (30.0, 0.5),
        "confirmShipment": (10.0, 2.0),
        "stocks": (5.0, 5.0),
    }
    stock_batch_size = 20  # one patchListingsItem call per SKU
    page_size = 100
    cancelled_statuses = ("Canceled",)
    platform_name = "Amazon"

    def get_budget(self, name):
        return self.operation_budgets.get(name) or super().get_budget(name)

    def _get_base_url(self):
        channel = self.channel.sudo()
        if not channel.api_url:
            return AMAZON_ENDPOINTS[channel.marketplace_region or "eu"]
        return super()._get_base_url()

    # ------------------------------------------------------------------ LWA
    def _get_auth_headers(self):
        return {"x-amz-access-token": self._get_access_token()}

    def _get_access_token(self):
        """The LWA access token of the channel's refresh token, kept per process until a
        minute before it expires (Amazon allows it an hour)."""
        channel = self.channel.sudo()  # LWA client and refresh token: OMS managers only
        if not (channel.marketplace_client_id and channel.api_secret and channel.api_key):
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the LWA client ID and secret and "
                    "the refresh token (Seller Central > Apps and Services > "
                    "Develop Apps).",
                    channel=channel.name,
                )
            )
        secret = f"{channel.marketplace_client_id}\n{channel.api_secret}\n{channel.api_key}"
        key = (self.env.cr.dbname, channel.id, hashlib.sha256(secret.encode()).hexdigest())
        with _TOKENS_LOCK:
            token, expires = _TOKENS.get(key, ("", 0.0))
        if token and expires - TOKEN_MARGIN > time.time():
            return token
        token, lifetime = self._refresh_access_token(channel)
        with _TOKENS_LOCK:
            _TOKENS[key] = (token, time.time() + lifetime)
        return token

    def _refresh_access_token(self, channel):
        """``(access token, lifetime in seconds)`` for the channel's refresh token."""
        url = channel.marketplace_token_url or LWA_TOKEN_URL
        data = {
            "grant_type": "refresh_token",
            "refresh_token": channel.api_key.strip(),
            "client_id": channel.marketplace_client_id.strip(),
            "client_secret": channel.api_secret.strip(),
        }
        try:
            response = requests.post(url, data=data, timeout=OUTBOUND_TIMEOUT)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise OmsRetryableError(
                _lt("Amazon LWA could not be reached: %(error)s", error=str(exc))
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise OmsRetryableError(
                _lt("Amazon LWA answered HTTP %(status)s.", status=response.status_code)
            )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not answer.get("access_token"):
            raise OmsError(
                _lt(
                    "Channel %(channel)s: Amazon refused the refresh token "
                    "(%(code)s: %(description)s). Authorise the app again.",
                    channel=channel.name,
                    code=answer.get("error") or response.status_code,
                    description=answer.get("error_description") or "",
                )
            )
        return answer["access_token"], float(answer.get("expires_in") or 3600)

    # ------------------------------------------------------------------ pull
    def _get_marketplace_ids(self):
        ids = (self.channel.marketplace_ids or "").replace(",", " ").split()
        if not ids:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Amazon marketplace IDs.",
                    channel=self.channel.name,
                )
            )
        return ids

    def _fetch_order_payloads(self, since):
        params = {
            "MarketplaceIds": ",".join(self._get_marketplace_ids()),
            "LastUpdatedAfter": since.replace(microsecond=0).isoformat() + "Z",
            "FulfillmentChannels": "MFN",
            "MaxResultsPerPage": self.page_size,
        }
        for _page in range(1000):
            answer = self._request("GET", "/orders/v0/orders", params=params, budget="getOrders")
            payload = answer.get("payload") or {}
            orders = [o for o in payload.get("Orders") or [] if isinstance(o, dict)]
            yield from (o for o in orders if o.get("OrderStatus") not in AMAZON_NOT_PLACED)
            token = payload.get("NextToken")
            if not token or not orders:
                return
            params = {"MarketplaceIds": params["MarketplaceIds"], "NextToken": token}

    def get_pulled_order_topic(self, payload, known):
        # the order's items are read by the processing job (getOrderItems has its own quota)
        return TOPIC_MARKETPLACE_NOTIFICATION

    def fetch_order(self, external_id):
        """The order and all its items (``OrderItems``), stamped."""
        path = f"/orders/v0/orders/{quote(str(external_id), safe='')}"
        try:
            order = self._request("GET", path, budget="getOrder").get("payload")
        except MarketplaceNotFoundError as exc:
            raise OmsRetryableError(
                _lt(
                    "Amazon does not show order %(external_id)s yet: will ask again.",
                    external_id=external_id,
                ),
                retry_after=NOT_YET_VISIBLE_RETRY,
            ) from exc
        if not isinstance(order, dict):
            raise OmsPayloadError(
                _lt("Amazon answered no order for %(external_id)s.", external_id=external_id)
            )
        items, params = [], {}
        for _page in range(100):
            answer = self._request(
                "GET", f"{path}/orderItems", params=params or None, budget="getOrderItems"
            )
            payload = answer.get("payload") or {}
            items += [i for i in payload.get("OrderItems") or [] if isinstance(i, dict)]
            if not payload.get("NextToken"):
                break
            params = {"NextToken": payload["NextToken"]}
        order["OrderItems"] = items
        order[OBSERVED_AT_KEY] = _now_iso()
        return order

    def get_webhook_topic(self, headers, payload):
        return None  # SP-API notifications go through SQS / EventBridge: pulled only

    # ------------------------------------------------------------------ mapping
    def _prices_include_tax(self):
        """Amazon's item prices include VAT outside North America (EU, UK, JP...), and
        exclude the sales tax in North America (``ItemTax`` is then on top)."""
        return (self.channel.marketplace_region or "eu") != "na"

    def normalize_order(self, payload):
        """An order of ``getOrder`` with its ``OrderItems`` -> ``NormalizedOrder``. A line per
        item at ``ItemPrice`` / ``QuantityOrdered``, ``ItemTax`` as its tax (its rate worked
        out from the amounts), ``PromotionDiscount`` as the line's discount; the items'
        shipping (``ShippingPrice`` with ``ShippingTax``) as one shipping line."""
        order = load_payload(payload)
        number, status = self._read_placed_order(order)
        included = self._prices_include_tax()
        cancelled = status in self.cancelled_statuses
        lines, currencies, shipping, shipping_tax = self._normalize_items(
            order, included, cancelled
        )
        if not lines:
            raise OmsPayloadError(
                _lt("$.OrderItems: Amazon order %(number)s has no items.", number=number)
            )
        shipping_lines = self._normalize_shipping(order, shipping, shipping_tax, included)
        total, total_currency = _money(order, "OrderTotal")
        currencies.add(total_currency)
        currency = self._get_single_currency(number, currencies)
        observed_at = self.get_order_updated_at(order.data)
        return NormalizedOrder(
            external_id=number,
            name=number,
            currency=currency,
            created_at=order.datetime("PurchaseDate"),
            updated_at=observed_at,
            cancelled_at=self._get_cancelled_at(observed_at, cancelled),
            ship_by=order.deadline("LatestShipDate"),
            taxes_included=included,
            customer=NormalizedCustomer(name="Amazon buyer", is_guest=True),
            lines=lines,
            shipping_lines=shipping_lines,
            total=round_amount(total),
            financial_status="paid",
            fulfillment_status="fulfilled" if status in AMAZON_SHIPPED else "unfulfilled",
            status=status,
            raw=order.data,
        )

    def _read_placed_order(self, order):
        """``(AmazonOrderId, OrderStatus)`` of the order (a ``PayloadReader``);
        ``OmsEventIgnored`` while its payment is not authorised (``AMAZON_NOT_PLACED``)."""
        number = order.ident("AmazonOrderId", required=True)
        status = order.text("OrderStatus", required=True, limit=64)
        if status in AMAZON_NOT_PLACED:
            raise OmsEventIgnored(
                _lt(
                    "Amazon order %(number)s is not paid yet (%(status)s).",
                    number=number,
                    status=status,
                )
            )
        return number, status

    def _normalize_items(self, order, included, cancelled):
        """``(lines, currencies, shipping, shipping_tax)`` of the order's ``OrderItems``: a
        ``NormalizedLine`` per item (items of quantity 0 left out unless the order is
        cancelled), the set of currency codes of their prices, and the sums of their
        ``ShippingPrice`` and ``ShippingTax`` (order currency); ``included``: prices include
        the tax."""
        currencies, lines, shipping, shipping_tax = set(), [], 0.0, 0.0
        for item in order.objects("OrderItems"):
            quantity = item.quantity("QuantityOrdered")
            if not quantity and not cancelled:
                continue
            line, item_currencies, ship, ship_tax = self._normalize_item(item, quantity, included)
            currencies.update(item_currencies)
            shipping += ship
            shipping_tax += ship_tax
            lines.append(line)
        return lines, currencies, shipping, shipping_tax

    def _normalize_item(self, item, quantity, included):
        """``(NormalizedLine, currency codes, shipping price, shipping tax)`` of one item of
        ``quantity`` units; ``included``: its prices include the tax."""
        price, currency = _money(item, "ItemPrice")
        tax, _tax_currency = _money(item, "ItemTax")
        discount, _ = _money(item, "PromotionDiscount")
        tax -= _money(item, "PromotionDiscountTax")[0]
        ship, ship_currency = _money(item, "ShippingPrice")
        ship_tax, _ = _money(item, "ShippingTax")
        line = NormalizedLine(
            external_id=item.ident("OrderItemId", required=True),
            sku=item.ident("SellerSKU"),
            external_product_id=item.ident("ASIN"),
            name=item.text("Title"),
            quantity=quantity,
            price_unit=round_amount(price / quantity) if quantity else 0.0,
            discount_amount=round_amount(discount),
            taxes=self._get_amazon_taxes(price - discount, tax, included),
        )
        return line, [c for c in (currency, ship_currency) if c], ship, ship_tax

    def _normalize_shipping(self, order, shipping, shipping_tax, included):
        """``[NormalizedShippingLine]`` of the items' ``shipping`` (with its ``shipping_tax``)
        under the order's service level; ``[]`` when the items carry no shipping price."""
        if not shipping:
            return []
        return [
            NormalizedShippingLine(
                title=order.text("ShipServiceLevel") or "Amazon shipping",
                code=order.text("ShipmentServiceLevelCategory", limit=64),
                price=round_amount(shipping),
                taxes=self._get_amazon_taxes(shipping, shipping_tax, included),
            )
        ]

    def _get_amazon_taxes(self, amount, tax, included):
        """The tax Amazon states (``tax``) on ``amount``, with its rate: the channel's mapped
        rate that gives this tax to the cent (Amazon rounds each amount, so a rate worked out
        from them is rarely exact), else the rate worked out to 0.1 %."""
        if not tax:
            return []
        base = amount - tax if included else amount
        if base <= 0:
            return []
        for rate in sorted(set(self.channel.tax_mapping_ids.mapped("rate"))):
            if rate and abs(base * rate / 100.0 - tax) <= 0.011:
                return [NormalizedTax(title="VAT", rate=rate, amount=round_amount(tax))]
        rate = round(tax * 100.0 / base, 1)
        return [NormalizedTax(title="VAT", rate=rate, amount=round_amount(tax))]

    # ------------------------------------------------------------------ outbound
    def push_fulfillment(self, binding, shipment):
        """``confirmShipment`` of the shipped items as one package (the delivery's name is
        the package reference). An order Amazon already shows shipped is not confirmed
        again."""
        items = self._get_shipped_items(binding, shipment)
        order = self.fetch_order(binding.external_id)
        if order.get("OrderStatus") in AMAZON_SHIPPED:
            return binding.external_id
        if order.get("OrderStatus") in self.cancelled_statuses:
            raise OmsError(
                _lt(
                    "Amazon cancelled order %(external_id)s: do not ship.",
                    external_id=binding.external_id,
                )
            )
        if not shipment.get("tracking_number"):
            raise OmsError(
                _lt(
                    "Order %(external_id)s: Amazon needs a tracking number to "
                    "confirm the shipment (set it on the delivery, then retry).",
                    external_id=binding.external_id,
                )
            )
        body = self._prepare_shipment_confirmation(order, shipment, items)
        path = f"/orders/v0/orders/{quote(binding.external_id, safe='')}/shipmentConfirmation"
        self._request("POST", path, body, budget="confirmShipment")
        return binding.external_id

    def _get_shipped_items(self, binding, shipment):
        """``[{"orderItemId", "quantity"}]`` of the shipment's item lines (shipping lines
        left out), sorted by item id; ``OmsError`` when there is none."""
        items = [
            {"orderItemId": str(item_id), "quantity": int(quantity)}
            for item_id, quantity in sorted((shipment.get("lines") or {}).items())
            if quantity and not str(item_id).startswith("shipping:")
        ]
        if not items:
            raise OmsError(
                _lt(
                    "Order %(external_id)s: no Amazon item to confirm.",
                    external_id=binding.external_id,
                )
            )
        return items

    def _prepare_shipment_confirmation(self, order, shipment, items):
        """The ``confirmShipment`` body: one package of ``items`` shipped now (UTC); a
        carrier Amazon does not know goes as ``Other`` with its name."""
        body = {
            "marketplaceId": order.get("MarketplaceId") or self._get_marketplace_ids()[0],
            "packageDetail": {
                "packageReferenceId": shipment.get("picking") or "1",
                "carrierCode": shipment.get("carrier") or "Other",
                "trackingNumber": shipment["tracking_number"],
                "shipDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "orderItems": items,
            },
        }
        if not _is_known_carrier(body["packageDetail"]["carrierCode"]):
            body["packageDetail"]["carrierName"] = body["packageDetail"]["carrierCode"]
            body["packageDetail"]["carrierCode"] = "Other"
        return body

    def push_stock_levels(self, levels):
        """``patchListingsItem`` per SKU: ``fulfillment_availability`` (``DEFAULT`` channel,
        the merchant's own stock) = free stock of the mapped warehouses minus the buffer."""
        quantities = self._get_warehouse_quantities([level for level, _qty in levels])
        if not quantities:
            raise OmsError(
                _lt("Channel %(channel)s: map at least one warehouse.", channel=self.channel.name)
            )
        seller = (self.channel.marketplace_seller_id or "").strip()
        if not seller:
            raise OmsError(
                _lt("Channel %(channel)s: set the Amazon seller ID.", channel=self.channel.name)
            )
        per_level = {}
        for (level_id, _warehouse), quantity in quantities.items():
            per_level[level_id] = per_level.get(level_id, 0.0) + quantity
        errors = {}
        for level, _quantity in levels:
            # the listing is the seller's SKU; the level's external id is the ASIN learnt
            # from the orders, which patchListingsItem does not take
            sku = (level.product_id.default_code or "").strip()
            if not sku:
                errors[level.id] = _lt("No Amazon SKU (the product's internal reference).")
                continue
            answer = self._request(
                "PATCH",
                f"/listings/2021-08-01/items/{quote(seller, safe='')}/{quote(sku, safe='')}",
                _prepare_listing_quantity_patch(int(per_level.get(level.id, 0.0))),
                params={"marketplaceIds": ",".join(self._get_marketplace_ids())},
                budget="stocks",
            )
            if answer.get("status") != "ACCEPTED":
                issues = [i.get("message") or i.get("code") for i in answer.get("issues") or []]
                errors[level.id] = "; ".join(filter(None, issues)) or _lt("Refused by Amazon.")
        return errors

    def test_connection(self):
        """``getMarketplaceParticipations``: the token and the marketplaces of the account;
        Amazon's "warehouse" is the merchant's own stock: one mapping row per marketplace."""
        answer = self._request("GET", "/sellers/v1/marketplaceParticipations")
        wanted = set(self._get_marketplace_ids())
        return [
            (row["marketplace"]["id"], row["marketplace"].get("name") or row["marketplace"]["id"])
            for row in answer.get("payload") or []
            if (row.get("marketplace") or {}).get("id") in wanted
        ]


def _money(reader, key):
    money = reader.obj(key)
    if money is None:
        return 0.0, ""
    return round_amount(money.amount("Amount")), money.text("CurrencyCode", limit=8).upper()


def _prepare_listing_quantity_patch(quantity):
    """The ``patchListingsItem`` body replacing the merchant's own stock (``DEFAULT``
    fulfillment channel) with ``quantity`` units."""
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


def _is_known_carrier(code):
    """Carrier codes Amazon takes as they are (others go as ``Other`` + ``carrierName``)."""
    return code in ("DHL", "DPD", "UPS", "USPS", "FedEx", "Royal Mail", "GLS", "Hermes")
