# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Deliveries: hand-over to a 3PL, its confirmation, and the tracking told to the channel."""

import logging
from datetime import timedelta

from odoo import _, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from ...adapters.exceptions import OmsError, OmsRetryableError

_logger = logging.getLogger(__name__)

MAX_BACKOFF = 3600  # seconds between two attempts to reach a 3PL, at most


class StockPicking(models.Model):
    _inherit = "stock.picking"

    oms_channel_id = fields.Many2one(
        "oms.channel",
        related="sale_id.oms_channel_id",
        store=True,
        index="btree_not_null",
        string="Channel",
    )
    oms_routing_reason = fields.Text(related="sale_id.oms_routing_reason", string="Routing Reason")
    oms_fulfillment_provider_id = fields.Many2one(
        "oms.fulfillment.provider",
        related="picking_type_id.warehouse_id.oms_fulfillment_provider_id",
        store=True,
        index="btree_not_null",
        string="3PL",
    )
    oms_3pl_state = fields.Selection(
        [
            ("to_send", "Waiting for 3PL"),
            ("sent", "Sent to 3PL"),
            ("error", "3PL error"),
            ("confirmed", "Shipped by 3PL"),
        ],
        string="3PL Status",
        copy=False,
        index="btree_not_null",
        readonly=True,
    )
    oms_3pl_error = fields.Text(string="3PL Error", copy=False, readonly=True)
    oms_3pl_request_key = fields.Char(
        string="3PL Request Key",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Idempotency-Key of the shipment request: sent again, it never makes a second "
        "shipment.",
    )
    oms_3pl_reference = fields.Char(string="3PL Shipment", copy=False, readonly=True)
    oms_3pl_sent_at = fields.Datetime(string="Sent to 3PL On", copy=False, readonly=True)
    oms_3pl_attempts = fields.Integer(string="3PL Attempts", copy=False, readonly=True)
    oms_3pl_next_attempt_at = fields.Datetime(string="Next Attempt", copy=False, readonly=True)
    oms_carrier_name = fields.Char(
        string="Carrier Name", copy=False, help="The carrier as the 3PL named it."
    )
    oms_tracking_url = fields.Char(
        string="Tracking Link", copy=False, help="The tracking page the 3PL gave."
    )
    oms_tracking_state = fields.Selection(
        [
            ("to_push", "To tell the channel"),
            ("pushed", "Channel told"),
            ("error", "Channel error"),
        ],
        string="Channel Tracking",
        copy=False,
        index="btree_not_null",
        readonly=True,
    )
    oms_tracking_pushed_at = fields.Datetime(string="Channel Told On", copy=False, readonly=True)
    oms_channel_fulfillment_id = fields.Char(string="Channel Fulfilment", copy=False, readonly=True)
    oms_tracking_error = fields.Text(string="Channel Error", copy=False, readonly=True)

    # ================================================================== 3PL: sending
    def _oms_3pl_mark_ready(self):
        """Deliveries of a 3PL warehouse that became ready are queued for the 3PL."""
        # any stock user's reservation hands deliveries to the 3PL (OMS configuration)
        ready = self.sudo().filtered(
            lambda p: p.oms_fulfillment_provider_id
            and not p.oms_3pl_state
            and p.picking_type_code == "outgoing"
            and p.state == "assigned"
        )
        if not ready:
            return
        ready.write({"oms_3pl_state": "to_send"})
        ready._oms_3pl_enqueue_send()

    def _oms_3pl_enqueue_send(self, eta=0):
        for picking in self.filtered(lambda p: p.oms_fulfillment_provider_id.state == "active"):
            picking.with_delay(
                channel="root.oms.fulfillment",
                identity_key=f"oms-3pl-send-{picking.id}",
                eta=eta,
                description=_("Send %(picking)s to the 3PL", picking=picking.name),
            )._oms_3pl_job_send()

    def _oms_3pl_get_idempotency_key(self):
        self.ensure_one()
        return self.oms_3pl_request_key or f"{self.name}#{self.id}"

    def _oms_3pl_prepare_shipment_payload(self, idempotency_key):
        """The JSON shipment request (see readme/THREEPL_API.md); extend to add fields."""
        self.ensure_one()
        partner = self.partner_id
        return {
            "request_id": idempotency_key,
            "picking": self.name,
            "order": self.sale_id.name or self.origin or "",
            "channel_order": self.sale_id.oms_external_ref or "",
            "channel": self.oms_channel_id.code or "",
            "warehouse": self.picking_type_id.warehouse_id.code,
            "priority": bool(self.sale_id.oms_priority),
            "carrier": self.carrier_id.name or "",
            "scheduled_date": fields.Datetime.to_string(self.scheduled_date),
            "ship_to": {
                "name": partner.name or "",
                "company": partner.commercial_company_name or "",
                "street": partner.street or "",
                "street2": partner.street2 or "",
                "city": partner.city or "",
                "zip": partner.zip or "",
                "state_code": partner.state_id.code or "",
                "country_code": partner.country_id.code or "",
                "phone": partner.phone or "",
                "email": partner.email or "",
            },
            "lines": [
                {
                    "line_id": move.id,
                    "sku": move.product_id.default_code or "",
                    "barcode": move.product_id.barcode or "",
                    "name": move.product_id.display_name,
                    "quantity": move.product_uom_qty,
                    "uom": move.product_uom.name,
                }
                for move in self.move_ids
                if move.state not in ("cancel", "done")
            ],
        }

    def _oms_3pl_job_send(self):
        """Job: see ``_oms_3pl_send_shipment``."""
        # the job talks to the 3PL for whichever warehouse user made the delivery ready
        return self.sudo()._oms_3pl_send_shipment()

    def _oms_3pl_send_shipment(self):
        """Send the shipment request. Failures are written on the delivery (the warehouse
        sees them) and a new attempt is queued with a growing delay; the same Idempotency-Key
        is sent every time, so the 3PL never ships twice."""
        self.ensure_one()
        if self.state in ("done", "cancel") or self.oms_3pl_state not in ("to_send", "error"):
            return _("%(picking)s needs no sending.", picking=self.name)
        provider = self.oms_fulfillment_provider_id
        if provider.state != "active":
            return _(
                "3PL %(provider)s is not live: %(picking)s waits.",
                provider=provider.name,
                picking=self.name,
            )
        key = self._oms_3pl_get_idempotency_key()
        payload = self._oms_3pl_prepare_shipment_payload(key)
        attempts = self.oms_3pl_attempts + 1
        try:
            answer = provider._send_shipment_request(payload, key)
        except OmsRetryableError as exc:
            return self._oms_3pl_record_failure(exc, key, attempts, retry=True)
        except OmsError as exc:
            return self._oms_3pl_record_failure(exc, key, attempts, retry=False)
        self.write(self._oms_3pl_prepare_sent_vals(key, answer, attempts))
        self.message_post(
            body=_(
                "Sent to %(provider)s: shipment %(shipment)s.",
                provider=provider.name,
                shipment=answer["shipment_id"],
            )
        )
        return _("Sent: shipment %(shipment)s.", shipment=answer["shipment_id"])

    def _oms_3pl_prepare_sent_vals(self, key, answer, attempts):
        """Values of a delivery the 3PL accepted (``answer``: its JSON answer) on attempt
        ``attempts`` under Idempotency-Key ``key``."""
        return {
            "oms_3pl_state": "sent",
            "oms_3pl_request_key": key,
            "oms_3pl_reference": str(answer["shipment_id"]),
            "oms_3pl_sent_at": fields.Datetime.now(),
            "oms_3pl_attempts": attempts,
            "oms_3pl_error": False,
            "oms_3pl_next_attempt_at": False,
        }

    def _oms_3pl_record_failure(self, error, key, attempts, retry):
        provider = self.oms_fulfillment_provider_id
        vals = {
            "oms_3pl_state": "error",
            "oms_3pl_request_key": key,
            "oms_3pl_attempts": attempts,
            "oms_3pl_next_attempt_at": False,
        }
        if retry and attempts < provider.max_attempts:
            delay = min(
                MAX_BACKOFF, max(getattr(error, "retry_after", None) or 0, 30 * 2 ** (attempts - 1))
            )
            vals["oms_3pl_next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=delay)
            vals["oms_3pl_error"] = _(
                "Attempt %(attempt)s failed: %(error)s Next attempt in %(delay)s s.",
                attempt=attempts,
                error=error.translated(self.env),
                delay=delay,
            )
            self.write(vals)
            self._oms_3pl_enqueue_send(eta=delay)
        else:
            vals["oms_3pl_error"] = _(
                "Attempt %(attempt)s failed: %(error)s Fix the cause, then click Send to 3PL.",
                attempt=attempts,
                error=error.translated(self.env),
            )
            self.write(vals)
        _logger.warning("3PL request for %s failed (attempt %s): %s", self.name, attempts, error)
        return vals["oms_3pl_error"]

    def action_oms_3pl_send(self):
        """Button: send (again) to the 3PL now."""
        pickings = self.filtered(
            lambda p: p.oms_fulfillment_provider_id and p.state not in ("done", "cancel")
        )
        if not pickings:
            raise UserError(_("Only open deliveries of a 3PL warehouse can be sent to the 3PL."))
        if pickings.filtered(lambda p: p.oms_3pl_state in ("sent", "confirmed")):
            raise UserError(_("These deliveries were already accepted by the 3PL."))
        pickings.write(
            {"oms_3pl_state": "to_send", "oms_3pl_attempts": 0, "oms_3pl_next_attempt_at": False}
        )
        pickings._oms_3pl_enqueue_send()
        return True

    # ================================================================== 3PL: confirmation
    def _oms_3pl_find_picking(self, provider, data):
        """The open delivery a confirmation is about: by our request id (following
        backorders of a partly shipped request), else by delivery name."""
        request_id = data.get("request_id")
        domain = [("oms_fulfillment_provider_id", "=", provider.id)]
        if request_id:
            domain.append(("oms_3pl_request_key", "=", str(request_id)))
        elif data.get("picking"):
            domain.append(("name", "=", str(data["picking"])))
        else:
            raise OmsError(_("The confirmation names neither request_id nor picking."))
        # sudo: the 3PL's confirmation (a signed public request) may touch any of its deliveries
        pickings = self.sudo().search(domain, order="id")
        open_pickings = pickings.filtered(lambda p: p.state not in ("done", "cancel"))
        if not open_pickings:
            if pickings:
                raise OmsError(
                    _("Delivery %(picking)s is already done.", picking=pickings[-1].name)
                )
            raise OmsError(
                _(
                    "No delivery of this 3PL matches request %(request)s.",
                    request=request_id or data.get("picking"),
                )
            )
        return open_pickings[0]

    def _oms_3pl_apply_confirmation(self, confirmation, data):
        """Validate the delivery with the quantities the 3PL shipped; what was not shipped
        stays in a backorder that waits for the 3PL's next confirmation."""
        self.ensure_one()
        self._oms_3pl_set_shipped_quantities(data.get("lines") or [])
        carrier_name = (data.get("carrier") or "").strip()
        self.write(self._oms_3pl_prepare_shipping_vals(data, carrier_name))
        self.with_context(
            skip_backorder=True, skip_sms=True, oms_3pl_no_send=True
        ).button_validate()
        if self.state != "done":
            raise OmsError(_("Delivery %(picking)s could not be validated.", picking=self.name))
        self.write({"oms_3pl_state": "confirmed", "oms_3pl_error": False})
        backorders = self.backorder_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        # the 3PL still owes the rest of the same request: the backorder waits for it
        backorders.write(self._oms_3pl_prepare_backorder_vals())
        self.message_post(
            body=_(
                "Shipped by the 3PL (shipment %(shipment)s, %(carrier)s %(tracking)s).",
                shipment=confirmation.shipment_id,
                carrier=carrier_name or "-",
                tracking=data.get("tracking_number") or "",
            )
        )

    def _oms_3pl_set_shipped_quantities(self, lines):
        """Set the open moves' picked quantities to what the confirmation's ``lines`` shipped;
        ``OmsError`` when they ship nothing."""
        self.ensure_one()
        shipped = self._oms_3pl_get_shipped_quantities(lines)
        moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        if all(
            float_is_zero(shipped.get(m.id, 0.0), precision_rounding=m.product_uom.rounding)
            for m in moves
        ):
            raise OmsError(
                _("The confirmation ships no quantity of %(picking)s.", picking=self.name)
            )
        for move in moves:
            quantity = shipped.get(move.id, 0.0)
            move.quantity = quantity
            move.picked = True

    def _oms_3pl_prepare_shipping_vals(self, data, carrier_name):
        """Values of the carrier, tracking and 3PL reference of the confirmation ``data``
        (``carrier_name``: its carrier, stripped; the delivery's carrier when Odoo has none
        of that name)."""
        self.ensure_one()
        carrier = self.env["delivery.carrier"]
        if carrier_name:
            carrier = carrier.search(
                [
                    ("name", "=ilike", carrier_name),
                    ("company_id", "in", (False, self.company_id.id)),
                ],
                limit=1,
            )
        return {
            "oms_carrier_name": carrier_name or False,
            "carrier_id": carrier.id or self.carrier_id.id,
            "carrier_tracking_ref": data.get("tracking_number") or False,
            "oms_tracking_url": data.get("tracking_url") or False,
            "oms_3pl_reference": str(data.get("shipment_id") or self.oms_3pl_reference or ""),
        }

    def _oms_3pl_prepare_backorder_vals(self):
        """Values of a backorder of this delivery: sent under the same request, waiting for the
        3PL's next confirmation."""
        self.ensure_one()
        return {
            "oms_3pl_state": "sent",
            "oms_3pl_request_key": self.oms_3pl_request_key,
            "oms_3pl_reference": self.oms_3pl_reference,
            "oms_3pl_sent_at": self.oms_3pl_sent_at,
        }

    def _oms_3pl_get_shipped_quantities(self, lines):
        """``{move id: quantity}`` from the confirmation's lines (by our line_id, else by
        SKU on the first open move of that product)."""
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        by_id = {m.id: m for m in moves}
        by_sku = {}
        for move in moves:
            by_sku.setdefault(move.product_id.default_code, move)
        shipped = {}
        for line in lines:
            quantity = float(line.get("quantity_shipped", line.get("quantity", 0)) or 0)
            if quantity < 0:
                raise OmsError(_("A shipped quantity cannot be negative."))
            move = by_id.get(int(line["line_id"])) if line.get("line_id") else None
            if not move and line.get("sku"):
                move = by_sku.get(line["sku"])
            if not move:
                raise OmsError(
                    _(
                        "Line %(line)s of the confirmation is not on %(picking)s.",
                        line=line.get("line_id") or line.get("sku"),
                        picking=self.name,
                    )
                )
            shipped[move.id] = shipped.get(move.id, 0.0) + quantity
        return shipped

    # ================================================================== tracking to the channel
    def _action_done(self):
        res = super()._action_done()
        self._oms_tracking_enqueue()
        return res

    def _oms_tracking_enqueue(self):
        """Done deliveries of channel orders: tell the channel, once per delivery."""
        # whoever validates the delivery, the channel is told (OMS configuration)
        to_tell = self.sudo().filtered(
            lambda p: p.state == "done"
            and p.picking_type_code == "outgoing"
            and p.sale_id.oms_channel_id
            and not p.oms_tracking_state
        )
        if not to_tell:
            return
        to_tell.write({"oms_tracking_state": "to_push"})
        for picking in to_tell:
            picking.with_delay(
                channel="root.oms.sync",
                identity_key=f"oms-tracking-{picking.id}",
                description=_("Tell the channel that %(picking)s shipped", picking=picking.name),
            )._oms_job_push_tracking()

    def _oms_prepare_shipment_vals(self):
        """What the adapters' ``push_fulfillment`` tells the channel."""
        self.ensure_one()
        lines = {}
        for move in self.move_ids.filtered(lambda m: m.state == "done" and m.sale_line_id):
            external_id = move.sale_line_id._get_oms_external_line_id()
            if not external_id:
                continue
            quantity = move.product_uom._compute_quantity(
                move.quantity, move.sale_line_id.product_uom
            )
            lines[external_id] = lines.get(external_id, 0.0) + quantity
        order = self.sale_id
        delivered_all = all(
            line.qty_delivered >= line.product_uom_qty
            for line in order.order_line
            if line.product_id.is_storable and not line.display_type
        )
        return {
            "carrier": self.carrier_id.name or self.oms_carrier_name or "",
            "tracking_number": self.carrier_tracking_ref or "",
            "tracking_url": self.oms_tracking_url or self.carrier_tracking_url or "",
            "lines": lines,
            "picking": self.name,
            "order_complete": delivered_all,
            "notify_customer": True,
        }

    def _oms_job_push_tracking(self):
        """Job: see ``_oms_push_tracking``."""
        # the job talks to the channel for whichever warehouse user shipped
        return self.sudo()._oms_push_tracking()

    def _oms_push_tracking(self):
        """Tell the channel the delivery shipped, with carrier and tracking, exactly
        once: the delivery row is locked and ``oms_tracking_pushed_at`` checked first."""
        self.ensure_one()
        # a concurrent run that committed after our snapshot makes this fail with a
        # serialization error: queue_job retries, and the retry sees the push recorded
        self.env.cr.execute("SELECT id FROM stock_picking WHERE id = %s FOR UPDATE", [self.id])
        self.invalidate_recordset(["oms_tracking_pushed_at", "oms_tracking_state"])
        if self.oms_tracking_pushed_at:
            return _("The channel already knows %(picking)s shipped.", picking=self.name)
        binding = self.sale_id.oms_binding_ids.filtered(
            lambda b: b.channel_id == self.oms_channel_id
        )[:1]
        if not binding:
            self.write(
                {
                    "oms_tracking_state": "error",
                    "oms_tracking_error": _("The order has no channel order to tell."),
                }
            )
            return self.oms_tracking_error
        shipment = self._oms_prepare_shipment_vals()
        try:
            fulfillment_id = binding.channel_id._get_adapter().push_fulfillment(binding, shipment)
        except OmsRetryableError as exc:
            raise RetryableJobError(str(exc), seconds=exc.retry_after or 60) from exc
        except OmsError as exc:
            self.write(
                {"oms_tracking_state": "error", "oms_tracking_error": exc.translated(self.env)}
            )
            return self.oms_tracking_error
        self.write(
            {
                "oms_tracking_state": "pushed",
                "oms_tracking_pushed_at": fields.Datetime.now(),
                "oms_channel_fulfillment_id": str(fulfillment_id or ""),
                "oms_tracking_error": False,
            }
        )
        return _("Channel told: fulfilment %(id)s.", id=fulfillment_id)

    def action_oms_push_tracking(self):
        """Button: tell the channel again after an error was fixed."""
        # warehouse staff retry without access to the channel's settings
        pickings = self.sudo().filtered(lambda p: p.oms_tracking_state == "error")
        pickings.write({"oms_tracking_state": False, "oms_tracking_error": False})
        pickings._oms_tracking_enqueue()
        return True
