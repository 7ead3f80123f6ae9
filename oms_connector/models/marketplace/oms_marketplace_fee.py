# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace fees booked per order: what the marketplace keeps of an order (commission,
logistics), where its order API reports it (``adapter.get_order_fees``), becomes one posted
vendor bill of the marketplace per order, once."""

import logging

from odoo import Command, _, fields, models

from ...adapters import OmsMappingError
from ...adapters.marketplace_fees import FEE_LOGISTICS

_logger = logging.getLogger(__name__)


class OmsChannel(models.Model):
    _inherit = "oms.channel"

    marketplace_fee_partner_id = fields.Many2one(
        "res.partner",
        string="Marketplace Fee Vendor",
        help="The marketplace as a vendor (e.g. OOO Internet Solutions for Ozon): the fees it "
        "keeps of each order are booked as a vendor bill of this partner. Empty: fees are "
        "not booked.",
    )
    marketplace_fee_journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', '=', 'purchase')]",
        help="Purchase journal of the fee bills (empty: the company's first purchase journal).",
    )
    marketplace_commission_account_id = fields.Many2one(
        "account.account",
        string="Commission Account",
        help="Expense account of the marketplace's commissions.",
    )
    marketplace_logistics_account_id = fields.Many2one(
        "account.account",
        string="Logistics Fee Account",
        help="Expense account of the marketplace's logistics services (empty: the commission "
        "account).",
    )

    def _get_marketplace_fee_account(self, kind):
        """The expense account of fees of ``kind`` (``FEE_COMMISSION`` / ``FEE_LOGISTICS``)."""
        self.ensure_one()
        if kind == FEE_LOGISTICS and self.marketplace_logistics_account_id:
            return self.marketplace_logistics_account_id
        return self.marketplace_commission_account_id

    def _get_marketplace_fee_journal(self):
        self.ensure_one()
        return self.marketplace_fee_journal_id or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "purchase"),
            ],
            limit=1,
        )


class OmsChannelOrder(models.Model):
    _inherit = "oms.channel.order"

    marketplace_fee_bill_id = fields.Many2one(
        "account.move",
        index="btree_not_null",
        copy=False,
        readonly=True,
        groups="account.group_account_invoice",
    )

    def _after_order_imported(self, normalized, event):
        res = super()._after_order_imported(normalized, event)
        self._book_marketplace_fees(normalized)
        return res

    def _book_marketplace_fees(self, normalized):
        """Book the fees the marketplace reports for this order (``normalized.raw``) as one
        posted vendor bill, once: an order whose bill exists, a channel without a fee vendor
        or an order without final fees books nothing. Extend ``_prepare_marketplace_fee_bill_vals``
        to change the bill."""
        self.ensure_one()
        channel = self.channel_id
        if (
            not channel.is_marketplace
            or self.marketplace_fee_bill_id
            or not channel.marketplace_fee_partner_id
        ):
            return self.env["account.move"]
        fees = channel._get_adapter().get_order_fees(normalized.raw)
        if not fees:
            return self.env["account.move"]
        kinds = {fee.kind for fee in fees}
        if not all(channel._get_marketplace_fee_account(kind) for kind in kinds):
            raise OmsMappingError(
                _(
                    "Channel %(channel)s: set the commission account of the marketplace's fees "
                    "(Marketplace tab) to book the fees of order %(order)s.",
                    channel=channel.name,
                    order=self.external_id,
                )
            )
        bill = self.env["account.move"].create(
            self._prepare_marketplace_fee_bill_vals(normalized, fees)
        )
        bill.action_post()
        self.marketplace_fee_bill_id = bill
        return bill

    def _prepare_marketplace_fee_bill_vals(self, normalized, fees):
        """The vendor bill of the marketplace for ``fees`` (``MarketplaceFee`` list): one line
        per fee on its expense account, without taxes (the marketplace's monthly act carries
        its VAT)."""
        channel = self.channel_id
        currency = self.env["res.currency"].search([("name", "=", normalized.currency)], limit=1)
        return {
            "move_type": "in_invoice",
            "partner_id": channel.marketplace_fee_partner_id.id,
            "company_id": channel.company_id.id,
            "journal_id": channel._get_marketplace_fee_journal().id,
            "currency_id": (currency or channel.company_id.currency_id).id,
            "invoice_date": fields.Date.context_today(self),
            "ref": _("%(channel)s fees %(order)s", channel=channel.name, order=self.external_id),
            "invoice_origin": self.external_id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": fee.label,
                        "account_id": channel._get_marketplace_fee_account(fee.kind).id,
                        "quantity": 1.0,
                        "price_unit": fee.amount,
                        "tax_ids": [Command.clear()],
                    }
                )
                for fee in fees
            ],
        }
