# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import traceback

from psycopg2.errors import (
    DeadlockDetected,
    LockNotAvailable,
    SerializationFailure,
    UniqueViolation,
)

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from ..adapters import OmsError, OmsEventIgnored, OmsRetryableError, OmsSignatureError
from ..adapters.base import TOPIC_ORDER_CREATED, TOPIC_ORDER_UPDATED
from ..adapters.exceptions import OmsPayloadError, OmsWaitingForOrder, error_message
from ..adapters.normalized import NormalizedOrder
from ..adapters.sanitize import clean_surrogates, loads_json
from ..adapters.transport import body_digest
from .concurrency import (
    PROCESSING_MAX_RETRIES,
    OmsPassingConflict,
    as_passing_conflict,
    get_retry_backoff,
    is_passing_conflict,
    job_retried_on_conflict,
)

_logger = logging.getLogger(__name__)

#: errors whose message tells the user what to fix: shown as they are, without a traceback
USER_FIXABLE_ERRORS = (OmsError, UserError, ValidationError)
PAYLOAD_FORM_VIEW = "oms_connector.oms_channel_event_view_form_payload"
#: topics whose events of new orders are imported in batches
BATCH_TOPICS = (TOPIC_ORDER_CREATED, TOPIC_ORDER_UPDATED)
DEFAULT_INTAKE_BATCH_SIZE = 50
#: an event retried this many times by batch jobs (temporary errors, conflicts) is failed,
#: with its last error, for a person: no event is retried forever
MAX_EVENT_ATTEMPTS = 10
#: seconds after which an event held by another job's batch is checked again
HELD_EVENT_RECHECK = 5


