"""ShopifyAdapter: the shopify platform. See ``base.ChannelAdapter`` for the interface."""

from odoo.tools.translate import LazyTranslate

from . import outbound, transport
from .base import (
    TOPIC_ORDER_CANCELLED,
    TOPIC_ORDER_CREATED,
    TOPIC_ORDER_PAID,
    TOPIC_ORDER_UPDATED,
    TOPIC_REFUND_CREATED,
    TOPIC_RETURN_REQUESTED,
    TOPIC_TRANSACTION_CREATED,
    ChannelAdapter,
    register_adapter,
)
from .exceptions import OmsError
from .normalized import (
    NormalizedAddress,
    NormalizedCustomer,
    NormalizedLine,
    NormalizedOrder,
    NormalizedPayment,
    NormalizedRefund,
    NormalizedRefundLine,
    NormalizedShippingLine,
    NormalizedTax,
)
from .reader import AMOUNT_DIGITS, load_payload, read_currency, round_amount

_lt = LazyTranslate(__name__, default_lang="en_US")


@register_adapter("shopify")
class ShopifyAdapter(ChannelAdapter):
    # ------------------------------------------------------------ webhooks (intake transport)
    delivery_id_header = "X-Shopify-Webhook-Id"
    topic_header = "X-Shopify-Topic"
    signature_header = "X-Shopify-Hmac-Sha256"
    #: Shopify webhook topics -> normalized topics; any other topic is acknowledged and ignored
    webhook_topics = {
        "orders/create": TOPIC_ORDER_CREATED,
        "orders/updated": TOPIC_ORDER_UPDATED,
        "orders/edited": TOPIC_ORDER_UPDATED,
        "orders/cancelled": TOPIC_ORDER_CANCELLED,
        "orders/paid": TOPIC_ORDER_PAID,
        "order_transactions/create": TOPIC_TRANSACTION_CREATED,
        "refunds/create": TOPIC_REFUND_CREATED,
        "returns/request": TOPIC_RETURN_REQUESTED,
    }
    #: topics whose payload is not the order itself but refers to it with ``order_id``
    child_topics = (TOPIC_TRANSACTION_CREATED, TOPIC_REFUND_CREATED, TOPIC_RETURN_REQUESTED)

    def verify_webhook(self, headers, body):
        # Shopify signs the raw body with the app's API secret key: base64 HMAC-SHA256.
        # sudo: the secret is hidden from OMS users, the check runs for anyone.
        transport.check_base64_signature(
            self.channel.sudo().webhook_secret,
            body,
            transport.get_header(headers, self.signature_header),
            self.signature_header,
        )

    def get_webhook_topic(self, headers, payload):
        return self.webhook_topics.get(transport.get_header(headers, self.topic_header))

    def get_webhook_delivery_id(self, headers, body):
        return transport.get_header(headers, self.delivery_id_header) or transport.body_digest(body)

    def get_external_order_id(self, topic, payload):
        if not isinstance(payload, dict):
            return ""
        if topic in self.child_topics:
            order = payload.get("order")
            value = payload.get("order_id") or (order.get("id") if isinstance(order, dict) else "")
        else:
            value = payload.get("id")
        return transport.id_to_str(value)

    def get_order_updated_at(self, payload):
        return transport.parse_datetime(payload.get("updated_at"))

    cancellation_fields = "cancelled_at not null"

    def is_order_cancelled(self, payload):
        return bool(payload.get("cancelled_at"))

    # ------------------------------------------------------------ orders (intake mapping)

    def normalize_order(self, payload):
        """Shopify Admin REST ``Order`` (the ``orders/*`` webhooks' body) -> ``NormalizedOrder``.

        Quantities and totals are the *current* ones when Shopify sends them (order edits and
        removed items), amounts are strings, tax rates fractions (0.19 is 19 %), discounts are
        allocated on the lines and shipping lines (``discount_allocations``)."""
        order = load_payload(payload)
        external_id = order.ident("id", required=True)
        cancelled_at = order.datetime("cancelled_at")
        financial = order.text("financial_status", limit=64)
        fulfillment = order.text("fulfillment_status", limit=64) or "unfulfilled"
        billing = _shopify_address(order.obj("billing_address"))
        shipping = _shopify_address(order.obj("shipping_address"))
        current = order.has("current_total_price")
        total_key = "current_total_price" if current else "total_price"
        currency = read_currency(order)
        return NormalizedOrder(
            external_id=external_id,
            name=order.text("name", limit=128) or order.ident("order_number") or external_id,
            currency=currency,
            created_at=order.datetime("created_at"),
            updated_at=order.datetime("updated_at"),
            cancelled_at=cancelled_at,
            taxes_included=order.boolean("taxes_included"),
            customer=self._normalize_customer(order, billing, shipping),
            billing_address=billing,
            shipping_address=shipping,
            lines=self._normalize_lines(order) + self._normalize_duties(order),
            shipping_lines=self._normalize_shipping_lines(order),
            total=order.amount(total_key, required=True),
            total_tax=self._read_total_tax(order, current),
            financial_status=financial,
            fulfillment_status=fulfillment,
            status=_shopify_status(financial, fulfillment, cancelled_at),
            note=order.text("note", limit=4000),
            refunds=self._normalize_order_refunds(order, external_id),
            **_presentment(order, total_key, currency),
            raw=order.data,
        )

    def _read_total_tax(self, order, current):
        """The order's total tax (the current one after edits), None when the payload has
        none."""
        key = "current_total_tax" if current and order.has("current_total_tax") else "total_tax"
        return order.amount(key) if order.has(key) else None

    def _normalize_lines(self, order):
        """The order's line items with a quantity left. A line Shopify marks ``taxable`` but
        sends without ``tax_lines`` is taxed at the order's rates: Shopify sometimes books
        the whole tax of an order on its first line (tax-included shops with discounts)."""
        order_taxes = [
            NormalizedTax(title=tax.title, rate=tax.rate) for tax in _shopify_taxes(order)
        ]
        lines = []
        for item in order.objects("line_items", required=True):
            quantity = item.quantity(
                "current_quantity" if item.has("current_quantity") else "quantity"
            )
            if not quantity:
                continue  # removed by an order edit, or fully refunded before shipping
            taxes = self._line_taxes(item, order_taxes)
            lines.append(
                NormalizedLine(
                    external_id=item.ident("id", required=True),
                    sku=item.ident("sku"),
                    external_product_id=item.ident("variant_id") or item.ident("product_id"),
                    name=item.text("name") or item.text("title"),
                    quantity=quantity,
                    price_unit=item.amount("price", required=True),
                    discount_amount=_allocated_discount(item),
                    taxes=taxes,
                )
            )
        return lines

    def _line_taxes(self, item, order_taxes):
        """A line's taxes: none when Shopify says it is not ``taxable`` (it may still carry a
        tax line of 0.00), the order's when it is taxable without tax lines."""
        if item.has("taxable") and not item.boolean("taxable"):
            return []
        taxes = _shopify_taxes(item)
        if not taxes and item.boolean("taxable"):
            taxes = list(order_taxes)
        return taxes

    def _normalize_duties(self, order):
        """The duties of a cross-border order (shop money), as a fee line: they are part of
        the total but neither a product nor a tax."""
        duties = order.obj("current_total_duties_set") or order.obj("original_total_duties_set")
        money = duties and duties.obj("shop_money")
        amount = money.amount("amount") if money else 0.0
        if not amount:
            return []
        return [
            NormalizedLine(
                external_id="duties", name="Duties", quantity=1.0, price_unit=amount, is_fee=True
            )
        ]

    def _normalize_shipping_lines(self, order):
        return [
            NormalizedShippingLine(
                title=line.text("title"),
                code=line.ident("code"),
                price=line.amount("price"),
                discount_amount=_allocated_discount(line),
                taxes=_shopify_taxes(line),
            )
            for line in order.objects("shipping_lines")
            if not line.boolean("is_removed")
        ]

    def _normalize_customer(self, order, billing, shipping):
        """The order's customer; an order without one (draft orders) is a guest's."""
        customer = order.obj("customer")
        email = (customer and customer.text("email")) or order.text("email")
        email = email or order.text("contact_email")
        name = ""
        if customer:
            name = " ".join(
                part for part in (customer.text("first_name"), customer.text("last_name")) if part
            )
        name = name or (billing and billing.name) or (shipping and shipping.name) or email
        return NormalizedCustomer(
            external_id=customer.ident("id") if customer else "",
            email=email,
            name=name,
            phone=(customer and customer.text("phone", limit=64)) or order.text("phone"),
            is_guest=not customer,
        )

    def _normalize_order_refunds(self, order, external_id):
        """The ``refunds`` an order payload carries (``orders/updated``, ``orders/cancelled``),
        as ``refunds/create`` would deliver them: the same path books them, once each."""
        return [
            self.normalize_refund(dict(refund.data, order_id=refund.raw("order_id") or external_id))
            for refund in order.objects("refunds")
        ]

    def normalize_refund(self, payload):
        """Shopify ``Refund`` (``refunds/create`` webhook) -> ``NormalizedRefund``."""
        refund = load_payload(payload)
        lines = self._normalize_refund_lines(refund)
        transactions = self._normalize_refund_transactions(refund)
        shipping_amount = self._read_shipping_refund(refund)
        succeeded = [trx for trx in transactions if trx.status == "success"]
        if succeeded:
            amount = sum(trx.amount for trx in succeeded)
        else:
            amount = sum(line.amount for line in lines) + shipping_amount
        return NormalizedRefund(
            external_id=refund.ident("id", required=True),
            order_external_id=refund.ident("order_id", required=True),
            amount=round_amount(amount),
            currency=succeeded[0].currency if succeeded else "",
            reason=refund.text("note"),
            shipping_amount=round_amount(shipping_amount),
            lines=lines,
            transactions=transactions,
            created_at=refund.datetime("created_at"),
        )

    def _normalize_refund_lines(self, refund):
        """A ``NormalizedRefundLine`` per ``refund_line_items`` entry: the amount is its
        subtotal plus its tax (shop currency), restocked when returned or cancelled."""
        lines = []
        for line in refund.objects("refund_line_items"):
            lines.append(
                NormalizedRefundLine(
                    line_external_id=line.ident("line_item_id", required=True),
                    quantity=line.quantity("quantity"),
                    amount=round_amount(
                        _shop_money(line, "subtotal")[0] + _shop_money(line, "total_tax")[0]
                    ),
                    restock=line.text("restock_type", limit=32) in ("return", "cancel"),
                )
            )
        return lines

    def _normalize_refund_transactions(self, refund):
        """A ``NormalizedPayment`` (kind "refund") per refund transaction of the refund,
        in the transaction's own currency; other kinds of transaction are left out."""
        transactions = []
        for trx in refund.objects("transactions"):
            if trx.text("kind", limit=32) != "refund":
                continue
            amount, currency = _shop_money(trx, "amount")
            transactions.append(
                NormalizedPayment(
                    transaction_id=trx.ident("id", required=True),
                    gateway=trx.text("gateway", limit=64),
                    amount=amount,
                    currency=currency,
                    kind="refund",
                    status=trx.text("status", limit=32) or "success",
                    processed_at=trx.datetime("processed_at") or trx.datetime("created_at"),
                )
            )
        return transactions

    def _read_shipping_refund(self, refund):
        """The shipping refunded, tax included (positive, shop currency): the
        ``shipping_refund`` order adjustments with their tax, sign reversed."""
        shipping_amount = 0.0
        for adjustment in refund.objects("order_adjustments"):
            if adjustment.text("kind", limit=32) == "shipping_refund":
                # adjustments are negative: they take the amount off the order's balance
                shipping_amount -= adjustment.amount("amount", signed=True)
                shipping_amount -= adjustment.amount("tax_amount", signed=True)
        return shipping_amount

    # ------------------------------------------------------------ pull reconciliation
    default_api_version = "2025-01"

    def _get_orders_url(self):
        """``https://<shop>.myshopify.com/admin/api/<version>/orders.json`` from the channel's
        API URL (the shop domain, with or without scheme) and API version."""
        channel = self.channel.sudo()  # the channel's API settings: OMS managers only
        base = (channel.api_url or "").strip().rstrip("/")
        if not base:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the API URL (the shop domain, e.g. "
                    "my-store.myshopify.com) to pull orders.",
                    channel=channel.name,
                )
            )
        if "://" not in base:
            base = "https://" + base
        version = (channel.api_version or self.default_api_version).strip()
        return f"{base}/admin/api/{version}/orders.json"

    def fetch_orders_updated_since(self, since):
        """Admin REST ``GET orders.json?updated_at_min=...&status=any&limit=250``, following
        the ``Link: <...page_info=...>; rel="next"`` header (cursor paging)."""
        channel = self.channel.sudo()  # the access token is readable by OMS managers only
        if not channel.api_key:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Admin API access token to pull.",
                    channel=channel.name,
                )
            )
        headers = {"X-Shopify-Access-Token": channel.api_key, "Accept": "application/json"}
        url = self._get_orders_url()
        params = {
            "updated_at_min": transport.format_datetime(since),
            "status": "any",
            "limit": 250,
            "order": "updated_at asc",
        }
        for _page in range(transport.MAX_PAGES):
            response = transport.http_get(url, params, headers, platform="Shopify")
            data = transport.response_json(response, platform="Shopify")
            orders = data.get("orders") if isinstance(data, dict) else None
            if not isinstance(orders, list):
                raise OmsError(
                    _lt("Shopify answered without an orders list at %(url)s.", url=response.url)
                )
            yield from orders
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
            # the next page's URL carries page_info and limit: other filters are not allowed
            url, params = next_url, None

    # ------------------------------------------------------------ payments (accounting)
    def normalize_transaction(self, payload):
        """Shopify ``Transaction`` (``order_transactions/create`` webhook) ->
        ``NormalizedPayment``. The REST transaction carries no fee; a fee is read when the
        payload has one (GraphQL-style ``fees: [{amount: {amount}}]``)."""
        transaction = load_payload(payload)
        fee = 0.0
        for fee_line in transaction.objects("fees"):
            money = fee_line.obj("amount")
            fee += money.amount("amount") if money else fee_line.amount("amount")
        amount, currency = _shop_money(transaction, "amount", required=True)
        return NormalizedPayment(
            transaction_id=transaction.ident("id", required=True),
            gateway=transaction.text("gateway", limit=64),
            amount=amount,
            currency=currency,
            fee=round_amount(fee),
            kind=transaction.text("kind", limit=32) or "sale",
            status=transaction.text("status", limit=32) or "success",
            processed_at=transaction.datetime("processed_at") or transaction.datetime("created_at"),
        )

    # ------------------------------------------------------------ fulfillment and stock (routing)
    #: Shopify's REST Admin API allows 2 requests a second; inventory is set one item a call
    stock_batch_size = 1
    stock_requests_per_second = 2.0

    def _admin_url(self, path):
        channel = self.channel.sudo()  # the channel's API settings: OMS managers only
        version = (
            channel.api_version or getattr(self, "default_api_version", "") or "2025-01"
        ).strip()
        return f"{outbound.base_url(channel, 'Shopify')}/admin/api/{version}/{path}"

    def _admin_headers(self):
        token = self.channel.sudo().api_key  # readable by OMS managers only
        if not token:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Admin API access token.",
                    channel=self.channel.name,
                )
            )
        return {"X-Shopify-Access-Token": token}

    def push_fulfillment(self, binding, shipment):
        """Fulfil the order's open fulfillment orders (all of them, or the shipped lines
        only) with the tracking info: ``GET orders/<id>/fulfillment_orders.json`` then
        ``POST fulfillments.json``. Returns the Shopify fulfillment id."""
        headers = self._admin_headers()
        open_orders = self._get_open_fulfillment_orders(binding, headers)
        by_fulfillment_order = self._prepare_fulfillment_order_items(open_orders, shipment)
        if not by_fulfillment_order:
            raise OmsError(
                _lt(
                    "Shopify has no open fulfillment order for order %(order)s: "
                    "fulfilled on Shopify already?",
                    order=binding.external_name or binding.external_id,
                )
            )
        body = {
            "fulfillment": {
                "line_items_by_fulfillment_order": by_fulfillment_order,
                "notify_customer": bool(shipment.get("notify_customer", True)),
                "tracking_info": {
                    "company": shipment.get("carrier") or "",
                    "number": shipment.get("tracking_number") or "",
                    "url": shipment.get("tracking_url") or "",
                },
            }
        }
        answer = outbound.send_json(
            "POST", self._admin_url("fulfillments.json"), body, headers=headers, platform="Shopify"
        )
        fulfillment_id = (answer.get("fulfillment") or {}).get("id")
        if not fulfillment_id:
            raise OmsError(_lt("Shopify answered without a fulfillment id."))
        return fulfillment_id

    def _get_open_fulfillment_orders(self, binding, headers):
        """The order's fulfillment orders (Shopify dicts) still to fulfil: ``open``,
        ``in_progress`` or ``scheduled``."""
        data = outbound.send_json(
            "GET",
            self._admin_url(f"orders/{binding.external_id}/fulfillment_orders.json"),
            headers=headers,
            platform="Shopify",
        )
        return [
            fo
            for fo in data.get("fulfillment_orders") or []
            if fo.get("status") in ("open", "in_progress", "scheduled")
        ]

    def _prepare_fulfillment_order_items(self, open_orders, shipment):
        """``line_items_by_fulfillment_order`` of ``POST fulfillments.json``: every open
        fulfillment order whole when the shipment names no lines, else the shipped quantities
        (line id -> quantity) spread over the fulfillment orders' fulfillable items in order;
        fulfillment orders with nothing to fulfil are left out."""
        whole = not shipment.get("lines")
        wanted = {str(k): v for k, v in (shipment.get("lines") or {}).items()}
        by_fulfillment_order = []
        for fulfillment_order in open_orders:
            if whole:
                by_fulfillment_order.append({"fulfillment_order_id": fulfillment_order["id"]})
                continue
            items = _take_fulfillable_items(fulfillment_order, wanted)
            if items:
                by_fulfillment_order.append(
                    {
                        "fulfillment_order_id": fulfillment_order["id"],
                        "fulfillment_order_line_items": items,
                    }
                )
        return by_fulfillment_order

    def push_stock_levels(self, levels):
        """``POST inventory_levels/set.json`` per level at the channel's location; the
        inventory item id is looked up once from the variant id and kept on the level."""
        headers = self._admin_headers()
        location = (self.channel.stock_external_location or "").strip()
        if not location:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the Shopify location id to push stock.",
                    channel=self.channel.name,
                )
            )
        errors = {}
        for level, quantity in levels:
            inventory_item, error = self._get_inventory_item(level, headers)
            if error:
                errors[level.id] = error
                continue
            self._throttle_stock_request()
            outbound.send_json(
                "POST",
                self._admin_url("inventory_levels/set.json"),
                {
                    "location_id": int(location),
                    "inventory_item_id": int(inventory_item),
                    "available": int(quantity),
                },
                headers=headers,
                platform="Shopify",
            )
        return errors

    def _get_inventory_item(self, level, headers):
        """``(inventory item id, "")`` of a stock level: kept on the level, else read from
        its variant (one throttled request) and kept; ``("", error message)`` when there is
        no variant id or the variant has no inventory item."""
        if level.external_inventory_id:
            return level.external_inventory_id, ""
        if not level.external_id:
            return "", _lt("No Shopify variant id on this stock level.")
        self._throttle_stock_request()
        variant = outbound.send_json(
            "GET",
            self._admin_url(f"variants/{level.external_id}.json"),
            headers=headers,
            platform="Shopify",
        )
        inventory_item = str((variant.get("variant") or {}).get("inventory_item_id") or "")
        if not inventory_item:
            return "", _lt("Shopify variant has no inventory item.")
        level.external_inventory_id = inventory_item
        return inventory_item, ""

    # ------------------------------------------------------------ refunds (returns)

    def push_refund(self, binding, refund):
        """``POST /admin/api/<version>/orders/<id>/refunds.json``: a refund of the returned line
        items (restocked when the goods came back). No ``transactions`` unless the refund names
        the ``parent_transaction_id`` to refund: the money is paid back in Odoo."""
        import json

        # sudo: the access token is readable by OMS managers only, the job runs for anyone
        channel = self.channel.sudo()  # the channel's API settings: OMS managers only
        version = getattr(channel, "api_version", None) or "2025-01"
        base = (getattr(channel, "api_url", None) or "").rstrip("/")
        url = f"{base}/admin/api/{version}/orders/{binding.external_id}/refunds.json"
        restock_type = "return" if refund.get("restock") else "no_restock"
        body = {
            "refund": {
                "currency": refund.get("currency"),
                "notify": True,
                "note": refund.get("reason") or refund.get("reference"),
                "refund_line_items": [
                    {"line_item_id": line_id, "quantity": int(qty), "restock_type": restock_type}
                    for line_id, qty in (refund.get("lines") or {}).items()
                    if str(line_id).isdigit()
                ],
            }
        }
        if refund.get("parent_transaction_id"):
            body["refund"]["transactions"] = [
                {
                    "parent_id": refund["parent_transaction_id"],
                    "amount": f"{refund['amount']:.2f}",
                    "kind": "refund",
                    "gateway": refund.get("gateway") or "manual",
                }
            ]
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Access-Token": getattr(channel, "api_key", None) or "",
        }
        answer = self._post_refund(url, json.dumps(body).encode(), headers)
        return str((answer.get("refund") or {}).get("id") or refund.get("reference"))

    pass


