# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The request budget of a marketplace channel: a token bucket in one row per (channel, budget),
shared by every job and worker that calls the marketplace."""

import logging
import math
import time

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.tools import mute_logger

from ...adapters.exceptions import OmsRetryableError

_logger = logging.getLogger(__name__)


class OmsMarketplaceBudget(models.Model):
    """Tokens left and their last refill, for one budget of one channel.

    A caller takes a token in its own short transaction (``_acquire``): the row is locked
    ``FOR UPDATE``, refilled for the time elapsed (capacity and rate come from the adapter),
    one token is taken (the balance may go below zero: that reserves a turn, and the caller
    sleeps until its token exists) and the transaction commits at once, so that the lock is
    never held while the marketplace answers. A 429 blocks the budget for the time asked
    (``_back_off``). Times are Unix seconds (floats): a budget refills many times a second."""

    _name = "oms.marketplace.budget"
    _description = "Marketplace Request Budget"
    _rec_name = "name"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    name = fields.Char(required=True, default="default", help="default, stocks, ...")
    tokens = fields.Float(readonly=True, help="Requests that can be made now without waiting.")
    refilled_at = fields.Float(readonly=True, help="Unix time of the last refill.")
    blocked_until = fields.Float(readonly=True, help="Unix time before which no call is made.")

    _sql_constraints = [
        ("channel_name_uniq", "unique(channel_id, name)", "One budget of each name per channel."),
    ]

    @api.model
    def _get_locked_budget(self, channel_id, name, capacity):
        """The budget row, created full when missing (the unique key decides between two
        workers creating it), locked for this transaction."""
        budget = self.search([("channel_id", "=", channel_id), ("name", "=", name)], limit=1)
        if not budget:
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    budget = self.create(
                        {
                            "channel_id": channel_id,
                            "name": name,
                            "tokens": capacity,
                            "refilled_at": time.time(),
                        }
                    )
            except UniqueViolation:
                budget = self.search(
                    [("channel_id", "=", channel_id), ("name", "=", name)], limit=1
                )
        # a read lock: the row is then written through the ORM
        self.env.cr.execute(
            "SELECT id FROM oms_marketplace_budget WHERE id = %s FOR UPDATE", [budget.id]
        )
        budget.invalidate_recordset()
        return budget

    @api.model
    def _acquire(self, channel, name, capacity, rate, max_wait):
        """Take one token of ``channel``'s budget ``name`` (``capacity`` tokens, refilled at
        ``rate`` a second), sleeping until it exists when that takes at most ``max_wait``
        seconds; else raise ``OmsRetryableError`` with the wait, and take nothing."""
        with self.env.registry.cursor() as cr:
            # sudo: the budget is the channel's, whoever's job calls the marketplace
            budgets = self.with_env(self.env(cr=cr, su=True))
            budget = budgets._get_locked_budget(channel.id, name, capacity)
            now = time.time()
            if budget.blocked_until > now:
                wait = budget.blocked_until - now
                if wait > max_wait:
                    raise OmsRetryableError(
                        f"{channel.name}: the marketplace asked for a pause, next call in "
                        f"{math.ceil(wait)} s.",
                        retry_after=math.ceil(wait),
                    )
            start = max(now, budget.blocked_until)
            tokens = min(capacity, budget.tokens + max(0.0, start - budget.refilled_at) * rate)
            tokens -= 1.0
            wait = max(0.0, start - now) + (-tokens / rate if tokens < 0 else 0.0)
            if wait > max_wait:
                raise OmsRetryableError(
                    f"{channel.name}: the request budget is spent, next call in "
                    f"{math.ceil(wait)} s.",
                    retry_after=math.ceil(wait),
                )
            budget.write({"tokens": tokens, "refilled_at": max(start, budget.refilled_at)})
        if wait:
            time.sleep(wait)
        return wait

    @api.model
    def _back_off(self, channel, name, seconds):
        """The marketplace answered 429: no call of this budget for ``seconds``."""
        with self.env.registry.cursor() as cr:
            budgets = self.with_env(self.env(cr=cr, su=True))  # sudo: see _acquire
            budget = budgets._get_locked_budget(channel.id, name, 0.0)
            now = time.time()
            budget.write(
                {
                    "tokens": 0.0,
                    "refilled_at": now + seconds,
                    "blocked_until": max(budget.blocked_until, now + seconds),
                }
            )
        _logger.info("Channel %s: budget %s paused %s s after a 429", channel.code, name, seconds)
