"""The platform-neutral order that every adapter produces from its payload.

The intake pipeline only ever sees these objects: an adapter's job is to turn its platform's payload
into them, the core's job is to turn them into Odoo records. Amounts are in the order's currency,
as ``Decimal``-free floats rounded by the adapter to the currency's precision.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class NormalizedAddress:
    name: str = ""
    company: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    zip: str = ""
    state_code: str = ""
    country_code: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class NormalizedCustomer:
    external_id: str = ""
    email: str = ""
    name: str = ""
    phone: str = ""
    is_guest: bool = False


@dataclass
class NormalizedTax:
    title: str = ""
    rate: float = 0.0  # percentage, e.g. 20.0
    amount: float = 0.0


@dataclass
class NormalizedLine:
    external_id: str
    sku: str = ""
    barcode: str = ""
    external_product_id: str = ""  # the id the channel sells it under (variant, variation)
    # the product a variation belongs to, where the channel addresses variations under it
    # (WooCommerce: the variable product's id); empty otherwise
    external_parent_id: str = ""
    name: str = ""
    quantity: float = 0.0
    price_unit: float = 0.0  # as the channel shows it (tax included if the order says so)
    discount_amount: float = 0.0  # total discount on the line, same tax basis as price_unit
    taxes: list[NormalizedTax] = field(default_factory=list)
    is_fee: bool = False  # a fee (gift wrap, payment surcharge): the channel's fee product


@dataclass
class NormalizedShippingLine:
    title: str = ""
    code: str = ""
    price: float = 0.0
    discount_amount: float = 0.0
    taxes: list[NormalizedTax] = field(default_factory=list)


@dataclass
class NormalizedPayment:
    transaction_id: str
    gateway: str = ""
    amount: float = 0.0
    currency: str = ""
    fee: float = 0.0
    kind: str = "sale"  # sale, capture, refund
    status: str = "success"
    processed_at: datetime | None = None


@dataclass
class NormalizedRefundLine:
    line_external_id: str
    quantity: float = 0.0
    amount: float = 0.0
    restock: bool = False


@dataclass
class NormalizedRefund:
    external_id: str
    order_external_id: str
    amount: float = 0.0
    currency: str = ""
    reason: str = ""
    shipping_amount: float = 0.0
    lines: list[NormalizedRefundLine] = field(default_factory=list)
    transactions: list[NormalizedPayment] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass
class NormalizedOrder:
    external_id: str
    name: str = ""
    currency: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    ship_by: datetime | None = None  # the marketplace's deadline to hand the order over
    taxes_included: bool = False
    customer: NormalizedCustomer = field(default_factory=NormalizedCustomer)
    billing_address: NormalizedAddress | None = None
    shipping_address: NormalizedAddress | None = None
    lines: list[NormalizedLine] = field(default_factory=list)
    shipping_lines: list[NormalizedShippingLine] = field(default_factory=list)
    discount_total: float = 0.0  # order-level discount not already spread on lines
    total: float = 0.0  # grand total as the channel reports it
    # the currency the customer paid in when it is not the order's (Shopify multi-currency),
    # and the total in it: payments and refunds reported in it are converted at this rate
    presentment_currency: str = ""
    presentment_total: float = 0.0
    total_tax: float | None = None  # the channel's total tax (None: the payload has none)
    financial_status: str = (
        ""  # pending, paid, partially_paid, refunded, partially_refunded, voided
    )
    fulfillment_status: str = ""  # unfulfilled, partial, fulfilled
    status: str = ""  # the platform's own status, shown to users
    note: str = ""
    payments: list[NormalizedPayment] = field(default_factory=list)
    refunds: list[NormalizedRefund] = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)
    #: what the mapping chose that a person should check (the order is flagged for review)
    review_notes: list[str] = field(default_factory=list, repr=False)