class OmsChannelEvent(models.Model):
    """One inbound message from a channel (webhook delivery or pulled order), kept raw.

    Processing happens in a queue_job, never in the webhook request. ``_process`` dispatches on
    the normalized topic to ``_process_<topic, dots as underscores>`` (``_process_order_created``),
    so another addon handles a new topic by adding one method.
    """

    _name = "oms.channel.event"
    _description = "Channel Event"
    _order = "received_at desc, id desc"
    _rec_name = "display_name"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    topic = fields.Char(required=True, index=True, help="Normalized topic, e.g. order.created.")
    platform_topic = fields.Char(help="The topic as the platform named it, e.g. orders/create.")
    delivery_id = fields.Char(required=True, help="The platform's id of this delivery.")
    external_order_id = fields.Char(index=True)
    payload = fields.Text(required=True, help="The raw body exactly as received.")
    source = fields.Selection([("webhook", "Webhook"), ("pull", "Pull")], default="webhook")
    received_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    processed_at = fields.Datetime()
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("waiting", "Waiting for Order"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("ignored", "Ignored"),
        ],
        required=True,
        default="pending",
        index=True,
    )
    error = fields.Text()
    mapping_problems = fields.Json(
        copy=False,
        help="What keeps a failed order out, one entry per problem (see OmsMappingError): "
        "the guided fix reads it, and retries the events waiting for the same mapping.",
    )
    attempts = fields.Integer(default=0)
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null", ondelete="set null")
    has_guided_fix = fields.Boolean(compute="_compute_has_guided_fix")
    payload_pretty = fields.Text(
        string="Payload (formatted)", compute="_compute_payload_pretty", compute_sudo=True
    )
    platform = fields.Selection(related="channel_id.platform")

    _sql_constraints = [
        (
            "delivery_uniq",
            "unique(channel_id, delivery_id)",
            "This delivery was already received on this channel.",
        ),
    ]

    @api.depends("channel_id", "topic", "external_order_id")
    def _compute_display_name(self):
        for event in self:
            event.display_name = " ".join(
                part
                for part in (
                    event.channel_id.code or "",
                    event.topic or "",
                    event.external_order_id or "",
                )
                if part
            )

    @api.depends("state", "mapping_problems")
    def _compute_has_guided_fix(self):
        for event in self:
            event.has_guided_fix = event.state == "failed" and bool(event._get_fixable_problems())

    def _get_fixable_problems(self):
        """The problems of this failed event the guided fix resolves (unknown products,
        unmapped taxes), one per missing mapping."""
        self.ensure_one()
        problems, seen = [], set()
        for problem in self.mapping_problems or []:
            if problem.get("kind") in ("product", "tax") and problem["key"] not in seen:
                seen.add(problem["key"])
                problems.append(problem)
        return problems

    def _get_problem_keys(self):
        """The keys of the missing mappings this event waits for."""
        self.ensure_one()
        return {problem.get("key") for problem in self.mapping_problems or []} - {"", None}

    def action_open_guided_fix(self):
        """Button: the guided fix of this failed event (``oms.event.fix``)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Fix %(event)s", event=self.display_name),
            "res_model": "oms.event.fix",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_id": self.id},
        }

    @api.depends("payload")
    def _compute_payload_pretty(self):
        for event in self:
            try:
                event.payload_pretty = clean_surrogates(
                    json.dumps(
                        json.loads(event.payload or ""),
                        indent=2,
                        ensure_ascii=False,
                        sort_keys=True,
                    )
                )
            except (ValueError, RecursionError):
                event.payload_pretty = event.payload

    # ---------------------------------------------------------------- storing deliveries
    @api.model
    def _prepare_event_vals(self, channel, topic, delivery_id, payload_text, **values):
        """Values of a new event. Extend to store more of the delivery."""
        return {
            "channel_id": channel.id,
            "topic": topic,
            "delivery_id": delivery_id,
            "payload": payload_text,
            **values,
        }

    @api.model
    def _receive_webhook(self, channel, headers, body):
        """What the webhook route does with one delivery of ``channel`` (``body`` in bytes):
        verify, store, enqueue. Returns (HTTP status, status text, the new event or None).

        401 bad or missing signature, 400 body not JSON: nothing is stored. A ping answers
        "pong", a topic the channel does not handle "ignored", a delivery already received
        "duplicate". 422: the topic contradicts the body (``order.cancelled`` of an order the
        body does not cancel): the event is stored failed with the reason, never processed."""
        adapter = channel._get_adapter()
        if adapter.is_webhook_ping(headers, body):
            return 200, "pong", None
        try:
            adapter.verify_webhook(headers, body)
        except OmsSignatureError as exc:
            _logger.warning("Webhook of channel %s refused: %s", channel.code, exc)
            return 401, "invalid signature", None
        try:
            payload = loads_json(body)
        except OmsPayloadError as exc:
            return 400, _("body is not UTF-8 JSON: %(error)s", error=exc.translated(self.env)), None
        topic = adapter.get_webhook_topic(headers, payload)
        if not topic:
            return 200, "ignored", None
        event_model = self.with_company(channel.company_id)
        vals = event_model._prepare_webhook_event_vals(
            channel, adapter, headers, body, payload, topic
        )
        event = event_model._store_delivery(vals)
        if not event:
            return 200, "duplicate", None
        if event.state == "failed":
            return 422, _("refused: %(error)s", error=event.error), event
        event._enqueue_processing()
        return 200, "accepted", event

    @api.model
    def _prepare_webhook_event_vals(self, channel, adapter, headers, body, payload, topic):
        """Values of the event of a verified webhook delivery (``body`` in bytes, ``payload``
        its JSON) of ``topic``: failed with the reason when the topic contradicts the body."""
        vals = self._prepare_event_vals(
            channel,
            topic,
            adapter.get_webhook_delivery_id(headers, body),
            body.decode("utf-8"),
            platform_topic=adapter.get_webhook_platform_topic(headers, payload),
            external_order_id=adapter.get_external_order_id(topic, payload),
            source="webhook",
        )
        try:
            adapter.check_webhook_topic(topic, payload)
        except OmsPayloadError as exc:
            # kept for a person (failed, with the reason), never applied
            vals.update(state="failed", error=exc.translated(self.env))
        return vals

    @api.model
    def _store_delivery(self, vals):
        """Insert the event unless the same delivery (channel, delivery id) is already stored.

        The unique constraint decides, not a search: of concurrent identical deliveries exactly
        one insert wins, the others hit the constraint inside their savepoint. Returns the new
        event, or an empty recordset for a duplicate."""
        try:
            # muted: a duplicate is expected here, not an error to log with its payload
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return self.create(vals)
        except UniqueViolation:
            _logger.info(
                "Channel %s: duplicate delivery %s ignored",
                vals.get("channel_id"),
                vals.get("delivery_id"),
            )
            return self.browse()

    def _get_processing_identity_key(self):
        """Identity key of the event's processing job (see ``_enqueue_processing``)."""
        self.ensure_one()
        return f"oms.channel.event:{self.id}"

    def _enqueue_processing(self, eta=None):
        """Enqueue one processing job per event; the identity key makes a second enqueue of an
        event whose job is still waiting a no-op."""
        for event in self:
            event.with_delay(
                eta=eta,
                max_retries=PROCESSING_MAX_RETRIES,
                identity_key=event._get_processing_identity_key(),
                description=_(
                    "Process %(topic)s %(order)s from %(channel)s",
                    topic=event.topic,
                    order=event.external_order_id or "",
                    channel=event.channel_id.name,
                ),
            )._job_process()

    def _get_processing_lang(self):
        """The language the processing job writes the event's messages in: the user's who
        enqueued it (a retry; queue_job runs the job with that user and ``lang``); for the
        system (webhooks, crons, pulls: the superuser, whose language nobody chose) the
        language of the channel's company, which the people reading those messages work in,
        unless the system's context asks for another language than Odoo's default. Read when
        the job runs, not in the webhook (two reads fewer per delivery)."""
        self.ensure_one()
        if self.env.uid == SUPERUSER_ID and self.env.lang in (None, "en_US"):
            return self.channel_id.company_id.partner_id.lang or self.env.lang
        return self.env.lang

    @api.model
    def _create_from_pulled_orders(self, channel, payloads):
        """Events (source "pull") for the pulled orders that Odoo does not reflect yet: unknown
        orders, and known ones updated on the channel after the update Odoo holds. An order
        already taken in by webhook at that update time is skipped. Returns the new events."""
        adapter = channel._get_adapter()
        latest = self._get_latest_pulled_orders(channel, adapter, payloads)
        if not latest:
            return self.browse()
        bindings = (
            self.env["oms.channel.order"]
            .sudo()  # which orders Odoo has decides the topic, whoever runs the pull
            .search([("channel_id", "=", channel.id), ("external_id", "in", list(latest))])
        )
        known_updates = {b.external_id: b.external_updated_at for b in bindings}
        vals_by_delivery = {}
        for external_id, (payload, updated_at) in latest.items():
            known = external_id in known_updates
            if known and (
                not updated_at
                or (known_updates[external_id] and known_updates[external_id] >= updated_at)
            ):
                continue
            vals = self._prepare_pulled_event_vals(
                channel, adapter, external_id, payload, updated_at, known
            )
            vals_by_delivery[vals["delivery_id"]] = vals
        if vals_by_delivery:
            # a previous pull may have stored the same update (its event still pending/failed)
            already = self.search(
                [("channel_id", "=", channel.id), ("delivery_id", "in", list(vals_by_delivery))]
            )
            for delivery_id in already.mapped("delivery_id"):
                vals_by_delivery.pop(delivery_id, None)
        return self.create(list(vals_by_delivery.values()))

    @api.model
    def _get_latest_pulled_orders(self, channel, adapter, payloads):
        """{channel order id: (payload, updated at or None)} of the pulled ``payloads``, the
        latest update of each order; payloads that are not an order object with an id are
        logged and skipped."""
        latest = {}
        for payload in payloads:
            if not isinstance(payload, dict):
                _logger.warning("Channel %s: pulled order is not an object, skipped", channel.code)
                continue
            external_id = adapter.get_external_order_id(TOPIC_ORDER_UPDATED, payload)
            if not external_id:
                _logger.warning("Channel %s: pulled order without id, skipped", channel.code)
                continue
            updated_at = adapter.get_order_updated_at(payload)
            previous = latest.get(external_id)
            if previous is None or (updated_at and (not previous[1] or updated_at > previous[1])):
                latest[external_id] = (payload, updated_at)
        return latest

    @api.model
    def _prepare_pulled_event_vals(self, channel, adapter, external_id, payload, updated_at, known):
        """Values of the event of one pulled order (``known``: Odoo has it already); its
        delivery id is the order's id and update time (else the body's digest)."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        stamp = updated_at.isoformat() if updated_at else body_digest(body)
        delivery_id = f"pull:{external_id}:{stamp}"
        return self._prepare_event_vals(
            channel,
            adapter.get_pulled_order_topic(payload, known),
            delivery_id,
            body.decode(),
            external_order_id=external_id,
            source="pull",
        )

    # ---------------------------------------------------------------- processing
    def action_retry(self):
        """Button (one or many): process the failed events again, after the user fixed what
        their error said. Also re-runs ignored or pending events that the user selects."""
        events = self.filtered(lambda e: e.state != "done")
        if not events:
            raise UserError(_("Only events that are not done can be retried."))
        events.write({"state": "pending", "error": False})
        events._enqueue_processing()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _("%(count)s events queued for processing.", count=len(events)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_payload(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Payload of %(event)s", event=self.display_name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("oms_connector.oms_channel_event_view_form_payload").id, "form")
            ],
            "target": "new",
        }

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
        }

    def _get_order_lock_key(self):
        return f"oms.channel.event:{self.channel_id.id}:{self.external_order_id or self.id}"

    def _lock_order(self):
        """Serialize the processing of events about the same channel order (a create and an
        update arriving together) with a transaction-level advisory lock, and lock the event's
        row. Neither waits: when another job holds either (the event is in its batch, or it
        processes another event of the order), ``OmsPassingConflict`` retries this job in a
        new transaction, which then sees the other's work (waiting would keep a worker busy
        and, in Odoo's REPEATABLE READ transactions, still not show that work)."""
        self.ensure_one()
        if not self._try_lock_order_key():
            raise self._get_order_held_conflict()
        self._lock_event_row()

    def _get_order_held_conflict(self):
        """The passing conflict that retries a job whose order another job holds."""
        return OmsPassingConflict(
            f"Another job is processing order {self.external_order_id}: retried."
        )

    def _try_lock_order_key(self):
        """Take the order's advisory lock for this transaction without waiting. False when
        another job holds it (the transaction stays usable)."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s))", [self._get_order_lock_key()]
        )
        return self.env.cr.fetchone()[0]

    def _lock_event_row(self):
        """Lock the event's row. NOWAIT: a row another job holds or changed since this
        transaction started raises (lock not available, serialization failure), a passing
        conflict that retries the job."""
        self.env.cr.execute(
            "SELECT id FROM oms_channel_event WHERE id = %s FOR UPDATE NOWAIT", [self.id]
        )
        self.invalidate_recordset(["state", "attempts"])

    def _job_process(self):
        """queue_job: process the event once. Idempotent: an event already done or ignored is
        left alone (e.g. taken in by the job of another event, see ``_claim_batch_events``).
        The work runs in a savepoint, so that a failure leaves no partial record; the event
        then records why (``failed``) and is retried by the user after the fix.

        The job of a new order (``order.created`` / ``order.updated`` of an order Odoo does
        not have) takes the channel's other waiting events of new orders with it, up to the
        intake batch size, and imports them together (``_process_events_together``)."""
        self.ensure_one()
        if self.state in ("done", "ignored"):
            return _("Event already %(state)s: nothing to do.", state=self.state)
        with job_retried_on_conflict(self.env):
            event = self.with_company(self.company_id)
            return event.with_context(lang=event._get_processing_lang())._process_locked()

    def _process_locked(self):
        """The work of ``_job_process`` once the event is known to need it."""
        event = self
        if not event._try_lock_order_key():
            return event._process_while_held()
        event._lock_event_row()
        if event.state not in ("pending", "failed", "waiting"):
            return _("Event already %(state)s: nothing to do.", state=event.state)
        if event._is_batchable():
            batch = event | event._claim_batch_events()
            if len(batch) > 1:
                batch._process_events_together()
                (batch - event).filtered(lambda e: e.state != "pending")._close_waiting_jobs(event)
                return _(
                    "%(count)s events of new orders processed together, this one %(state)s.",
                    count=len(batch),
                    state=event.state,
                )
        return event._process_alone()

    def _process_while_held(self):
        """This event's order is held by another job, usually because the event is in that
        job's batch (issue 13). Rather than fail and be retried while the other job works,
        this job takes in a batch of the channel's other waiting new orders, so that parallel
        workers share a burst from their first second; its own event is checked again by a
        follow-up job (a no-op once the other job took it in; the safety net if that job's
        batch is rolled back). With nothing else waiting, a passing conflict retries the job
        as before."""
        self.ensure_one()
        batch = self.browse()
        if self.topic in BATCH_TOPICS:
            batch = self._claim_batch_events()
        if not batch:
            raise self._get_order_held_conflict()
        batch._process_events_together()
        batch.filtered(lambda e: e.state != "pending")._close_waiting_jobs(self)
        self._enqueue_processing(
            eta=fields.Datetime.add(fields.Datetime.now(), seconds=HELD_EVENT_RECHECK)
        )
        return _(
            "Event held by another job: %(count)s other events of new orders processed "
            "together meanwhile; this one is checked again in %(delay)s s.",
            count=len(batch),
            delay=HELD_EVENT_RECHECK,
        )

    def _process_alone(self):
        """Process this (locked) event on its own in a savepoint and record the outcome. A
        temporary error retries the job while it has retries left."""
        self.ensure_one()
        vals = {"attempts": self.attempts + 1, "processed_at": fields.Datetime.now()}
        try:
            with self.env.cr.savepoint():
                outcome = self._process()
                self.env.flush_all()
        except Exception as exc:  # recorded on the event by _get_outcome_vals
            outcome = as_passing_conflict(exc) if is_passing_conflict(exc) else exc
            if isinstance(outcome, OmsRetryableError) and self._job_has_retries_left():
                delay = outcome.retry_after  # None: the job function's retry pattern
                if isinstance(outcome, OmsPassingConflict):
                    delay = int((delay or 0) + get_retry_backoff(self.env)) + 1
                raise RetryableJobError(str(outcome), seconds=delay) from exc
        vals.update(self._get_outcome_vals(outcome))
        self.write(vals)
        return vals.get("error") or _("Event %(state)s.", state=vals["state"])

    def _get_outcome_vals(self, outcome):
        """The event's state and error once processed, the one place that turns results and
        exceptions into event states. ``outcome`` is what processing returned (False: no
        handler for the topic; a channel order or sale order: the order it is about) or the
        exception it raised; a temporary error left is recorded as a failure (the callers
        retry it while they can)."""
        self.ensure_one()
        if isinstance(outcome, OmsWaitingForOrder):
            # processed again by itself when its order arrives (_wake_events_waiting_for)
            return {"state": "waiting", "error": outcome.translated(self.env)}
        if isinstance(outcome, OmsEventIgnored):
            # e.g. an update older than what Odoo reflects: acknowledged, changes nothing
            return {"state": "ignored", "error": outcome.translated(self.env)}
        if isinstance(outcome, USER_FIXABLE_ERRORS):
            return {
                "state": "failed",
                "error": self._get_error_message(outcome),
                "mapping_problems": getattr(outcome, "problems", None) or False,
            }
        if isinstance(outcome, Exception):
            _logger.error(
                "Event %s (%s) failed unexpectedly", self.id, self.display_name, exc_info=outcome
            )
            trace = "".join(traceback.format_exception(outcome, limit=5))
            # computed outside _(): an f-string among its arguments stops the .pot export
            error = f"{type(outcome).__name__}: {outcome}"
            return {
                "state": "failed",
                "error": _("Unexpected error: %(error)s\n\n%(trace)s", error=error, trace=trace),
            }
        if outcome is False:
            return {
                "state": "ignored",
                "error": _("No handler for topic %(topic)s: ignored.", topic=self.topic),
            }
        vals = {"state": "done", "error": False, "mapping_problems": False}
        if isinstance(outcome, models.BaseModel) and outcome:
            order = outcome if outcome._name == "sale.order" else outcome.sale_order_id
            vals["sale_order_id"] = order[:1].id
        return vals

    def _job_has_retries_left(self):
        """False when the queue_job running this event has used its last retry."""
        job_uuid = self.env.context.get("job_uuid")
        if not job_uuid:
            return False
        # sudo: queue jobs are readable by queue managers only; the event reads its own job
        job = self.env["queue.job"].sudo().search([("uuid", "=", job_uuid)], limit=1)
        return not job.max_retries or job.retry + 1 < job.max_retries

    @api.model
    def _get_error_message(self, exc):
        if isinstance(exc, UserError | ValidationError):
            return exc.args[0] if exc.args else str(exc)
        return error_message(exc, self.env)

    def _get_payload(self):
        """The payload as parsed JSON; ``OmsPayloadError`` when it is not a JSON object."""
        try:
            payload = json.loads(self.payload)
        except (ValueError, RecursionError) as exc:
            raise OmsPayloadError(_("The payload is not valid JSON: %(error)s", error=exc)) from exc
        if not isinstance(payload, dict):
            kind = {list: "list", str: "text", type(None): "null", bool: "boolean"}.get(
                type(payload), "number"
            )
            raise OmsPayloadError(
                _(
                    "The payload is a JSON %(kind)s, not an object: this is not an order "
                    "message. Check what the channel sends to the webhook URL.",
                    kind=kind,
                )
            )
        return payload

    def _process(self):
        """Dispatch on the topic to ``_process_<topic with underscores>``. Returns False when
        no method handles the topic (the event is ignored). Another addon handles a new topic
        by adding that method."""
        self.ensure_one()
        handler = getattr(self, "_process_" + self.topic.replace(".", "_"), None)
        if handler is None:
            return False
        handler()
        return True

    def _normalize_order(self):
        normalized = self.channel_id._get_adapter().normalize_order(self._get_payload())
        if not self.external_order_id and normalized.external_id:
            self.external_order_id = normalized.external_id
        return normalized

    def _process_order_created(self):
        binding = self.env["oms.channel.order"]._import_normalized_order(
            self.channel_id, self._normalize_order(), self
        )
        self._link_binding(binding)

    def _process_order_updated(self):
        self._process_order_created()

    def _process_order_cancelled(self):
        payload = self._get_payload()
        self.channel_id._get_adapter().check_webhook_topic(self.topic, payload)
        try:
            normalized = self.channel_id._get_adapter().normalize_order(payload)
        except OmsPayloadError:
            # a deletion notice carries only the order's id (WooCommerce order.deleted)
            if not self.external_order_id or set(payload) - {"id", "order_id"}:
                raise
            normalized = NormalizedOrder(
                external_id=self.external_order_id, cancelled_at=self.received_at, raw=payload
            )
        binding = self.env["oms.channel.order"]._cancel_normalized_order(
            self.channel_id, normalized, self
        )
        self._link_binding(binding)

    def _link_binding(self, binding):
        """Link the event to the sale order of ``binding`` (an ``oms.channel.order``, or a
        ``sale.order`` if the import returns that)."""
        if not binding:
            return
        order = binding if binding._name == "sale.order" else binding.sale_order_id
        self.sale_order_id = order[:1]

    @api.model
    def _wake_events_waiting_for(self, bindings):
        """Process again, in their own jobs, the events waiting for the orders of
        ``bindings`` (``oms.channel.order`` just created): a payment or refund delivered
        before its order applies by itself once the order is in."""
        if not bindings:
            return self.browse()
        # sudo: the waiting events belong to the channel whose order just came in, whoever
        # took it in
        waiting = self.sudo().search(
            [
                ("state", "=", "waiting"),
                ("channel_id", "in", bindings.channel_id.ids),
                ("external_order_id", "in", bindings.mapped("external_id")),
            ]
        )
        keys = {(binding.channel_id.id, binding.external_id) for binding in bindings}
        # in the order they were received: a payment before the refund of it
        waiting = waiting.filtered(lambda e: (e.channel_id.id, e.external_order_id) in keys).sorted(
            lambda e: (e.received_at, e.id)
        )
        if waiting:
            waiting.write({"state": "pending"})
            waiting._enqueue_processing()
        return waiting

    # ---------------------------------------------------------------- batch (intake mapping)
    @api.model
    def _get_intake_batch_size(self):
        """How many events of new orders one intake job takes in together (system parameter
        ``oms_connector.intake_batch_size``, default 50; 1 turns batching off)."""
        # sudo: system parameters are readable by administrators only
        value = self.env["ir.config_parameter"].sudo().get_param("oms_connector.intake_batch_size")
        try:
            return max(int(value), 1) if value else DEFAULT_INTAKE_BATCH_SIZE
        except ValueError:
            return DEFAULT_INTAKE_BATCH_SIZE

    def _is_batchable(self):
        """True for an event that creates a new order: it can be imported with others."""
        self.ensure_one()
        if self.topic not in BATCH_TOPICS:
            return False
        return not (
            self.external_order_id
            and self.env["oms.channel.order"].search_count(
                [
                    ("channel_id", "=", self.channel_id.id),
                    ("external_id", "=", self.external_order_id),
                ],
                limit=1,
            )
        )

    def _claim_batch_events(self):
        """The channel's other pending events of new orders (oldest first, up to the batch
        size), locked for this transaction: ``FOR UPDATE SKIP LOCKED`` so that two jobs never
        take the same event, and the order's advisory lock taken without waiting (an event
        whose order another job is processing is left to it). Their own jobs find them done."""
        self.ensure_one()
        size = self._get_intake_batch_size() - 1
        if size < 1:
            return self.browse()
        self.flush_model(["channel_id", "state", "topic", "external_order_id", "received_at"])
        self.env["oms.channel.order"].flush_model(["channel_id", "external_id"])
        self.env.cr.execute(
            """
            SELECT event.id
              FROM oms_channel_event event
             WHERE event.channel_id = %s
               AND event.state = 'pending'
               AND event.topic IN %s
               AND event.id != %s
               AND NOT EXISTS (
                   SELECT 1
                     FROM oms_channel_order binding
                    WHERE binding.channel_id = event.channel_id
                      AND binding.external_id = event.external_order_id
               )
          ORDER BY event.received_at, event.id
             LIMIT %s
               FOR UPDATE OF event SKIP LOCKED
            """,
            [self.channel_id.id, BATCH_TOPICS, self.id, size],
        )
        candidates = self.browse(row[0] for row in self.env.cr.fetchall())
        if not candidates:
            return candidates
        claimed = candidates._try_lock_orders()
        claimed.invalidate_recordset(["state", "attempts"])
        return claimed.filtered(lambda e: e.state == "pending")

    def _try_lock_orders(self):
        """The events whose order's advisory lock (``_get_order_lock_key``) this transaction
        took, without waiting, in one query; the others' orders are being processed by
        another job."""
        keys = [event._get_order_lock_key() for event in self]
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(key)) FROM unnest(%s::text[]) key",
            [keys],
        )
        locked = [row[0] for row in self.env.cr.fetchall()]
        return self.browse(event.id for event, ok in zip(self, locked, strict=True) if ok)

    def _close_waiting_jobs(self, processed_by):
        """Mark done the waiting processing jobs of these events, which the job of event
        ``processed_by`` just processed in its batch: the runner then does not dispatch them
        only for them to find their event done. Jobs already dispatched (enqueued, started or
        locked) are left to run: they find their event done. Events still pending (a temporary
        error) keep their job, which retries them.

        Only an optimisation, so it can never undo the batch: it runs in savepoints, skips the
        jobs another transaction holds, and gives up on a job that changed since this
        transaction began (two batch jobs that took in each other's events; the runner that
        dispatched one, issue 13): all at once first, then, after such a conflict, job by job,
        so that one job touched by the runner does not leave the batch's other jobs waiting."""
        if not self:
            return
        result = _("Processed with the batch of event %(event)s.", event=processed_by.id)
        if not self._try_close_waiting_jobs(result) and len(self) > 1:
            for event in self:
                event._try_close_waiting_jobs(result)

    def _try_close_waiting_jobs(self, result):
        """Close the waiting jobs of these events in one savepoint with ``result``. False when
        a conflict (serialization, lock, deadlock) gave up: then none is closed."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                for job in Job.load_many(self.env, self._lock_waiting_job_uuids()):
                    job.set_done(result=result)
                    job.store()
        except (SerializationFailure, LockNotAvailable, DeadlockDetected) as exc:
            _logger.debug("Waiting jobs of events %s left as they are: %s", self.ids, exc)
            self.env["queue.job"].invalidate_model()
            return False
        return True

    def _lock_waiting_job_uuids(self):
        """The uuids of the waiting (pending) processing jobs of these events, locked for this
        transaction; those another transaction holds are skipped."""
        self.env["queue.job"].flush_model(["identity_key", "state"])
        self.env.cr.execute(
            """
            SELECT uuid FROM queue_job
             WHERE identity_key = ANY(%s) AND state = 'pending'
               FOR UPDATE SKIP LOCKED
            """,
            [[event._get_processing_identity_key() for event in self]],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _process_events_together(self):
        """Process these events (locked by the caller) as ``_job_process`` would, the
        ``order.created`` / ``order.updated`` ones of each channel in one
        ``oms.channel.order._import_normalized_orders``. States and errors are those of
        ``_job_process`` (``_get_outcome_vals``); an event hitting a temporary error stays
        pending and is enqueued again."""
        retry, retry_after = self.browse(), 0
        for channel in self.channel_id:
            events = self.filtered(lambda e, c=channel: e.channel_id == c).with_company(
                channel.company_id
            )
            channel_retry, channel_retry_after = events._import_events_together(channel)
            retry |= channel_retry
            retry_after = max(retry_after, channel_retry_after)
        if retry:
            retry._enqueue_processing(
                eta=fields.Datetime.add(fields.Datetime.now(), seconds=retry_after or 10)
            )
        return True

    def _import_events_together(self, channel):
        """Import the orders of these events of ``channel`` in one batch and record each
        event's outcome. Returns (events to retry, seconds to wait before)."""
        now = fields.Datetime.now()
        items, outcomes = [], {}
        for event in self.sorted(lambda e: (e.received_at, e.id)):
            try:
                items.append((event._normalize_order(), event))
            except Exception as exc:  # recorded on the event, as _job_process does
                outcomes[event] = exc
        results = self.env["oms.channel.order"]._import_normalized_orders(channel, items)
        outcomes.update(zip([event for _n, event in items], results, strict=True))
        retry, retry_after = self.browse(), 0
        for event, outcome in outcomes.items():
            vals = {"attempts": event.attempts + 1, "processed_at": now}
            if isinstance(outcome, OmsRetryableError) and vals["attempts"] < MAX_EVENT_ATTEMPTS:
                retry |= event
                retry_after = max(retry_after, outcome.retry_after or 0)
                event.write(vals)
                continue
            vals.update(event._get_outcome_vals(outcome))
            event.write(vals)
        return retry, retry_after

    def _job_process_batch(self):
        """queue_job: process these events together (an explicit batch, e.g. a bulk retry):
        the pending ``order.created`` / ``order.updated`` events of new orders through
        ``_process_events_together``, the other events one by one through ``_job_process``."""
        with job_retried_on_conflict(self.env):
            for event in self.sorted("id"):
                event._lock_order()
            # orders Odoo already has go one by one inside _import_normalized_orders
            batchable = self.filtered(
                lambda e: e.state in ("pending", "failed") and e.topic in BATCH_TOPICS
            )
            batchable._process_events_together()
            for event in self - batchable:
                event._job_process()
        return _("%(count)s events processed.", count=len(self))