def _take_fulfillable_items(fulfillment_order, wanted):
    """``[{"id", "quantity"}]`` of a fulfillment order's items that ``wanted`` (line id as
    text -> quantity still to fulfil) asks for, at most their fulfillable quantity; the
    quantities taken are subtracted from ``wanted``."""
    items = []
    for item in fulfillment_order.get("line_items") or []:
        key = str(item.get("line_item_id"))
        quantity = min(wanted.get(key, 0), item.get("fulfillable_quantity") or 0)
        if quantity > 0:
            items.append({"id": item["id"], "quantity": int(quantity)})
            wanted[key] -= quantity
    return items


def _shopify_status(financial, fulfillment, cancelled_at):
    """The status shown to users: "cancelled", else "<financial> / <fulfillment>"."""
    if cancelled_at:
        return "cancelled"
    return " / ".join(part for part in (financial, fulfillment) if part)


def _shop_money(reader, key, required=False):
    """``(amount, currency code)`` of ``key`` in the shop's currency: ``<key>_set.shop_money``
    when the payload carries it (an order paid in another, presentment currency), else ``key``
    and the payload's ``currency`` (the core converts it at the order's rate if it is not the
    order's currency)."""
    money_set = reader.obj(f"{key}_set")
    shop = money_set and money_set.obj("shop_money")
    if shop and shop.has("amount"):
        return shop.amount("amount"), shop.text("currency_code", limit=3).upper()
    return reader.amount(key, required=required), reader.text("currency", limit=3).upper()


