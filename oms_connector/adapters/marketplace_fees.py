"""Marketplace fees per order: what the marketplace keeps of an order (commission, logistics),
where its order API reports it. The channel books them as a vendor bill of the marketplace
(``oms.channel.order._book_marketplace_fees``).

The default: the platform's order API reports no fees (Wildberries, Yandex Market and Amazon
report them per period in their finance reports, which the OMS does not read)."""

from dataclasses import dataclass

from .base import register_adapter_extension
from .reader import round_amount

#: the platforms of ``MarketplaceAdapter``: the mixins of marketplace behaviour extend them only
MARKETPLACE_PLATFORMS = ("ozon", "wildberries", "yandex_market", "amazon")
FEE_COMMISSION = "commission"
FEE_LOGISTICS = "logistics"


@dataclass
class MarketplaceFee:
    kind: str  # FEE_COMMISSION or FEE_LOGISTICS
    label: str
    amount: float  # positive: what the marketplace keeps, in the order's currency


@register_adapter_extension(*MARKETPLACE_PLATFORMS)
class MarketplaceFeesAdapterMixin:
    def get_order_fees(self, payload):
        """The ``MarketplaceFee`` list the marketplace charges for the order ``payload``, once
        they are final (empty before, and for platforms that report no fees per order)."""
        return []


@register_adapter_extension("ozon")
class OzonFeesAdapterMixin:
    #: the posting's fees are final once it is delivered to the buyer
    ozon_fees_final_statuses = ("delivered",)

    def get_order_fees(self, payload):
        """Ozon's ``financial_data`` of a posting (``with.financial_data``): each product's
        ``commission_amount`` (the commission on that product line) and its
        ``item_services`` plus the posting's ``posting_services`` (logistics: delivery,
        fulfilment, drop-off; Ozon writes them as negative amounts)."""
        if not isinstance(payload, dict) or payload.get("status") not in (
            self.ozon_fees_final_statuses
        ):
            return []
        financial = payload.get("financial_data") or {}
        number = payload.get("posting_number") or ""
        commission = logistics = 0.0
        for product in financial.get("products") or []:
            if not isinstance(product, dict):
                continue
            commission += abs(_number(product.get("commission_amount")))
            logistics += _services_total(product.get("item_services"))
        logistics += _services_total(financial.get("posting_services"))
        fees = []
        if round_amount(commission):
            fees.append(
                MarketplaceFee(
                    FEE_COMMISSION, f"Ozon commission {number}", round_amount(commission)
                )
            )
        if round_amount(logistics):
            fees.append(
                MarketplaceFee(FEE_LOGISTICS, f"Ozon logistics {number}", round_amount(logistics))
            )
        return fees


def _number(value):
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _services_total(services):
    """The sum of Ozon's ``marketplace_service_*`` amounts (charges are negative)."""
    if not isinstance(services, dict):
        return 0.0
    return sum(abs(_number(amount)) for amount in services.values())
