# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """Channel orders confirmed by the intake do not make their customer a follower: the
        channel, not Odoo, writes to the customer about the order."""
        if self.env.context.get("oms_intake_bulk") and partner_ids:
            partner_ids = [pid for pid in partner_ids if pid not in self.partner_id.ids]
            if not partner_ids and not subtype_ids:
                return True
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)
