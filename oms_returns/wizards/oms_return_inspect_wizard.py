# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

GRADES = [("a", "A - resellable"), ("b", "B - quarantine"), ("c", "C - scrap")]


class OmsReturnInspectWizard(models.TransientModel):
    """Grade the received goods of a return. A line may be split over several rows (two units
    resellable, one to scrap); ``accept`` says whether the customer is refunded for them."""

    _name = "oms.return.inspect.wizard"
    _description = "Inspect Returned Goods"

    return_id = fields.Many2one("oms.return", required=True)
    line_ids = fields.One2many(
        "oms.return.inspect.wizard.line",
        "wizard_id",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )

    @api.depends("return_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [Command.clear()]
            for line in wizard.return_id.line_ids:
                remaining = line.qty_received - line.qty_inspected
                if remaining > 0:
                    commands.append(
                        Command.create(
                            {
                                "return_line_id": line.id,
                                "quantity": remaining,
                                "grade": line.reason_id.default_grade or "a",
                                "accept": True,
                            }
                        )
                    )
            wizard.line_ids = commands

    def action_apply(self):
        self.ensure_one()
        results = [
            {
                "line": row.return_line_id,
                "quantity": row.quantity,
                "grade": row.grade,
                "accept": row.accept,
            }
            for row in self.line_ids
            if row.quantity > 0
        ]
        if not results:
            raise UserError(
                _(
                    "Nothing to grade on %(ref)s: validate its return receipt first.",
                    ref=self.return_id.name,
                )
            )
        self.return_id._apply_inspection(results)
        return {"type": "ir.actions.act_window_close"}


class OmsReturnInspectWizardLine(models.TransientModel):
    _name = "oms.return.inspect.wizard.line"
    _description = "Inspect Returned Goods: line"

    wizard_id = fields.Many2one("oms.return.inspect.wizard", required=True, ondelete="cascade")
    return_line_id = fields.Many2one("oms.return.line", required=True)
    product_id = fields.Many2one(related="return_line_id.product_id")
    quantity = fields.Float(digits="Product Unit of Measure")
    grade = fields.Selection(GRADES, required=True, default="a")
    accept = fields.Boolean(
        string="Refund", default=True, help="Refund the customer for these units."
    )
