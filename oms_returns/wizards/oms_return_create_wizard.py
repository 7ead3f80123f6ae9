# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class OmsReturnCreateWizard(models.TransientModel):
    """Back office: choose the delivered lines of one or more orders of a customer and how much
    of each comes back."""

    _name = "oms.return.create.wizard"
    _description = "Create a Return"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    sale_order_ids = fields.Many2many(
        "sale.order",
        string="Orders",
        required=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), ('state', '=', 'sale')]",
    )
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id")
    line_ids = fields.One2many(
        "oms.return.create.wizard.line",
        "wizard_id",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    note = fields.Text(string="Customer Note")
    no_goods = fields.Boolean(string="Refund Without Return")
    refund_before_receipt = fields.Boolean()
    replacement_before_receipt = fields.Boolean()

    @api.depends("sale_order_ids")
    def _compute_line_ids(self):
        Line = self.env["oms.return.line"]
        for wizard in self:
            # the orders may be new records in the form: read the saved ones
            sale_lines = wizard.sale_order_ids._origin.order_line.filtered(
                lambda sol: not sol.display_type and sol.product_id.type == "consu"
            )
            delivered = Line._get_delivered_quantities(sale_lines)
            held = Line._get_held_quantities(sale_lines)
            commands = [Command.clear()]
            for sale_line in sale_lines:
                returnable = delivered.get(sale_line, 0.0) - held.get(sale_line, 0.0)
                if (
                    float_compare(returnable, 0, precision_rounding=sale_line.product_uom.rounding)
                    <= 0
                ):
                    continue
                commands.append(
                    Command.create(
                        {
                            "sale_line_id": sale_line.id,
                            "qty_returnable": returnable,
                            "quantity": 0.0,
                        }
                    )
                )
            wizard.line_ids = commands

    def _prepare_return_vals(self):
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.quantity > 0)
        if not lines:
            raise UserError(_("Enter the quantity coming back on at least one line."))
        missing = lines.filtered(lambda line: not line.reason_id)
        if missing:
            raise UserError(
                _(
                    "Give the reason of the return of %(product)s.",
                    product=missing[0].sale_line_id.product_id.display_name,
                )
            )
        return {
            "partner_id": self.partner_id.id,
            "company_id": self.sale_order_ids[:1].company_id.id or self.env.company.id,
            "source": "backoffice",
            "note": self.note,
            "no_goods": self.no_goods,
            "refund_before_receipt": self.refund_before_receipt,
            "replacement_before_receipt": self.replacement_before_receipt,
            "line_ids": [Command.create(line._prepare_return_line_vals()) for line in lines],
        }

    def action_create_return(self):
        self.ensure_one()
        record = self.env["oms.return"].create(self._prepare_return_vals())
        return record._action_view_self()


class OmsReturnCreateWizardLine(models.TransientModel):
    _name = "oms.return.create.wizard.line"
    _description = "Create a Return: line"

    wizard_id = fields.Many2one("oms.return.create.wizard", required=True, ondelete="cascade")
    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", required=True)
    order_id = fields.Many2one(related="sale_line_id.order_id")
    product_id = fields.Many2one(related="sale_line_id.product_id")
    product_uom = fields.Many2one(related="sale_line_id.product_uom")
    qty_returnable = fields.Float(string="Returnable", digits="Product Unit of Measure")
    quantity = fields.Float(digits="Product Unit of Measure")
    reason_id = fields.Many2one("oms.return.reason")
    outcome = fields.Selection(
        [("refund", "Refund"), ("exchange", "Exchange"), ("credit", "Store Credit")],
        required=True,
        default="refund",
    )
    exchange_product_id = fields.Many2one("product.product")

    def _prepare_return_line_vals(self):
        self.ensure_one()
        return {
            "sale_line_id": self.sale_line_id.id,
            "quantity": self.quantity,
            "reason_id": self.reason_id.id,
            "outcome": self.outcome,
            "exchange_product_id": self.exchange_product_id.id,
        }
