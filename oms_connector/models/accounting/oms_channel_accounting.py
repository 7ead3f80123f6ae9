# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models

from ...adapters.exceptions import OmsMappingError


class OmsChannel(models.Model):
    """Accounting settings of a channel: when its orders are invoiced, which journal receives each
    gateway's money, how its refunds are booked."""

    _inherit = "oms.channel"

    invoice_policy = fields.Selection(
        [
            ("paid", "When paid"),
            ("shipped", "When shipped"),
            ("manual", "Manually"),
        ],
        default="shipped",
        required=True,
        tracking=True,
        help="When paid: the order is invoiced (ordered quantities) and the invoice posted as soon "
        "as the channel's transactions cover its total.\n"
        "When shipped: each validated delivery invoices the delivered quantities.\n"
        "Manually: the accountant creates the invoices; payments are still registered.",
    )
    refund_policy = fields.Selection(
        [("draft", "Draft credit note"), ("post", "Posted credit note")],
        default="draft",
        required=True,
        tracking=True,
        help="State of the credit notes created for the refunds the channel reports. Draft lets "
        "the accountant review them; the refund payment is reconciled when they are posted.",
    )
    payment_mapping_ids = fields.One2many(
        "oms.channel.payment.mapping", "channel_id", string="Payment Gateways"
    )
    payment_journal_id = fields.Many2one(
        "account.journal",
        string="Default Payment Journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        compute="_compute_payment_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Journal of the payments whose gateway is not in the gateway table.",
    )
    refund_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        help="Account of the refunded amounts that are not tied to an order line (goodwill, "
        "adjustments). Empty: the sales journal's default income account.",
    )
    refund_remainder_tax = fields.Selection(
        [
            ("proportional", "Split across the order's taxes"),
            ("none", "No tax"),
        ],
        string="Tax on Refund Remainder",
        default="proportional",
        required=True,
        tracking=True,
        help="How the part of a refund that is not explained by refunded lines or shipping "
        "(goodwill, price adjustments) is taxed on the credit note.\n"
        "Split across the order's taxes: the amount is split pro rata to the order's total per "
        "set of taxes, one credit note line per set, each carrying those taxes (the tax "
        "returned to the customer is credited); the part of untaxed lines gets no tax.\n"
        "No tax: one untaxed line for the whole amount.",
    )
    transaction_ids = fields.One2many("oms.channel.transaction", "channel_id")
    refund_ids = fields.One2many("oms.channel.refund", "channel_id")

    @api.depends("company_id")
    def _compute_payment_journal_id(self):
        """The first bank journal of the channel's company, unless a journal of that company is
        set: a channel of a second company never books into the first company's bank (a
        default taken from the user's current company did)."""
        for channel in self:
            company = channel.company_id or self.env.company
            if channel.payment_journal_id.company_id == company:
                continue
            channel.payment_journal_id = self.env["account.journal"].search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "bank"),
                ],
                limit=1,
            )

    def _get_payment_mapping(self, gateway):
        """The mapping row of ``gateway`` (a name as the channel sends it), or an empty record."""
        self.ensure_one()
        key = (gateway or "").strip().lower()
        return self.payment_mapping_ids.filtered(lambda m: m.gateway == key)[:1]

    def _get_payment_journal(self, gateway):
        """Journal receiving the money of ``gateway``: its mapping, else the channel's default."""
        self.ensure_one()
        journal = self._get_payment_mapping(gateway).journal_id or self.payment_journal_id
        if not journal:
            raise OmsMappingError(
                _(
                    "No journal for the payment gateway %(gateway)s of channel %(channel)s: map "
                    "the gateway (or set a default payment journal) on the channel's Accounting "
                    "tab, then retry the event.",
                    gateway=gateway or _("(none)"),
                    channel=self.name,
                )
            )
        return journal

    def _get_fee_account(self, gateway):
        """Expense account of the fees of ``gateway``, or an empty record: the payment is then
        booked gross and the fee is left for the bank reconciliation (the channel
        reconciliation report lists it)."""
        self.ensure_one()
        return self._get_payment_mapping(gateway).fee_account_id
