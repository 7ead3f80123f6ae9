"""OzonAdapter: Ozon Seller API, FBS postings (the seller stores, packs and hands over).

One Ozon **posting** (``posting_number``, e.g. ``57195475-0050-3``) is one OMS order: Ozon
ships, cancels and pays per posting, and one buyer's order (``order_number``) is split in
postings per warehouse. Endpoints (all ``POST``, headers ``Client-Id`` and ``Api-Key``):

* pull: ``/v3/posting/fbs/list`` filtered on ``last_changed_status_date``, paged by
  ``offset`` while ``has_next``; one posting: ``/v3/posting/fbs/get``;
* shipment: ``/v4/posting/fbs/ship`` (the posting packed in one box: ``awaiting_deliver``);
* stock: ``/v2/products/stocks``, 100 (offer, warehouse) pairs a call;
* connection test and warehouses: ``/v1/warehouse/list``;
* push notifications (``TYPE_NEW_POSTING``, ``TYPE_POSTING_CANCELLED``, ``TYPE_STATE_CHANGED``,
  ...): unsigned, from Ozon's published networks, answered at once; the posting is fetched.

No client library: Ozon publishes no official Python client, and the community ones
(``ozon-api-client``, ``ozonapi-async``) are async or generated wrappers that would bring
their own retry and rate-limit logic next to the OMS budget; the seven calls above are plain
JSON posts. Prices are decimal strings (``"1390.0000"``) on the v3 endpoints and money objects
on newer ones: ``_ozon_money`` reads both.
"""

from datetime import UTC, datetime, timedelta

from odoo.tools.translate import LazyTranslate

from .base import register_adapter
from .exceptions import OmsError, OmsPayloadError, OmsRetryableError
from .marketplace import (
    NOT_YET_VISIBLE_RETRY,
    OBSERVED_AT_KEY,
    TOPIC_MARKETPLACE_NOTIFICATION,
    MarketplaceAdapter,
    MarketplaceNotFoundError,
    _now_iso,
    chunks,
)
from .normalized import NormalizedAddress, NormalizedCustomer, NormalizedLine, NormalizedOrder
from .reader import PayloadReader, load_payload, round_amount

_lt = LazyTranslate(__name__, default_lang="en_US")

#: Ozon's push notification source networks (docs.ozon.ru/api/seller, "Push notifications")
OZON_NOTIFY_NETWORKS = "195.34.21.0/24 185.73.192.0/22 91.223.93.0/24"
#: push types about a posting: the posting is fetched from the API when processed
OZON_POSTING_PUSHES = (
    "TYPE_NEW_POSTING",
    "TYPE_POSTING_CANCELLED",
    "TYPE_STATE_CHANGED",
    "TYPE_CUTOFF_DATE_CHANGED",
    "TYPE_DELIVERY_DATE_CHANGED",
)
#: how far back a pull looks for postings whose status changed (the list needs a period)
OZON_POSTING_AGE_DAYS = 30
#: statuses after which the posting is packed: ``/ship`` is no longer needed
OZON_PACKED_STATUSES = (
    "awaiting_deliver",
    "sent_by_seller",
    "driver_pickup",
    "delivering",
    "delivered",
    "arbitration",
    "client_arbitration",
)


