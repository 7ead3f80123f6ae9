"""What the returns add to each platform's adapter (``register_adapter_extension``): reading a
channel's return request (topic ``return.requested``) into a ``ReturnRequest``."""

from .return_request import ReturnRequest, ReturnRequestLine
from . import generic, shopify, pulled, ozon, wildberries, yandex_market, amazon
