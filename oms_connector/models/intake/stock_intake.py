# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the intake changes in stock while it confirms channel orders in bulk: the reservation
waits for ``oms.channel.order._job_reserve_channel_orders``, and the deliveries get neither the
customer as follower nor a "created from" note (the channel keeps the customer informed)."""

from odoo import api, models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Under ``oms_defer_reservation`` (set by the intake's confirmation), moves that
        reserve stock are left confirmed: the reservation job of the batch reserves them.
        Moves that bypass reservation (consumables, dropship) are assigned as usual."""
        if not self.env.context.get("oms_defer_reservation") or force_qty:
            return super()._action_assign(force_qty=force_qty)
        bypassing = self.filtered(lambda move: move._should_bypass_reservation())
        return super(StockMove, bypassing)._action_assign(force_qty=force_qty)


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if self.env.context.get("oms_intake_bulk") and partner_ids:
            partner_ids = [pid for pid in partner_ids if pid not in self.partner_id.ids]
            if not partner_ids and not subtype_ids:
                return True
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def message_post_with_source(self, source_ref, *args, **kwargs):
        # the "created from <sale order>" note: the delivery's origin already says it
        if self.env.context.get("oms_intake_bulk") and source_ref == "mail.message_origin_link":
            return self.env["mail.message"]
        return super().message_post_with_source(source_ref, *args, **kwargs)


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    @api.model
    def _get_partner_locations(self):
        """In the intake, the customer and supplier locations are looked up once per
        transaction: Odoo checks that they exist for every new stock move, twice."""
        if not self.env.context.get("oms_intake_bulk"):
            return super()._get_partner_locations()
        key = ("oms_partner_locations", self.env.company.id)
        ids = self.env.cr.cache.get(key)
        if ids is None:
            customer, supplier = super()._get_partner_locations()
            self.env.cr.cache[key] = ids = (customer.id, supplier.id)
        Location = self.env["stock.location"]
        return Location.browse(ids[0]), Location.browse(ids[1])