@register_adapter("ozon")
class OzonAdapter(MarketplaceAdapter):
    order_id_key = "posting_number"
    order_status_key = "status"
    default_api_url = "https://api-seller.ozon.ru"
    # Ozon limits per method and per account; 10 a second for the account's calls together
    # stays clear of them (tune on the channel's budget row)
    budget_capacity = 10.0
    budget_rate = 10.0
    #: ``/v2/products/stocks``: 80 calls a minute per account
    stock_budget = (5.0, 80.0 / 60.0)
    stock_batch_size = 100
    page_size = 1000
    cancelled_statuses = ("cancelled",)
    platform_name = "Ozon"

    def _get_auth_headers(self):
        channel = self.channel.sudo()  # Client-Id and Api-Key: OMS managers only
        if not channel.marketplace_client_id or not channel.api_key:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Ozon Client ID and API key "
                    "(Ozon seller account > Settings > Seller API).",
                    channel=channel.name,
                )
            )
        return {"Client-Id": channel.marketplace_client_id.strip(), "Api-Key": channel.api_key}

    # ------------------------------------------------------------------ pull
    def _fetch_order_payloads(self, since):
        now = datetime.now(UTC).replace(tzinfo=None)
        body = {
            "dir": "ASC",
            "filter": {
                "since": _ozon_time(since - timedelta(days=OZON_POSTING_AGE_DAYS)),
                "to": _ozon_time(now),
                "last_changed_status_date": {"from": _ozon_time(since), "to": _ozon_time(now)},
            },
            "limit": self.page_size,
            "offset": 0,
            "with": {"analytics_data": False, "financial_data": True},
        }
        for _page in range(1000):
            answer = self._request("POST", "/v3/posting/fbs/list", body)
            result = answer.get("result") or {}
            postings = result.get("postings") or []
            yield from (p for p in postings if isinstance(p, dict))
            if not result.get("has_next") or not postings:
                return
            body["offset"] += len(postings)

    def fetch_order(self, external_id):
        try:
            answer = self._request(
                "POST",
                "/v3/posting/fbs/get",
                {"posting_number": external_id, "with": {"financial_data": True}},
            )
        except MarketplaceNotFoundError as exc:
            raise OmsRetryableError(
                _lt(
                    "Ozon does not show posting %(external_id)s yet: will ask again.",
                    external_id=external_id,
                ),
                retry_after=NOT_YET_VISIBLE_RETRY,
            ) from exc
        posting = answer.get("result")
        if not isinstance(posting, dict):
            raise OmsPayloadError(
                _lt("Ozon answered no posting for %(external_id)s.", external_id=external_id)
            )
        posting[OBSERVED_AT_KEY] = _now_iso()
        return posting

    # ------------------------------------------------------------------ notifications
    def get_webhook_topic(self, headers, payload):
        if not isinstance(payload, dict):
            return None
        seller_id = str(payload.get("seller_id") or "")
        client_id = (self.channel.sudo().marketplace_client_id or "").strip()
        if seller_id and client_id and seller_id != client_id:
            return None  # another seller's notification sent to this URL
        if payload.get("message_type") in OZON_POSTING_PUSHES and payload.get("posting_number"):
            return TOPIC_MARKETPLACE_NOTIFICATION
        return None

    def get_webhook_platform_topic(self, headers, payload):
        return str(payload.get("message_type") or "")[:128] if isinstance(payload, dict) else ""

    # ------------------------------------------------------------------ mapping
    def normalize_order(self, payload):
        """An Ozon FBS posting (``/v3/posting/fbs/get`` ``result``, or a posting of
        ``/v3/posting/fbs/list``) -> ``NormalizedOrder``. Prices include VAT; the VAT is the
        channel's rate (Ozon gives none per posting)."""
        posting = load_payload(payload)
        number = posting.ident("posting_number", required=True)
        status = posting.text("status", limit=64)
        observed_at = self.get_order_updated_at(posting.data)
        lines, currency = self._normalize_products(posting)
        if not lines:
            raise OmsPayloadError(
                _lt("$.products: posting %(number)s has no products.", number=number)
            )
        customer = posting.obj("customer")
        address = _ozon_address(customer)
        name = (customer.text("name") if customer else "") or "Ozon buyer"
        return NormalizedOrder(
            external_id=number,
            name=number,
            currency=(currency or "RUB").upper(),
            created_at=posting.datetime("in_process_at"),
            updated_at=observed_at,
            cancelled_at=self._get_cancelled_at(observed_at, status in self.cancelled_statuses),
            ship_by=posting.deadline("shipment_date"),
            taxes_included=True,
            customer=NormalizedCustomer(name=name, is_guest=True),
            shipping_address=address,
            lines=lines,
            total=self._get_lines_total(lines),
            financial_status="paid",  # the buyer paid Ozon, Ozon pays the seller
            fulfillment_status="fulfilled" if status in OZON_PACKED_STATUSES else "unfulfilled",
            status=status,
            raw=posting.data,
        )

    def _normalize_products(self, posting):
        """``(lines, currency)``: a ``NormalizedLine`` per product of the posting (VAT
        included, at the channel's rate), and the currency code of the first product that
        states one ("" when none does)."""
        lines, currency = [], ""
        for product in posting.objects("products", required=True):
            price, line_currency = _ozon_money(product, "price")
            currency = currency or line_currency or product.text("currency_code", limit=8)
            quantity = product.quantity("quantity")
            lines.append(
                NormalizedLine(
                    external_id=product.ident("sku", required=True),
                    sku=product.ident("offer_id"),
                    external_product_id=product.ident("offer_id"),
                    name=product.text("name"),
                    quantity=quantity,
                    price_unit=price,
                    taxes=self._get_vat_taxes(price * quantity),
                )
            )
        return lines, currency

    # ------------------------------------------------------------------ outbound
    def push_fulfillment(self, binding, shipment):
        """``/v4/posting/fbs/ship``: the shipped lines (Ozon sku -> quantity) as one package.
        A posting Ozon already shows packed is not packed again (its number is returned)."""
        products = [
            {"product_id": int(sku), "quantity": int(quantity)}
            for sku, quantity in sorted((shipment.get("lines") or {}).items())
            if str(sku).isdigit() and quantity
        ]
        if not products:
            raise OmsError(
                _lt(
                    "Posting %(external_id)s: no Ozon product to ship.",
                    external_id=binding.external_id,
                )
            )
        if self.fetch_order(binding.external_id).get("status") in OZON_PACKED_STATUSES:
            return binding.external_id
        answer = self._request(
            "POST",
            "/v4/posting/fbs/ship",
            {
                "packages": [{"products": products}],
                "posting_number": binding.external_id,
                "with": {"additional_data": True},
            },
        )
        result = answer.get("result") or [binding.external_id]
        return ", ".join(str(number) for number in result)

    def push_stock_levels(self, levels):
        """``/v2/products/stocks``: one (offer, Ozon warehouse) pair per level and mapped
        warehouse, 100 pairs a call. ``{level id: error}`` of the pairs Ozon refused."""
        quantities = self._get_warehouse_quantities([level for level, _qty in levels])
        errors, pairs = {}, []
        for level, _quantity in levels:
            offer_id = (level.external_id or level.product_id.default_code or "").strip()
            if not offer_id:
                errors[level.id] = _lt("No Ozon offer id (the product's internal reference).")
                continue
            for (level_id, warehouse_id), quantity in quantities.items():
                if level_id == level.id:
                    pairs.append((level, offer_id, warehouse_id, quantity))
        if not quantities:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: map at least one Ozon warehouse.",
                    channel=self.channel.name,
                )
            )
        for batch in chunks(pairs, self.stock_batch_size):
            by_key = {(offer, str(wh)): level for level, offer, wh, _q in batch}
            answer = self._request(
                "POST",
                "/v2/products/stocks",
                {
                    "stocks": [
                        {"offer_id": offer, "stock": int(qty), "warehouse_id": int(wh)}
                        for _level, offer, wh, qty in batch
                    ]
                },
                budget="stocks",
            )
            errors.update(_ozon_stock_errors(answer, by_key))
        return errors

    def test_connection(self):
        answer = self._request("POST", "/v1/warehouse/list", {})
        return [
            (str(wh.get("warehouse_id")), str(wh.get("name") or wh.get("warehouse_id")))
            for wh in answer.get("result") or []
            if isinstance(wh, dict) and wh.get("warehouse_id")
        ]


