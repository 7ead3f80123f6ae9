# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.addons.oms_connector.adapters import OmsMappingError, OmsRetryableError
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, float_round

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Requested"),
    ("approved", "Approved"),
    ("waiting", "Waiting for Goods"),
    ("received", "Received"),
    ("inspected", "Inspected"),
    ("done", "Done"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]
# states in which a return still holds quantities of its sale lines
ACTIVE_STATES = ("draft", "approved", "waiting", "received", "inspected", "done")


class OmsReturn(models.Model):
    """A customer's return: from the request to the goods back in stock and the money refunded.

    The flow is ``draft`` (requested) -> ``approved`` -> ``waiting`` (a return receipt into the
    warehouse's Returns location) -> ``received`` (receipt validated) -> ``inspected`` (each
    unit graded A restock / B quarantine / C scrap, credit notes and exchange orders made) ->
    ``done`` (credit notes posted). ``no_goods`` skips the goods (goodwill refund);
    ``refund_before_receipt`` and ``replacement_before_receipt`` move the money or the
    replacement to the approval for trusted customers.
    """

    _name = "oms.return"
    _description = "Return"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    date = fields.Datetime(string="Request Date", required=True, default=fields.Datetime.now)
    source = fields.Selection(
        [("backoffice", "Back Office"), ("channel", "Channel"), ("portal", "Customer Portal")],
        required=True,
        default="backoffice",
    )
    channel_id = fields.Many2one(
        "oms.channel", index="btree_not_null", readonly=True, check_company=True
    )
    external_id = fields.Char(
        string="Channel Return ID", readonly=True, copy=False, help="The channel's return id."
    )
    state = fields.Selection(
        STATES, required=True, default="draft", index=True, tracking=True, copy=False
    )
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    note = fields.Text(string="Customer Note")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        check_company=True,
        help="Warehouse receiving the goods; by default the one that shipped the first order.",
    )
    line_ids = fields.One2many("oms.return.line", "return_id", string="Lines", copy=True)
    sale_order_ids = fields.Many2many(
        "sale.order", string="Sale Orders", compute="_compute_sale_order_ids", store=True
    )
    picking_ids = fields.One2many("stock.picking", "oms_return_id", string="Return Receipts")
    credit_note_ids = fields.One2many("account.move", "oms_return_id", string="Credit Notes")
    exchange_order_ids = fields.One2many("sale.order", "oms_return_id", string="Exchange Orders")
    channel_refund_ids = fields.One2many(
        "oms.channel.refund",
        "oms_return_id",
        string="Channel Refunds",
        groups="oms_connector.group_oms_user",
        help="The refunds the channel reported for the credit notes of this return.",
    )
    no_goods = fields.Boolean(
        string="Refund Without Return",
        help="Goodwill: refund the requested quantities at approval, the goods stay with the "
        "customer.",
    )
    refund_before_receipt = fields.Boolean(
        help="Refund the requested quantities at approval instead of after inspection "
        "(trusted customers)."
    )
    replacement_before_receipt = fields.Boolean(
        help="Ship the exchange products at approval instead of after inspection "
        "(trusted customers)."
    )
    partner_trusted = fields.Boolean(related="commercial_partner_id.oms_return_trusted")
    amount_requested = fields.Monetary(compute="_compute_amounts")
    amount_refunded = fields.Monetary(
        compute="_compute_amounts", help="Total of the posted credit notes."
    )
    picking_count = fields.Integer(compute="_compute_counts")
    credit_note_count = fields.Integer(compute="_compute_counts")
    exchange_order_count = fields.Integer(compute="_compute_counts")
    sale_order_count = fields.Integer(compute="_compute_counts")
    channel_refund_pushed = fields.Boolean(
        compute="_compute_channel_refund_pushed",
        help="Every posted credit note of this return was told to the channel.",
    )

    _sql_constraints = [
        (
            "channel_external_uniq",
            "unique(channel_id, external_id)",
            "This channel return is already in Odoo.",
        ),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("line_ids.sale_line_id")
    def _compute_sale_order_ids(self):
        for rec in self:
            rec.sale_order_ids = rec.line_ids.sale_line_id.order_id

    @api.depends("line_ids.sale_line_id")
    def _compute_warehouse_id(self):
        for rec in self:
            if not rec.warehouse_id:
                rec.warehouse_id = rec.line_ids.sale_line_id.order_id.warehouse_id[:1]

    @api.depends("line_ids.amount_requested", "credit_note_ids.state")
    def _compute_amounts(self):
        for rec in self:
            rec.amount_requested = sum(rec.line_ids.mapped("amount_requested"))
            posted = rec.credit_note_ids.filtered(lambda m: m.state == "posted")
            rec.amount_refunded = sum(posted.mapped("amount_total"))

    @api.depends("picking_ids", "credit_note_ids", "exchange_order_ids", "sale_order_ids")
    def _compute_counts(self):
        for rec in self:
            rec.picking_count = len(rec.picking_ids)
            rec.credit_note_count = len(rec.credit_note_ids)
            rec.exchange_order_count = len(rec.exchange_order_ids)
            rec.sale_order_count = len(rec.sale_order_ids)

    @api.depends("credit_note_ids.oms_channel_refund_ref", "credit_note_ids.state")
    def _compute_channel_refund_pushed(self):
        for rec in self:
            posted = rec.credit_note_ids.filtered(lambda m: m.state == "posted")
            rec.channel_refund_pushed = bool(posted) and all(
                posted.mapped("oms_channel_refund_ref")
            )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for rec in self:
            rec.access_url = f"/my/returns/{rec.id}"
        return res

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company or self.env.company)
                    .next_by_code("oms.return")
                    or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(rec.state not in ("draft", "cancel", "rejected") for rec in self):
            raise UserError(_("Only requested, rejected or cancelled returns can be deleted."))

    @api.model
    def _prepare_channel_return_vals(self, channel, order, request):
        """The vals of the return a channel asked for (``request`` is a ``ReturnRequest``):
        ``OmsMappingError`` when a line matches no line of ``order``."""
        return {
            "partner_id": order.partner_id.id,
            "company_id": order.company_id.id,
            "channel_id": channel.id,
            "external_id": request.external_id,
            "source": "channel",
            "note": request.note,
            "line_ids": [
                Command.create(self._prepare_channel_return_line_vals(order, request, req_line))
                for req_line in request.lines
            ],
        }

    @api.model
    def _prepare_channel_return_line_vals(self, order, request, req_line):
        """The vals of the return line for ``req_line`` (a ``ReturnRequestLine``)."""
        sale_line = order._oms_find_line_for_return(req_line.line_external_id, req_line.sku)
        if not sale_line:
            raise OmsMappingError(
                _(
                    "Return %(ret)s asks for line %(line)s (SKU %(sku)s), which order "
                    "%(order)s does not have: check the product's internal reference.",
                    ret=request.external_id,
                    line=req_line.line_external_id or "-",
                    sku=req_line.sku or "-",
                    order=order.name,
                )
            )
        reason = self.env["oms.return.reason"]._get_by_code(req_line.reason_code)
        if not reason:
            raise OmsMappingError(
                _(
                    "No return reason with code %(code)s nor 'other': create it in "
                    "Returns > Configuration > Reasons.",
                    code=req_line.reason_code,
                )
            )
        return {
            "sale_line_id": sale_line.id,
            "quantity": req_line.quantity,
            "reason_id": reason.id,
            "outcome": req_line.outcome,
            "customer_note": req_line.note,
        }

    # ------------------------------------------------------------------ guards
    def _ensure_state(self, states, action):
        """Raise unless every return is in one of ``states`` (nothing is changed)."""
        wrong = self.filtered(lambda r: r.state not in states)
        if wrong:
            state_labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "Return %(ref)s cannot be %(action)s: it is %(state)s.",
                    ref=wrong[0].name,
                    action=action,
                    state=state_labels[wrong[0].state],
                )
            )

    def _ensure_lines(self):
        for rec in self:
            if not rec.line_ids:
                raise UserError(_("Return %(ref)s has no lines.", ref=rec.name))

    def _ensure_trusted_options_allowed(self):
        """Goodwill refunds and refunds or replacements before receipt are for managers or
        customers marked as trusted."""
        is_manager = self.env.user.has_group("oms_returns.group_return_manager")
        for rec in self:
            special = rec.refund_before_receipt or rec.replacement_before_receipt
            if rec.no_goods and not is_manager:
                raise UserError(
                    _(
                        "Only a return manager can approve a refund without return (%(ref)s).",
                        ref=rec.name,
                    )
                )
            if special and not (is_manager or rec.partner_trusted):
                raise UserError(
                    _(
                        "%(partner)s is not a trusted customer: return %(ref)s cannot be refunded "
                        "or replaced before the goods are received.",
                        partner=rec.commercial_partner_id.display_name,
                        ref=rec.name,
                    )
                )

    # ------------------------------------------------------------------ actions
    def action_approve(self):
        """Approve: create the return receipt (unless no goods come back), and the refund or the
        replacement now when the return asks for them before receipt."""
        self._ensure_state(("draft",), _("approved"))
        self._ensure_lines()
        self._ensure_trusted_options_allowed()
        self.line_ids._check_quantity_returnable()
        for rec in self:
            rec.state = "approved"
            if not rec.no_goods:
                rec._create_return_receipts()
                rec.state = "waiting"
                rec._schedule_next_activity(
                    rec.company_id.oms_return_warehouse_user_id,
                    _("Receive and inspect the returned goods"),
                )
            if rec.no_goods or rec.refund_before_receipt:
                rec._create_refunds(rec._get_requested_quantities())
            if rec.replacement_before_receipt:
                rec._create_exchange_orders(rec._get_requested_quantities())
            rec._check_done()
        return True

    def action_reject(self):
        self._ensure_state(("draft",), _("rejected"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject Return"),
            "res_model": "oms.return.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_return_id": self.id},
        }

    def _reject(self, reason):
        """Reject the requests with ``reason`` (shown to the customer)."""
        self._ensure_state(("draft",), _("rejected"))
        if not (reason or "").strip():
            raise UserError(_("Give the reason of the rejection: the customer sees it."))
        self.write({"state": "rejected", "reject_reason": reason})
        for rec in self:
            rec.message_post(body=_("Return rejected: %(reason)s", reason=reason))

    def action_cancel(self):
        self._ensure_state(("draft", "approved", "waiting"), _("cancelled"))
        if self.credit_note_ids.filtered(lambda m: m.state == "posted"):
            raise UserError(_("A credit note of this return is posted: reverse it first."))
        self.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")).action_cancel()
        if self.picking_ids.filtered(lambda p: p.state == "done"):
            raise UserError(_("Goods of this return were already received: inspect them."))
        self.credit_note_ids.filtered(lambda m: m.state == "draft").button_cancel()
        self.write({"state": "cancel"})
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def action_inspect(self):
        self._ensure_state(("received", "waiting"), _("inspected"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Inspect Returned Goods"),
            "res_model": "oms.return.inspect.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_return_id": self.id},
        }

    def action_done(self):
        """Close an inspected return whose refund the accountant handled by hand."""
        self._ensure_state(("inspected", "approved"), _("closed"))
        self.write({"state": "done"})
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def action_print_slip(self):
        return self.env.ref("oms_returns.action_report_oms_return_slip").report_action(self)

    # ------------------------------------------------------------------ smart buttons
    def _action_view(self, records, action_xmlid, form_view_xmlid=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(action_xmlid)
        if len(records) == 1:
            action["views"] = [
                (self.env.ref(form_view_xmlid).id if form_view_xmlid else False, "form")
            ]
            action["res_id"] = records.id
        else:
            action["domain"] = [("id", "in", records.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_pickings(self):
        return self._action_view(
            self.picking_ids, "stock.action_picking_tree_all", "stock.view_picking_form"
        )

    def action_view_credit_notes(self):
        return self._action_view(
            self.credit_note_ids, "account.action_move_out_refund_type", "account.view_move_form"
        )

    def action_view_exchange_orders(self):
        return self._action_view(
            self.exchange_order_ids, "sale.action_orders", "sale.view_order_form"
        )

    def action_view_sale_orders(self):
        return self._action_view(self.sale_order_ids, "sale.action_orders", "sale.view_order_form")

    # ------------------------------------------------------------------ activities
    def _schedule_next_activity(self, user, summary):
        """A to-do for the next person (warehouse after approval, accountant after inspection);
        the activities of the previous step are marked done."""
        self.ensure_one()
        self.activity_feedback(["mail.mail_activity_data_todo"])
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            user_id=(user or self.user_id or self.env.user).id,
        )

    # ------------------------------------------------------------------ stock: receipt
    def _get_requested_quantities(self):
        """{return line: quantity} of what the customer asked for."""
        return {line: line.quantity for line in self.line_ids}

    def _create_return_receipts(self):
        """One receipt per sale order into the Returns location of the order's warehouse, on the
        warehouse's usual receipt operation; moves point back at the delivery moves so that
        delivered quantities and valuation follow."""
        self.ensure_one()
        # The approver (sales or customer service) needs no inventory rights to order the
        # warehouse's receipt.
        Picking = self.env["stock.picking"].sudo()
        lines_by_order = self.line_ids.grouped(lambda line: line.sale_line_id.order_id)
        vals_list = [
            self._prepare_receipt_vals(order, lines) for order, lines in lines_by_order.items()
        ]
        pickings = Picking.create(vals_list)
        pickings.action_confirm()
        pickings.action_assign()
        return pickings

    def _get_return_warehouse(self, order):
        return (
            self.warehouse_id
            if len(self.sale_order_ids) <= 1 and self.warehouse_id
            else (order.warehouse_id or self.warehouse_id)
        )

    def _prepare_receipt_vals(self, order, lines):
        warehouse = self._get_return_warehouse(order)
        warehouse._ensure_oms_return_locations()
        customer_location = order.partner_shipping_id.property_stock_customer or self.env.ref(
            "stock.stock_location_customers"
        )
        picking_type = warehouse.in_type_id
        vals = {
            "picking_type_id": picking_type.id,
            "partner_id": order.partner_shipping_id.id,
            "location_id": customer_location.id,
            "location_dest_id": warehouse.oms_return_location_id.id,
            "origin": f"{self.name} ({order.name})",
            "group_id": order.procurement_group_id.id,
            "company_id": order.company_id.id,
            "oms_return_id": self.id,
            "move_ids": [
                Command.create(
                    line._prepare_receipt_move_vals(
                        picking_type, customer_location, warehouse.oms_return_location_id
                    )
                )
                for line in lines
            ],
        }
        return vals

    def _on_receipt_done(self):
        """Called when a return receipt is validated: the return is received once all its
        receipts are done."""
        for rec in self.filtered(lambda r: r.state == "waiting"):
            if all(p.state in ("done", "cancel") for p in rec.picking_ids):
                rec.state = "received"

    # ------------------------------------------------------------------ stock: inspection
    def _apply_inspection(self, results):
        """Put the inspected goods where their grade says and make the refunds and exchanges.

        ``results`` is a list of dicts ``{line, quantity, grade, accept}``: grade ``a`` goes back
        to the warehouse stock, ``b`` to the quarantine location, ``c`` is scrapped.
        """
        self.ensure_one()
        self._ensure_state(("received", "waiting"), _("inspected"))
        done_qty = defaultdict(float)
        for res in results:
            done_qty[res["line"]] += res["quantity"]
        for line, qty in done_qty.items():
            line._ensure_inspectable(qty)
        moves, scraps = self._move_inspected_goods(results)
        self._record_inspection_results(results)
        if self.state == "received" and self._is_fully_inspected():
            self._on_inspection_done()
        return moves, scraps

    def _move_inspected_goods(self, results):
        """Grade ``a`` and ``b`` goods moved (done) to their location, grade ``c`` scrapped.
        Returns the stock moves and the scraps."""
        moves = self.env["stock.move"]
        scraps = self.env["stock.scrap"]
        for res in results:
            line = res["line"]
            if float_is_zero(res["quantity"], precision_rounding=line.product_uom.rounding):
                continue
            # sudo: inspection is a warehouse task; the inspector may not manage stock
            # operations (moves, scraps)
            if res["grade"] == "c":
                scraps |= (
                    self.env["stock.scrap"].sudo().create(line._prepare_scrap_vals(res["quantity"]))
                )
            else:
                moves |= (
                    self.env["stock.move"]
                    .sudo()
                    .create(line._prepare_inspection_move_vals(res["quantity"], res["grade"]))
                )
        if moves:
            moves._action_confirm()
            moves._action_assign()
            for move in moves:
                move.quantity = move.product_uom_qty
            moves.picked = True
            moves._action_done()
        for scrap in scraps:
            scrap.do_scrap()
        return moves, scraps

    def _record_inspection_results(self, results):
        """Add the graded and accepted quantities of ``results`` to their return lines."""
        line_vals = defaultdict(lambda: defaultdict(float))
        for res in results:
            vals = line_vals[res["line"]]
            vals[f"qty_grade_{res['grade']}"] += res["quantity"]
            if res.get("accept", True):
                vals["qty_accepted"] += res["quantity"]
        for line, vals in line_vals.items():
            line.write({key: line[key] + value for key, value in vals.items()})

    def _is_fully_inspected(self):
        """True when every received unit of the return has been inspected."""
        return all(
            float_compare(
                line.qty_inspected, line.qty_received, precision_rounding=line.product_uom.rounding
            )
            >= 0
            for line in self.line_ids
        )

    def _on_inspection_done(self):
        """The last goods are inspected: refund and exchange the accepted quantities, then
        ask the accountant to post a draft credit note, or close the return."""
        self.state = "inspected"
        self._create_refunds(self._get_accepted_quantities())
        self._create_exchange_orders(self._get_accepted_quantities())
        if self.credit_note_ids.filtered(lambda m: m.state == "draft"):
            self._schedule_next_activity(
                self.company_id.oms_return_accountant_user_id,
                _("Check and post the credit note of the return"),
            )
        else:
            self.activity_feedback(["mail.mail_activity_data_todo"])
        self._check_done()

    def _get_accepted_quantities(self):
        """{return line: quantity} accepted at inspection."""
        return {line: line.qty_accepted for line in self.line_ids}

    # ------------------------------------------------------------------ money
    def _create_refunds(self, quantities):
        """Credit notes for ``quantities`` ({return line: qty}) of the refund and store credit
        lines, less what was already refunded: one per sale order and outcome, built on the
        order's invoice, less the reasons' fees. Posted, and the refund paid, per company
        setting."""
        self.ensure_one()
        to_refund = defaultdict(dict)
        for line, qty in quantities.items():
            if line.outcome not in ("refund", "credit"):
                continue
            rounding = line.product_uom.rounding
            qty = float_round(qty - line.qty_refunded, precision_rounding=rounding)
            if float_compare(qty, 0, precision_rounding=rounding) > 0:
                to_refund[(line.sale_line_id.order_id, line.outcome)][line] = qty
        if not to_refund:
            return self.env["account.move"]
        # The refund follows the return's approval or inspection; the accountant controls the
        # posting through the company setting, the return user needs no accounting rights.
        Move = self.env["account.move"].sudo()
        credit_notes = Move
        for (order, outcome), line_qty in to_refund.items():
            invoice = order._oms_get_refundable_invoice()
            vals = self._prepare_credit_note_vals(order, invoice, line_qty, outcome)
            credit_notes |= Move.with_company(order.company_id).create(vals)
        self._post_refunds(credit_notes)
        return credit_notes

    def _post_refunds(self, credit_notes):
        """Post the new ``credit_notes`` and pay the refunds back, per company setting (else
        they wait, in draft, for the accountant)."""
        if self.company_id.oms_return_credit_note_policy != "post":
            return
        credit_notes.action_post()
        for credit_note in credit_notes.filtered(lambda m: m.oms_return_outcome == "refund"):
            self._register_refund_payment(credit_note)

    def _prepare_credit_note_vals(self, order, invoice, line_qty, outcome):
        """The credit note of ``order`` for ``line_qty`` ({return line: qty}), linked to the
        original ``invoice``. Extend to add fields."""
        vals = order._prepare_invoice()
        vals.update(
            {
                "move_type": "out_refund",
                "ref": _("Return %(ref)s", ref=self.name),
                "reversed_entry_id": invoice.id,
                "oms_return_id": self.id,
                "oms_return_outcome": outcome,
                "invoice_line_ids": [
                    Command.create(line._prepare_credit_note_line_vals(qty))
                    for line, qty in line_qty.items()
                ],
            }
        )
        if invoice.journal_id:
            vals["journal_id"] = invoice.journal_id.id
        vals["invoice_line_ids"] += [
            Command.create(fee_vals) for fee_vals in self._prepare_fee_line_vals(order, line_qty)
        ]
        vals.pop("transaction_ids", None)
        return vals

    def _prepare_fee_line_vals(self, order, line_qty):
        """Negative lines keeping the restocking fee (percentage of the refunded lines, same
        taxes as them) and the return shipping (fixed, the fee product's taxes) of each
        reason."""
        by_reason = defaultdict(dict)
        for line, qty in line_qty.items():
            if line.reason_id and line.reason_id._has_fee():
                by_reason[line.reason_id][line] = qty
        vals_list = []
        for reason, reason_lines in by_reason.items():
            if reason.restocking_fee_percent:
                vals_list += self._prepare_restocking_fee_vals(order, reason, reason_lines)
            if reason.return_shipping_fee:
                vals_list.append(self._prepare_return_shipping_fee_vals(order, reason))
        return vals_list

    def _prepare_restocking_fee_vals(self, order, reason, line_qty):
        """One restocking fee line of ``reason`` per set of taxes of the refunded lines
        ``line_qty`` ({return line: qty})."""
        by_taxes = defaultdict(float)
        for line, qty in line_qty.items():
            sale_line = line.sale_line_id
            base = sale_line.price_unit * qty * (1 - (sale_line.discount or 0.0) / 100.0)
            by_taxes[sale_line.tax_id] += base
        label = _(
            "Restocking fee %(percent)s%% (%(reason)s)",
            percent=format(reason.restocking_fee_percent, "g"),
            reason=reason.name,
        )
        return [
            self._prepare_fee_vals(
                reason.fee_product_id,
                label,
                order.currency_id.round(base * reason.restocking_fee_percent / 100.0),
                taxes,
            )
            for taxes, base in by_taxes.items()
        ]

    def _prepare_return_shipping_fee_vals(self, order, reason):
        """The return shipping fee line of ``reason``, in the order's currency, with the fee
        product's taxes mapped by the order's fiscal position."""
        product = reason.fee_product_id
        amount = reason.currency_id._convert(
            reason.return_shipping_fee,
            order.currency_id,
            order.company_id,
            fields.Date.context_today(self),
        )
        taxes = order.fiscal_position_id.map_tax(
            product.taxes_id.filtered_domain(
                self.env["account.tax"]._check_company_domain(order.company_id)
            )
        )
        return self._prepare_fee_vals(
            product, _("Return shipping (%(reason)s)", reason=reason.name), amount, taxes
        )

    def _prepare_fee_vals(self, product, label, amount, taxes):
        vals = {
            "name": label,
            "quantity": 1.0,
            "price_unit": -amount,
            "tax_ids": [Command.set(taxes.ids)],
        }
        if product:
            vals["product_id"] = product.id
        return vals

    def _register_refund_payment(self, credit_note):
        """Pay the posted credit note back to the customer with the company's refund journal."""
        journal = self.company_id.oms_return_refund_journal_id
        if not journal or credit_note.payment_state in ("paid", "in_payment", "reversed"):
            return self.env["account.payment"]
        # sudo: paying the refund back follows the return; the return user needs no
        # accounting rights (the company's setting decides, see _create_refunds)
        wizard = (
            self.env["account.payment.register"]
            .sudo()
            .with_context(active_model="account.move", active_ids=credit_note.ids)
            .create({"journal_id": journal.id})
        )
        return wizard._create_payments()

    def _create_exchange_orders(self, quantities):
        """A new confirmed sale order per original order shipping the exchange products of
        ``quantities`` ({return line: qty}), linked to the return: free of charge, or at the
        price difference when the exchange product costs more; when it costs less, the
        difference is refunded (``_create_exchange_difference_refunds``)."""
        self.ensure_one()
        to_exchange = defaultdict(dict)
        for line, qty in quantities.items():
            if line.outcome != "exchange":
                continue
            qty = float_round(
                qty - line.qty_exchanged, precision_rounding=line.product_uom.rounding
            )
            if float_compare(qty, 0, precision_rounding=line.product_uom.rounding) > 0:
                to_exchange[line.sale_line_id.order_id][line] = qty
        if not to_exchange:
            return self.env["sale.order"]
        # Creating the replacement order is part of handling the return; the return user may
        # have no right to create sale orders.
        SaleOrder = self.env["sale.order"].sudo()
        orders = SaleOrder.create(
            [
                self._prepare_exchange_order_vals(order, lines)
                for order, lines in to_exchange.items()
            ]
        )
        orders.action_confirm()
        for order in orders:
            self.message_post(
                body=_("Exchange order %(order)s created.", order=order._get_html_link())
            )
        self._create_exchange_difference_refunds(to_exchange)
        return orders

    def _create_exchange_difference_refunds(self, to_exchange):
        """A credit note per original order refunding what the exchange products of
        ``to_exchange`` ({sale order: {return line: qty}}) cost less than the returned ones."""
        differences = defaultdict(dict)
        for order, line_qty in to_exchange.items():
            for line, qty in line_qty.items():
                unit_difference, _new_line = line._get_exchange_price_difference(qty)
                if unit_difference < 0:
                    differences[order][line] = (qty, -unit_difference)
        if not differences:
            return self.env["account.move"]
        Move = self.env["account.move"].sudo()  # as in _create_refunds
        credit_notes = Move
        for order, line_diff in differences.items():
            vals = self._prepare_credit_note_vals(
                order, order._oms_get_refundable_invoice(), {}, "refund"
            )
            vals["invoice_line_ids"] = [
                Command.create(line._prepare_exchange_difference_credit_line_vals(qty, unit))
                for line, (qty, unit) in line_diff.items()
            ]
            credit_notes |= Move.with_company(order.company_id).create(vals)
        for credit_note in credit_notes:
            self.message_post(
                body=_(
                    "Credit note %(move)s refunds the price difference of the exchange.",
                    move=credit_note._get_html_link(),
                )
            )
        self._post_refunds(credit_notes)
        return credit_notes

    def _prepare_exchange_order_vals(self, order, line_qty):
        return {
            "partner_id": order.partner_id.id,
            "partner_invoice_id": order.partner_invoice_id.id,
            "partner_shipping_id": order.partner_shipping_id.id,
            "company_id": order.company_id.id,
            "warehouse_id": order.warehouse_id.id,
            "pricelist_id": order.pricelist_id.id,
            "origin": f"{self.name} ({order.name})",
            "client_order_ref": order.client_order_ref,
            "oms_return_id": self.id,
            "order_line": [
                Command.create(line._prepare_exchange_order_line_vals(qty))
                for line, qty in line_qty.items()
            ],
        }

    def _check_done(self):
        """Close the returns whose goods are inspected (or do not come back) and whose credit
        notes are all posted."""
        for rec in self:
            if rec.state not in ("inspected", "approved") or (
                rec.state == "approved" and not rec.no_goods
            ):
                continue
            credit_notes = rec.credit_note_ids.filtered(lambda m: m.state != "cancel")
            if all(m.state == "posted" for m in credit_notes):
                rec.state = "done"
                rec.activity_feedback(["mail.mail_activity_data_todo"])

    # ------------------------------------------------------------------ channel refund
    def _enqueue_channel_refund(self, credit_notes):
        """Tell the channel about the posted ``credit_notes`` of these returns (returns asked on
        the channel, or made in the back office for a channel order): one job per return and
        credit note (identity key), so a credit note is pushed exactly once."""
        for rec in self:
            for credit_note in credit_notes.filtered(lambda m, r=rec: m.oms_return_id == r):
                channel = rec.channel_id or credit_note.oms_channel_id
                if not channel:
                    continue
                rec.with_delay(
                    channel="root.oms.returns",
                    identity_key=f"oms_return_push_refund:{rec.id}:{credit_note.id}",
                    description=_(
                        "Tell %(channel)s about refund %(move)s of %(ref)s",
                        channel=channel.name,
                        move=credit_note.name,
                        ref=rec.name,
                    ),
                )._push_refund_to_channel(credit_note)

    def _push_refund_to_channel(self, credit_note):
        """Job: push ``credit_note`` to the channel unless it already holds the channel's refund
        id (idempotent: run twice, the channel hears of it once)."""
        self.ensure_one()
        if credit_note.state != "posted":
            return _("Credit note %(move)s is not posted: nothing pushed.", move=credit_note.name)
        if credit_note.oms_channel_refund_ref:
            return _(
                "Already pushed: the channel's refund is %(ref)s.",
                ref=credit_note.oms_channel_refund_ref,
            )
        binding = credit_note._oms_get_channel_binding()
        if not binding:
            return _("Order %(order)s is not a channel order.", order=credit_note.invoice_origin)
        adapter = binding.channel_id._get_adapter()
        try:
            refund_id = adapter.push_refund(binding, credit_note._oms_prepare_channel_refund())
        except OmsRetryableError as exc:
            raise RetryableJobError(str(exc), seconds=int(exc.retry_after or 60)) from exc
        credit_note.oms_channel_refund_ref = str(refund_id)
        credit_note.message_post(
            body=_(
                "Refund told to %(channel)s (refund %(ref)s).",
                channel=binding.channel_id.name,
                ref=refund_id,
            )
        )
        return _("Channel refund %(ref)s", ref=refund_id)

    def _action_view_self(self):
        """The window action showing these returns (form if one)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("oms_returns.oms_return_action")
        if len(self) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = self.id
        else:
            action["domain"] = [("id", "in", self.ids)]
        return action
