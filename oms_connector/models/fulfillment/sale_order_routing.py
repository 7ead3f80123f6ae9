# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing on sale orders: the decision fields, the pending queue and the Re-route button."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

ROUTING_JOB_IDENTITY = "oms-route-pending-orders"
DEFAULT_ROUTING_BATCH = 200


class SaleOrder(models.Model):
    _inherit = "sale.order"

    oms_priority = fields.Boolean(
        string="Priority Order",
        copy=False,
        help="Express or VIP order: routing rules can treat it apart and it is routed first.",
    )
    oms_routing_state = fields.Selection(
        [
            ("pending", "Waiting for routing"),
            ("routed", "Routed"),
            ("backorder", "Routed as backorder"),
            ("held", "Held for review"),
        ],
        string="Routing",
        copy=False,
        index="btree_not_null",
        readonly=True,
    )
    oms_routing_rule_id = fields.Many2one(
        "oms.routing.rule", string="Routing Rule", copy=False, readonly=True, index="btree_not_null"
    )
    oms_routing_decision_ids = fields.One2many(
        "oms.routing.decision",
        "order_id",
        string="Routing History",
        copy=False,
        readonly=True,
        groups="oms_connector.group_oms_user",
    )
    oms_routing_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        compute="_compute_oms_routing_warehouse_ids",
        string="Shipping Warehouses",
    )
    oms_routing_reason = fields.Text(
        string="Routing Reason", compute="_compute_oms_routing_reason", readonly=True
    )
    oms_routed_at = fields.Datetime(string="Routed On", copy=False, readonly=True)

    @api.depends("oms_routing_state", "order_line.warehouse_id", "warehouse_id")
    def _compute_oms_routing_warehouse_ids(self):
        for order in self:
            if order.oms_routing_state in ("routed", "backorder"):
                lines = order.order_line.filtered(lambda line: not line.display_type)
                order.oms_routing_warehouse_ids = lines.warehouse_id or order.warehouse_id
            else:
                order.oms_routing_warehouse_ids = False

    @api.depends("oms_routing_decision_ids", "oms_routing_state")
    def _compute_oms_routing_reason(self):
        # the reason shows to every user of the order (and of its deliveries); the history
        # itself is for OMS users
        for order in self:
            # the newest by id: decisions created in this transaction are appended to the
            # cached history, which is then not in the model's order (newest first)
            last = order.sudo().oms_routing_decision_ids.sorted("id", reverse=True)[:1]
            pending = order.oms_routing_state == "pending"
            order.oms_routing_reason = False if pending or not last else last.reason

    def _check_company(self, fnames=None):
        if fnames is None and self.env.context.get("oms_routing_write"):
            # the routing engine writes its decision and the warehouse, nothing else: check
            # the warehouse alone instead of every company-bound field of every order of the
            # batch (which Odoo does on any write of a company-bound field)
            fnames = ["warehouse_id"]
        return super()._check_company(fnames)

    # ------------------------------------------------------------------ queue
    def _oms_mark_routing_pending(self):
        """Put the orders in the routing queue and make sure a routing job will take them."""
        to_queue = self.filtered(lambda o: o.state in ("draft", "sent"))
        if not to_queue:
            return
        to_queue.with_context(tracking_disable=True).write({"oms_routing_state": "pending"})
        self._oms_enqueue_routing()

    @api.model
    def _oms_enqueue_routing(self, eta=2):
        """One routing job at a time waits in the queue (identity key): orders taken in while
        it waits are routed in the same batch."""
        return (
            self.env["sale.order"]
            .with_delay(
                channel="root.oms.fulfillment",
                identity_key=ROUTING_JOB_IDENTITY,
                eta=eta,
                description=_("Route pending channel orders"),
            )
            ._oms_job_route_pending_orders()
        )

    @api.model
    def _oms_get_routing_batch_size(self):
        # sudo: system parameters are readable by administrators only
        value = self.env["ir.config_parameter"].sudo().get_param("oms_connector.routing_batch_size")
        return int(value) if value and value.isdigit() and int(value) > 0 else DEFAULT_ROUTING_BATCH

    @api.model
    def _oms_job_route_pending_orders(self, batch_size=None):
        """Job: route one batch of pending orders (priority first, then oldest) and enqueue
        the next batch when more are waiting."""
        batch_size = batch_size or self._oms_get_routing_batch_size()
        # the job routes the pending orders of every company, whoever queued it
        orders = self.sudo().search(
            [("oms_routing_state", "=", "pending"), ("state", "in", ("draft", "sent"))],
            order="oms_priority desc, date_order, id",
            limit=batch_size,
        )
        if not orders:
            return _("No order waits for routing.")
        # sudo: routing reads the stock of every warehouse and logs its decisions as a system step
        decisions = self.env["oms.routing.engine"].sudo().route_orders(orders)
        if len(orders) == batch_size:
            self._oms_enqueue_routing(eta=0)
        counts = {
            state: sum(1 for d in decisions if d.state == state)
            for state in ("routed", "backorder", "held")
        }
        return _(
            "%(routed)s routed, %(backorder)s backordered, %(held)s held.",
            routed=counts["routed"],
            backorder=counts["backorder"],
            held=counts["held"],
        )

    @api.model
    def _oms_cron_route_pending_orders(self):
        """Safety net: enqueue routing if orders wait (a lost job, a restored database)."""
        # sudo: the cron looks for pending orders of every company
        if self.sudo().search_count(
            [("oms_routing_state", "=", "pending"), ("state", "in", ("draft", "sent"))], limit=1
        ):
            self._oms_enqueue_routing(eta=0)

    # ------------------------------------------------------------------ confirmation
    def _oms_confirm_routed_orders(self):
        """Confirm routed orders, through the channel's confirmation policy when the order
        came in through intake (its binding), else directly."""
        for binding in self.oms_binding_ids:
            binding._confirm_sale_order_if_due()
        without_binding = self.filtered(
            lambda o: not o.oms_binding_ids and o.state in ("draft", "sent")
        )
        if without_binding:
            without_binding.action_confirm()

    def _oms_needs_routing(self):
        """True for a draft order of a channel that routes by rules and that routing has not
        decided yet."""
        self.ensure_one()
        return (
            self.oms_channel_id.routing_enabled
            and self.state in ("draft", "sent")
            and self.oms_routing_state not in ("routed", "backorder")
        )

    # ------------------------------------------------------------------ buttons
    def action_oms_reroute(self):
        """Route the held (or still pending) orders again now, with the current rules and
        stock, and confirm them when a warehouse is found."""
        orders = self.filtered(lambda o: o.state in ("draft", "sent"))
        if not orders:
            raise UserError(
                _("Only quotations can be re-routed: confirmed orders have their deliveries.")
            )
        self.env["oms.routing.engine"].route_orders(orders)
        held = orders.filtered(lambda o: o.oms_routing_state == "held")
        if len(orders) == 1 and held:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Still held"),
                    "message": held.oms_routing_reason,
                    "type": "warning",
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return True


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    oms_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Routed Warehouse",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Warehouse chosen by routing for this line when the order is split.",
    )

    @api.depends("oms_warehouse_id")
    def _compute_warehouse_id(self):
        # the delivery of a split line leaves from the warehouse routing chose for it
        result = super()._compute_warehouse_id()
        for line in self:
            if line.oms_warehouse_id:
                line.warehouse_id = line.oms_warehouse_id
        return result

    def _get_oms_external_line_id(self):
        """The channel's id of this line, to tell the channel which lines shipped; False for
        the lines the intake adds itself (shipping, discounts) and lines made in Odoo."""
        self.ensure_one()
        external_id = self.oms_external_line_id or ""
        if not external_id or external_id.startswith(("shipping:", "discount:")):
            return False
        return external_id
