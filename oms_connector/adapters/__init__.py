"""Platform adapters: everything specific to one sales platform lives in one class here."""

from .base import (
    ChannelAdapter,
    get_adapter_class,
    register_adapter,
    register_adapter_extension,
)
from .exceptions import (
    OmsError,
    OmsEventIgnored,
    OmsMappingError,
    OmsPayloadError,
    OmsRetryableError,
    OmsSignatureError,
)
from . import generic, shopify, woocommerce
from . import marketplace, ozon, wildberries, yandex_market, amazon
from . import marketplace_fees, marketplace_settlements
