"""GenericAdapter: the generic platform. See ``base.ChannelAdapter`` for the interface."""

import json
import time

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
from .exceptions import OmsError, OmsPayloadError, OmsSignatureError
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

#: seconds a generic delivery's timestamp may differ from our clock (replay window)
GENERIC_SIGNATURE_TOLERANCE = 300


@register_adapter("generic")
class GenericAdapter(ChannelAdapter):
    # ------------------------------------------------------------ webhooks (intake transport)
    delivery_id_header = "X-OMS-Delivery-Id"
    topic_header = "X-OMS-Topic"
    signature_header = "X-OMS-Signature"
    timestamp_header = "X-OMS-Timestamp"
    #: the generic format names its topics with the OMS's own normalized names
    webhook_topics = {
        TOPIC_ORDER_CREATED,
        TOPIC_ORDER_UPDATED,
        TOPIC_ORDER_CANCELLED,
        TOPIC_ORDER_PAID,
        TOPIC_TRANSACTION_CREATED,
        TOPIC_REFUND_CREATED,
        TOPIC_RETURN_REQUESTED,
    }
    child_topics = (TOPIC_TRANSACTION_CREATED, TOPIC_REFUND_CREATED, TOPIC_RETURN_REQUESTED)
    order_lines_have_barcode = True

    #: signature schemes, newest first; ``v1`` only where the channel accepts it
    signature_versions = ("v2", "v1")

    def verify_webhook(self, headers, body):
        """``X-OMS-Signature: v2=<hex>``, the hex HMAC-SHA256 with the channel's webhook secret
        of ``v2.<X-OMS-Timestamp>.<X-OMS-Topic>.<X-OMS-Delivery-Id>.<raw body>``: what the
        delivery means (its topic) and which delivery it is are signed with its body, so that
        a captured body cannot be posted again as another topic or another delivery. The
        timestamp (unix seconds) must be within 5 minutes of our clock.

        ``v1`` (``<hex>`` or ``v1=<hex>`` of ``<timestamp>.<raw body>``) is accepted only when
        the channel allows it (``webhook_accept_v1_signature``). A sender moving to v2 may send
        both, comma-separated: ``v2=<hex>,v1=<hex>``."""
        raw_timestamp, timestamp = self._read_signature_timestamp(headers)
        # sudo: the secret and the signature setting are hidden from OMS users, the check runs
        # for anyone
        channel = self.channel.sudo()
        version, signature = self._get_accepted_signature(headers, channel)
        transport.check_hex_signature(
            channel.webhook_secret,
            self._get_signed_data(version, raw_timestamp, headers, body),
            signature,
            self.signature_header,
        )
        if abs(time.time() - timestamp) > GENERIC_SIGNATURE_TOLERANCE:
            raise OmsSignatureError(
                _lt(
                    "%(header)s is more than %(seconds)s seconds away from now: "
                    "refused as a possible replay.",
                    header=self.timestamp_header,
                    seconds=GENERIC_SIGNATURE_TOLERANCE,
                )
            )

    def _read_signature_timestamp(self, headers):
        """``(header text, unix seconds as int)`` of the timestamp header;
        ``OmsSignatureError`` when it is missing or not an integer."""
        raw_timestamp = transport.get_header(headers, self.timestamp_header)
        if not raw_timestamp:
            raise OmsSignatureError(_lt("Missing %(header)s header.", header=self.timestamp_header))
        try:
            return raw_timestamp, int(raw_timestamp)
        except ValueError as exc:
            raise OmsSignatureError(
                _lt("%(header)s is not unix seconds.", header=self.timestamp_header)
            ) from exc

    def _get_accepted_signature(self, headers, channel):
        """``(version, hex signature)`` of the first signature version of the header that the
        channel accepts (``signature_versions`` in order, v1 only when the channel allows it);
        ``OmsSignatureError`` when the header has none."""
        signatures = self._parse_signature_header(
            transport.get_header(headers, self.signature_header)
        )
        accepted = [
            version
            for version in self.signature_versions
            if version != "v1" or channel.webhook_accept_v1_signature
        ]
        version = next((v for v in accepted if v in signatures), None)
        if version is None:
            if signatures:
                raise OmsSignatureError(
                    _lt(
                        "%(header)s: this channel requires a v2 signature (got %(signatures)s).",
                        header=self.signature_header,
                        signatures=", ".join(sorted(signatures)),
                    )
                )
            raise OmsSignatureError(_lt("Missing %(header)s header.", header=self.signature_header))
        return version, signatures[version]

    @staticmethod
    def _parse_signature_header(value):
        """``{version: hex}`` from ``v2=<hex>,v1=<hex>``; a bare hex is a v1 signature."""
        signatures = {}
        for part in value.split(","):
            version, separator, signature = part.strip().partition("=")
            if not separator:
                version, signature = "v1", version
            if signature.strip():
                signatures.setdefault(version.strip().lower(), signature.strip())
        return signatures

    def _get_signed_data(self, version, timestamp, headers, body):
        """The bytes signed by a delivery with signature ``version``."""
        if version == "v1":
            return timestamp.encode() + b"." + body
        topic = transport.get_header(headers, self.topic_header)
        delivery_id = transport.get_header(headers, self.delivery_id_header)
        prefix = ".".join((version, timestamp, topic, delivery_id))
        return prefix.encode() + b"." + body

    def get_webhook_topic(self, headers, payload):
        topic = transport.get_header(headers, self.topic_header)
        return topic if topic in self.webhook_topics else None

    def get_webhook_delivery_id(self, headers, body):
        return transport.get_header(headers, self.delivery_id_header)[
            :255
        ] or transport.body_digest(body)

    def get_external_order_id(self, topic, payload):
        if not isinstance(payload, dict):
            return ""
        if topic in self.child_topics:
            return transport.id_to_str(payload.get("order_id"))
        return transport.id_to_str(payload.get("id"))

    def get_order_updated_at(self, payload):
        return transport.parse_datetime(payload.get("updated_at"))

    cancellation_fields = "status cancelled or cancelled_at"

    def is_order_cancelled(self, payload):
        return payload.get("status") == "cancelled" or bool(payload.get("cancelled_at"))

    # ------------------------------------------------------------ orders (intake mapping)

    #: versions of the generic order format this adapter reads (see readme/GENERIC_FORMAT.md)
    schema_versions = ("1",)
    order_statuses = ("open", "completed", "cancelled")

    def normalize_order(self, payload):
        """An order in the OMS generic JSON format (readme/GENERIC_FORMAT.md) ->
        ``NormalizedOrder``."""
        order = load_payload(payload)
        self._check_schema_version(order)
        currency = read_currency(order)
        status = self._read_order_status(order)
        updated_at = order.datetime("updated_at", required=True)
        cancelled_at = order.datetime("cancelled_at")
        if status == "cancelled" and not cancelled_at:
            cancelled_at = updated_at
        billing = _generic_address(order.obj("billing_address"))
        shipping_address = _generic_address(order.obj("shipping_address"))
        external_id = order.ident("id", required=True)
        return NormalizedOrder(
            external_id=external_id,
            name=order.text("number", limit=128) or external_id,
            currency=currency,
            created_at=order.datetime("created_at"),
            updated_at=updated_at,
            cancelled_at=cancelled_at,
            taxes_included=order.boolean("prices_include_tax"),
            customer=self._generic_customer(order, billing, shipping_address),
            billing_address=billing,
            shipping_address=shipping_address,
            lines=self._generic_lines(order),
            shipping_lines=self._generic_shipping_lines(order),
            discount_total=self._read_discount_total(order),
            total=order.amount("total", required=True),
            total_tax=order.amount("total_tax") if order.has("total_tax") else None,
            financial_status=order.text("financial_status", limit=32),
            fulfillment_status=order.text("fulfillment_status", limit=32) or "unfulfilled",
            status=status,
            note=order.text("note", limit=4000),
            payments=self._generic_payments(order, currency),
            raw=order.data,
        )

    def _read_order_status(self, order):
        """The order's ``status`` ("open" when absent); ``OmsPayloadError`` when it is not one
        of ``order_statuses``."""
        status = order.text("status", limit=32) or "open"
        if status not in self.order_statuses:
            raise OmsPayloadError(
                _lt(
                    "$.status: %(status)s is not one of %(statuses)s.",
                    status=repr(status),
                    statuses=", ".join(self.order_statuses),
                )
            )
        return status

    def _read_discount_total(self, order):
        """The order-level discount: the sum of the ``discounts`` amounts (order currency,
        rounded to ``AMOUNT_DIGITS`` decimals only)."""
        return round_amount(
            sum(discount.amount("amount") for discount in order.objects("discounts")),
            AMOUNT_DIGITS,
        )

    def _check_schema_version(self, order):
        version = order.ident("schema_version") or "1"
        if version not in self.schema_versions:
            raise OmsPayloadError(
                _lt(
                    "$.schema_version: version %(version)s is not supported "
                    "(supported: %(versions)s).",
                    version=repr(version),
                    versions=", ".join(self.schema_versions),
                )
            )

    def _generic_lines(self, order):
        """The order's lines with a quantity (``OmsPayloadError`` when none has one)."""
        lines = [
            NormalizedLine(
                external_id=line.ident("id", required=True),
                sku=line.ident("sku"),
                barcode=line.ident("barcode"),
                external_product_id=line.ident("product_id"),
                name=line.text("name"),
                quantity=line.quantity("quantity"),
                price_unit=line.amount("unit_price", required=True),
                discount_amount=line.amount("discount"),
                taxes=_generic_taxes(line),
                is_fee=line.text("type", limit=16) == "fee",
            )
            for line in order.objects("lines", required=True)
        ]
        if not any(line.quantity for line in lines):
            raise OmsPayloadError(_lt("$.lines: the order has no line with a quantity."))
        return [line for line in lines if line.quantity]

    def _generic_shipping_lines(self, order):
        shipping = order.obj("shipping")
        if shipping is None:
            return []
        return [
            NormalizedShippingLine(
                title=shipping.text("method"),
                code=shipping.ident("code"),
                price=shipping.amount("price"),
                discount_amount=shipping.amount("discount"),
                taxes=_generic_taxes(shipping),
            )
        ]

    def _generic_customer(self, order, billing, shipping_address):
        customer = order.obj("customer")
        email = (customer and customer.text("email")) or (billing and billing.email) or ""
        return NormalizedCustomer(
            external_id=(customer and customer.ident("id")) or "",
            email=email,
            name=(customer and customer.text("name"))
            or (billing and billing.name)
            or (shipping_address and shipping_address.name)
            or email,
            phone=(customer and customer.text("phone", limit=64)) or "",
            is_guest=not customer or customer.boolean("guest"),
        )

    def _generic_payments(self, order, currency):
        return [
            NormalizedPayment(
                transaction_id=payment.ident("transaction_id", required=True),
                gateway=payment.text("gateway", limit=64),
                amount=payment.amount("amount", required=True),
                currency=read_currency(payment, required=False) or currency,
                fee=payment.amount("fee"),
                kind=payment.text("kind", limit=16) or "sale",
                status=payment.text("status", limit=16) or "success",
                processed_at=payment.datetime("processed_at"),
            )
            for payment in order.objects("payments")
        ]

    def normalize_refund(self, payload):
        """A refund in the generic format (readme/GENERIC_FORMAT.md) -> ``NormalizedRefund``."""
        refund = load_payload(payload)
        currency = read_currency(refund, required=False)
        return NormalizedRefund(
            external_id=refund.ident("id", required=True),
            order_external_id=refund.ident("order_id", required=True),
            amount=refund.amount("amount", required=True),
            currency=currency,
            reason=refund.text("reason"),
            shipping_amount=refund.amount("shipping_amount"),
            lines=[
                NormalizedRefundLine(
                    line_external_id=line.ident("line_id", required=True),
                    quantity=line.quantity("quantity"),
                    amount=line.amount("amount"),
                    restock=line.boolean("restock"),
                )
                for line in refund.objects("lines")
            ],
            transactions=[
                NormalizedPayment(
                    transaction_id=trx.ident("transaction_id", required=True),
                    gateway=trx.text("gateway", limit=64),
                    amount=trx.amount("amount", required=True),
                    currency=read_currency(trx, required=False) or currency,
                    fee=trx.amount("fee"),
                    kind="refund",
                    status=trx.text("status", limit=16) or "success",
                    processed_at=trx.datetime("processed_at"),
                )
                for trx in refund.objects("transactions")
            ],
            created_at=refund.datetime("created_at"),
        )

    # ------------------------------------------------------------ pull reconciliation
    def fetch_orders_updated_since(self, since):
        """``GET <pull URL>?updated_since=<ISO 8601 UTC>&page=N`` (``Authorization: Bearer
        <API key>`` when one is set) answering ``{"orders": [...], "next_page": N or null}``;
        see readme/CONFIGURE.md."""
        channel = self.channel.sudo()  # the API key is readable by OMS managers only
        url, headers = self._get_pull_request(channel)
        page = 1
        for _round in range(transport.MAX_PAGES):
            params = {"updated_since": transport.format_datetime(since), "page": page}
            response = transport.http_get(url, params, headers, platform=channel.name)
            data = transport.response_json(response, platform=channel.name)
            orders = data.get("orders") if isinstance(data, dict) else None
            if not isinstance(orders, list):
                raise OmsError(
                    _lt(
                        "%(channel)s answered without an orders list at %(url)s: "
                        'expected {"orders": [...], "next_page": N or null}.',
                        channel=channel.name,
                        url=response.url,
                    )
                )
            yield from orders
            next_page = data.get("next_page")
            if not next_page or isinstance(next_page, bool) or not isinstance(next_page, int):
                return
            if next_page <= page:
                raise OmsError(
                    _lt(
                        "%(channel)s answered next_page=%(next_page)s after %(page)s.",
                        channel=channel.name,
                        next_page=next_page,
                        page=page,
                    )
                )
            page = next_page

    def _get_pull_request(self, channel):
        """``(pull URL, headers)`` of the channel (``channel``: sudo, it reads the API key):
        a bearer ``Authorization`` when an API key is set; ``OmsError`` without a pull URL."""
        url = (channel.pull_url or "").strip()
        if not url:
            raise OmsError(
                _lt("Channel %(channel)s: set the pull URL to pull orders.", channel=channel.name)
            )
        headers = {"Accept": "application/json"}
        if channel.api_key:
            headers["Authorization"] = f"Bearer {channel.api_key}"
        return url, headers

    # ------------------------------------------------------------ payments (accounting)
    def normalize_transaction(self, payload):
        """A transaction in the generic format (topic ``transaction.created``):
        ``{"order_id", "transaction_id", "gateway", "amount", "currency", "fee", "kind",
        "status", "processed_at"}`` -> ``NormalizedPayment``."""
        transaction = load_payload(payload)
        return NormalizedPayment(
            transaction_id=transaction.ident("transaction_id", required=True),
            gateway=transaction.text("gateway", limit=64),
            amount=transaction.amount("amount", required=True),
            currency=read_currency(transaction, required=False),
            fee=transaction.amount("fee"),
            kind=transaction.text("kind", limit=16) or "sale",
            status=transaction.text("status", limit=16) or "success",
            processed_at=transaction.datetime("processed_at"),
        )

    # ------------------------------------------------------------ fulfillment and stock (routing)
    stock_batch_size = 200
    stock_requests_per_second = 5.0

    def _post_signed(self, path, payload, topic):
        """POST our JSON to ``<API URL>/<path>``, signed like the generic webhooks we
        receive: ``X-OMS-Signature`` is the hex HMAC-SHA256 of ``<X-OMS-Timestamp>.<body>``
        with the channel's webhook secret; ``Authorization: Bearer <API key>`` when set."""
        channel = self.channel.sudo()  # the secrets are readable by OMS managers only
        body = json.dumps(payload, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "X-OMS-Topic": topic,
            "X-OMS-Timestamp": timestamp,
            "X-OMS-Signature": outbound.sign_timestamped(
                channel.webhook_secret or channel.api_secret, timestamp, body
            ),
        }
        if channel.api_key:
            headers["Authorization"] = f"Bearer {channel.api_key}"
        url = f"{outbound.base_url(channel, 'the channel')}/{path}"
        return outbound.send_json("POST", url, headers=headers, platform=channel.name, body=body)

    def push_fulfillment(self, binding, shipment):
        """``POST <API URL>/fulfillments`` with our JSON, signed (see ``_post_signed``).
        Returns the id the channel answers, else the delivery's name."""
        answer = self._post_signed(
            "fulfillments",
            {
                "order_id": binding.external_id,
                "order_name": binding.external_name or "",
                "shipment": {
                    "reference": shipment.get("picking"),
                    "carrier": shipment.get("carrier") or "",
                    "tracking_number": shipment.get("tracking_number") or "",
                    "tracking_url": shipment.get("tracking_url") or "",
                    "order_complete": bool(shipment.get("order_complete")),
                    "lines": [
                        {"line_id": k, "quantity": v}
                        for k, v in (shipment.get("lines") or {}).items()
                    ],
                },
            },
            "fulfillment.created",
        )
        return (answer or {}).get("id") or shipment.get("picking")

    def push_stock_levels(self, levels):
        """``POST <API URL>/stock`` with ``{"levels": [{"sku", "product_id", "quantity"}]}``;
        the channel may answer ``{"errors": {"<sku>": "message"}}``."""
        by_sku = {}
        items = []
        for level, quantity in levels:
            sku = level.product_id.default_code or ""
            by_sku[sku] = level.id
            items.append({"sku": sku, "product_id": level.external_id or "", "quantity": quantity})
        self._throttle_stock_request()
        answer = self._post_signed("stock", {"levels": items}, "stock.levels")
        errors = (answer or {}).get("errors") or {}
        return {by_sku[sku]: message for sku, message in errors.items() if sku in by_sku}

    # ------------------------------------------------------------ refunds (returns)

    def push_refund(self, binding, refund):
        """POST our JSON ``{"event": "refund.created", "order_id", "refund": {...}}`` to the
        channel's callback URL (``api_url``), signed like the generic webhooks we receive:
        ``X-OMS-Signature`` is the hex HMAC-SHA256 of ``<X-OMS-Timestamp>.<body>`` with the
        channel's webhook secret; ``Authorization: Bearer <api_key>`` when a key is set. The
        answer may carry the channel's ``{"id"}``."""
        # sudo: the secrets are readable by OMS managers only, the job runs for anyone
        channel = self.channel.sudo()
        body = json.dumps(
            {
                "event": "refund.created",
                "order_id": binding.external_id,
                "refund": {
                    "reference": refund.get("reference"),
                    "amount": refund.get("amount"),
                    "currency": refund.get("currency"),
                    "reason": refund.get("reason"),
                    "lines": refund.get("lines") or {},
                    "return_reference": refund.get("return_reference"),
                    "return_id": refund.get("return_external_id"),
                },
            },
            sort_keys=True,
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "X-OMS-Topic": "refund.created",
            "X-OMS-Timestamp": timestamp,
            "X-OMS-Signature": outbound.sign_timestamped(
                channel.webhook_secret or channel.api_secret, timestamp, body
            ),
        }
        if channel.api_key:
            headers["Authorization"] = f"Bearer {channel.api_key}"
        answer = self._post_refund(channel.api_url or "", body, headers)
        return str(answer.get("id") or refund.get("reference"))


def _generic_taxes(line):
    """``taxes: [{name, rate, amount}]``, or the shorthand ``tax_rate`` / ``tax_name``."""
    taxes = [
        NormalizedTax(
            title=tax.text("name", limit=128),
            rate=tax.number("rate", required=True, minimum=0.0, maximum=1000.0),
            amount=tax.amount("amount", signed=True),
        )
        for tax in line.objects("taxes")
    ]
    if not taxes and line.has("tax_rate"):
        taxes.append(
            NormalizedTax(
                title=line.text("tax_name", limit=128),
                rate=line.number("tax_rate", minimum=0.0, maximum=1000.0),
            )
        )
    return taxes


def _generic_address(address):
    if address is None:
        return None
    return NormalizedAddress(
        name=address.text("name"),
        company=address.text("company"),
        street=address.text("street"),
        street2=address.text("street2"),
        city=address.text("city"),
        zip=address.text("zip", limit=32),
        state_code=address.text("state_code", limit=16).upper(),
        country_code=address.text("country_code", limit=8).upper(),
        phone=address.text("phone", limit=64),
        email=address.text("email"),
    )
