# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace settlements: the lines of the marketplaces' finance reports
(``adapters/marketplace_settlements.py``), pulled by a job per channel, matched to the
channel's orders by the platform's key and booked once: the fees of an order's new lines
become one posted vendor bill of the marketplace (a vendor credit note when they give back
more than they charge). Lines of orders Odoo does not know yet stay ``unmatched`` and are
matched again at every pull; the reconciliation report lists them."""

import logging
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError

from ...adapters import OmsError, OmsMappingError, OmsRetryableError
from ...adapters.marketplace_fees import FEE_COMMISSION, FEE_LOGISTICS

_logger = logging.getLogger(__name__)

#: a channel never pulled reads this many days of reports
INITIAL_SETTLEMENT_DAYS = 30
#: reports are re-read this many days back (a weekly report arrives days after its week)
SETTLEMENT_OVERLAP_DAYS = 14


class OmsMarketplaceSettlement(models.Model):
    _name = "oms.marketplace.settlement"
    _description = "Marketplace Report Line"
    _order = "date desc, id desc"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    external_id = fields.Char(required=True, readonly=True, help="The report line's id.")
    report_ref = fields.Char(string="Report", readonly=True)
    order_key = fields.Char(
        readonly=True, index=True, help="The platform's key of the order the line belongs to."
    )
    binding_id = fields.Many2one(
        "oms.channel.order", string="Channel Order", index="btree_not_null", readonly=True
    )
    date = fields.Date(required=True, readonly=True, index=True)
    label = fields.Char(readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    sale_amount = fields.Monetary(string="Sale", readonly=True)
    commission_amount = fields.Monetary(string="Commission", readonly=True)
    logistics_amount = fields.Monetary(string="Logistics", readonly=True)
    payout_amount = fields.Monetary(string="Payout", readonly=True)
    state = fields.Selection(
        [
            ("unmatched", "Order unknown"),
            ("booked", "Booked"),
            ("period", "No order"),
        ],
        help="Order unknown: the report names an order Odoo does not hold (yet), matched again "
        "at the next pull. No order: a charge of the period (storage, a deduction), not of "
        "an order.",
        default="unmatched",
        required=True,
        index=True,
        readonly=True,
    )
    move_id = fields.Many2one(
        "account.move", string="Fee Bill", index="btree_not_null", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "A report line is stored once per channel.",
        )
    ]

    @api.model
    def _store_settlements(self, channel, settlements):
        """Create the lines of ``settlements`` (``MarketplaceSettlement`` list) the channel
        does not hold yet (a line pulled again is left as it is); the new lines."""
        known = set(
            self.search(
                [
                    ("channel_id", "=", channel.id),
                    ("external_id", "in", [s.external_id for s in settlements]),
                ]
            ).mapped("external_id")
        )
        currencies = self._get_settlement_currencies({s.currency for s in settlements})
        vals = []
        for settlement in settlements:
            if settlement.external_id in known:
                continue
            known.add(settlement.external_id)
            vals.append(self._prepare_settlement_vals(channel, settlement, currencies))
        return self.create(vals)

    @api.model
    def _get_settlement_currencies(self, codes):
        """``{ISO code: res.currency}`` of ``codes`` (archived ones included), read once for
        a whole report."""
        found = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        )
        return {currency.name: currency for currency in found}

    @api.model
    def _prepare_settlement_vals(self, channel, settlement, currencies):
        currency = currencies.get(settlement.currency)
        if not currency:
            raise OmsMappingError(
                _(
                    "Currency %(currency)s of the marketplace report is unknown in Odoo.",
                    currency=settlement.currency,
                )
            )
        return {
            "channel_id": channel.id,
            "external_id": settlement.external_id,
            "report_ref": settlement.report_ref,
            "order_key": settlement.order_key,
            "date": settlement.date,
            "label": settlement.label,
            "currency_id": currency.id,
            "sale_amount": settlement.sale,
            "commission_amount": settlement.commission,
            "logistics_amount": settlement.logistics,
            "payout_amount": settlement.payout,
            "state": "unmatched" if settlement.order_key.strip("0 ") else "period",
        }

    def _match_and_book(self):
        """Match the unmatched lines to their orders and book each order's fees once;
        the lines booked."""
        lines = self.filtered(lambda line: line.state == "unmatched")
        for channel in lines.channel_id:
            channel_lines = lines.filtered(lambda line, c=channel: line.channel_id == c)
            found = channel._get_adapter().match_settlement_orders(
                set(channel_lines.mapped("order_key"))
            )
            for line in channel_lines:
                if found.get(line.order_key):
                    line.binding_id = found[line.order_key]
        matched = lines.filtered("binding_id")
        for binding in matched.binding_id:
            binding._book_marketplace_settlements(
                matched.filtered(lambda line, b=binding: line.binding_id == b)
            )
        return matched

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action() if self.move_id else False


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    marketplace_statistics_url = fields.Char(
        string="Statistics API URL",
        groups="oms_connector.group_oms_manager",
        help="Wildberries: the host of the statistics API that serves the realisation report "
        "(empty: https://statistics-api.wildberries.ru). The API token needs the "
        "Statistics category.",
    )
    marketplace_settlement_pull = fields.Boolean(
        string="Scheduled Fee Pull",
        help="Pull the marketplace's finance report once a day: the fees of each order are "
        "booked as a vendor bill of the marketplace and the payouts shown in the channel "
        "reconciliation report.",
    )
    marketplace_settlement_date = fields.Date(string="Fees Pulled Until", copy=False, readonly=True)
    marketplace_settlement_error = fields.Char(string="Fee Pull Error", copy=False, readonly=True)
    marketplace_settlement_ids = fields.One2many(
        "oms.marketplace.settlement", "channel_id", string="Marketplace Report Lines"
    )

    def action_pull_settlements_now(self):
        """Button: pull the marketplace's finance report now (in a job)."""
        self._enqueue_pull_settlements()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "Fee pull of %(channels)s queued.", channels=", ".join(self.mapped("name"))
                ),
            },
        }

    def _enqueue_pull_settlements(self):
        for channel in self:
            channel.with_delay(
                identity_key=f"oms.channel.settlements:{channel.id}",
                description=_("Pull marketplace fees of %(channel)s", channel=channel.name),
            )._job_pull_marketplace_settlements()

    @api.model
    def _cron_pull_marketplace_settlements(self):
        channels = self.search(
            [
                ("marketplace_settlement_pull", "=", True),
                ("marketplace_fee_partner_id", "!=", False),
            ]
        )
        channels.filtered(
            lambda c: c._get_adapter().has_settlement_report
        )._enqueue_pull_settlements()

    def _get_settlement_period(self):
        """(date from, date to) of the next pull: the last pulled day minus the overlap (a
        line pulled again is stored once), to today."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        if not self.marketplace_settlement_date:
            return today - timedelta(days=INITIAL_SETTLEMENT_DAYS), today
        return self.marketplace_settlement_date - timedelta(days=SETTLEMENT_OVERLAP_DAYS), today

    def _job_pull_marketplace_settlements(self, date_from=None, date_to=None):
        """queue_job: read the finance report of the period, store its new lines, match
        every unmatched line of the channel and book the fees. Idempotent: a line is stored
        and booked once."""
        self.ensure_one()
        default_from, default_to = self._get_settlement_period()
        date_from, date_to = date_from or default_from, date_to or default_to
        try:
            settlements = self._get_adapter().fetch_settlements(date_from, date_to)
        except OmsRetryableError as exc:
            raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
        except OmsError as exc:
            _logger.warning("Fee pull of channel %s failed: %s", self.code, exc)
            self.marketplace_settlement_error = str(exc)
            return _("Fee pull failed: %(error)s", error=str(exc))
        Settlement = self.env["oms.marketplace.settlement"]
        new = Settlement._store_settlements(self, settlements)
        booked = Settlement.search(
            [("channel_id", "=", self.id), ("state", "=", "unmatched")]
        )._match_and_book()
        self.write({"marketplace_settlement_date": date_to, "marketplace_settlement_error": False})
        return _(
            "%(count)s report lines read, %(new)s new, %(booked)s booked.",
            count=len(settlements),
            new=len(new),
            booked=len(booked),
        )

    def _get_orders_awaiting_settlement(self, date_from, limit):
        """External ids of the channel's shipped orders created since ``date_from`` without a
        report line yet (the platforms that report per order are asked for these)."""
        self.ensure_one()
        # sudo: the settlement job reads the intake's bindings whoever started it
        bindings = (
            self.env["oms.channel.order"]
            .sudo()
            .search(
                [
                    ("channel_id", "=", self.id),
                    ("sale_order_id.state", "=", "sale"),
                    ("sale_order_id.delivery_status", "=", "full"),
                    ("marketplace_settlement_ids", "=", False),
                    ("external_created_at", ">=", fields.Datetime.to_datetime(date_from)),
                ],
                order="external_created_at",
                limit=limit,
            )
        )
        return bindings.mapped("external_id")


class OmsChannelOrder(models.Model):
    _inherit = "oms.channel.order"

    marketplace_settlement_ids = fields.One2many(
        "oms.marketplace.settlement", "binding_id", string="Marketplace Report Lines"
    )

    def _book_marketplace_settlements(self, settlements):
        """Book the fees of ``settlements`` (this order's unbooked report lines) as one
        posted vendor bill of the marketplace, a vendor credit note when they sum below
        zero, nothing when they sum to zero; the lines become ``booked``."""
        self.ensure_one()
        channel = self.channel_id
        settlements = settlements.filtered(lambda line: line.state == "unmatched")
        if not settlements or not channel.marketplace_fee_partner_id:
            return self.env["account.move"]
        if not channel._get_marketplace_fee_account(FEE_COMMISSION):
            raise OmsMappingError(
                _(
                    "Channel %(channel)s: set the commission account of the marketplace's fees "
                    "(Marketplace tab) to book the fees of order %(order)s.",
                    channel=channel.name,
                    order=self.external_id,
                )
            )
        move = self.env["account.move"]
        total = sum(settlements.mapped("commission_amount")) + sum(
            settlements.mapped("logistics_amount")
        )
        if not settlements.currency_id[:1].is_zero(total):
            move = move.create(self._prepare_marketplace_settlement_bill_vals(settlements, total))
            move.action_post()
        settlements.write({"state": "booked", "move_id": move.id})
        return move

    def _prepare_marketplace_settlement_bill_vals(self, settlements, total):
        """The vendor bill (``in_invoice``, or ``in_refund`` when ``total`` < 0) of the
        marketplace for ``settlements``: one line per fee of each report line, on the
        channel's fee accounts, without taxes (the marketplace's monthly act carries its
        VAT)."""
        channel = self.channel_id
        sign = 1.0 if total > 0 else -1.0
        lines = []
        for line in settlements:
            for kind, amount in (
                (FEE_COMMISSION, line.commission_amount),
                (FEE_LOGISTICS, line.logistics_amount),
            ):
                if not line.currency_id.is_zero(amount):
                    lines.append(self._prepare_settlement_bill_line_vals(line, kind, sign * amount))
        return {
            "move_type": "in_invoice" if sign > 0 else "in_refund",
            "partner_id": channel.marketplace_fee_partner_id.id,
            "company_id": channel.company_id.id,
            "journal_id": channel._get_marketplace_fee_journal().id,
            "currency_id": settlements.currency_id[:1].id,
            "invoice_date": max(settlements.mapped("date")),
            "ref": _("%(channel)s fees %(order)s", channel=channel.name, order=self.external_id),
            "invoice_origin": self.external_id,
            "invoice_line_ids": lines,
        }

    def _prepare_settlement_bill_line_vals(self, settlement, kind, amount):
        labels = {FEE_COMMISSION: _("commission"), FEE_LOGISTICS: _("logistics")}
        return Command.create(
            {
                "name": _(
                    "%(channel)s %(kind)s %(order)s, report line %(line)s",
                    channel=self.channel_id.name,
                    kind=labels[kind],
                    order=self.external_id,
                    line=settlement.external_id,
                ),
                "account_id": self.channel_id._get_marketplace_fee_account(kind).id,
                "quantity": 1.0,
                "price_unit": amount,
                "tax_ids": [Command.clear()],
            }
        )

    def _get_marketplace_fee_moves(self):
        """The marketplace's fee bills and credit notes of the order (Ozon's bill of the
        posting, the bills of its report lines)."""
        self.ensure_one()
        return self.marketplace_fee_bill_id | self.marketplace_settlement_ids.move_id
