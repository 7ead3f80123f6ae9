"""Marketplace settlements: the lines of the platforms' finance reports, each what one order
(or one shipped item, or one report row) earns, what the marketplace keeps of it (commission,
logistics) and what it pays out. The channel pulls them in a job
(``oms.channel._job_pull_marketplace_settlements``), books the fees of each order as a vendor
bill of the marketplace and shows the payouts in the channel reconciliation report.

Every platform's line is one ``MarketplaceSettlement`` with, in the report's currency,
``sale - commission - logistics = payout`` to the cent (the adapter derives the one figure
the platform does not give):

* **Wildberries**: statistics API ``GET /api/v5/supplier/reportDetailByPeriod``
  (``statistics-api.wildberries.ru``, token category "Statistics", one call a minute), the
  weekly realisation report's rows (``realizationreport_id``), paged by ``rrdid`` (the last
  row's ``rrd_id``; an empty page or HTTP 204 ends). A row is keyed by ``rrd_id`` and
  matched to an order by ``assembly_id`` (the FBS assembly task, a line of the OMS order).
  Sign: ``doc_type_name`` "Возврат" (return) rows count negative.
  sale = ``retail_price_withdisc_rub`` (rows with a ``quantity``); payout = ``ppvz_for_pay``
  − ``delivery_rub`` − ``penalty`` − ``storage_fee`` − ``deduction`` − ``acceptance`` +
  ``additional_payment`` (the report's "total to pay"); logistics = ``delivery_rub`` +
  ``storage_fee`` + ``acceptance``; commission = the rest (Wildberries' reward with its VAT,
  ``acquiring_fee``, penalties). Wildberries announced the finance API
  (``POST /api/finance/v1/sales-reports/detailed``) as the report's successor: same rows.
* **Yandex Market**: ``POST /v2/campaigns/{campaignId}/stats/orders`` (``updateFrom`` /
  ``updateTo``, 200 orders a page, ``page_token``): one line per order once delivered (its
  ``commissions[].actual`` are final then). sale = the items' ``BUYER`` + ``CASHBACK``
  prices (what Odoo invoices); logistics = the delivery commissions (``DELIVERY_TO_CUSTOMER``,
  ``EXPRESS_DELIVERY_TO_CUSTOMER``, ``MIDDLE_MILE``, ``SORTING``, ``CROSSREGIONAL_DELIVERY``,
  ``RETURNED_ORDERS_STORAGE``); commission = the other commissions (``FEE``,
  ``PAYMENT_TRANSFER``, ``AUCTION_PROMOTION``, ``INSTALLMENT``, ``AGENCY``...); payout = the
  order's ``payments`` (``PAYMENT`` − ``REFUND``) less the commissions the Market nets out.
* **Amazon**: Finances API v0 ``GET /finances/v0/orders/{orderId}/financialEvents``
  (``NextToken`` paging) for the channel's shipped orders without settlement: one line per
  item of each ``ShipmentEventList`` event, keyed by order, item and ``PostedDate``. sale =
  the item's ``ItemChargeList`` + ``PromotionList``; fees = ``ItemFeeList`` (Amazon writes
  them negative): shipping fees (``ShippingHB``, ``ShippingChargeback``, ``FBA*``) are
  logistics, the others (``Commission``, ``FixedClosingFee``, ``VariableClosingFee``,
  ``DigitalServicesFee``...) commission; payout = sale − fees − ``ItemTaxWithheldList``.

Ozon reports its fees in the posting itself (``marketplace_fees.OzonFeesAdapterMixin``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from .base import register_adapter_extension
from .exceptions import OmsError
from .marketplace_fees import MARKETPLACE_PLATFORMS
from .reader import round_amount
from .transport import MAX_PAGES

WB_STATISTICS_URL = "https://statistics-api.wildberries.ru"
#: Wildberries report rows that count as returns (negative)
WB_RETURN_DOC = "Возврат"
#: Yandex Market commission types that pay for logistics
YANDEX_LOGISTICS_COMMISSIONS = (
    "DELIVERY_TO_CUSTOMER",
    "EXPRESS_DELIVERY_TO_CUSTOMER",
    "MIDDLE_MILE",
    "SORTING",
    "CROSSREGIONAL_DELIVERY",
    "RETURNED_ORDERS_STORAGE",
)
#: Yandex Market order statuses after which the commissions are final
YANDEX_SETTLED_STATUSES = ("DELIVERED", "PARTIALLY_RETURNED", "RETURNED")
#: Amazon fee types (prefixes) that pay for logistics
AMAZON_LOGISTICS_FEES = ("Shipping", "FBA")


@dataclass
class MarketplaceSettlement:
    """One line of a marketplace's finance report, amounts in ``currency`` (ISO code).
    Positive: what the order earns (``sale``), what the marketplace keeps (``commission``,
    ``logistics``) and pays out (``payout``); a return's line is negative."""

    external_id: str  # unique per channel: the report line's id
    order_key: str  # the platform's key of the order (see ``match_settlement_orders``)
    date: date
    currency: str
    sale: float = 0.0
    commission: float = 0.0
    logistics: float = 0.0
    payout: float = 0.0
    report_ref: str = ""
    label: str = ""
    raw: dict = field(default_factory=dict, repr=False)


@register_adapter_extension(*MARKETPLACE_PLATFORMS)
class MarketplaceSettlementAdapterMixin:
    #: the platform reports settlements the OMS can pull (``fetch_settlements``)
    has_settlement_report = False

    def fetch_settlements(self, date_from, date_to):
        """The ``MarketplaceSettlement`` list of the finance report lines between
        ``date_from`` and ``date_to`` (dates, both included)."""
        return []

    def match_settlement_orders(self, keys):
        """``{order key: oms.channel.order}`` for the settlements' ``keys``: by default the
        key is the order's external id."""
        # sudo: the settlement job matches the intake's bindings whoever started it
        bindings = (
            self.env["oms.channel.order"]
            .sudo()
            .search([("channel_id", "=", self.channel.id), ("external_id", "in", list(keys))])
        )
        return {binding.external_id: binding for binding in bindings}


@register_adapter_extension("wildberries")
class WildberriesSettlementAdapterMixin:
    has_settlement_report = True
    #: rows a page (the API's maximum is 100,000)
    settlement_page_size = 100000
    #: ``reportDetailByPeriod``: one call a minute
    settlement_budget = (1.0, 1.0 / 60)

    def get_budget(self, name):
        if name == "statistics":
            return self.settlement_budget
        return super().get_budget(name)

    def get_budget_max_wait(self, name):
        # the report's next page is a minute away: wait for it rather than start over
        if name == "statistics":
            return 65.0
        return super().get_budget_max_wait(name)

    def _get_statistics_url(self):
        url = (self.channel.sudo().marketplace_statistics_url or WB_STATISTICS_URL).strip()
        return url.rstrip("/")

    def fetch_settlements(self, date_from, date_to):
        """Every row of the realisation reports of the period, page after page."""
        params = {
            "dateFrom": date_from.isoformat(),
            "dateTo": date_to.isoformat(),
            "limit": self.settlement_page_size,
            "rrdid": 0,
        }
        settlements = []
        for _page in range(MAX_PAGES):
            answer = self._request(
                "GET",
                "/api/v5/supplier/reportDetailByPeriod",
                params=params,
                budget="statistics",
                base_url=self._get_statistics_url(),
            )
            rows = [r for r in answer or [] if isinstance(r, dict) and r.get("rrd_id")]
            settlements += [self._wb_settlement(row) for row in rows]
            if len(rows) < self.settlement_page_size:
                break
            params["rrdid"] = rows[-1]["rrd_id"]
        return settlements

    def _wb_settlement(self, row):
        """One report row as a ``MarketplaceSettlement`` (see the module's docstring)."""
        sign = -1.0 if row.get("doc_type_name") == WB_RETURN_DOC else 1.0
        sale = sign * _num(row, "retail_price_withdisc_rub") if _num(row, "quantity") else 0.0
        logistics = sum(_num(row, key) for key in ("delivery_rub", "storage_fee", "acceptance"))
        payout = (
            sign * _num(row, "ppvz_for_pay")
            - logistics
            - _num(row, "penalty")
            - _num(row, "deduction")
            + _num(row, "additional_payment")
        )
        currency = str(row.get("currency_name") or "RUB")
        return MarketplaceSettlement(
            external_id=str(row["rrd_id"]),
            order_key=str(row.get("assembly_id") or ""),
            date=_date(row.get("rr_dt") or row.get("date_to")),
            currency="RUB" if currency.lower() in ("руб", "rub", "rur") else currency.upper(),
            sale=round_amount(sale),
            commission=round_amount(sale - payout - logistics),
            logistics=round_amount(logistics),
            payout=round_amount(payout),
            report_ref=str(row.get("realizationreport_id") or ""),
            label=str(row.get("supplier_oper_name") or ""),
            raw=row,
        )

    def match_settlement_orders(self, keys):
        """Wildberries' rows name the assembly task: the line of the order it belongs to."""
        # sudo: the settlement job matches the intake's lines whoever started it
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("order_id.oms_channel_id", "=", self.channel.id),
                    ("oms_external_line_id", "in", [k for k in keys if k and k != "0"]),
                ]
            )
        )
        return {line.oms_external_line_id: line.order_id.oms_binding_ids[:1] for line in lines}


