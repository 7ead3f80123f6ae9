# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    oms_order_multiple = fields.Float(
        string="Order Multiple",
        digits="Product Unit of Measure",
        help="The vendor sells in multiples of this quantity (in the vendor's unit of measure), "
        "e.g. 12 for cartons of 12. Reorder suggestions are rounded up to it.",
    )
