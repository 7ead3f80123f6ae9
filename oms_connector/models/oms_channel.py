# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import secrets
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import OmsError, OmsRetryableError, get_adapter_class

_logger = logging.getLogger(__name__)

#: channel financial statuses that count as paid for the "Confirm when paid" policy
PAID_STATUSES = ("paid", "partially_refunded", "refunded")
#: a new channel without a last sync pulls the orders updated in the last days
INITIAL_PULL_DAYS = 7


class OmsChannel(models.Model):
    """A sales channel (web shop, Shopify store, WooCommerce store, marketplace).

    Platform specifics live in the channel's adapter (see ``adapters/``); this model holds the
    configuration that maps the channel's orders onto Odoo.
    """

    _name = "oms.channel"
    _description = "Sales Channel"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        help="Short unique code used in the webhook URL: /oms/webhook/<code>.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    platform = fields.Selection(
        [
            ("shopify", "Shopify"),
            ("woocommerce", "WooCommerce"),
            ("generic", "Generic JSON"),
        ],
        required=True,
        default="generic",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Warehouse used for this channel's orders unless a routing rule chooses another.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Pricelist (and so currency) of the orders taken in from this channel.",
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, readonly=False
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", check_company=True)

    # ---------------------------------------------------------------- intake transport
    webhook_secret = fields.Char(
        groups="oms_connector.group_oms_manager",
        copy=False,
        default=lambda self: self._default_webhook_secret(),
        help="Shared secret that signs webhook deliveries: the Shopify app's API secret key, "
        "the WooCommerce webhook secret, or the secret of the generic format. Deliveries "
        "without a valid signature are refused (401).",
    )
    webhook_url = fields.Char(
        compute="_compute_webhook_url", help="Give this URL to the platform's webhooks."
    )
    webhook_accept_v1_signature = fields.Boolean(
        string="Accept v1 Signatures",
        help="Generic format only. Off (the default): every delivery must carry the v2 "
        "signature, which covers the topic and delivery id as well as the timestamp and body. "
        "On: deliveries signed the old way (timestamp and body only) are accepted too, for a "
        "sender that has not moved to v2 yet; a captured delivery can then be posted again "
        "under another topic within the 5-minute window.",
    )
    webhook_max_bytes = fields.Integer(
        string="Maximum Webhook Size",
        default=2 * 1024 * 1024,
        help="Deliveries larger than this many bytes are refused (413).",
    )
    event_ids = fields.One2many("oms.channel.event", "channel_id")
    # pull reconciliation
    pull_enabled = fields.Boolean(
        string="Scheduled Pull",
        help="Fetch the orders updated since the last sync from the platform's API on a "
        "schedule, to take in what webhooks missed (or for channels without webhooks).",
    )
    api_url = fields.Char(
        string="API URL",
        help="Shopify: the shop domain (my-store.myshopify.com). WooCommerce: the store URL "
        "(https://shop.example.com).",
    )
    api_version = fields.Char(
        string="API Version", help="Shopify Admin API version, e.g. 2025-01 (the default)."
    )
    api_key = fields.Char(
        string="API Key / Access Token",
        groups="oms_connector.group_oms_manager",
        copy=False,
        help="Shopify: Admin API access token. WooCommerce: REST API consumer key. "
        "Generic: sent as 'Authorization: Bearer <key>'.",
    )
    api_secret = fields.Char(
        string="API Secret",
        groups="oms_connector.group_oms_manager",
        copy=False,
        help="WooCommerce: REST API consumer secret.",
    )
    pull_url = fields.Char(
        string="Pull URL",
        help="Generic channels: URL answering GET ?updated_since=<ISO 8601>&page=<n> with "
        '{"orders": [...], "next_page": <n> or null}.',
    )
    sync_overlap_minutes = fields.Integer(
        string="Sync Overlap (minutes)",
        default=10,
        help="Each pull starts this long before the last successful sync, so that orders "
        "updated while the previous pull ran are not missed.",
    )
    last_sync_at = fields.Datetime(
        string="Last Successful Sync", copy=False, readonly=True, help="End of the last pull."
    )
    last_sync_error = fields.Text(copy=False, readonly=True)
    # dashboard
    order_today_count = fields.Integer(string="Orders Today", compute="_compute_dashboard")
    revenue_today = fields.Monetary(compute="_compute_dashboard", currency_field="currency_id")
    failed_event_count = fields.Integer(string="Failed Events", compute="_compute_dashboard")
    pending_event_count = fields.Integer(string="Pending Events", compute="_compute_dashboard")
    last_event_at = fields.Datetime(string="Last Event Received", compute="_compute_dashboard")

    # ---------------------------------------------------------------- order life cycle
    confirmation_policy = fields.Selection(
        [
            ("immediate", "Confirm immediately"),
            ("paid", "Confirm when paid"),
            ("manual", "Leave as quotation"),
        ],
        required=True,
        default="immediate",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The channel code must be unique: it names the webhook URL."),
    ]

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for channel in self:
            channel.currency_id = channel.pricelist_id.currency_id or channel.company_id.currency_id

    def _is_order_confirmation_due(self, financial_status):
        """True when the channel's confirmation policy confirms an order whose financial
        status on the channel is ``financial_status``. Extend for other policies."""
        self.ensure_one()
        if self.confirmation_policy == "immediate":
            return True
        if self.confirmation_policy == "paid":
            return financial_status in PAID_STATUSES
        return False

    def _get_adapter(self):
        """The adapter of this channel's platform (see ``adapters/``)."""
        self.ensure_one()
        return get_adapter_class(self.platform)(self)

    # ---------------------------------------------------------------- intake transport
    @api.model
    def _default_webhook_secret(self):
        return secrets.token_hex(32)

    @api.depends("code")
    def _compute_webhook_url(self):
        # sudo: system parameters are readable by administrators only
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for channel in self:
            channel.webhook_url = f"{base_url}/oms/webhook/{channel.code}" if channel.code else ""

    def _get_today_start(self):
        """Start of today in the user's time zone, as naive UTC (how Odoo stores datetimes)."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local_midnight = tz.localize(datetime.combine(fields.Date.context_today(self), time()))
        return local_midnight.astimezone(pytz.utc).replace(tzinfo=None)

    def _compute_dashboard(self):
        channels = self.filtered("id")
        (self - channels).update(self._get_empty_dashboard_vals())
        if not channels:
            return
        stats = {channel.id: self._get_empty_dashboard_vals() for channel in channels}
        channels._add_dashboard_order_stats(stats)
        channels._add_dashboard_event_stats(stats)
        for channel in channels:
            channel.update(stats[channel.id])

    @api.model
    def _get_empty_dashboard_vals(self):
        """The dashboard values of a channel with no order today and no event."""
        return {
            "order_today_count": 0,
            "revenue_today": 0.0,
            "failed_event_count": 0,
            "pending_event_count": 0,
            "last_event_at": False,
        }

    def _add_dashboard_order_stats(self, stats):
        """Add to ``stats`` ({channel id: dashboard values}) the count and the revenue (in the
        channel's currency) of the channels' orders of today, in one query."""
        # sudo: the dashboard shows channel totals to every OMS user, also to salespeople
        # whose record rules only show them their own orders; no order data is exposed.
        orders = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("oms_channel_id", "in", self.ids),
                    ("date_order", ">=", self._get_today_start()),
                    ("state", "!=", "cancel"),
                ],
                ["oms_channel_id", "currency_id"],
                ["__count", "amount_total:sum"],
            )
        )
        today = fields.Date.context_today(self)
        for channel, currency, count, total in orders:
            channel_stats = stats[channel.id]
            channel_stats["order_today_count"] += count
            target = channel.currency_id or channel.company_id.currency_id
            if currency and target and currency != target:
                total = currency._convert(total, target, channel.company_id, today)
            channel_stats["revenue_today"] += total

    def _add_dashboard_event_stats(self, stats):
        """Add to ``stats`` ({channel id: dashboard values}) the channels' failed and pending
        event counts and their last event's reception time, in one query."""
        events = (
            self.env["oms.channel.event"]
            .sudo()  # the dashboard counts every event of the channel, whatever the user's rules
            ._read_group(
                [("channel_id", "in", self.ids)],
                ["channel_id", "state"],
                ["__count", "received_at:max"],
            )
        )
        for channel, state, count, last_received in events:
            channel_stats = stats[channel.id]
            if state in ("failed", "pending"):
                channel_stats[f"{state}_event_count"] += count
            if last_received and (
                not channel_stats["last_event_at"] or last_received > channel_stats["last_event_at"]
            ):
                channel_stats["last_event_at"] = last_received

    def _get_events_action(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "oms_connector.oms_channel_event_action"
        )
        action.update(
            {
                "name": name,
                "domain": [("channel_id", "in", self.ids), *domain],
                "context": {"default_channel_id": self[:1].id, "search_default_channel_id": False},
            }
        )
        return action

    def action_view_failed_events(self):
        return self._get_events_action([("state", "=", "failed")], _("Failed Events"))

    def action_view_events(self):
        return self._get_events_action([], _("Events"))

    def action_view_orders(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action.update(
            {
                "name": _("Orders of %(channel)s", channel=self[:1].name),
                "domain": [("oms_channel_id", "in", self.ids)],
                "context": {"create": False},
            }
        )
        return action

    # ---------------------------------------------------------------- pull reconciliation
    def action_sync_now(self):
        """Button: pull the orders updated since the last sync now (in a job)."""
        self._enqueue_pull_orders()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "Sync of %(channels)s queued: new orders appear in a moment.",
                    channels=", ".join(self.mapped("name")),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _enqueue_pull_orders(self):
        """Enqueue one pull job per channel; a pull already waiting is not enqueued twice."""
        for channel in self:
            channel.with_delay(
                identity_key=f"oms.channel.pull:{channel.id}",
                description=_("Pull orders of %(channel)s", channel=channel.name),
            )._job_pull_orders()

    @api.model
    def _cron_pull_orders(self):
        self.search([("pull_enabled", "=", True)])._enqueue_pull_orders()

    def _get_pull_since(self):
        """The moment from which a pull fetches updated orders: the last successful sync minus
        the overlap, or ``INITIAL_PULL_DAYS`` ago for a channel never synced."""
        self.ensure_one()
        if not self.last_sync_at:
            return fields.Datetime.now() - timedelta(days=INITIAL_PULL_DAYS)
        return self.last_sync_at - timedelta(minutes=max(self.sync_overlap_minutes, 0))

    def _job_pull_orders(self):
        """queue_job: fetch the orders updated since the last sync, store an event for each one
        Odoo does not reflect yet and enqueue its processing. ``last_sync_at`` only moves on
        success; a rate limit or an outage of the platform retries the job later."""
        self.ensure_one()
        started_at = fields.Datetime.now()
        since = self._get_pull_since()
        adapter = self._get_adapter()
        try:
            payloads = list(adapter.fetch_orders_updated_since(since))
        except OmsRetryableError as exc:
            raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
        except OmsError as exc:
            _logger.warning("Pull of channel %s failed: %s", self.code, exc)
            self.last_sync_error = exc.translated(self.env)
            return _("Pull failed: %(error)s", error=self.last_sync_error)
        events = self.env["oms.channel.event"]._create_from_pulled_orders(self, payloads)
        events._enqueue_processing()
        self.write({"last_sync_at": started_at, "last_sync_error": False})
        return _(
            "%(fetched)s orders fetched, %(new)s to take in or update.",
            fetched=len(payloads),
            new=len(events),
        )
