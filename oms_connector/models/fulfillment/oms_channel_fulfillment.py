# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing, fulfilment and stock settings of a channel, and the stock push jobs."""

import logging

from odoo import _, api, fields, models
from odoo.tools.translate import LazyGettext

from ...adapters.exceptions import OmsError, OmsRetryableError

_logger = logging.getLogger(__name__)

STOCK_PUSH_DELAY = 30  # seconds: stock changes of this window are pushed together


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    routing_enabled = fields.Boolean(
        string="Route by Rules",
        help="Orders of this channel wait for the routing rules to choose their warehouse(s) "
        "before they are confirmed. Off: they ship from the channel's warehouse.",
    )
    routing_rule_ids = fields.Many2many(
        "oms.routing.rule", compute="_compute_routing_rule_ids", string="Routing Rules"
    )
    stock_sync = fields.Boolean(
        string="Push Stock Levels",
        help="Send available-to-promise quantities to the channel when stock changes, and "
        "every night in full.",
    )
    stock_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "oms_channel_stock_warehouse_rel",
        "channel_id",
        "warehouse_id",
        string="Stock From Warehouses",
        check_company=True,
        help="Warehouses whose stock the channel may sell. Empty: the channel's warehouse.",
    )
    stock_buffer = fields.Float(
        string="Safety Buffer",
        digits="Product Unit of Measure",
        help="Units kept back from the channel for every product (overridable per product).",
    )
    stock_external_location = fields.Char(
        string="Channel Location ID",
        help="Shopify: the id of the location whose inventory the OMS sets.",
    )
    stock_level_ids = fields.One2many(
        "oms.channel.stock.level", "channel_id", string="Stock Levels"
    )
    stock_level_count = fields.Integer(compute="_compute_stock_level_count")

    def _compute_routing_rule_ids(self):
        rules = self.env["oms.routing.rule"].search([("company_id", "in", self.company_id.ids)])
        for channel in self:
            channel.routing_rule_ids = rules.filtered(
                lambda r, c=channel: r.company_id == c.company_id
                and (not r.channel_ids or c in r.channel_ids)
            )

    def _compute_stock_level_count(self):
        counts = dict(
            self.env["oms.channel.stock.level"]._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        for channel in self:
            channel.stock_level_count = counts.get(channel, 0)

    def action_view_stock_levels(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "oms_connector.oms_channel_stock_level_action"
        )
        action["domain"] = [("channel_id", "=", self.id)]
        action["context"] = {"default_channel_id": self.id}
        return action

    def action_push_stock_now(self):
        """Button: push every stock level of the channel now (full reconciliation)."""
        for channel in self:
            channel._enqueue_stock_push(full=True, eta=0)
        return True

    # ------------------------------------------------------------------ available to promise
    def _get_stock_warehouses(self):
        self.ensure_one()
        return self.stock_warehouse_ids or self.warehouse_id

    def _get_available_to_promise(self, levels):
        """``{level id: quantity}``: free stock (on hand minus what deliveries already hold)
        in the warehouses serving the channel, minus the safety buffer, never below zero. Two
        queries for any number of products."""
        self.ensure_one()
        warehouses = self._get_stock_warehouses()
        free = self.env["oms.routing.engine"]._get_free_stock(levels.product_id.ids, warehouses.ids)
        result = {}
        for level in levels:
            on_hand = sum(free.get((level.product_id.id, wh), 0.0) for wh in warehouses.ids)
            buffer = level.buffer if level.use_own_buffer else self.stock_buffer
            result[level.id] = max(0.0, on_hand - buffer)
        return result

    # ------------------------------------------------------------------ pushing
    def _enqueue_stock_push(self, full=False, eta=STOCK_PUSH_DELAY):
        """Debounced: while a push job of the channel waits, changes join it."""
        self.ensure_one()
        identity = f"oms-stock-push-{self.id}-{'full' if full else 'delta'}"
        return self.with_delay(
            channel="root.oms.sync",
            identity_key=identity,
            eta=eta,
            description=_("Push stock levels to %(channel)s", channel=self.name),
        )._job_push_stock_levels(full=full)

    def _job_push_stock_levels(self, full=False):
        """Job: see ``_push_stock_levels``."""
        # stock moves of any user trigger the push; the channel's credentials are OMS settings
        return self.sudo()._push_stock_levels(full=full)

    def _get_stock_levels_to_push_domain(self, full=False):
        """Domain of the channel's stock levels a push looks at: the active ones that changed
        (``full``: all active ones)."""
        self.ensure_one()
        domain = [("channel_id", "=", self.id), ("active", "=", True)]
        if not full:
            domain.append(("dirty", "=", True))
        return domain

    def _push_stock_levels(self, full=False):
        """Push the stock levels that changed (``full``: all of them) in batches of the
        platform's size, at the platform's rate; the rest goes to a follow-up job."""
        self.ensure_one()
        if not self.stock_sync:
            return _("Stock sync is off for %(channel)s.", channel=self.name)
        adapter = self._get_adapter()
        levels = self.env["oms.channel.stock.level"].search(
            self._get_stock_levels_to_push_domain(full), order="id"
        )
        if not levels:
            return _("No stock level to push.")
        atp = self._get_available_to_promise(levels)
        to_push = levels.filtered(
            lambda lv: full or lv.last_pushed_at is False or lv.last_quantity != atp[lv.id]
        )
        (levels - to_push).write({"dirty": False})
        batch_size = adapter.stock_batch_size
        pushed = 0
        # the adapter spaces its requests per the platform's rate (_throttle_stock_request)
        for start in range(0, len(to_push), batch_size):
            batch = to_push[start : start + batch_size]
            try:
                results = adapter.push_stock_levels([(level, atp[level.id]) for level in batch])
            except OmsRetryableError as exc:
                # keep what was pushed, try the rest when the platform allows it
                return self._postpone_stock_push(batch, exc, pushed, full)
            except OmsError as exc:
                batch.write({"error": exc.translated(self.env), "dirty": False})
                continue
            pushed += self._record_stock_push_results(batch, results or {}, atp)
        return _("%(count)s stock levels pushed to %(channel)s.", count=pushed, channel=self.name)

    def _postpone_stock_push(self, batch, exc, pushed, full):
        """After a temporary error ``exc`` (a quota, a 5xx) on ``batch``: keep the error on its
        levels and push what is left in a follow-up job when the platform allows it. Returns
        the job's result message."""
        batch.write({"error": exc.translated(self.env)})
        self.with_delay(
            channel="root.oms.sync",
            eta=exc.retry_after or 60,
            description=_("Push stock levels to %(channel)s (retry)", channel=self.name),
        )._job_push_stock_levels(full=full)
        return _(
            "%(count)s levels pushed, then: %(error)s",
            count=pushed,
            error=exc.translated(self.env),
        )

    @api.model
    def _record_stock_push_results(self, levels, results, atp):
        """Write on each of ``levels`` the outcome of its push (``results``: {level id: error}
        of the levels the platform refused, a text or a lazy translation rendered here in the
        user's language; ``atp``: {level id: quantity pushed}); return the number pushed."""
        pushed = 0
        now = fields.Datetime.now()
        for level in levels:
            error = results.get(level.id)
            if error:
                if isinstance(error, LazyGettext):
                    error = self.env._(error)
                level.write({"error": error, "dirty": False})
            else:
                level.write(level._prepare_pushed_vals(atp[level.id], now))
                pushed += 1
        return pushed

    @api.model
    def _cron_reconcile_stock_levels(self):
        """Nightly: push every level of every syncing channel, to correct drift on the
        channel (sales it counted, manual edits)."""
        for channel in self.search([("stock_sync", "=", True)]):
            channel._enqueue_stock_push(full=True, eta=0)
