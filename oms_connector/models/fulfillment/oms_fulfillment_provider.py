# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Third-party logistics partners (3PL): where shipment requests go, and how they are signed."""

import hashlib
import hmac
import json
import logging

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ...adapters.exceptions import (
    OmsError,
    OmsRetryableError,
    OmsSignatureError,
    error_message,
)

_logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-OMS-Signature"


class OmsFulfillmentProvider(models.Model):
    """A 3PL operating one or more warehouses. The JSON contract is in readme/THREEPL_API.md."""

    _name = "oms.fulfillment.provider"
    _description = "3PL Provider"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(
        required=True,
        help="Short unique code in the URL of the confirmation webhook: "
        "/oms/3pl/<code>/shipment.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", check_company=True)
    warehouse_ids = fields.One2many(
        "stock.warehouse", "oms_fulfillment_provider_id", string="Warehouses"
    )
    endpoint_url = fields.Char(
        string="Endpoint URL",
        help="Base URL of the 3PL's API: shipment requests are POSTed to <endpoint>/shipments.",
    )
    secret = fields.Char(
        groups="oms_connector.group_oms_manager",
        help="Shared key: signs our requests and checks the 3PL's confirmations (HMAC-SHA256).",
    )
    timeout = fields.Integer(string="Timeout (s)", default=15)
    max_attempts = fields.Integer(
        default=8, help="Attempts to send a shipment before it waits for a person."
    )
    state = fields.Selection(
        [("draft", "Not live (shipments wait)"), ("active", "Live")],
        required=True,
        default="draft",
    )
    picking_to_send_count = fields.Integer(compute="_compute_picking_counts")
    picking_error_count = fields.Integer(compute="_compute_picking_counts")
    picking_sent_count = fields.Integer(compute="_compute_picking_counts")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The 3PL code must be unique: it names the webhook URL."),
        ("timeout_positive", "CHECK(timeout > 0)", "The timeout must be positive."),
    ]

    def _compute_picking_counts(self):
        groups = self.env["stock.picking"]._read_group(
            [
                ("oms_fulfillment_provider_id", "in", self.ids),
                ("state", "not in", ("done", "cancel")),
            ],
            ["oms_fulfillment_provider_id", "oms_3pl_state"],
            ["__count"],
        )
        counts = {(provider.id, state): count for provider, state, count in groups}
        for provider in self:
            provider.picking_to_send_count = counts.get((provider.id, "to_send"), 0)
            provider.picking_error_count = counts.get((provider.id, "error"), 0)
            provider.picking_sent_count = counts.get((provider.id, "sent"), 0)

    def action_view_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("oms_fulfillment_provider_id", "=", self.id)]
        action["context"] = {"search_default_available": 0}
        return action

    def action_go_live(self):
        self.write({"state": "active"})
        self.env["stock.picking"].search(
            [("oms_fulfillment_provider_id", "in", self.ids), ("oms_3pl_state", "=", "to_send")]
        )._oms_3pl_enqueue_send()
        return True

    def action_pause(self):
        self.write({"state": "draft"})
        return True

    # ------------------------------------------------------------------ signing
    def _sign(self, body):
        """``sha256=<hex HMAC-SHA256 of body>`` with the provider's secret."""
        self.ensure_one()
        secret = self.sudo().secret or ""  # the secret is readable by managers only
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def _check_signature(self, body, signature):
        """Raise ``OmsSignatureError`` unless ``signature`` signs ``body`` (constant time)."""
        self.ensure_one()
        if not self.sudo().secret:  # the secret is readable by managers only
            raise OmsSignatureError(
                "The 3PL provider has no secret: every confirmation is refused."
            )
        if not signature:
            raise OmsSignatureError(f"Missing {SIGNATURE_HEADER} header.")
        if not hmac.compare_digest(
            self._sign(body).encode(), signature.strip().encode("ascii", "replace")
        ):
            raise OmsSignatureError(f"Wrong {SIGNATURE_HEADER} signature.")

    # ------------------------------------------------------------------ sending
    def _send_shipment_request(self, payload, idempotency_key):
        """POST the shipment request; return the 3PL's JSON answer (a dict with at least
        ``shipment_id``). ``OmsRetryableError`` on timeouts, connection errors, 429 and 5xx;
        ``OmsError`` on any other refusal."""
        self.ensure_one()
        if not self.endpoint_url:
            raise OmsError(_("3PL %(provider)s has no endpoint URL.", provider=self.name))
        url = self.endpoint_url.rstrip("/") + "/shipments"
        body = json.dumps(payload, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            SIGNATURE_HEADER: self._sign(body),
        }
        response = self._post_shipment_request(url, body, headers)
        return self._get_shipment_answer(response)

    def _post_shipment_request(self, url, body, headers):
        """The ``requests`` response of the POST of ``body`` to ``url``; ``OmsRetryableError``
        when the 3PL does not answer in time or cannot be reached."""
        self.ensure_one()
        try:
            return requests.post(url, data=body, headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise OmsRetryableError(
                _(
                    "%(provider)s did not answer within %(timeout)s s.",
                    provider=self.name,
                    timeout=self.timeout,
                )
            ) from exc
        except requests.ConnectionError as exc:
            raise OmsRetryableError(
                _("%(provider)s could not be reached at %(url)s.", provider=self.name, url=url)
            ) from exc

    def _get_shipment_answer(self, response):
        """The 3PL's JSON answer (a dict with a ``shipment_id``) in ``response``.
        ``OmsRetryableError`` on 429 and 5xx (with the Retry-After seconds), ``OmsError`` on
        any other refusal, a body that is not JSON or an answer without ``shipment_id``."""
        self.ensure_one()
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            raise OmsRetryableError(
                _(
                    "%(provider)s answered HTTP %(status)s.",
                    provider=self.name,
                    status=response.status_code,
                ),
                retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None,
            )
        if response.status_code >= 300:
            raise OmsError(
                _(
                    "%(provider)s refused the shipment (HTTP %(status)s): %(body)s",
                    provider=self.name,
                    status=response.status_code,
                    body=response.text[:300],
                )
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise OmsError(
                _("%(provider)s answered something that is not JSON.", provider=self.name)
            ) from exc
        if not isinstance(answer, dict) or not answer.get("shipment_id"):
            raise OmsError(_("%(provider)s answered without a shipment_id.", provider=self.name))
        return answer

    @api.model
    def _get_by_code(self, code):
        # webhook: the caller is anonymous, the signature authenticates it
        return self.sudo().search([("code", "=", code), ("active", "=", True)], limit=1)


class OmsFulfillmentConfirmation(models.Model):
    """A shipment confirmation received from a 3PL, kept as received. The unique shipment id
    makes a confirmation posted twice count once."""

    _name = "oms.fulfillment.confirmation"
    _description = "3PL Shipment Confirmation"
    _order = "received_at desc, id desc"
    _rec_name = "shipment_id"

    provider_id = fields.Many2one(
        "oms.fulfillment.provider", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="provider_id.company_id", store=True, index=True)
    shipment_id = fields.Char(required=True, help="The 3PL's id of the shipment.")
    request_id = fields.Char(help="Our Idempotency-Key of the shipment request.")
    picking_id = fields.Many2one("stock.picking", index="btree_not_null", ondelete="set null")
    payload = fields.Text(required=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        required=True,
        default="pending",
        index=True,
    )
    error = fields.Text()

    _sql_constraints = [
        (
            "shipment_uniq",
            "unique(provider_id, shipment_id)",
            "This shipment was already confirmed by the 3PL.",
        ),
    ]

    def _record_failure(self, error):
        _logger.warning("3PL confirmation %s failed: %s", self.shipment_id, error)
        self.write({"state": "failed", "error": error_message(error, self.env)})
        return False

    def action_retry(self):
        for confirmation in self.filtered(lambda c: c.state != "done"):
            confirmation._process()
        return True

    def _process(self):
        """Validate the delivery with the shipped quantities. Errors the warehouse can act
        on are kept on the confirmation and shown on the delivery."""
        self.ensure_one()
        try:
            data = json.loads(self.payload)
            picking = self.env["stock.picking"]._oms_3pl_find_picking(self.provider_id, data)
        except (OmsError, ValueError, KeyError, TypeError) as exc:
            return self._record_failure(exc)
        self.picking_id = picking
        try:
            with self.env.cr.savepoint():
                picking._oms_3pl_apply_confirmation(self, data)
        except (OmsError, UserError, ValueError, KeyError, TypeError) as exc:
            picking.write(
                {
                    "oms_3pl_state": "error",
                    "oms_3pl_error": _(
                        "Confirmation %(shipment)s: %(error)s",
                        shipment=self.shipment_id,
                        error=error_message(exc, self.env),
                    ),
                }
            )
            return self._record_failure(exc)
        self.write({"state": "done", "error": False})
        return True