@register_adapter_extension("yandex_market")
class YandexSettlementAdapterMixin:
    has_settlement_report = True
    settlement_page_size = 200

    def fetch_settlements(self, date_from, date_to):
        """The campaign's orders updated in the period, delivered ones as settlements."""
        path = f"/v2/campaigns/{self._get_campaign_id()}/stats/orders"
        body = {"updateFrom": date_from.isoformat(), "updateTo": date_to.isoformat()}
        params = {"limit": self.settlement_page_size}
        settlements = []
        for _page in range(MAX_PAGES):
            result = self._request("POST", path, body, params=params).get("result") or {}
            for order in result.get("orders") or []:
                if isinstance(order, dict) and order.get("status") in YANDEX_SETTLED_STATUSES:
                    settlements.append(self._yandex_settlement(order))
            token = (result.get("paging") or {}).get("nextPageToken")
            if not token:
                break
            params["page_token"] = token
        return settlements

    def _yandex_settlement(self, order):
        sale = sum(
            _num(price, "total")
            for item in order.get("items") or []
            for price in item.get("prices") or []
            if price.get("type") in ("BUYER", "CASHBACK")
        )
        fees = {"commission": 0.0, "logistics": 0.0}
        for commission in order.get("commissions") or []:
            kind = commission.get("type") in YANDEX_LOGISTICS_COMMISSIONS
            fees["logistics" if kind else "commission"] += _num(commission, "actual")
        paid = sum(
            _num(payment, "total") * (-1.0 if payment.get("type") == "REFUND" else 1.0)
            for payment in order.get("payments") or []
        )
        currency = str(order.get("currency") or "RUB").upper()
        return MarketplaceSettlement(
            external_id=f"order-{order.get('id')}",
            order_key=str(order.get("id") or ""),
            date=_date(order.get("statusUpdateDate") or order.get("creationDate")),
            currency="RUB" if currency == "RUR" else currency,
            sale=round_amount(sale),
            commission=round_amount(fees["commission"]),
            logistics=round_amount(fees["logistics"]),
            payout=round_amount(paid - fees["commission"] - fees["logistics"]),
            label=str(order.get("status") or ""),
            raw=order,
        )