def _presentment(order, total_key, currency):
    """``presentment_currency`` and ``presentment_total`` of an order the customer paid in
    another currency than the shop's (empty otherwise)."""
    code = order.text("presentment_currency", limit=3).upper()
    money_set = order.obj(f"{total_key}_set")
    money = money_set and money_set.obj("presentment_money")
    if not code or code == currency or not money:
        return {}
    return {"presentment_currency": code, "presentment_total": money.amount("amount")}


def _allocated_discount(line):
    return round_amount(
        sum(allocation.amount("amount") for allocation in line.objects("discount_allocations")),
        AMOUNT_DIGITS,
    )


def _shopify_taxes(line):
    return [
        NormalizedTax(
            title=tax.text("title", limit=128),
            # Shopify sends the rate as a fraction: 0.19 is 19 %
            rate=round(tax.number("rate", minimum=0.0, maximum=10.0) * 100.0, 4),
            amount=tax.amount("price"),
        )
        for tax in line.objects("tax_lines")
    ]


def _shopify_address(address):
    if address is None:
        return None
    name = address.text("name") or " ".join(
        part for part in (address.text("first_name"), address.text("last_name")) if part
    )
    return NormalizedAddress(
        name=name,
        company=address.text("company"),
        street=address.text("address1"),
        street2=address.text("address2"),
        city=address.text("city"),
        zip=address.text("zip", limit=32),
        state_code=address.text("province_code", limit=16).upper(),
        country_code=address.text("country_code", limit=8).upper(),
        phone=address.text("phone", limit=64),
    )
