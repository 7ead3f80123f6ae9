# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class OmsChannelOrder(models.Model):
    _inherit = "oms.channel.order"

    def _hold_for_routing(self):
        """True when this order waits for the routing job instead of being confirmed now: its
        channel routes by rules and the channel's policy says the order is due. The routing
        job chooses the warehouse(s) first (deliveries are created at confirmation), then
        confirms it through ``_confirm_sale_order_if_due``."""
        self.ensure_one()
        order = self.sale_order_id
        if not (order._oms_needs_routing() and self._is_confirmation_due()):
            return False
        if order.oms_routing_state not in ("pending", "held"):
            order._oms_mark_routing_pending()
        return True

    def _confirm_sale_order_if_due(self):
        self.ensure_one()
        if self._hold_for_routing():
            return False
        return super()._confirm_sale_order_if_due()

    def _confirm_sale_orders_if_due(self):
        """Batch import: orders of routing channels wait for the routing job, the others are
        confirmed together as usual."""
        bindings = self.filtered(lambda binding: not binding._hold_for_routing())
        return super(OmsChannelOrder, bindings)._confirm_sale_orders_if_due()

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
