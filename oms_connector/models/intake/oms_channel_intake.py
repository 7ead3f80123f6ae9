# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


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
        help="Customer of the orders when the policy is 'One guest customer', and of the "
        "orders that name no customer at all (no id, email, name or address: draft or "
        "point-of-sale orders) whatever the policy. Created when first needed.",
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
    product_matching_warning = fields.Char(compute="_compute_product_matching_warning")
    custom_line_product_id = fields.Many2one(
        "product.product",
        string="Product of Lines without Product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Product of the channel's lines that name no product at all (no SKU, no product "
        "id: custom items, tips). Created when first needed.",
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
        "spread over the lines); when no % with two decimals expresses it at the channel's "
        "price, the unit price moves by the cents that make the line exact (a discount line "
        "would round its own tax). Separate discount lines: one negative line per set of "
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

    @api.depends("platform", "product_matching")
    def _compute_product_matching_warning(self):
        for channel in self:
            adapter_class = channel.platform and channel._get_adapter().__class__
            warning = False
            if channel.product_matching == "barcode" and not getattr(
                adapter_class, "order_lines_have_barcode", True
            ):
                warning = self.env._(
                    "The order lines %(platform)s sends carry no barcode: matching by barcode "
                    "finds no product. Match by Internal Reference (SKU), or map the channel's "
                    "SKUs in the product mappings.",
                    platform=dict(self._fields["platform"].selection).get(channel.platform),
                )
            channel.product_matching_warning = warning

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        channels._ensure_intake_defaults()
        return channels

    def _ensure_intake_defaults(self):
        """Give the channels their guest customer and custom line product now, outside any
        order's savepoint: a failed order then names a guest customer that exists."""
        for channel in self:
            channel._get_guest_partner()
            channel._get_custom_line_product()

    def _get_guest_partner(self):
        """The channel's guest customer, created (``_prepare_guest_partner_vals``) the first time
        an order needs it. The channel's row is locked first: of two jobs needing it at once,
        the second waits and finds the first one's."""
        self.ensure_one()
        if not self.guest_partner_id:
            self._lock_for_default()
            if not self.guest_partner_id:
                # sudo: the guest customer is part of the channel's setup, whoever sets it up
                self.guest_partner_id = (
                    self.env["res.partner"].sudo().create(self._prepare_guest_partner_vals())
                )
        return self.guest_partner_id

    def _prepare_guest_partner_vals(self):
        return {
            "name": self.env._("%(channel)s Guest", channel=self.name),
            "company_id": self.company_id.id,
            "customer_rank": 1,
        }

    def _get_custom_line_product(self):
        """The product of the channel's lines without a product, created
        (``_prepare_custom_line_product_vals``) the first time a line needs it."""
        self.ensure_one()
        if not self.custom_line_product_id:
            self._lock_for_default()
            if not self.custom_line_product_id:
                # sudo: the product is part of the channel's setup, whoever sets it up
                self.custom_line_product_id = (
                    self.env["product.product"]
                    .sudo()
                    .create(self._prepare_custom_line_product_vals())
                )
        return self.custom_line_product_id

    def _prepare_custom_line_product_vals(self):
        return {
            "name": self.env._("Custom item (%(channel)s)", channel=self.name),
            "type": "service",
            "invoice_policy": "order",
            "sale_ok": True,
            "purchase_ok": False,
            "taxes_id": [(5, 0, 0)],
            "company_id": self.company_id.id,
        }

    def _lock_for_default(self):
        """Lock the channel's row until the end of the transaction (a default record is
        created once), then read it again."""
        self.env.cr.execute("SELECT id FROM oms_channel WHERE id = %s FOR UPDATE", [self.id])
        self.invalidate_recordset(["guest_partner_id", "custom_line_product_id"])
