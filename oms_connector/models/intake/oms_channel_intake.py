# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsChannel(models.Model):
    """How the channel's orders map onto Odoo: customers, products, taxes, fees, shipping,
    discounts and the accepted difference of totals."""

    _inherit = "oms.channel"

    customer_policy = fields.Selection(
        [
            ("match", "Match or create"),
            ("create", "Match by channel id only, else create"),
            ("guest", "One guest customer"),
        ],
        required=True,
        default="match",
        help="Match or create: the channel's customer id, then the email address finds the "
        "Odoo customer; a new one is created otherwise. Match by channel id only: never merge "
        "with an existing contact by email. One guest customer: every order goes to the guest "
        "customer below, with its addresses as contacts.",
    )
    guest_partner_id = fields.Many2one(
        "res.partner",
        string="Guest Customer",
        check_company=True,
        help="Customer of the orders when the policy is 'One guest customer'.",
    )
    require_shipping_address = fields.Boolean(
        default=True,
        help="Fail orders without a shipping address (unless their customer has one in Odoo) "
        "instead of shipping to the customer's main address.",
    )
    partner_binding_ids = fields.One2many(
        "oms.channel.partner", "channel_id", string="Customer Bindings"
    )
    product_matching = fields.Selection(
        [
            ("sku", "Internal Reference (SKU)"),
            ("barcode", "Barcode"),
            ("mapping", "Mapping table only"),
        ],
        required=True,
        default="sku",
        help="How a channel line finds its Odoo product. The product mappings below always "
        "win; then the line's SKU is looked up as Internal Reference, or its barcode.",
    )
    product_mapping_ids = fields.One2many(
        "oms.product.mapping", "channel_id", string="Product Mappings"
    )
    tax_mapping_ids = fields.One2many("oms.tax.mapping", "channel_id", string="Tax Mappings")
    tax_fallback = fields.Selection(
        [("error", "Fail the order"), ("product", "Use the product's taxes")],
        string="Unmapped Taxes",
        required=True,
        default="error",
        help="What to do with a channel tax no tax mapping covers.",
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Product of the shipping lines (a delivery method's product).",
    )
    fee_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Product of the fee lines (gift wrapping, payment surcharge...).",
    )
    discount_handling = fields.Selection(
        [("line", "Discount % on the lines"), ("product", "Separate discount lines")],
        required=True,
        default="line",
        help="Discount % on the lines: each line shows its discount (order-level discounts are "
        "spread over the lines); a discount that no % with two decimals can express exactly "
        "becomes a discount line. Separate discount lines: one negative line per set of "
        "taxes, with the discount product.",
    )
    discount_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Product of the discount lines.",
    )
    total_tolerance = fields.Monetary(
        currency_field="currency_id",
        help="Largest difference accepted between the Odoo order total and the channel's "
        "total (rounding of converted tax-included prices). Zero: the currency's rounding.",
    )
