# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsRoutingLock(models.Model):
    """One row per product that routing locks and touches before it reads the stock.

    Two routing jobs that want the same product serialize on this row: the second waits for
    the first to commit and then fails with a serialization error (Odoo runs in REPEATABLE
    READ), queue_job postpones it and its retry reads the stock the first one already
    allocated. So the last unit is never given to two orders. See readme/ROUTING.md.
    """

    _name = "oms.routing.lock"
    _description = "Routing Lock per Product"
    _rec_name = "product_id"

    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    locked_at = fields.Datetime(readonly=True)
    last_order_id = fields.Many2one("sale.order", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("product_uniq", "unique(product_id)", "One routing lock per product."),
    ]
