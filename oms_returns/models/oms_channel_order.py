# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import Command, _, models
from odoo.tools import float_compare

# returns that may still receive a refund booked by the channel
OPEN_STATES = ("draft", "approved", "waiting", "received", "inspected")


class OmsChannelOrder(models.Model):
    """Channel refunds meet returns.

    - A refund Odoo pushed for a return's credit note comes back from the channel (Shopify
      ``refunds/create``, a WooCommerce order update, a generic ``refund.created``): it is
      recorded against that credit note, never booked a second time.
    - A refund made on the channel for the goods of an open return (the return named in the
      refund's note, or lines restocked on the channel) is booked by the channel as usual, but
      its credit note belongs to the return: the return's inspection then moves the goods and
      refunds only what the channel did not.
    """

    _inherit = "oms.channel.order"

    # ------------------------------------------------------------------ lookups
    def _get_order_returns(self):
        """The returns of this channel order's goods, oldest first."""
        self.ensure_one()
        return (
            self.env["oms.return"]
            .search([("line_ids.order_id", "=", self.sale_order_id.id)])
            .sorted(lambda r: (r.date, r.id))
        )

    def _get_returns_named_in_refund(self, refund):
        """The returns of this order whose reference the channel's refund note carries (Odoo
        writes it in the note of the refunds it pushes, a merchant may type it)."""
        self.ensure_one()
        note = refund.reason or ""
        if not note:
            return self.env["oms.return"]
        return self._get_order_returns().filtered(
            lambda r: re.search(rf"(?<![\w/]){re.escape(r.name)}(?![\w/])", note)
        )

    def _get_return_credit_notes(self):
        """The posted credit notes of the order's returns (bound to the order or reversing one
        of its invoices), oldest first."""
        self.ensure_one()
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("oms_return_id", "!=", False),
                ("state", "=", "posted"),
                "|",
                ("oms_channel_order_id", "=", self.id),
                ("reversed_entry_id", "in", self.sale_order_id.invoice_ids.ids),
            ],
            order="id",
        )

    def _get_return_credit_note_for_refund(self, refund):
        """The posted credit note of a return that the channel's ``refund`` (a
        ``NormalizedRefund``) stands for: the one Odoo pushed under that refund id, else one
        not told to the channel yet of a return the refund's note names (the channel reported
        the refund before the push job stored its id). Empty when there is none."""
        self.ensure_one()
        credit_notes = self._get_return_credit_notes()
        external_id = str(refund.external_id)
        pushed = credit_notes.filtered(lambda m: m.oms_channel_refund_ref == external_id)
        if pushed:
            return pushed[:1]
        named = self._get_returns_named_in_refund(refund)
        if not named:
            return credit_notes.browse()
        recorded = (
            self.env["oms.channel.refund"]
            .search([("credit_note_id", "in", credit_notes.ids)])
            .credit_note_id
        )
        candidates = credit_notes.filtered(
            lambda m: m.oms_return_id in named
            and not m.oms_channel_refund_ref
            and m not in recorded
        )
        currency = self.sale_order_id.currency_id
        same_amount = candidates.filtered(
            lambda m: not refund.amount
            or not currency.compare_amounts(m.amount_total, refund.amount)
        )
        return (same_amount or candidates)[:1]

    def _get_refundable_return_lines(self, returns, sale_lines=None):
        """Lines of ``returns`` still to be refunded (outcome refund or store credit, refunded
        less than asked), of ``sale_lines`` when given."""
        return returns.line_ids.filtered(
            lambda line: line.outcome in ("refund", "credit")
            and (sale_lines is None or line.sale_line_id in sale_lines)
            and float_compare(
                line.qty_refunded, line.quantity, precision_rounding=line.product_uom.rounding
            )
            < 0
        )

    def _get_open_return_for_refund(self, refund):
        """The open return a channel refund that Odoo did not push refunds the goods of: the
        one its note names, else the oldest with still unrefunded lines among the lines the
        channel restocked. Empty when there is none."""
        self.ensure_one()
        returns = self._get_order_returns().filtered(lambda r: r.state in OPEN_STATES)
        named = self._get_returns_named_in_refund(refund) & returns
        if named:
            return named[:1]
        restocked = self.env["sale.order.line"]
        for refund_line in refund.lines:
            if refund_line.restock:
                restocked |= self._get_sale_line_for_refund_line(refund_line)
        if not restocked:
            return returns.browse()
        for ret in returns:
            if self._get_refundable_return_lines(ret, restocked):
                return ret
        return returns.browse()

    # ------------------------------------------------------------------ accounting hooks
    def _is_refund_handled_by_return(self, refund):
        return super()._is_refund_handled_by_return(refund) or bool(
            self._get_return_credit_note_for_refund(refund)
        )

    def _record_refund_handled_by_return(self, refund, currency, event=None):
        """Record the channel's refund against the return's credit note it stands for. A credit
        note not told to the channel yet takes the refund's id: its push job then knows the
        channel already has it."""
        credit_note = self._get_return_credit_note_for_refund(refund)
        if not credit_note:
            return super()._record_refund_handled_by_return(refund, currency, event)
        if not credit_note.oms_channel_refund_ref:
            credit_note.oms_channel_refund_ref = str(refund.external_id)
        record = self._record_refund_of_credit_note(refund, credit_note, currency, event)
        credit_note.oms_return_id.message_post(
            body=_(
                "%(channel)s reports refund %(refund)s of credit note %(move)s: recorded with "
                "it, not booked again.",
                channel=self.channel_id.name,
                refund=record.external_id,
                move=credit_note.name,
            )
        )
        return record

    def _prepare_refund_credit_note_vals(self, record, refund):
        """A channel refund for the goods of an open return: its credit note is the return's
        (its lines count as refunded on the return lines) and it is never pushed back to the
        channel, which made it."""
        vals = super()._prepare_refund_credit_note_vals(record, refund)
        ret = self._get_open_return_for_refund(refund)
        if not ret:
            return vals
        vals.update(
            {
                "oms_return_id": ret.id,
                "oms_return_outcome": "refund",
                "oms_channel_refund_ref": record.external_id,
                "ref": _(
                    "%(ref)s (return %(return_ref)s)", ref=vals.get("ref"), return_ref=ret.name
                ),
            }
        )
        remaining = {
            line: line.quantity - line.qty_refunded
            for line in self._get_refundable_return_lines(ret)
        }
        for command in vals.get("invoice_line_ids", []):
            line_vals = command[2]
            line = next(
                (
                    line
                    for line, qty in remaining.items()
                    if line.product_id.id == line_vals.get("product_id") and qty > 0
                ),
                None,
            )
            if line is None:
                continue
            remaining[line] -= line_vals.get("quantity") or 0.0
            line_vals["oms_return_line_id"] = line.id
            # like the return's own credit notes: the order line's invoiced quantity goes down
            line_vals["sale_line_ids"] = [Command.set(line.sale_line_id.ids)]
        return vals

    def _create_refund_credit_note(self, record, refund):
        credit_note = super()._create_refund_credit_note(record, refund)
        ret = credit_note.oms_return_id
        if ret:
            ret.message_post(
                body=_(
                    "Refunded on %(channel)s (refund %(refund)s): credit note %(move)s. The "
                    "inspection of the goods moves the stock; the quantities refunded here are "
                    "not refunded again.",
                    channel=self.channel_id.name,
                    refund=record.external_id,
                    move=credit_note._get_html_link(),
                )
            )
        return credit_note
