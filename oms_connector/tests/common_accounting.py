# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import uuid
from pathlib import Path

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user

from ..adapters.normalized import NormalizedOrder, NormalizedPayment

DATA = Path(__file__).parent / "data"


class OmsAccountingCommon(AccountTestInvoicingCommon):
    """A company with a chart of accounts, a channel mapping two gateways to their journals, and
    helpers to take in a channel order and to process accounting events like the event job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env.user.groups_id |= cls.env.ref("oms_connector.group_oms_manager")
        cls.env.user.groups_id |= cls.env.ref("stock.group_stock_manager")
        cls.currency_usd = cls.company.currency_id
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.stripe_journal = cls.env["account.journal"].create(
            {"name": "Stripe", "code": "STRP", "type": "bank"}
        )
        cls.paypal_journal = cls.env["account.journal"].create(
            {"name": "PayPal", "code": "PYPL", "type": "bank"}
        )
        cls.fee_account = cls.env["account.account"].create(
            {"name": "Payment Gateway Fees", "code": "627100", "account_type": "expense"}
        )
        cls.goodwill_account = cls.env["account.account"].create(
            {"name": "Customer Goodwill", "code": "709100", "account_type": "income"}
        )
        cls.channel = cls.env["oms.channel"].create(
            {
                "name": "Web Shop",
                "code": "acc-webshop",
                "platform": "generic",
                "company_id": cls.company.id,
                "invoice_policy": "paid",
                "payment_journal_id": cls.bank_journal.id,
                "refund_account_id": cls.goodwill_account.id,
                "payment_mapping_ids": [
                    Command.create(
                        {
                            "gateway": "Stripe",
                            "journal_id": cls.stripe_journal.id,
                            "fee_account_id": cls.fee_account.id,
                        }
                    ),
                    Command.create({"gateway": "paypal", "journal_id": cls.paypal_journal.id}),
                ],
            }
        )
        cls.tax_15 = cls.tax_sale_a  # 15 % in the generic chart
        cls.product = cls._create_product(
            name="Trail Running Shoe",
            lst_price=100.0,
            type="consu",
            taxes_id=[Command.set(cls.tax_15.ids)],
        )
        cls.shipping_product = cls._create_product(
            name="Standard Shipping",
            lst_price=10.0,
            type="service",
            taxes_id=[Command.set(cls.tax_15.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Olivia Brown", "email": "olivia.brown@example.co.uk"}
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="oms_acc_stock_user",
            groups="stock.group_stock_user,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    # ------------------------------------------------------------------ factories
    @classmethod
    def _create_channel_order(
        cls, external_id, quantity=1, shipping=False, pricelist=None, channel=None, lines=None
    ):
        """A confirmed channel order and its binding, as intake creates them. ``lines``: the
        order's line values instead of ``quantity`` of the shoe."""
        channel = channel or cls.channel
        lines = (
            [Command.create(vals) for vals in lines]
            if lines
            else [Command.create({"product_id": cls.product.id, "product_uom_qty": quantity})]
        )
        if shipping:
            lines.append(
                Command.create(
                    {
                        "product_id": cls.shipping_product.id,
                        "product_uom_qty": 1,
                        "price_unit": 10.0,
                        "is_delivery": True,
                    }
                )
            )
        order = (
            cls.env["sale.order"]
            .with_company(channel.company_id)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": channel.company_id.id,
                    "oms_channel_id": channel.id,
                    "oms_external_ref": external_id,
                    "client_order_ref": f"#{external_id}",
                    "pricelist_id": pricelist.id if pricelist else False,
                    "order_line": lines,
                }
            )
        )
        order.action_confirm()
        binding = cls.env["oms.channel.order"].create(
            {
                "channel_id": channel.id,
                "external_id": external_id,
                "external_name": f"#{external_id}",
                "sale_order_id": order.id,
                "external_total": order.amount_total,
            }
        )
        return binding

    @staticmethod
    def _payment(transaction_id, amount, gateway="stripe", currency="USD", fee=0.0, kind="sale"):
        return NormalizedPayment(
            transaction_id=transaction_id,
            gateway=gateway,
            amount=amount,
            currency=currency,
            fee=fee,
            kind=kind,
        )

    @staticmethod
    def _normalized(binding, payments=(), financial_status=""):
        order = binding.sale_order_id
        return NormalizedOrder(
            external_id=binding.external_id,
            name=binding.external_name,
            currency=order.currency_id.name,
            total=order.amount_total,
            financial_status=financial_status,
            payments=list(payments),
        )

    def _import(self, binding, payments=(), financial_status=""):
        """What intake does after creating or updating the order."""
        normalized = self._normalized(binding, payments, financial_status)
        with self.env.cr.savepoint():
            binding._after_order_imported(normalized, self.env["oms.channel.event"])

    @staticmethod
    def _load(name, **overrides):
        payload = json.loads((DATA / name).read_text())
        payload.update(overrides)
        return payload

    def _event(self, topic, payload, channel=None):
        return self.env["oms.channel.event"].create(
            {
                "channel_id": (channel or self.channel).id,
                "topic": topic,
                "delivery_id": str(uuid.uuid4()),
                "payload": json.dumps(payload),
            }
        )

    def _process(self, event):
        """Run the event's handler in a savepoint, as the event job does."""
        method = "_process_" + event.topic.replace(".", "_")
        with self.env.cr.savepoint():
            return getattr(event, method)()

    def _process_fails(self, event, exception_class, *fragments):
        """The event fails with a message naming ``fragments``; nothing it did is kept."""
        method = "_process_" + event.topic.replace(".", "_")
        with self.assertRaises(exception_class) as caught:
            with self.env.cr.savepoint():
                getattr(event, method)()
        self.env.invalidate_all()
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        return caught.exception

    # ------------------------------------------------------------------ readers
    @staticmethod
    def _invoices(binding, move_type="out_invoice"):
        return (binding.sale_order_id.invoice_ids | binding.invoice_ids).filtered(
            lambda m: m.move_type == move_type
        )

    def _receivable_lines(self, records):
        moves = records if records._name == "account.move" else records.move_id
        return moves.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _ship(self, binding, user=None):
        picking = binding.sale_order_id.picking_ids.filtered(lambda p: p.state != "done")
        picking = picking.with_user(user) if user else picking
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking
