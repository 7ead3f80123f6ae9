# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Returns end to end: from the request to the stock and the money."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import OmsReturnsCase


@tagged("post_install", "-at_install")
class TestReturnsFlow(OmsReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_delivered_order([(cls.product, 3), (cls.product_2, 1)])
        cls.shirt_line = cls.order.order_line.filtered(lambda sol: sol.product_id == cls.product)
        cls.jacket_line = cls.order.order_line - cls.shirt_line
        cls.invoice = cls.order.invoice_ids

    def test_partial_return_restocked_and_refunded(self):
        stock_before = self._quantity_in(self.product, self.stock_location)
        value_before = self._value_of(self.product)
        # back office: the wizard on the delivered order
        action = self.order.with_user(self.return_user).action_oms_create_return()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.return_user)
            .with_context(**action["context"])
        )
        self.assertEqual(len(wizard_form.line_ids), 2, "both delivered lines are proposed")
        with wizard_form.line_ids.edit(0) as row:
            self.assertEqual(row.qty_returnable, 3.0)
            row.quantity = 1
            row.reason_id = self.reason_size
        wizard = wizard_form.save()
        ret = self.env["oms.return"].browse(wizard.action_create_return()["res_id"])
        self.assertEqual(ret.state, "draft")
        self.assertEqual(ret.sale_order_ids, self.order)
        self.assertEqual(ret.line_ids.product_id, self.product)
        self.assertEqual(ret.warehouse_id, self.warehouse)

        ret.with_user(self.return_user).action_approve()
        self.assertEqual(ret.state, "waiting")
        receipt = ret.picking_ids
        self.assertEqual(receipt.picking_type_id, self.warehouse.in_type_id, "usual receipt screen")
        self.assertEqual(receipt.location_dest_id, self.warehouse.oms_return_location_id)
        self.assertEqual(receipt.sale_id, self.order, "the receipt shows on the sale order")
        self.assertTrue(receipt.move_ids.to_refund)
        self.assertEqual(
            receipt.move_ids.origin_returned_move_id, self.shirt_line.move_ids[0], "linked"
        )
        activity = ret.activity_ids
        self.assertEqual(activity.summary, "Receive and inspect the returned goods")

        self._receive(ret)
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.qty_received, 1.0)
        self.assertEqual(self.shirt_line.qty_delivered, 2.0, "Odoo's delivered quantity follows")
        self.assertAlmostEqual(
            self._value_of(self.product), value_before + 20.0, msg="back at the delivery cost"
        )

        self._inspect(ret)
        self.assertEqual(ret.line_ids.qty_grade_a, 1.0)
        self.assertEqual(self._quantity_in(self.product, self.stock_location), stock_before + 1)
        self.assertEqual(self._quantity_in(self.product, self.warehouse.oms_return_location_id), 0)

        credit_note = ret.credit_note_ids
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.reversed_entry_id, self.invoice)
        self.assertEqual(credit_note.invoice_origin, self.order.name)
        self.assertAlmostEqual(credit_note.amount_untaxed, 50.0)
        self.assertAlmostEqual(credit_note.amount_total, 60.0)
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"), "the refund is paid")
        self.assertEqual(self.shirt_line.qty_invoiced, 2.0)
        self.assertEqual(ret.line_ids.qty_refunded, 1.0)
        self.assertAlmostEqual(ret.amount_refunded, 60.0)
        self.assertEqual(ret.state, "done")
        # smart buttons everywhere
        self.assertEqual(self.order.oms_return_count, 1)
        self.assertEqual(
            self.order.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing"
            ).oms_return_count,
            1,
        )
        self.assertEqual(self.invoice.oms_return_count, 1)
        self.assertEqual(receipt.oms_return_count, 1)
        self.assertEqual(self.order.action_view_oms_returns()["res_id"], ret.id)

    def test_goods_received_in_two_parcels(self):
        ret = self._create_return([(self.shirt_line, 3, self.reason_size, "refund")])
        ret.with_user(self.return_user).action_approve()
        receipt = ret.picking_ids.with_user(self.return_user)
        receipt.move_ids.quantity = 2
        receipt.move_ids.picked = True
        backorder_wizard = Form.from_action(self.env, receipt.button_validate())
        backorder_wizard.save().process()
        self.assertEqual(ret.state, "waiting", "one parcel still expected")
        self.assertEqual(ret.line_ids.qty_received, 2.0)
        self.assertEqual(len(ret.picking_ids), 2, "the backorder belongs to the return")
        self._inspect(ret)
        self.assertEqual(ret.line_ids.qty_grade_a, 2.0)
        self.assertFalse(ret.credit_note_ids, "refunded once everything is in")
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        self._inspect(ret)
        self.assertAlmostEqual(ret.credit_note_ids.amount_untaxed, 150.0)
        self.assertEqual(ret.state, "done")

    def test_two_returns_on_one_order(self):
        first = self._create_return([(self.shirt_line, 2, self.reason_size, "refund")])
        second = self._create_return([(self.shirt_line, 1, self.reason_unwanted, "credit")])
        self.assertEqual(second.line_ids.qty_returnable, 1.0)
        with self.assertRaisesMessage(ValidationError, "at most 0"):
            self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        # a rejected return frees its quantity
        first.with_user(self.return_user)._reject("Worn")
        third = self._create_return([(self.shirt_line, 2, self.reason_size, "refund")])
        for ret in (second, third):
            ret.with_user(self.return_user).action_approve()
            self._receive(ret)
            self._inspect(ret)
        self.assertEqual(self.shirt_line.qty_delivered, 0.0)
        self.assertEqual(self.shirt_line.qty_invoiced, 0.0)
        self.assertEqual(second.credit_note_ids.oms_return_outcome, "credit")
        self.assertEqual(
            second.credit_note_ids.payment_state, "not_paid", "store credit stays on the account"
        )
        self.assertIn(third.credit_note_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.order.oms_return_count, 3)

    def test_returning_more_than_delivered(self):
        with self.assertRaisesMessage(ValidationError, "3.0 delivered"):
            self._create_return([(self.shirt_line, 4, self.reason_size, "refund")])
        self.assertFalse(self.env["oms.return"].search([("sale_order_ids", "in", self.order.ids)]))

    def test_goods_taken_back_outside_the_oms_are_not_returnable_again(self):
        # 3 shirts shipped; 1 taken back with Odoo's own Return button on the delivery
        delivery = self.order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = 1.0 if line.product_id == self.product else 0.0
        receipt = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        receipt.move_ids.quantity = 1.0
        receipt.move_ids.picked = True
        receipt.button_validate()
        self.assertEqual(self.shirt_line.qty_delivered, 2.0, "Odoo nets the return")
        # the wizard offers the 2 still with the customer, not 3
        action = self.order.with_user(self.return_user).action_oms_create_return()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.return_user)
            .with_context(**action["context"])
            .create({})
        )
        offered = wizard.line_ids.filtered(lambda line: line.sale_line_id == self.shirt_line)
        self.assertEqual(offered.qty_returnable, 2.0)
        # 3 is refused with the quantities, 2 is accepted
        with self.assertRaisesMessage(ValidationError, "at most 2.0 can come back"):
            self._create_return([(self.shirt_line, 3, self.reason_size, "refund")])
        ret = self._create_return([(self.shirt_line, 2, self.reason_size, "refund")])
        self.assertEqual(ret.line_ids.quantity, 2.0)
        # and nothing more once those 2 are held by the OMS return
        with self.assertRaisesMessage(ValidationError, "at most 0.0 can come back"):
            self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])

    def test_product_never_sold_to_that_customer(self):
        with self.assertRaisesMessage(ValidationError, "never sold to Other Customer"):
            self._create_return(
                [(self.shirt_line, 1, self.reason_size, "refund")], partner=self.other_customer
            )

    def test_second_approval_changes_nothing(self):
        ret = self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        ret.with_user(self.return_user).action_approve()
        with self.assertRaisesMessage(UserError, "cannot be approved: it is Waiting for Goods"):
            ret.with_user(self.return_user).action_approve()
        self.assertEqual(len(ret.picking_ids), 1, "no second receipt")
        self.assertEqual(ret.state, "waiting")

    def test_reject_needs_a_reason(self):
        ret = self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        action = ret.with_user(self.return_user).action_reject()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.return_user)
            .with_context(**action["context"])
        )
        wizard.reason = "Bought more than 30 days ago"
        wizard.save().action_reject()
        self.assertEqual(ret.state, "rejected")
        self.assertEqual(ret.reject_reason, "Bought more than 30 days ago")
        with self.assertRaises(UserError):
            ret.with_user(self.return_user).action_approve()

    def test_exchange(self):
        ret = self._create_return([(self.shirt_line, 1, self.reason_size, "exchange")])
        ret.line_ids.exchange_product_id = self.product_l
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        self.assertEqual(self.shirt_line.qty_delivered, 3.0, "an exchange keeps the line delivered")
        self._inspect(ret)
        exchange = ret.exchange_order_ids
        self.assertEqual(exchange.state, "sale")
        self.assertEqual(exchange.order_line.product_id, self.product_l)
        self.assertEqual(exchange.order_line.product_uom_qty, 1.0)
        self.assertEqual(exchange.amount_total, 0.0, "the original order paid for it")
        self.assertEqual(exchange.oms_return_id, ret)
        self.assertTrue(exchange.picking_ids, "the replacement ships")
        self.assertFalse(ret.credit_note_ids)
        self.assertEqual(ret.state, "done")

    def test_exchange_for_a_dearer_product_charges_the_difference(self):
        # a shirt (50.00 + 20 % VAT) exchanged for the jacket (120.00 + 20 % VAT)
        ret = self._create_return([(self.shirt_line, 1, self.reason_size, "exchange")])
        ret.line_ids.exchange_product_id = self.product_2
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        self._inspect(ret)
        exchange = ret.exchange_order_ids
        self.assertEqual(exchange.order_line.product_id, self.product_2)
        self.assertEqual(exchange.order_line.tax_id, self.tax)
        self.assertAlmostEqual(exchange.amount_untaxed, 70.0)
        self.assertAlmostEqual(exchange.amount_tax, 14.0)
        self.assertAlmostEqual(exchange.amount_total, 84.0, msg="the customer pays 70 + VAT")
        self.assertEqual(exchange.invoice_status, "to invoice", "the difference is invoiced")
        self.assertFalse(ret.credit_note_ids, "nothing to refund")
        self.assertEqual(self.shirt_line.qty_invoiced, 3.0, "the shirt stays sold")

    def test_exchange_for_a_cheaper_product_refunds_the_difference(self):
        # the jacket (120.00 + 20 % VAT) exchanged for a shirt (50.00 + 20 % VAT)
        ret = self._create_return([(self.jacket_line, 1, self.reason_size, "exchange")])
        ret.line_ids.exchange_product_id = self.product
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        self._inspect(ret)
        exchange = ret.exchange_order_ids
        self.assertEqual(exchange.order_line.product_id, self.product)
        self.assertEqual(exchange.amount_total, 0.0, "the original order paid for it")
        credit_note = ret.credit_note_ids
        self.assertEqual(len(credit_note), 1)
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "reversed_entry_id": self.invoice.id,
                    "amount_untaxed": 70.0,
                    "amount_tax": 14.0,
                    "amount_total": 84.0,
                    "oms_return_outcome": "refund",
                }
            ],
        )
        items = credit_note.line_ids
        tax_line = items.filtered("tax_line_id")
        self.assertEqual(tax_line.tax_line_id, self.tax)
        self.assertAlmostEqual(tax_line.balance, 14.0, msg="the VAT goes down with the price")
        receivable = items.filtered(lambda item: item.account_id.account_type == "asset_receivable")
        self.assertAlmostEqual(receivable.balance, -84.0)
        self.assertTrue(receivable.reconciled, "the difference is paid back")
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        # only a price difference: the jacket stays delivered and invoiced
        self.assertEqual(self.jacket_line.qty_invoiced, 1.0)
        self.assertEqual(ret.line_ids.qty_refunded, 0.0)
        self.assertEqual(ret.state, "done")

    def test_scrap_and_quarantine_valuation(self):
        quarantine = self.warehouse.oms_quarantine_location_id
        value_before = self._value_of(self.product)
        ret = self._create_return([(self.shirt_line, 3, self.reason_defective, "refund")])
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        self.assertAlmostEqual(self._value_of(self.product), value_before + 60.0)
        line = ret.line_ids
        self._inspect(ret, [(line, 1, "a", True), (line, 1, "b", True), (line, 1, "c", True)])
        self.assertEqual((line.qty_grade_a, line.qty_grade_b, line.qty_grade_c), (1, 1, 1))
        self.assertEqual(self._quantity_in(self.product, quarantine), 1.0)
        # quarantined goods are valued but never reserved for a delivery
        self.assertEqual(
            self.product.with_context(location=self.stock_location.id).free_qty,
            self._quantity_in(self.product, self.stock_location),
        )
        self.assertEqual(self.product.with_context(location=quarantine.id).qty_available, 1.0)
        # scrap takes its delivery cost out of the stock value, restock and quarantine keep it
        self.assertAlmostEqual(self._value_of(self.product), value_before + 40.0)
        scrap = self.env["stock.scrap"].search([("oms_return_line_id", "=", line.id)])
        self.assertEqual(scrap.state, "done")
        scrap_layer = scrap.move_ids.stock_valuation_layer_ids
        self.assertAlmostEqual(scrap_layer.value, -20.0)
        self.assertTrue(scrap_layer.account_move_id, "real-time valuation entry of the scrap")
        self.assertAlmostEqual(ret.credit_note_ids.amount_untaxed, 150.0, msg="3 accepted")

    def test_refused_units_are_not_refunded_and_fees_are_kept(self):
        fee_product = self.env["product.product"].create(
            {"name": "Restocking", "type": "service", "taxes_id": [(6, 0, self.tax.ids)]}
        )
        self.reason_unwanted.write(
            {
                "restocking_fee_percent": 10.0,
                "return_shipping_fee": 5.0,
                "fee_product_id": fee_product.id,
            }
        )
        ret = self._create_return([(self.shirt_line, 2, self.reason_unwanted, "refund")])
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        line = ret.line_ids
        self._inspect(ret, [(line, 1, "a", True), (line, 1, "c", False)])
        credit_note = ret.credit_note_ids
        self.assertEqual(line.qty_accepted, 1.0)
        # 50 refunded, minus 10% restocking (5) and 5 return shipping
        self.assertAlmostEqual(credit_note.amount_untaxed, 40.0)
        self.assertAlmostEqual(credit_note.amount_total, 48.0)
        fee_lines = credit_note.invoice_line_ids.filtered(lambda aml: aml.product_id == fee_product)
        self.assertEqual(len(fee_lines), 2)

    def test_draft_credit_note_for_the_accountant(self):
        self.company.oms_return_credit_note_policy = "draft"
        self.company.oms_return_accountant_user_id = self.accountant
        ret = self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        ret.with_user(self.return_user).action_approve()
        self._receive(ret)
        self._inspect(ret)
        self.assertEqual(ret.state, "inspected")
        self.assertEqual(ret.credit_note_ids.state, "draft")
        self.assertEqual(ret.activity_ids.user_id, self.accountant)
        ret.credit_note_ids.with_user(self.accountant).action_post()
        self.assertEqual(ret.state, "done")
        self.assertFalse(ret.activity_ids)

    def test_goodwill_refund_without_goods(self):
        ret = self._create_return(
            [(self.jacket_line, 1, self.reason_defective, "refund")], no_goods=True
        )
        with self.assertRaisesMessage(UserError, "Only a return manager"):
            ret.with_user(self.return_user).action_approve()
        self.assertEqual(ret.state, "draft")
        ret.with_user(self.return_manager).action_approve()
        self.assertFalse(ret.picking_ids, "no goods come back")
        self.assertAlmostEqual(ret.credit_note_ids.amount_total, 144.0)
        self.assertEqual(ret.state, "done")
        self.assertEqual(self.jacket_line.qty_delivered, 1.0)

    def test_replacement_before_receipt_for_trusted_customers(self):
        ret = self._create_return(
            [(self.shirt_line, 1, self.reason_defective, "exchange")],
            replacement_before_receipt=True,
        )
        with self.assertRaisesMessage(UserError, "is not a trusted customer"):
            ret.with_user(self.return_user).action_approve()
        self.customer.oms_return_trusted = True
        ret.with_user(self.return_user).action_approve()
        self.assertEqual(ret.state, "waiting")
        self.assertEqual(ret.exchange_order_ids.state, "sale", "the replacement ships at once")
        self._receive(ret)
        self._inspect(ret)
        self.assertEqual(len(ret.exchange_order_ids), 1, "no second replacement")
        self.assertEqual(ret.state, "done")

    def test_refund_before_receipt(self):
        self.customer.oms_return_trusted = True
        ret = self._create_return(
            [(self.shirt_line, 2, self.reason_size, "refund")], refund_before_receipt=True
        )
        ret.with_user(self.return_user).action_approve()
        self.assertAlmostEqual(ret.credit_note_ids.amount_untaxed, 100.0, msg="requested qty")
        self._receive(ret)
        self._inspect(ret)
        self.assertEqual(len(ret.credit_note_ids), 1, "not refunded twice")
        self.assertEqual(ret.state, "done")

    def test_one_return_for_two_orders(self):
        order_2 = self._create_delivered_order([(self.product, 1)])
        ret = self._create_return(
            [
                (self.shirt_line, 1, self.reason_size, "refund"),
                (order_2.order_line, 1, self.reason_size, "refund"),
            ]
        )
        self.assertEqual(ret.sale_order_ids, self.order | order_2)
        ret.with_user(self.return_user).action_approve()
        self.assertEqual(len(ret.picking_ids), 2, "one receipt per order")
        self._receive(ret)
        self._inspect(ret)
        self.assertEqual(
            ret.credit_note_ids.reversed_entry_id,
            (self.order | order_2).invoice_ids.filtered(lambda m: m.move_type == "out_invoice"),
        )

    def test_return_slip(self):
        ret = self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        ret.with_user(self.return_user).action_approve()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("oms_returns.action_report_oms_return_slip", ret.ids)[0]
            .decode()
        )
        self.assertIn(ret.name, html)
        self.assertIn(f'alt="Barcode {ret.name}"', html, "the reference as a barcode")
        self.assertIn("Return Test Shirt", html)