@register_adapter_extension("amazon")
class AmazonSettlementAdapterMixin:
    has_settlement_report = True
    #: orders asked in one pull (``listFinancialEventsByOrderId``: 0.5 a second, burst 30)
    settlement_orders_per_pull = 30

    def get_budget(self, name):
        if name == "listFinancialEventsByOrderId":
            return (30.0, 0.5)
        return super().get_budget(name)

    def fetch_settlements(self, date_from, date_to):
        """The financial events of the channel's shipped orders that have no settlement yet
        (created in the period), one call (and its pages) per order."""
        settlements = []
        for external_id in self.channel._get_orders_awaiting_settlement(
            date_from, self.settlement_orders_per_pull
        ):
            settlements += self.fetch_order_settlements(external_id)
        return settlements

    def fetch_order_settlements(self, external_id):
        path = f"/finances/v0/orders/{quote(external_id, safe='')}/financialEvents"
        params, settlements = {}, []
        for _page in range(MAX_PAGES):
            answer = self._request(
                "GET", path, params=params, budget="listFinancialEventsByOrderId"
            )
            payload = answer.get("payload") or {}
            events = (payload.get("FinancialEvents") or {}).get("ShipmentEventList") or []
            for event in events:
                settlements += [
                    self._amazon_settlement(event, item)
                    for item in event.get("ShipmentItemList") or []
                ]
            if not payload.get("NextToken"):
                break
            params = {"NextToken": payload["NextToken"]}
        return settlements

    def _amazon_settlement(self, event, item):
        charges = _amazon_amounts(item.get("ItemChargeList"), "ChargeAmount")
        promotions = _amazon_amounts(item.get("PromotionList"), "PromotionAmount")
        withheld = _amazon_amounts(
            [
                t
                for w in item.get("ItemTaxWithheldList") or []
                for t in w.get("TaxesWithheld") or []
            ],
            "ChargeAmount",
        )
        fees = {"commission": 0.0, "logistics": 0.0}
        currency = next((c for c, _a in charges if c), "")
        for fee in item.get("ItemFeeList") or []:
            kind = str(fee.get("FeeType") or "").startswith(AMAZON_LOGISTICS_FEES)
            amount = _num(fee.get("FeeAmount") or {}, "CurrencyAmount")
            fees["logistics" if kind else "commission"] -= amount
            currency = currency or (fee.get("FeeAmount") or {}).get("CurrencyCode") or ""
        sale = sum(a for _c, a in charges) + sum(a for _c, a in promotions)
        payout = sale - fees["commission"] - fees["logistics"] + sum(a for _c, a in withheld)
        order_id = str(event.get("AmazonOrderId") or "")
        posted = str(event.get("PostedDate") or "")
        return MarketplaceSettlement(
            external_id=f"{order_id}:{item.get('OrderItemId')}:{posted}",
            order_key=order_id,
            date=_date(posted),
            currency=currency or "EUR",
            sale=round_amount(sale),
            commission=round_amount(fees["commission"]),
            logistics=round_amount(fees["logistics"]),
            payout=round_amount(payout),
            label=str(item.get("SellerSKU") or ""),
            raw=item,
        )


def _num(data, key):
    try:
        return float(data.get(key) or 0.0)
    except (TypeError, ValueError, AttributeError):
        return 0.0


def _amazon_amounts(components, key):
    """``[(currency, amount)]`` of Amazon's charge / fee / promotion components."""
    amounts = []
    for component in components or []:
        money = (component.get(key) or {}) if isinstance(component, dict) else {}
        amounts.append((money.get("CurrencyCode") or "", _num(money, "CurrencyAmount")))
    return amounts


def _date(value):
    """The date of ``value`` (``YYYY-MM-DD...`` or Yandex's ``dd-MM-yyyy``)."""
    text = str(value or "")[:10]
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise OmsError(f"Settlement date {value!r} is not a date.")
