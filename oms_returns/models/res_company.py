# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    oms_return_credit_note_policy = fields.Selection(
        [("draft", "Draft (the accountant posts)"), ("post", "Posted at once")],
        string="Return Credit Notes",
        default="draft",
        required=True,
    )
    oms_return_refund_journal_id = fields.Many2one(
        "account.journal",
        string="Refund Journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="Posted refund credit notes are paid back at once with this journal. Empty: the "
        "accountant registers the payment.",
    )
    oms_return_warehouse_user_id = fields.Many2one(
        "res.users",
        string="Returns Warehouse Contact",
        help="Gets the to-do to receive and inspect approved returns.",
    )
    oms_return_accountant_user_id = fields.Many2one(
        "res.users",
        string="Returns Accountant",
        help="Gets the to-do to post the credit notes of inspected returns.",
    )
