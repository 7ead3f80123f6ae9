# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class OmsReturnRejectWizard(models.TransientModel):
    _name = "oms.return.reject.wizard"
    _description = "Reject a Return"

    return_id = fields.Many2one("oms.return", required=True)
    reason = fields.Text(required=True, help="Shown to the customer.")

    def action_reject(self):
        self.ensure_one()
        self.return_id._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
