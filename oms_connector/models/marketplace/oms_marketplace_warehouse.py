# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsMarketplaceWarehouse(models.Model):
    """A warehouse of the seller on a marketplace (an Ozon FBS warehouse, a Wildberries seller
    warehouse) and the Odoo warehouse whose stock it offers."""

    _name = "oms.marketplace.warehouse"
    _description = "Marketplace Warehouse"
    _order = "channel_id, name"
    _check_company_auto = True

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    external_id = fields.Char(
        string="Marketplace Warehouse ID",
        required=True,
        help="Ozon: warehouse_id of /v1/warehouse/list. Wildberries: id of /api/v3/warehouses.",
    )
    name = fields.Char(help="The warehouse's name on the marketplace.")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Odoo Warehouse",
        check_company=True,
        help="Whose free stock (minus the channel's buffer) is pushed to this marketplace "
        "warehouse. Empty: the marketplace warehouse gets no stock push.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This marketplace warehouse is already mapped on the channel.",
        ),
    ]
