# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    oms_return_credit_note_policy = fields.Selection(
        related="company_id.oms_return_credit_note_policy", readonly=False
    )
    oms_return_refund_journal_id = fields.Many2one(
        related="company_id.oms_return_refund_journal_id", readonly=False
    )
    oms_return_warehouse_user_id = fields.Many2one(
        related="company_id.oms_return_warehouse_user_id", readonly=False
    )
    oms_return_accountant_user_id = fields.Many2one(
        related="company_id.oms_return_accountant_user_id", readonly=False
    )
