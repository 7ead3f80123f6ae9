# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    oms_ship_by = fields.Datetime(
        string="Hand Over By",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The marketplace's deadline to pack and hand over the order.",
    )
    oms_late_flagged = fields.Boolean(
        string="Late on Marketplace",
        copy=False,
        readonly=True,
        help="The order missed its hand-over deadline: an activity was raised.",
    )

    @api.model
    def _get_late_domain(self):
        """Confirmed orders past their hand-over deadline and not shipped yet."""
        return [
            ("oms_ship_by", "<", fields.Datetime.now()),
            ("state", "=", "sale"),
            ("delivery_status", "in", (False, "pending", "started")),
        ]

    def _is_oms_shipped(self):
        """True when a delivery of the order left the warehouse (a marketplace's cancellation
        request is then refused)."""
        self.ensure_one()
        return any(
            picking.picking_type_code == "outgoing" and picking.state == "done"
            for picking in self.picking_ids
        )

    @api.model
    def _cron_flag_late_marketplace_orders(self):
        """Every few minutes: raise one activity on each order that missed its deadline."""
        late = self.search([*self._get_late_domain(), ("oms_late_flagged", "=", False)])
        for order in late:
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Hand-over deadline missed"),
                note=_(
                    "Order %(order)s had to be handed over to %(channel)s by %(deadline)s "
                    "(UTC): ship it now, the marketplace may cancel it or fine the seller.",
                    order=order.oms_external_ref or order.name,
                    channel=order.oms_channel_id.name,
                    deadline=order.oms_ship_by,
                ),
                user_id=order.user_id.id or self.env.uid,
            )
        late.write({"oms_late_flagged": True})
        return len(late)
