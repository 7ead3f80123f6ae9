# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures shared by the returns tests (this addon's and the repository's ``tests/``)."""

import json
import pathlib
from contextlib import contextmanager

from odoo import Command
from odoo.addons.oms_connector.tests.common import OmsFactoryMixin
from odoo.addons.oms_connector.tests.fake_servers import RecordingServer  # noqa: F401
from odoo.tests import Form, TransactionCase, new_test_user

DATA_DIR = pathlib.Path(__file__).parent / "data"


def load_payload(name):
    return json.loads((DATA_DIR / name).read_text())


class OmsReturnsCase(OmsFactoryMixin, TransactionCase):
    """A warehouse, FIFO products valued in real time, a customer with delivered and invoiced
    orders, a channel, and users with the minimum groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls._create_oms_warehouse("Returns Test WH", "RTW")
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.category = cls.env["product.category"].create(
            {
                "name": "Returns FIFO",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
            }
        )
        cls.tax = cls.env["account.tax"].create(
            {"name": "Returns VAT 20%", "amount": 20.0, "type_tax_use": "sale"}
        )
        cls.product = cls._create_product("Return Test Shirt", "RT-SHIRT", 50.0, 20.0)
        cls.product_2 = cls._create_product("Return Test Jacket", "RT-JACKET", 120.0, 60.0)
        cls.product_l = cls._create_product("Return Test Shirt L", "RT-SHIRT-L", 50.0, 20.0)
        cls.customer = cls._create_oms_partner(
            "Return Customer", email="return.customer@example.com"
        )
        cls.other_customer = cls._create_oms_partner("Other Customer")
        cls.reason_size = cls.env.ref("oms_returns.oms_return_reason_size_too_small")
        cls.reason_defective = cls.env.ref("oms_returns.oms_return_reason_defective")
        cls.reason_unwanted = cls.env.ref("oms_returns.oms_return_reason_unwanted")
        cls.bank_journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.company.write(
            {
                "oms_return_credit_note_policy": "post",
                "oms_return_refund_journal_id": cls.bank_journal.id,
            }
        )
        cls.return_user = new_test_user(
            cls.env,
            login="ret_user",
            groups="oms_returns.group_return_user,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user",
        )
        cls.return_manager = new_test_user(
            cls.env,
            login="ret_manager",
            groups="oms_returns.group_return_manager,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user",
        )
        cls.accountant = new_test_user(
            cls.env, login="ret_accountant", groups="account.group_account_invoice"
        )
        cls.channel = cls._create_oms_channel(
            "Returns Test Shop",
            "returns-test",
            warehouse_id=cls.warehouse.id,
            api_secret="s3cret",
        )

    @classmethod
    def _create_product(cls, name, code, price, cost):
        return cls._create_oms_product(
            name,
            stock=50,
            location=cls.stock_location,
            default_code=code,
            categ_id=cls.category.id,
            list_price=price,
            standard_price=cost,
            taxes_id=[Command.set(cls.tax.ids)],
            invoice_policy="order",
        )

    @contextmanager
    def assertRaisesMessage(self, exception, text):
        """``assertRaises`` (rolled back to a savepoint, as the user's transaction would be)
        and the message the user reads contains ``text``."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertIn(text, str(catcher.exception))

    # ------------------------------------------------------------------ factories
    @classmethod
    def _create_delivered_order(cls, lines, partner=None, channel=None, external_id=None):
        """A confirmed, fully delivered and invoiced order of ``lines`` [(product, qty)]."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "warehouse_id": cls.warehouse.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
            }
        )
        order.action_confirm()
        for picking in order.picking_ids:
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            picking.button_validate()
        invoice = order._create_invoices()
        invoice.action_post()
        # the customer paid (channel orders are prepaid): a refund pays money back
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": cls.bank_journal.id})._create_payments()
        if channel:
            order.write({"oms_channel_id": channel.id, "oms_external_ref": external_id})
            cls.env["oms.channel.order"].create(
                {
                    "channel_id": channel.id,
                    "external_id": external_id,
                    "external_name": f"#{external_id}",
                    "sale_order_id": order.id,
                }
            )
        return order

    def _create_return(self, line_specs, partner=None, user=None, **vals):
        """A return of ``line_specs`` [(sale line, qty, reason, outcome)] created by ``user``."""
        env = self.env(user=user or self.return_user)
        return env["oms.return"].create(
            dict(
                {
                    "partner_id": (partner or self.customer).id,
                    "line_ids": [
                        Command.create(
                            {
                                "sale_line_id": sale_line.id,
                                "quantity": qty,
                                "reason_id": reason.id,
                                "outcome": outcome,
                            }
                        )
                        for sale_line, qty, reason, outcome in line_specs
                    ],
                },
                **vals,
            )
        )

    def _receive(self, ret, user=None):
        """Validate the return receipts on the warehouse's receipt screen."""
        pickings = ret.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        for picking in pickings.with_user(user or self.return_user):
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            picking.button_validate()

    def _inspect(self, ret, rows=None, user=None):
        """Grade ``rows`` [(return line, qty, grade, accept)] with the inspection wizard; by
        default every received unit as proposed."""
        wizard_form = Form(
            self.env["oms.return.inspect.wizard"]
            .with_user(user or self.return_user)
            .with_context(default_return_id=ret.id)
        )
        if rows is not None:
            while len(wizard_form.line_ids):
                wizard_form.line_ids.remove(0)
            for line, qty, grade, accept in rows:
                with wizard_form.line_ids.new() as row:
                    row.return_line_id = line
                    row.quantity = qty
                    row.grade = grade
                    row.accept = accept
        wizard_form.save().action_apply()

    def _quantity_in(self, product, location):
        return sum(
            self.env["stock.quant"]
            .search([("product_id", "=", product.id), ("location_id", "=", location.id)])
            .mapped("quantity")
        )

    def _value_of(self, product):
        return sum(
            self.env["stock.valuation.layer"]
            .search([("product_id", "=", product.id)])
            .mapped("value")
        )
