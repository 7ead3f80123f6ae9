# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace channels (Ozon, Wildberries): platforms, credentials, warehouses, deadlines."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ...adapters import OmsError
from ...adapters.marketplace import MarketplaceAdapter
from ...adapters.ozon import OZON_NOTIFY_NETWORKS

#: Russian VAT since 1 January 2026 (20 % before)
DEFAULT_VAT_RATE = 22.0


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    platform = fields.Selection(
        selection_add=[("ozon", "Ozon"), ("wildberries", "Wildberries")],
        ondelete={"ozon": "set default", "wildberries": "set default"},
    )
    is_marketplace = fields.Boolean(compute="_compute_is_marketplace")
    marketplace_client_id = fields.Char(
        string="Client ID",
        groups="oms_connector.group_oms_manager",
        copy=False,
        help="Ozon: the Client-Id of the seller account (Settings > Seller API).",
    )
    marketplace_vat_rate = fields.Float(
        string="VAT Rate (%)",
        default=DEFAULT_VAT_RATE,
        help="Marketplaces give prices with VAT included and no VAT per line: every line is "
        "taken in with this rate, which the tax mappings turn into an Odoo tax (a "
        "price-included tax of this rate). 22 % is the Russian standard rate since 2026; 0 for "
        "a seller without VAT (simplified tax system).",
    )
    marketplace_handover_hours = fields.Integer(
        string="Hand-over Time (hours)",
        default=24,
        help="Wildberries gives no hand-over deadline per assembly task: the order's deadline is "
        "its creation time plus these hours (use the figure of your marketplace contract). "
        "0: no deadline. Ozon gives the deadline of each posting (shipment_date).",
    )
    marketplace_notify_networks = fields.Char(
        string="Notification Sources",
        default=OZON_NOTIFY_NETWORKS,
        help="Networks (CIDR, separated by spaces) notifications are accepted from; any other "
        "sender is refused (403). Default: the networks Ozon publishes for its push "
        "notifications.",
    )
    marketplace_notify_url = fields.Char(
        string="Notification URL",
        compute="_compute_marketplace_notify_url",
        help="Give this URL to the marketplace's push notifications (Ozon: Settings > API keys "
        "> Push notifications).",
    )
    marketplace_supply_id = fields.Char(
        string="Open Supply",
        copy=False,
        help="Wildberries: the supply shipped tasks are added to. Emptied when the supply is "
        "handed over (close it on Wildberries, then clear it here): the next shipment opens a "
        "new one.",
    )
    marketplace_warehouse_ids = fields.One2many(
        "oms.marketplace.warehouse", "channel_id", string="Marketplace Warehouses"
    )
    marketplace_late_count = fields.Integer(
        string="Late Orders", compute="_compute_marketplace_late_count"
    )

    def _compute_is_marketplace(self):
        for channel in self:
            channel.is_marketplace = bool(channel.platform) and issubclass(
                type(channel._get_adapter()), MarketplaceAdapter
            )

    @api.depends("code")
    def _compute_marketplace_notify_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for channel in self:
            channel.marketplace_notify_url = (
                f"{base_url}/oms/marketplace/{channel.code}/notify" if channel.code else ""
            )

    def _compute_marketplace_late_count(self):
        counts = dict(
            self.env["sale.order"]
            .sudo()  # the dashboard counts for every OMS user, no order data is shown
            ._read_group(
                [("oms_channel_id", "in", self.ids), *self.env["sale.order"]._get_late_domain()],
                ["oms_channel_id"],
                ["__count"],
            )
        )
        for channel in self:
            channel.marketplace_late_count = counts.get(channel, 0)

    def action_view_late_orders(self):
        action = self.action_view_orders()
        action["domain"] = [
            ("oms_channel_id", "in", self.ids),
            *self.env["sale.order"]._get_late_domain(),
        ]
        action["name"] = _("Late orders of %(channel)s", channel=self[:1].name)
        return action

    # ------------------------------------------------------------------ test connection
    def action_test_connection(self):
        """Button: call the marketplace with the channel's credentials; the marketplace
        warehouses it lists are added to the warehouse mapping (to map to Odoo warehouses)."""
        self.ensure_one()
        adapter = self._get_adapter()
        if not isinstance(adapter, MarketplaceAdapter):
            raise UserError(_("Only marketplace channels have a connection test."))
        try:
            warehouses = adapter.test_connection()
        except OmsError as exc:
            raise UserError(
                _(
                    "Connection to %(channel)s failed: %(error)s",
                    channel=self.name,
                    error=exc.translated(self.env),
                )
            ) from exc
        added = self._add_marketplace_warehouses(warehouses)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "Connected to %(channel)s: %(count)s warehouses, %(added)s new in the "
                    "warehouse mapping.",
                    channel=self.name,
                    count=len(warehouses),
                    added=len(added),
                ),
            },
        }

    def _add_marketplace_warehouses(self, warehouses):
        """Mapping rows for the marketplace ``warehouses`` ([(id, name)]) not mapped yet."""
        self.ensure_one()
        known = set(
            self.with_context(active_test=False).marketplace_warehouse_ids.mapped("external_id")
        )
        return self.env["oms.marketplace.warehouse"].create(
            [
                self._prepare_marketplace_warehouse_vals(external_id, name)
                for external_id, name in warehouses
                if external_id not in known
            ]
        )

    def _prepare_marketplace_warehouse_vals(self, external_id, name):
        return {"channel_id": self.id, "external_id": external_id, "name": name}

    # ------------------------------------------------------------------ stock
    def _get_marketplace_stock(self, levels):
        """``{(level id, marketplace warehouse id): quantity}``: for each mapped marketplace
        warehouse, the free stock of its Odoo warehouse minus the buffer, never below zero.
        Two queries for any number of products."""
        self.ensure_one()
        mappings = self.marketplace_warehouse_ids.filtered("warehouse_id")
        if not mappings or not levels:
            return {}
        levels = self.env["oms.channel.stock.level"].browse([level.id for level in levels])
        free = self.env["oms.routing.engine"]._get_free_stock(
            levels.product_id.ids, mappings.warehouse_id.ids
        )
        result = {}
        for level in levels:
            buffer = level.buffer if level.use_own_buffer else self.stock_buffer
            for mapping in mappings:
                on_hand = free.get((level.product_id.id, mapping.warehouse_id.id), 0.0)
                result[(level.id, mapping.external_id)] = max(0.0, on_hand - buffer)
        return result

    def _get_stock_warehouses(self):
        """A marketplace sells the stock of its mapped warehouses (available to promise and
        change detection follow them)."""
        mapped = self.marketplace_warehouse_ids.warehouse_id
        return mapped or super()._get_stock_warehouses()

    # ------------------------------------------------------------------ shipment (Wildberries)
    def _get_marketplace_supply(self, adapter):
        """The channel's open supply, created on the marketplace when there is none. The
        channel row is locked first: two shipments at once open one supply, not two."""
        self.ensure_one()
        # NO KEY UPDATE: the budget's own transaction may still insert rows pointing here
        self.env.cr.execute("SELECT id FROM oms_channel WHERE id = %s FOR NO KEY UPDATE", [self.id])
        self.invalidate_recordset(["marketplace_supply_id"])
        if not self.marketplace_supply_id:
            supply = adapter.create_supply(
                _("OMS %(date)s", date=fields.Date.context_today(self).isoformat())
            )
            self.sudo().marketplace_supply_id = supply  # the shipment job writes the setting
        return self.marketplace_supply_id
