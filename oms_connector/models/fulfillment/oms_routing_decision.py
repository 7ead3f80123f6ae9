# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsRoutingDecision(models.Model):
    """One routing decision on an order: the rule, the warehouse(s) and the reason a user
    reads. An order keeps the history of its decisions (held, then re-routed...); the last
    one is the order's current routing. Created in batches by the routing engine."""

    _name = "oms.routing.decision"
    _description = "Routing Decision"
    _order = "id desc"
    _rec_name = "order_id"

    order_id = fields.Many2one("sale.order", required=True, index=True, ondelete="cascade")
    # precomputed: set in the INSERT of the batch, not by an UPDATE after it
    company_id = fields.Many2one(
        related="order_id.company_id", store=True, index=True, precompute=True
    )
    state = fields.Selection(
        [("routed", "Routed"), ("backorder", "Routed as backorder"), ("held", "Held for review")],
        required=True,
    )
    rule_id = fields.Many2one("oms.routing.rule", index="btree_not_null", ondelete="set null")
    warehouse_id = fields.Many2one("stock.warehouse", string="Main Warehouse", ondelete="set null")
    split = fields.Boolean(help="The order ships from several warehouses.")
    reason = fields.Text(required=True)
