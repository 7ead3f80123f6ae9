# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ...adapters.normalized import NormalizedOrder


class OmsChannelOrder(models.Model):
    _inherit = "oms.channel.order"

    def _hold_for_routing(self, normalized):
        """True when this order waits for the routing job instead of being confirmed now: its
        channel routes by rules and the channel's policy says the order is due. The routing
        job chooses the warehouse(s) first (deliveries are created at confirmation), then
        confirms it through ``_confirm_sale_order_if_due(_get_stored_normalized())``."""
        self.ensure_one()
        order = self.sale_order_id
        if not (order._oms_needs_routing() and self._is_confirmation_due(normalized)):
            return False
        if order.oms_routing_state not in ("pending", "held"):
            order._oms_mark_routing_pending()
        return True

    def _confirm_sale_order_if_due(self, normalized):
        self.ensure_one()
        if self._hold_for_routing(normalized):
            return False
        return super()._confirm_sale_order_if_due(normalized)

    def _confirm_sale_orders_if_due(self, normalized_list):
        """Batch import: orders of routing channels wait for the routing job, the others are
        confirmed together as usual."""
        pairs = [
            (binding, normalized)
            for binding, normalized in zip(self, normalized_list, strict=True)
            if not binding._hold_for_routing(normalized)
        ]
        bindings = self.browse([binding.id for binding, _normalized in pairs])
        return super(OmsChannelOrder, bindings)._confirm_sale_orders_if_due(
            [normalized for _binding, normalized in pairs]
        )

    def _get_stored_normalized(self):
        """The statuses of the channel order as last taken in, as a ``NormalizedOrder``, for
        the confirmation policy when the payload is not at hand (after routing)."""
        self.ensure_one()
        return NormalizedOrder(
            external_id=self.external_id,
            name=self.external_name or "",
            financial_status=self.external_financial_status or "",
            fulfillment_status=self.external_fulfillment_status or "",
            status=self.external_status or "",
        )

    def _after_order_imported(self, normalized, event):
        """Start stock sync for the products the channel sells (see oms.channel.stock.level);
        their levels learn the channel's product ids from the order's lines."""
        result = super()._after_order_imported(normalized, event)
        if not self.env.context.get("oms_stock_levels_batched"):
            self.env["oms.channel.stock.level"]._ensure_levels_for_orders(
                self.sale_order_id, [normalized]
            )
        return result

    def _after_orders_imported(self, normalized_list, events):
        """Batch import: the stock levels of all the orders at once."""
        errors = super(
            OmsChannelOrder, self.with_context(oms_stock_levels_batched=True)
        )._after_orders_imported(normalized_list, events)
        self.env["oms.channel.stock.level"]._ensure_levels_for_orders(
            self.sale_order_id, normalized_list
        )
        return errors
