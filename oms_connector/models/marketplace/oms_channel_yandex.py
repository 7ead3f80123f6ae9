# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Yandex Market channels: campaign and business, notification URL and source networks."""

from odoo import api, fields, models

from ...adapters.yandex_market import YANDEX_NOTIFY_NETWORKS


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    platform = fields.Selection(
        selection_add=[("yandex_market", "Yandex Market")],
        ondelete={"yandex_market": "set default"},
    )
    marketplace_campaign_id = fields.Char(
        string="Campaign ID",
        copy=False,
        help="Yandex Market: the store's campaign ID (seller cabinet > store name > API and "
        "modules), not the store ID shown next to the store's name.",
    )
    marketplace_business_id = fields.Char(
        string="Business ID",
        copy=False,
        help="Yandex Market: the cabinet's business ID (GET /v2/campaigns/{campaignId} answers "
        "it); orders are read through the business orders endpoint.",
    )

    @api.model
    def _get_default_notify_networks(self, platform):
        """The networks a platform publishes for its notifications (the field's default is
        Ozon's)."""
        if platform == "yandex_market":
            return YANDEX_NOTIFY_NETWORKS
        return None

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            networks = self._get_default_notify_networks(vals.get("platform"))
            if networks and "marketplace_notify_networks" not in vals:
                vals["marketplace_notify_networks"] = networks
        return super().create(vals_list)

    @api.onchange("platform")
    def _onchange_platform_notify_networks(self):
        networks = self._get_default_notify_networks(self.platform)
        if networks:
            self.marketplace_notify_networks = networks

    @api.depends("code", "platform")
    def _compute_marketplace_notify_url(self):
        # Yandex Market posts to "<the URL it is given>/notification"
        result = super()._compute_marketplace_notify_url()
        for channel in self.filtered(lambda c: c.platform == "yandex_market" and c.code):
            channel.marketplace_notify_url = channel.marketplace_notify_url.removesuffix("/notify")
        return result
