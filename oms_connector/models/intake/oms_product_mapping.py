# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class OmsProductMapping(models.Model):
    """A channel's SKU or product id -> the Odoo product, for channels whose SKUs differ
    from the Internal References. A mapping always wins over the channel's product matching."""

    _name = "oms.product.mapping"
    _description = "Channel Product Mapping"
    _order = "channel_id, external_sku, external_product_id"
    _rec_name = "external_sku"
    _check_company_auto = True

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    external_sku = fields.Char(string="Channel SKU", index=True)
    external_product_id = fields.Char(
        string="Channel Product Id",
        index=True,
        help="The channel's id of the product or variant (Shopify variant id, WooCommerce "
        "variation or product id), for lines without a SKU.",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain=[("sale_ok", "=", True)],
    )

    _sql_constraints = [
        (
            "sku_uniq",
            "unique(channel_id, external_sku)",
            "This channel SKU is already mapped.",
        ),
        (
            "product_uniq",
            "unique(channel_id, external_product_id)",
            "This channel product id is already mapped.",
        ),
        (
            "external_key_required",
            "CHECK(COALESCE(external_sku, '') != '' OR COALESCE(external_product_id, '') != '')",
            "A product mapping needs the channel's SKU or its product id.",
        ),
    ]

    @api.constrains("external_sku", "external_product_id")
    def _check_external_key(self):
        for mapping in self:
            if (
                not (mapping.external_sku or "").strip()
                and not (mapping.external_product_id or "").strip()
            ):
                raise ValidationError(
                    _("A product mapping needs the channel's SKU or its product id.")
                )
