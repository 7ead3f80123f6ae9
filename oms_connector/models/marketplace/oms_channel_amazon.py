# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Amazon SP-API channels: region, marketplaces, seller and the LWA token endpoint."""

from odoo import fields, models

from ...adapters.amazon import LWA_TOKEN_URL


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    platform = fields.Selection(
        selection_add=[("amazon", "Amazon SP-API")],
        ondelete={"amazon": "set default"},
    )
    marketplace_region = fields.Selection(
        [("na", "North America"), ("eu", "Europe"), ("fe", "Far East")],
        string="SP-API Region",
        default="eu",
        help="Amazon: the regional SP-API endpoint of the marketplaces (used when the API URL "
        "is empty). Prices include VAT outside North America.",
    )
    marketplace_ids = fields.Char(
        string="Marketplace IDs",
        help="Amazon: the marketplace IDs of the orders and listings, separated by spaces "
        "(A1PA6795UKMFR9 Germany, A13V1IB3VIYZZH France, ATVPDKIKX0DER United States...).",
    )
    marketplace_seller_id = fields.Char(
        string="Seller ID",
        copy=False,
        help="Amazon: the merchant token (Seller Central > Settings > Account Info > Merchant "
        "Token), used by the Listings Items API to push stock.",
    )
    marketplace_token_url = fields.Char(
        string="LWA Token URL",
        default=LWA_TOKEN_URL,
        groups="oms_connector.group_oms_manager",
        help="Amazon: Login with Amazon's token endpoint (the refresh token is exchanged there "
        "for an access token of one hour).",
    )
