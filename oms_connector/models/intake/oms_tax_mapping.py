# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsTaxMapping(models.Model):
    """A tax of the channel (its rate, optionally its title) -> the Odoo sales tax.

    A mapping with a title only applies to channel taxes of that title; one without a title
    applies to every channel tax of its rate. Orders whose prices include tax use the
    'Tax (prices include tax)' when set: pick a price-included tax there, so that Odoo keeps
    the channel's prices as they are."""

    _name = "oms.tax.mapping"
    _description = "Channel Tax Mapping"
    _order = "channel_id, rate, name"
    _check_company_auto = True

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    name = fields.Char(string="Channel Tax Title", help="e.g. 'MwSt', 'NY Tax'. Empty: any title.")
    rate = fields.Float(required=True, digits=(16, 4), help="Percentage, e.g. 19.0.")
    tax_id = fields.Many2one(
        "account.tax",
        required=True,
        check_company=True,
        domain=[("type_tax_use", "=", "sale")],
        help="Used for orders whose prices exclude tax, and for orders with tax-included "
        "prices when no tax is set in the next field.",
    )
    tax_included_id = fields.Many2one(
        "account.tax",
        string="Tax (prices include tax)",
        check_company=True,
        domain=[("type_tax_use", "=", "sale")],
        help="Used for orders whose prices include tax: a price-included tax of this rate.",
    )

    _sql_constraints = [
        (
            "rate_name_uniq",
            "unique(channel_id, rate, name)",
            "This channel tax is already mapped.",
        ),
    ]
