# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Returns read from a platform's API by the channel's pull (marketplaces), for the platforms
that publish no return webhook (the marketplaces). The default: the platform's returns are not
pulled."""

from odoo.addons.oms_connector.adapters import register_adapter_extension
from odoo.addons.oms_connector.adapters.marketplace_fees import MARKETPLACE_PLATFORMS


@register_adapter_extension(*MARKETPLACE_PLATFORMS)
class PulledReturnsAdapterMixin:
    """A platform whose returns are read from its API overrides ``fetch_return_requests_since``
    and ``get_return_request_id``; each payload becomes a ``return.requested`` event read by
    ``normalize_return_request`` (see ``oms_returns.adapters.ozon``)."""

    def fetch_return_requests_since(self, since):
        """The platform's return payloads changed at or after ``since`` (naive UTC), or None
        when the platform's returns are not pulled."""
        return None

    def get_return_request_id(self, payload):
        """The platform's id of the return ``payload`` (``return.requested`` dedup key)."""
        return str(payload.get("id") or "") if isinstance(payload, dict) else ""

    def get_return_request_order_id(self, payload):
        """The channel's id of the order the return ``payload`` is about."""
        return str(payload.get("order_id") or "") if isinstance(payload, dict) else ""
