# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models

from ...adapters.exceptions import OmsPayloadError, OmsWaitingForOrder


class OmsChannelEvent(models.Model):
    """Accounting topics: ``order.paid``, ``transaction.created`` and ``refund.created``."""

    _inherit = "oms.channel.event"

    def _get_accounting_binding(self, external_order_id, what):
        """The channel order the event is about; a clear error when Odoo does not have it."""
        self.ensure_one()
        external_order_id = str(external_order_id or self.external_order_id or "")
        if not external_order_id:
            raise OmsPayloadError(_("%(what)s does not say which order it is for.", what=what))
        binding = self.env["oms.channel.order"].search(
            [("channel_id", "=", self.channel_id.id), ("external_id", "=", external_order_id)],
            limit=1,
        )
        if not binding:
            raise OmsWaitingForOrder(
                _(
                    "%(what)s is for order %(order)s of channel %(channel)s, which is not in Odoo "
                    "yet: the event waits for the order and is processed again when it arrives "
                    "(if the order's own event failed, fix and retry that one).",
                    what=what,
                    order=external_order_id,
                    channel=self.channel_id.name,
                )
            )
        self.write(
            {"external_order_id": external_order_id, "sale_order_id": binding.sale_order_id.id}
        )
        # sudo: whoever runs the job (the queue, an OMS user retrying) books payments, invoices
        # and credit notes as the channel's configuration says, without accounting rights
        return binding.sudo().with_company(self.channel_id.company_id)

    def _process_order_paid(self):
        """The channel says the order is paid: record its payments, invoice it when the channel
        invoices on payment, reconcile."""
        self.ensure_one()
        normalized = self.channel_id._get_adapter().normalize_order(self._get_payload())
        binding = self._get_accounting_binding(
            normalized.external_id, _("The payment of order %(order)s", order=normalized.name)
        )
        binding._check_channel_total(normalized)
        if normalized.financial_status:
            binding.external_financial_status = normalized.financial_status
        binding._apply_channel_accounting(normalized, self)
        # a channel confirming orders when paid confirms this one now (or routes it first);
        # the confirmation invoices it when its channel invoices when paid
        binding._confirm_sale_order_if_due()
        return binding

    def _process_transaction_created(self):
        """One payment transaction of an order: registered once, reconciled with the invoice."""
        self.ensure_one()
        payload = self._get_payload()
        adapter = self.channel_id._get_adapter()
        payment = adapter.normalize_transaction(payload)
        binding = self._get_accounting_binding(
            self.external_order_id or adapter.get_external_order_id(self.topic, payload),
            _("Transaction %(transaction)s", transaction=payment.transaction_id),
        )
        binding._sync_channel_payments([payment], self)
        binding._invoice_when_paid()
        binding._reconcile_channel_payments()
        return binding

    def _process_refund_created(self):
        """A refund reported by the channel: credit note and refund payment, once."""
        self.ensure_one()
        refund = self.channel_id._get_adapter().normalize_refund(self._get_payload())
        binding = self._get_accounting_binding(
            refund.order_external_id, _("Refund %(refund)s", refund=refund.external_id)
        )
        return binding._apply_channel_refund(refund, self)
