# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _prepare_invoice(self):
        vals = super()._prepare_invoice()
        if self.oms_channel_id:
            vals["oms_channel_id"] = self.oms_channel_id.id
            vals["oms_channel_order_id"] = self.oms_binding_ids[:1].id
        return vals

    def _get_oms_invoiceable_orders(self):
        """Orders of ``self`` with a quantity left to invoice."""
        return self.filtered(
            lambda order: order.state == "sale"
            and any(
                float_compare(
                    line.qty_to_invoice, 0.0, precision_rounding=line.product_uom.rounding
                )
                > 0
                for line in order.order_line
                if not line.display_type
            )
        )

    def _oms_create_posted_invoices(self):
        """Invoice what is left to invoice on the channel orders of ``self`` (one invoice per
        order, quantities per the channel's invoicing policy) and post the invoices."""
        orders = self._get_oms_invoiceable_orders()
        if not orders:
            return self.env["account.move"]
        invoices = orders._create_invoices()
        invoices.action_post()
        return invoices

    def _oms_invoice_on_shipment(self):
        """Invoice the delivered quantities of channel orders whose policy is "when shipped".

        Called when a delivery is validated. A failure (missing income account, closed period)
        must not undo the shipment: it is written on the order's chatter and the channel
        reconciliation report lists the order as delivered but not invoiced."""
        # sudo: the warehouse user validating the delivery has no OMS or accounting rights;
        # invoicing is automated by the channel's configuration
        orders = self.sudo().filtered(lambda o: o.oms_channel_id.invoice_policy == "shipped")
        for order in orders:
            order_sudo = order.with_company(order.company_id)
            try:
                with self.env.cr.savepoint():
                    order_sudo._oms_create_posted_invoices()
            except UserError as error:
                _logger.warning("Channel order %s not invoiced on shipment: %s", order.name, error)
                order_sudo.message_post(
                    body=_(
                        "The delivery was validated but the order could not be invoiced "
                        "automatically: %(error)s",
                        error=str(error),
                    )
                )
