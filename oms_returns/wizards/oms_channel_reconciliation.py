# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models


class OmsChannelReconciliation(models.TransientModel):
    """The channel reconciliation report also checks the returns' credit notes: each posted one
    must be known to the channel (pushed, or booked for a refund the channel reported). Those
    the channel reported back are compared with its refund like any other."""

    _inherit = "oms.channel.reconciliation"

    def _compare_binding(self, binding, booked_payments):
        figures, differences = super()._compare_binding(binding, booked_payments)
        moves = binding.invoice_ids | binding.sale_order_id.invoice_ids
        untold = moves.filtered(
            lambda m: m.move_type == "out_refund"
            and m.state == "posted"
            and m.oms_return_id
            and not m.oms_channel_refund_ref
        )
        for credit_note in untold:
            differences.append(
                self._prepare_difference_vals(
                    binding,
                    "credit_note_not_told",
                    credit_note,
                    0.0,
                    credit_note.amount_total,
                    _(
                        "Credit note %(move)s of return %(ref)s is not known to the channel: its "
                        "refund was not pushed yet (see the return's jobs) or failed.",
                        move=credit_note.name,
                        ref=credit_note.oms_return_id.name,
                    ),
                )
            )
        return figures, differences


class OmsChannelReconciliationLine(models.TransientModel):
    _inherit = "oms.channel.reconciliation.line"

    issue = fields.Selection(
        selection_add=[("credit_note_not_told", "Credit note not told to the channel")],
        ondelete={"credit_note_not_told": "cascade"},
    )
