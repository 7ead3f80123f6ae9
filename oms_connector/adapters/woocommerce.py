"""WooCommerceAdapter: the woocommerce platform. See ``base.ChannelAdapter`` for the interface."""

import re

from odoo.tools.translate import LazyTranslate

from . import outbound, transport
from .base import (
    TOPIC_ORDER_CANCELLED,
    TOPIC_ORDER_CREATED,
    TOPIC_ORDER_UPDATED,
    ChannelAdapter,
    register_adapter,
)
from .exceptions import OmsError, OmsRetryableError
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
from .reader import AMOUNT_DIGITS, PayloadReader, load_payload, read_currency, round_amount

_lt = LazyTranslate(__name__, default_lang="en_US")

#: the body of the unsigned delivery WooCommerce sends when a webhook is saved
WOO_PING_BODY = re.compile(rb"^webhook_id=\d+$")


@register_adapter("woocommerce")
class WooCommerceAdapter(ChannelAdapter):
    # ------------------------------------------------------------ webhooks (intake transport)
    delivery_id_header = "X-WC-Webhook-Delivery-ID"
    topic_header = "X-WC-Webhook-Topic"
    signature_header = "X-WC-Webhook-Signature"
    #: WooCommerce webhook topics -> normalized topics; any other topic is acknowledged and
    #: ignored. ``order.updated`` of a cancelled order becomes ``order.cancelled`` below.
    webhook_topics = {
        "order.created": TOPIC_ORDER_CREATED,
        "order.updated": TOPIC_ORDER_UPDATED,
        "order.restored": TOPIC_ORDER_UPDATED,
        "order.deleted": TOPIC_ORDER_CANCELLED,
    }
    cancelled_statuses = ("cancelled",)

    def verify_webhook(self, headers, body):
        # WooCommerce signs the raw body with the webhook's secret: base64 HMAC-SHA256.
        # sudo: the secret is hidden from OMS users, the check runs for anyone.
        transport.check_base64_signature(
            self.channel.sudo().webhook_secret,
            body,
            transport.get_header(headers, self.signature_header),
            self.signature_header,
        )

    def is_webhook_ping(self, headers, body):
        return not transport.get_header(headers, self.signature_header) and bool(
            WOO_PING_BODY.match(body.strip())
        )

    def get_webhook_topic(self, headers, payload):
        topic = self.webhook_topics.get(transport.get_header(headers, self.topic_header))
        if topic == TOPIC_ORDER_UPDATED and isinstance(payload, dict):
            if self.is_order_cancelled(payload):
                return TOPIC_ORDER_CANCELLED
        return topic

    def get_webhook_delivery_id(self, headers, body):
        return transport.get_header(headers, self.delivery_id_header) or transport.body_digest(body)

    def get_external_order_id(self, topic, payload):
        if not isinstance(payload, dict):
            return ""
        return transport.id_to_str(payload.get("order_id") or payload.get("id"))

    def get_order_updated_at(self, payload):
        return transport.parse_datetime(payload.get("date_modified_gmt"))

    def is_order_cancelled(self, payload):
        return payload.get("status") in self.cancelled_statuses

    cancellation_fields = "status cancelled"

    # ------------------------------------------------------------ orders (intake mapping)

    #: WooCommerce statuses -> the normalized financial status
    financial_statuses = {
        "pending": "pending",
        "on-hold": "pending",
        "failed": "pending",
        "checkout-draft": "pending",
        "processing": "paid",
        "completed": "paid",
        "refunded": "refunded",
        "cancelled": "voided",
    }
    #: order meta keys where payment plugins store the gateway's fee
    fee_meta_keys = ("_stripe_fee", "_paypal_transaction_fee", "_wcpay_transaction_fee")

    def normalize_order(self, payload):
        """WooCommerce REST v3 ``Order`` -> ``NormalizedOrder``.

        Line ``subtotal``/``total`` are always without tax in the API, before/after coupons;
        when the store enters prices with tax (``prices_include_tax``) the unit prices are put
        back with their tax so that Odoo shows what the customer saw. A ``billing`` or
        ``shipping`` block left blank (all empty strings) is no address."""
        order = load_payload(payload)
        currency = read_currency(order)
        external_id = order.ident("id", required=True)
        included = order.boolean("prices_include_tax")
        rates = self._woo_tax_rates(order)
        billing = _woo_address(order.obj("billing"))
        shipping = _woo_address(order.obj("shipping"))
        status = order.text("status", limit=64)
        updated_at = order.datetime("date_modified_gmt")
        date_paid = order.datetime("date_paid_gmt")
        return NormalizedOrder(
            external_id=external_id,
            name=order.ident("number") or external_id,
            currency=currency,
            created_at=order.datetime("date_created_gmt"),
            updated_at=updated_at,
            cancelled_at=(updated_at or date_paid) if status in self.cancelled_statuses else None,
            taxes_included=included,
            customer=self._woo_customer(order, billing, shipping),
            billing_address=billing,
            shipping_address=shipping,
            lines=self._woo_lines(order, rates, included) + self._woo_fees(order, rates, included),
            shipping_lines=self._woo_shipping_lines(order, rates, included),
            total=order.amount("total", required=True),
            total_tax=order.amount("total_tax") if order.has("total_tax") else None,
            financial_status=self.financial_statuses.get(status, "paid" if date_paid else ""),
            fulfillment_status="fulfilled" if status == "completed" else "unfulfilled",
            status=status,
            note=order.text("customer_note", limit=4000),
            payments=self._woo_payments(order, currency, date_paid),
            refunds=self._normalize_order_refunds(order, external_id, currency),
            raw=order.data,
        )

    def _woo_customer(self, order, billing, shipping):
        customer_id = order.ident("customer_id")
        is_guest = customer_id in ("", "0")
        email = order.obj("billing").text("email") if order.obj("billing") else ""
        return NormalizedCustomer(
            external_id="" if is_guest else customer_id,
            email=email,
            name=(billing and billing.name) or (shipping and shipping.name) or email,
            phone=billing.phone if billing else "",
            is_guest=is_guest,
        )

    def _woo_lines(self, order, rates, included):
        """The order's product lines. The unit price is the line's amount before coupons
        divided by its quantity, kept with 6 decimals: Odoo's line makes its amount exact."""
        lines = []
        for item in order.objects("line_items", required=True):
            quantity = item.quantity("quantity")
            if not quantity:
                continue
            subtotal = item.amount("subtotal", required=True)
            total = item.amount("total", required=True)
            if included:
                subtotal += item.amount("subtotal_tax")
                total += item.amount("total_tax")
            product_id = item.ident("product_id")
            variation = item.ident("variation_id")
            is_variation = variation not in ("", "0")
            lines.append(
                NormalizedLine(
                    external_id=item.ident("id", required=True),
                    sku=item.ident("sku"),
                    external_product_id=variation if is_variation else product_id,
                    external_parent_id=product_id if is_variation else "",
                    name=item.text("name"),
                    quantity=quantity,
                    price_unit=round(subtotal / quantity, 6),
                    discount_amount=round_amount(max(subtotal - total, 0.0), AMOUNT_DIGITS),
                    taxes=self._woo_taxes(item, rates),
                )
            )
        return lines

    def _woo_fees(self, order, rates, included):
        fees = []
        for fee in order.objects("fee_lines"):
            amount = fee.amount("total", signed=True)
            if included:
                amount += fee.amount("total_tax", signed=True)
            fees.append(
                NormalizedLine(
                    external_id=f"fee-{fee.ident('id', required=True)}",
                    name=fee.text("name") or "Fee",
                    quantity=1.0,
                    price_unit=round_amount(amount, AMOUNT_DIGITS),
                    taxes=self._woo_taxes(fee, rates),
                    is_fee=True,
                )
            )
        return fees

    def _woo_shipping_lines(self, order, rates, included):
        shipping_lines = []
        for line in order.objects("shipping_lines"):
            price = line.amount("total")
            if included:
                price += line.amount("total_tax")
            shipping_lines.append(
                NormalizedShippingLine(
                    title=line.text("method_title"),
                    code=line.ident("method_id"),
                    price=round_amount(price, AMOUNT_DIGITS),
                    taxes=self._woo_taxes(line, rates),
                )
            )
        return shipping_lines

    def _woo_payments(self, order, currency, date_paid):
        if not (date_paid or order.has("transaction_id")):
            return []
        gateway = order.text("payment_method", limit=64)
        return [
            NormalizedPayment(
                transaction_id=order.ident("transaction_id")
                or f"{order.ident('id', required=True)}-{gateway}",
                gateway=gateway,
                amount=order.amount("total", required=True),
                currency=currency,
                fee=self._woo_gateway_fee(order),
                processed_at=date_paid,
            )
        ]

    def _normalize_order_refunds(self, order, external_id, currency):
        """The ``refunds`` summary of an order payload (``[{"id", "reason", "total"}]``,
        totals negative) as ``NormalizedRefund``, booked like a refund webhook, once each."""
        refunds = []
        for refund in order.objects("refunds"):
            amount = round_amount(abs(refund.amount("total", required=True, signed=True)))
            refund_id = refund.ident("id", required=True)
            refunds.append(
                NormalizedRefund(
                    external_id=refund_id,
                    order_external_id=external_id,
                    amount=amount,
                    currency=currency,
                    reason=refund.text("reason"),
                    transactions=[_woo_refund_money(refund_id, amount, currency)],
                )
            )
        return refunds

    def _woo_tax_rates(self, order):
        """``rate_id`` -> (label, percentage) from the order's ``tax_lines``."""
        rates = {}
        for tax in order.objects("tax_lines"):
            rate = tax.number("rate_percent", default=None, minimum=0.0, maximum=1000.0)
            rates[tax.ident("rate_id", required=True)] = (tax.text("label", limit=128), rate)
        return rates

    def _woo_taxes(self, line, rates):
        """The taxes of a line, shipping or fee line (``taxes``: rate id and amount)."""
        result = []
        base = line.amount("total", signed=True)
        for tax in line.objects("taxes"):
            rate_id = tax.ident("id", required=True)
            amount = tax.amount("total", signed=True)
            if not amount and not tax.has("subtotal"):
                continue  # a rate that does not apply to this line
            label, rate = rates.get(rate_id, ("", None))
            if rate is None:
                # stores before WooCommerce 5.7 send no rate_percent: the line says it
                rate = round(amount / base * 100.0, 3) if base else 0.0
            result.append(NormalizedTax(title=label or f"rate {rate_id}", rate=rate, amount=amount))
        return result

    def _woo_gateway_fee(self, order):
        for index, meta in order.items("meta_data"):
            if isinstance(meta, dict) and meta.get("key") in self.fee_meta_keys:
                return PayloadReader(meta, f"{order.path}.meta_data[{index}]").amount("value")
        return 0.0

    def normalize_refund(self, payload):
        """WooCommerce REST v3 ``Refund`` (``/orders/<id>/refunds/<id>``, with ``order_id``
        added by the sender) -> ``NormalizedRefund``. Refund amounts are negative in the API."""
        refund = load_payload(payload)
        lines = []
        for item in refund.objects("line_items"):
            refunded_id = ""
            for index, meta in item.items("meta_data"):
                if isinstance(meta, dict) and meta.get("key") == "_refunded_item_id":
                    meta_reader = PayloadReader(meta, f"{item.path}.meta_data[{index}]")
                    refunded_id = meta_reader.ident("value")
            lines.append(
                NormalizedRefundLine(
                    line_external_id=refunded_id or item.ident("id", required=True),
                    quantity=abs(item.number("quantity", maximum=1e7)),
                    amount=round_amount(
                        abs(item.amount("total", signed=True))
                        + abs(item.amount("total_tax", signed=True))
                    ),
                    restock=True,
                )
            )
        shipping_amount = sum(
            abs(line.amount("total", signed=True)) + abs(line.amount("total_tax", signed=True))
            for line in refund.objects("shipping_lines")
        )
        refund_id = refund.ident("id", required=True)
        amount = round_amount(abs(refund.amount("amount", required=True, signed=True)))
        currency = read_currency(refund, required=False)
        return NormalizedRefund(
            external_id=refund_id,
            order_external_id=refund.ident("order_id") or refund.ident("parent_id", required=True),
            amount=amount,
            currency=currency,
            reason=refund.text("reason"),
            shipping_amount=round_amount(shipping_amount),
            lines=lines,
            transactions=[_woo_refund_money(refund_id, amount, currency)],
            created_at=refund.datetime("date_created_gmt"),
        )

    # ------------------------------------------------------------ pull reconciliation
    per_page = 100

    def _get_orders_url(self):
        """``<store URL>/wp-json/wc/v3/orders`` from the channel's API URL."""
        channel = self.channel.sudo()  # the channel's API settings: OMS managers only
        base = (channel.api_url or "").strip().rstrip("/")
        if not base:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the API URL (the store URL, e.g. "
                    "https://shop.example.com) to pull orders.",
                    channel=channel.name,
                )
            )
        if "://" not in base:
            base = "https://" + base
        return f"{base}/wp-json/wc/v3/orders"

    def fetch_orders_updated_since(self, since):
        """REST v3 ``GET /wp-json/wc/v3/orders?modified_after=...&per_page=100&page=N`` with
        HTTP basic auth (consumer key and secret), paging until ``X-WP-TotalPages``."""
        auth = self._get_pull_auth()
        url = self._get_orders_url()
        page = 1
        while page <= transport.MAX_PAGES:
            params = {
                # the dates we send and receive are GMT, not the store's time zone
                "modified_after": since.replace(microsecond=0).isoformat(),
                "dates_are_gmt": "true",
                "orderby": "modified",
                "order": "asc",
                "per_page": self.per_page,
                "page": page,
            }
            response = transport.http_get(
                url, params, {"Accept": "application/json"}, auth=auth, platform="WooCommerce"
            )
            orders = transport.response_json(response, platform="WooCommerce")
            if not isinstance(orders, list):
                raise OmsError(
                    _lt("WooCommerce answered without an orders list at %(url)s.", url=response.url)
                )
            yield from orders
            try:
                total_pages = int(response.headers.get("X-WP-TotalPages") or 0)
            except ValueError:
                total_pages = 0
            if not orders or page >= total_pages:
                return
            page += 1

    def _get_pull_auth(self):
        """``(consumer key, consumer secret)`` of the channel (HTTP basic auth of the REST
        API); ``OmsError`` when either is not set."""
        channel = self.channel.sudo()  # the consumer key and secret: OMS managers only
        if not channel.api_key or not channel.api_secret:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the REST API consumer key and "
                    "consumer secret to pull orders.",
                    channel=channel.name,
                )
            )
        return channel.api_key, channel.api_secret

    # ------------------------------------------------------------ payments (accounting)

    # ------------------------------------------------------------ fulfillment and stock (routing)
    #: WooCommerce batch endpoints take up to 100 items
    stock_batch_size = 100
    stock_requests_per_second = 5.0

    def _rest_url(self, path):
        return f"{outbound.base_url(self.channel, 'WooCommerce')}/wp-json/wc/v3/{path}"

    def _rest_auth(self):
        channel = self.channel.sudo()  # consumer key and secret: OMS managers only
        if not channel.api_key or not channel.api_secret:
            raise OmsError(
                _lt(
                    "Channel %(channel)s: set the WooCommerce consumer key and secret.",
                    channel=channel.name,
                )
            )
        return (channel.api_key, channel.api_secret)

    def push_fulfillment(self, binding, shipment):
        """A customer note with carrier and tracking (``POST orders/<id>/notes``), then the
        order set to ``completed`` once everything shipped. Returns the note id."""
        auth = self._rest_auth()
        parts = [f"Shipped ({shipment.get('picking')})"]
        if shipment.get("carrier"):
            parts.append(f"with {shipment['carrier']}")
        if shipment.get("tracking_number"):
            parts.append(f"- tracking number {shipment['tracking_number']}")
        if shipment.get("tracking_url"):
            parts.append(f"- {shipment['tracking_url']}")
        note = outbound.send_json(
            "POST",
            self._rest_url(f"orders/{binding.external_id}/notes"),
            {"note": " ".join(parts), "customer_note": bool(shipment.get("notify_customer", True))},
            auth=auth,
            platform="WooCommerce",
        )
        if shipment.get("order_complete"):
            outbound.send_json(
                "PUT",
                self._rest_url(f"orders/{binding.external_id}"),
                {"status": "completed"},
                auth=auth,
                platform="WooCommerce",
            )
        return note.get("id")

    #: the per-item error code of ``products/batch`` for a variation id (recent versions give
    #: it to unknown ids too: the message, which names the variations endpoint, tells them apart)
    variation_refused_code = "woocommerce_rest_invalid_product_id"

    def push_stock_levels(self, levels):
        """``stock_quantity`` of simple products through ``POST products/batch``, of variations
        (levels with a parent product id) through ``POST products/<parent>/variations/batch``,
        one call per parent; up to 100 items a call (``stock_batch_size``). A call refused as
        a whole is the error of its levels only; the other calls go on."""
        errors = {}
        groups = {}  # parent product id ("" for simple products) -> [(level, quantity)]
        for level, quantity in levels:
            product_id = (level.external_id or "").strip()
            parent_id = (level.external_parent_id or "").strip()
            if not product_id.isdigit():
                errors[level.id] = _lt("No WooCommerce product id on this stock level.")
            elif parent_id and not parent_id.isdigit():
                errors[level.id] = _lt(
                    "The WooCommerce parent product id %(parent_id)s is not a number: set the "
                    "id of the variable product the variation belongs to, or leave it empty "
                    "for a simple product.",
                    parent_id=repr(parent_id),
                )
            else:
                groups.setdefault(parent_id, []).append((level, quantity))
        if not groups:
            return errors
        auth = self._rest_auth()
        for parent_id, items in groups.items():
            self._throttle_stock_request()
            path = f"products/{parent_id}/variations/batch" if parent_id else "products/batch"
            try:
                errors.update(self._push_stock_batch(path, items, auth, bool(parent_id)))
            except OmsRetryableError:
                raise  # the whole batch is tried again later (setting a quantity is idempotent)
            except OmsError as exc:
                errors.update({level.id: str(exc) for level, _quantity in items})
        return errors

    def _push_stock_batch(self, path, items, auth, variations):
        """One batch call (``path``) setting the stock of ``items`` ((level, quantity));
        ``{level id: error}`` of the items WooCommerce refused."""
        by_external = {}
        update = []
        for level, quantity in items:
            product_id = int(level.external_id.strip())
            update.append({"id": product_id, "manage_stock": True, "stock_quantity": int(quantity)})
            by_external[product_id] = level.id
        answer = outbound.send_json(
            "POST", self._rest_url(path), {"update": update}, auth=auth, platform="WooCommerce"
        )
        errors = {}
        for item in answer.get("update") or []:
            error = item.get("error")
            if error and item.get("id") in by_external:
                errors[by_external[item["id"]]] = self._get_stock_item_error(error, variations)
        return errors

    def _get_stock_item_error(self, error, variations):
        """The message shown on a level WooCommerce refused (``error``: the item's error)."""
        error = error if isinstance(error, dict) else {"message": str(error)}
        message = str(error.get("message") or "")
        if (
            not variations
            and error.get("code") == self.variation_refused_code
            and "/variations" in message
        ):
            return _lt(
                "This is a WooCommerce variation: set its Channel Parent Product ID (the id of "
                "the variable product it belongs to) on the stock level."
            )
        return message or _lt("Refused by WooCommerce.")

    # ------------------------------------------------------------ refunds (returns)

    def push_refund(self, binding, refund):
        """``POST /wp-json/wc/v3/orders/<id>/refunds`` with ``api_refund: false`` (the money is
        paid back in Odoo, WooCommerce records it), authenticated with the consumer key and
        secret."""
        import json

        # sudo: the consumer key and secret are readable by OMS managers only
        channel = self.channel.sudo()  # the channel's API settings: OMS managers only
        base = (getattr(channel, "api_url", None) or "").rstrip("/")
        url = f"{base}/wp-json/wc/v3/orders/{binding.external_id}/refunds"
        body = {
            "amount": f"{refund['amount']:.2f}",
            "reason": refund.get("reason") or refund.get("reference"),
            "api_refund": False,
            "api_restock": bool(refund.get("restock")),
            "line_items": [
                {"id": int(line_id), "quantity": qty}
                for line_id, qty in (refund.get("lines") or {}).items()
                if str(line_id).isdigit()
            ],
        }
        auth = (getattr(channel, "api_key", None) or "", getattr(channel, "api_secret", None) or "")
        answer = self._post_refund(
            url, json.dumps(body).encode(), {"Content-Type": "application/json"}, auth=auth
        )
        return str(answer.get("id") or refund.get("reference"))

    pass


def _woo_address(address):
    """A WooCommerce ``billing``/``shipping`` object; None when the shop left it blank."""
    if address is None:
        return None
    result = NormalizedAddress(
        name=" ".join(
            part for part in (address.text("first_name"), address.text("last_name")) if part
        ),
        company=address.text("company"),
        street=address.text("address_1"),
        street2=address.text("address_2"),
        city=address.text("city"),
        zip=address.text("postcode", limit=32),
        state_code=address.text("state", limit=16).upper(),
        country_code=address.text("country", limit=8).upper(),
        phone=address.text("phone", limit=64),
        email=address.text("email"),
    )
    if not (result.street or result.city or result.country_code):
        return None
    return result


def _woo_refund_money(refund_id, amount, currency):
    """A WooCommerce refund is money given back (through the gateway or by hand) but carries
    no transaction: its own id stands for the refund transaction, so the refund payment is
    booked once, whichever message reports the refund."""
    return NormalizedPayment(
        transaction_id=f"refund-{refund_id}", amount=amount, currency=currency, kind="refund"
    )
