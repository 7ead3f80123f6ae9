# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class OmsRoutingRule(models.Model):
    """One rule of the ordered list that decides which warehouse(s) or 3PL ship an order.

    The routing engine (``oms.routing.engine``) takes the first active rule, by sequence, whose
    conditions match the order, applies its strategy and, when the strategy finds no warehouse,
    its fallback. A new strategy is one selection value plus a method
    ``_route_with_<strategy>`` on the engine.
    """

    _name = "oms.routing.rule"
    _description = "Order Routing Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    # ---------------------------------------------------------------- conditions
    channel_ids = fields.Many2many(
        "oms.channel",
        string="Channels",
        check_company=True,
        help="Orders of these channels only. Empty: every channel.",
    )
    country_ids = fields.Many2many(
        "res.country", string="Destination Countries", help="Empty: every country."
    )
    state_ids = fields.Many2many(
        "res.country.state", string="Destination States", help="Empty: every state."
    )
    zip_prefixes = fields.Char(
        help="Comma separated beginnings of the destination zip code, e.g. 75, 92, 93. "
        "Empty: every zip.",
    )
    categ_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="The order has at least one line in one of these categories (or their "
        "sub-categories). Empty: any product.",
    )
    amount_min = fields.Float(
        string="Minimum Amount", help="Order total (tax included) at least this. 0: no minimum."
    )
    amount_max = fields.Float(
        string="Maximum Amount", help="Order total (tax included) at most this. 0: no maximum."
    )
    priority = fields.Selection(
        [
            ("any", "Any order"),
            ("priority", "Priority orders only"),
            ("normal", "Non-priority orders only"),
        ],
        required=True,
        default="any",
    )
    # ---------------------------------------------------------------- strategy
    strategy = fields.Selection(
        [
            ("fixed", "Fixed warehouse or 3PL"),
            ("nearest", "Nearest warehouse with every line in stock"),
            ("split", "Split lines across warehouses"),
        ],
        required=True,
        default="nearest",
        help="Fixed: always the chosen warehouse, in stock or not.\n"
        "Nearest: the warehouse closest to the customer that can ship the whole order from "
        "stock.\n"
        "Split: one shipment if a warehouse has everything, else each line from the nearest "
        "warehouse that has it, in at most the maximum number of shipments.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", check_company=True, help="For the fixed strategy."
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Candidate Warehouses",
        check_company=True,
        help="Warehouses the nearest and split strategies choose from. Empty: every warehouse "
        "of the company.",
    )
    max_shipments = fields.Integer(
        default=2, help="Split strategy: an order is never shipped in more parcels than this."
    )
    fallback = fields.Selection(
        [
            ("next", "Try the next rule"),
            ("backorder", "Backorder in a warehouse"),
            ("hold", "Hold for review"),
        ],
        required=True,
        default="next",
        help="What happens when the strategy finds no warehouse that can ship from stock.",
    )
    fallback_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Backorder Warehouse",
        check_company=True,
        help="Warehouse that takes the order as a backorder when nothing is in stock.",
    )
    order_count = fields.Integer(compute="_compute_order_count", string="Orders Routed")

    @api.constrains("strategy", "warehouse_id", "fallback", "fallback_warehouse_id")
    def _check_warehouses(self):
        for rule in self:
            if rule.strategy == "fixed" and not rule.warehouse_id:
                raise ValidationError(
                    _(
                        "Routing rule %(rule)s: choose the warehouse of the fixed strategy.",
                        rule=rule.name,
                    )
                )
            if rule.fallback == "backorder" and not rule.fallback_warehouse_id:
                raise ValidationError(
                    _(
                        "Routing rule %(rule)s: choose the warehouse that takes backorders.",
                        rule=rule.name,
                    )
                )

    @api.constrains("max_shipments")
    def _check_max_shipments(self):
        for rule in self:
            if rule.max_shipments < 1:
                raise ValidationError(
                    _("Routing rule %(rule)s: allow at least one shipment.", rule=rule.name)
                )

    @api.constrains("amount_min", "amount_max")
    def _check_amounts(self):
        for rule in self:
            if rule.amount_max and rule.amount_min > rule.amount_max:
                raise ValidationError(
                    _(
                        "Routing rule %(rule)s: the minimum amount is above the maximum.",
                        rule=rule.name,
                    )
                )

    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("oms_routing_rule_id", "in", self.ids)],
                ["oms_routing_rule_id"],
                ["__count"],
            )
        )
        for rule in self:
            rule.order_count = counts.get(rule, 0)

    def action_view_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = [("oms_routing_rule_id", "=", self.id)]
        action["context"] = {}
        return action

    # ---------------------------------------------------------------- matching
    def _get_zip_prefixes(self):
        self.ensure_one()
        return tuple(p.strip().upper() for p in (self.zip_prefixes or "").split(",") if p.strip())

    def _prepare_routing_conditions(self):
        """The rule as plain Python values, read once per routing batch so that matching
        thousands of orders costs no query and no ORM access. Override to add a condition
        (and extend ``_matches_conditions``)."""
        self.ensure_one()
        return {
            "rule_id": self.id,
            "name": self.name,
            "company_id": self.company_id.id,
            "channel_ids": frozenset(self.channel_ids.ids),
            "country_ids": frozenset(self.country_ids.ids),
            "state_ids": frozenset(self.state_ids.ids),
            "zip_prefixes": self._get_zip_prefixes(),
            "categ_ids": frozenset(self.categ_ids.ids),
            "amount_min": self.amount_min,
            "amount_max": self.amount_max,
            "priority": self.priority,
            "strategy": self.strategy,
            "warehouse_id": self.warehouse_id.id,
            "warehouse_ids": tuple(self.warehouse_ids.ids),
            "max_shipments": self.max_shipments,
            "fallback": self.fallback,
            "fallback_warehouse_id": self.fallback_warehouse_id.id,
        }

    @api.model
    def _matches_conditions(self, conditions, order_info):
        """True when the order described by ``order_info`` (an ``OrderInfo`` of the engine)
        meets every condition of ``conditions`` (see ``_prepare_routing_conditions``). Extend
        ``_matches_destination`` or ``_matches_contents`` for a condition of that kind."""
        return (
            conditions["company_id"] == order_info.company_id
            and self._matches_destination(conditions, order_info)
            and self._matches_contents(conditions, order_info)
        )

    @api.model
    def _matches_destination(self, conditions, order_info):
        """The channel and where the order goes: country, state, zip prefix."""
        if conditions["channel_ids"] and order_info.channel_id not in conditions["channel_ids"]:
            return False
        if conditions["country_ids"] and order_info.country_id not in conditions["country_ids"]:
            return False
        if conditions["state_ids"] and order_info.state_id not in conditions["state_ids"]:
            return False
        prefixes = conditions["zip_prefixes"]
        return not prefixes or order_info.zip.upper().startswith(prefixes)

    @api.model
    def _matches_contents(self, conditions, order_info):
        """What the order holds: product categories, amount, priority."""
        if conditions["categ_ids"] and not (conditions["categ_ids"] & order_info.categ_ids):
            return False
        if conditions["amount_min"] and order_info.amount < conditions["amount_min"]:
            return False
        if conditions["amount_max"] and order_info.amount > conditions["amount_max"]:
            return False
        if conditions["priority"] == "priority":
            return bool(order_info.priority)
        if conditions["priority"] == "normal":
            return not order_info.priority
        return True