def _ozon_stock_errors(answer, by_key):
    """``{level id: message}`` of the (offer, warehouse) pairs a ``/v2/products/stocks``
    answer did not update; ``by_key``: ``{(offer id, warehouse id as text): level}``."""
    errors = {}
    for item in answer.get("result") or []:
        if item.get("updated"):
            continue
        level = by_key.get((str(item.get("offer_id")), str(item.get("warehouse_id"))))
        messages = [e.get("message") or e.get("code") for e in item.get("errors") or []]
        if level:
            errors[level.id] = "; ".join(filter(None, messages)) or _lt("Refused by Ozon.")
    return errors


def _ozon_time(value):
    return value.replace(microsecond=0).isoformat() + "Z"


def _ozon_money(reader, key):
    """(amount, currency) of a price: ``"1390.0000"``, a number, or a money object
    (``{"amount": "1390.00", "currency_code": "RUB"}`` / ``{"units": 1390, "nanos": 0}``)."""
    value = reader.raw(key)
    if isinstance(value, dict):
        money = PayloadReader(value, f"{reader.path}.{key}")
        currency = money.text("currency_code", limit=8) or money.text("currency", limit=8)
        if money.has("units"):
            amount = money.number("units") + money.number("nanos") / 1e9
        else:
            amount = money.amount("amount") if money.has("amount") else money.amount("value")
        return round_amount(amount), currency.upper()
    return round_amount(reader.amount(key, required=True)), ""


def _ozon_address(customer):
    """The buyer's address of an rFBS posting (FBS postings go to Ozon and carry none)."""
    if customer is None or customer.obj("address") is None:
        return None
    address = customer.obj("address")
    result = NormalizedAddress(
        name=customer.text("name"),
        street=address.text("address_tail"),
        city=address.text("city"),
        zip=address.text("zip_code", limit=32),
        country_code=(address.text("country", limit=64) == "Россия" and "RU") or "",
        phone=customer.text("phone", limit=64),
    )
    return result if result.street and result.city else None
