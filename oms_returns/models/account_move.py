# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .sale_order import EXTERNAL_LINE_ID_FIELDS


class AccountMove(models.Model):
    _inherit = "account.move"

    oms_return_id = fields.Many2one(
        "oms.return", string="Return", index="btree_not_null", copy=False, readonly=True
    )
    oms_return_outcome = fields.Selection(
        [("refund", "Refund"), ("credit", "Store Credit")], copy=False, readonly=True
    )
    oms_channel_refund_ref = fields.Char(
        string="Channel Refund",
        copy=False,
        readonly=True,
        help="The channel's id of this refund, once told to the channel.",
    )
    oms_return_count = fields.Integer(compute="_compute_oms_return_count")

    def _get_oms_returns(self):
        self.ensure_one()
        orders = self.line_ids.sale_line_ids.order_id
        return self.oms_return_id | self.env["oms.return"].search(
            [
                "|",
                ("credit_note_ids.reversed_entry_id", "=", self.id),
                ("line_ids.order_id", "in", orders.ids),
            ]
        )

    @api.depends("oms_return_id", "line_ids.sale_line_ids")
    def _compute_oms_return_count(self):
        if not self.env["oms.return"].has_access("read"):
            self.oms_return_count = 0
            return
        for move in self:
            if move.move_type not in ("out_invoice", "out_refund") or not move.id:
                move.oms_return_count = 0
                continue
            move.oms_return_count = len(move._get_oms_returns())

    def action_view_oms_returns(self):
        self.ensure_one()
        return self._get_oms_returns()._action_view_self()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        credit_notes = posted.filtered(lambda m: m.oms_return_id and m.move_type == "out_refund")
        if credit_notes:
            # sudo: the accountant posting the credit note may not read returns; telling the
            # channel and closing the return follow the posting whoever posts
            returns = credit_notes.oms_return_id.sudo()
            # a credit note booked for a refund the channel made already has the channel's id
            returns._enqueue_channel_refund(
                credit_notes.filtered(lambda m: not m.oms_channel_refund_ref).sudo()  # as above
            )
            returns._check_done()
        return posted

    def _oms_get_channel_binding(self):
        """The channel order binding of the order this credit note refunds."""
        self.ensure_one()
        # a credit note of a price difference has no order line: the refunded invoice's
        order = (
            self.line_ids.sale_line_ids or self.reversed_entry_id.line_ids.sale_line_ids
        ).order_id[:1]
        channel = self.oms_return_id.channel_id or self.oms_channel_id or order.oms_channel_id
        return order.oms_binding_ids.filtered(lambda b: b.channel_id == channel)[:1]

    def _oms_prepare_channel_refund(self):
        """The ``refund`` dict of ``ChannelAdapter.push_refund``."""
        self.ensure_one()
        lines = {}
        line_field = next(
            (f for f in EXTERNAL_LINE_ID_FIELDS if f in self.env["sale.order.line"]._fields), None
        )
        for aml in self.invoice_line_ids.filtered("sale_line_ids"):
            sale_line = aml.sale_line_ids[:1]
            key = (line_field and sale_line[line_field]) or sale_line.product_id.default_code
            if key:
                lines[str(key)] = lines.get(str(key), 0.0) + aml.quantity
        return_record = self.oms_return_id
        reasons = ", ".join(return_record.line_ids.reason_id.mapped("name"))
        return {
            "amount": self.amount_total,
            "currency": self.currency_id.name,
            # the return's reference leads: the channel echoes the note in the refund it reports
            # back, which is then matched with this credit note (see oms.channel.order)
            "reason": f"{return_record.name}: {reasons}" if reasons else return_record.name,
            "lines": lines,
            "reference": self.name,
            "return_reference": return_record.name,
            "return_external_id": return_record.external_id or "",
            "restock": bool(return_record.picking_ids),
        }


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    oms_return_line_id = fields.Many2one(
        "oms.return.line", string="Return Line", index="btree_not_null", copy=False
    )
