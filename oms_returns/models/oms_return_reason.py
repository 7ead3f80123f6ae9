# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class OmsReturnReason(models.Model):
    """Why a customer sends goods back, and what it costs them.

    A reason may charge a restocking fee (a percentage of the refunded lines) and/or a fixed
    return shipping amount, deducted from the credit note on a line of ``fee_product_id``.
    ``code`` matches the reason codes the channels send (``size_too_small``, ``defective``...).
    """

    _name = "oms.return.reason"
    _description = "Return Reason"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical code, matched against the reason a channel sends with a return request.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, help="Empty: every company.")
    customer_fault = fields.Boolean(
        help="The customer changed their mind: fees below apply. Seller faults (defective, "
        "wrong item) usually charge nothing."
    )
    restocking_fee_percent = fields.Float(
        string="Restocking Fee (%)",
        digits=(5, 2),
        help="Percentage of the refunded amount of the lines with this reason kept as a fee.",
    )
    return_shipping_fee = fields.Monetary(
        currency_field="currency_id",
        help="Fixed return shipping amount deducted once per credit note with this reason.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    fee_product_id = fields.Many2one(
        "product.product",
        help="Product (and so income account and taxes) of the fee line on the credit note.",
    )
    default_grade = fields.Selection(
        [("a", "A - resellable"), ("b", "B - quarantine"), ("c", "C - scrap")],
        default="a",
        help="Grade proposed at inspection for goods returned with this reason.",
    )

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The reason code must be unique."),
        (
            "fee_percent_range",
            "CHECK(restocking_fee_percent >= 0 AND restocking_fee_percent <= 100)",
            "The restocking fee is a percentage between 0 and 100.",
        ),
    ]

    @api.model
    def _get_by_code(self, code):
        """The reason of ``code`` (case-insensitive), else the ``other`` reason."""
        code = (code or "").strip().lower()
        reasons = self.search([("code", "in", [code, "other"])])
        return reasons.filtered(lambda r: r.code == code)[:1] or reasons[:1]

    def _has_fee(self):
        self.ensure_one()
        return bool(self.restocking_fee_percent or self.return_shipping_fee)
