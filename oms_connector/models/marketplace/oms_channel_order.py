# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class OmsChannelOrderMapper(models.AbstractModel):
    _inherit = "oms.channel.order.mapper"

    @api.model
    def _prepare_sale_order_vals(self, channel, normalized, partner, invoice, shipping, pricelist):
        vals = super()._prepare_sale_order_vals(
            channel, normalized, partner, invoice, shipping, pricelist
        )
        if normalized.ship_by:
            vals["oms_ship_by"] = normalized.ship_by
        return vals


class OmsChannelOrder(models.Model):
    _inherit = "oms.channel.order"

    def _update_from_normalized(self, normalized):
        changed = super()._update_from_normalized(normalized)
        order = self.sale_order_id
        if normalized.ship_by and order.oms_ship_by != normalized.ship_by:
            order.oms_ship_by = normalized.ship_by
        return changed
