# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    oms_channel_id = fields.Many2one(
        "oms.channel",
        string="Channel",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    oms_binding_ids = fields.One2many("oms.channel.order", "sale_order_id", copy=False)
    oms_external_ref = fields.Char(
        string="Channel Reference", index="btree_not_null", copy=False, readonly=True
    )
    oms_channel_status = fields.Char(string="Channel Status", copy=False, readonly=True)
    oms_customer_note = fields.Text(
        string="Customer Note",
        copy=False,
        readonly=True,
        help="The note the customer left with the order on the channel.",
    )
    oms_needs_review = fields.Boolean(
        string="Channel Review Needed",
        copy=False,
        index="btree_not_null",
        help="The channel changed or cancelled the order after it shipped: a person has to "
        "look at it (see the activity).",
    )
    oms_event_count = fields.Integer(
        string="Channel Events",
        compute="_compute_oms_event_count",
        groups="oms_connector.group_oms_user",
    )

    def _prepare_confirmation_values(self):
        """Channel orders keep the date the customer ordered on the channel: Odoo would set the
        order date to the confirmation time, which shifts channel reports and reconciliation."""
        values = super()._prepare_confirmation_values()
        if self and all(order.oms_channel_id for order in self):
            values.pop("date_order", None)
        return values

    def _get_oms_events_domain(self):
        """Events about these orders: linked to them, or about their channel order ids (also
        the failed ones, before the order existed)."""
        bindings = self.oms_binding_ids
        domain = [("sale_order_id", "in", self.ids)]
        if bindings:
            domain = [
                "|",
                *domain,
                "&",
                ("channel_id", "in", bindings.channel_id.ids),
                ("external_order_id", "in", bindings.mapped("external_id")),
            ]
        return domain

    def _compute_oms_event_count(self):
        channel_orders = self.filtered("oms_channel_id")
        (self - channel_orders).oms_event_count = 0
        if not channel_orders:
            return
        events = self.env["oms.channel.event"].search_read(
            channel_orders._get_oms_events_domain(),
            ["sale_order_id", "channel_id", "external_order_id"],
        )
        for order in channel_orders:
            keys = {(b.channel_id.id, b.external_id) for b in order.oms_binding_ids}
            order.oms_event_count = sum(
                1
                for event in events
                if (event["sale_order_id"] and event["sale_order_id"][0] == order.id)
                or (event["channel_id"][0], event["external_order_id"]) in keys
            )

    def action_view_oms_events(self):
        """Smart button: the channel events about this order."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "oms_connector.oms_channel_event_action"
        )
        action.update(
            {
                "domain": self._get_oms_events_domain(),
                "context": {"create": False},
            }
        )
        return action

    def action_oms_mark_reviewed(self):
        """Button: the person looked at the channel's change; clear the flag."""
        self.oms_needs_review = False
