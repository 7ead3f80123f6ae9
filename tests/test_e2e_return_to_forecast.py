# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end: a delivered Shopify order comes back in part; the return is approved, received,
inspected (a T-shirt back to stock, the mug scrapped), refunded once in Odoo and once on
Shopify; the forecast then sees the sale net of the return."""

from common_e2e import API, E2EWorldMixin, load

from odoo import Command, fields
from odoo.tests import Form, HttpCase, new_test_user, tagged

ORDER_ID = "5690000001001"
REFUND_ID = 1023484809001


@tagged("post_install", "-at_install", "oms_clock")
class TestE2EReturnToForecast(E2EWorldMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_e2e_world()
        cls._create_rule(
            "Shopify: Lyon",
            "fixed",
            sequence=-1,
            warehouse_id=cls.wh_lyon.id,
            channel_ids=[Command.set(cls.shopify.ids)],
        )
        cls._set_stock(cls.shirt, cls.wh_lyon, 10)
        cls._set_stock(cls.mug, cls.wh_lyon, 10)
        cls.refund_journal = cls.env["account.journal"].create(
            {"name": "Refunds Bank (e2e)", "code": "RFE2", "type": "bank"}
        )
        cls.company.write(
            {
                "oms_return_credit_note_policy": "post",
                "oms_return_refund_journal_id": cls.refund_journal.id,
            }
        )
        cls.return_user = new_test_user(
            cls.env,
            login="e2e_return_user",
            groups="oms_returns.group_return_user,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user",
        )
        cls.reason_size = cls.env.ref("oms_returns.oms_return_reason_size_too_small")

    def _on_hand(self, product):
        return product.with_context(location=self.wh_lyon.lot_stock_id.id).qty_available

    def _delivered_order(self):
        self._post_shopify("orders/create", self._shopify_order())
        self._post_shopify("order_transactions/create", load("shopify_transaction_1001_sale.json"))
        self._run_jobs()
        order = self._binding(self.shopify, ORDER_ID).sale_order_id
        picking = order.picking_ids.with_user(self.stock_user)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self._run_jobs()  # tracking to Shopify
        self.assertEqual(order.invoice_ids.payment_state, "paid")
        return order

    def _create_return(self, order):
        """Customer service: Return Goods on the order, one T-shirt and the mug (too small)."""
        action = order.with_user(self.return_user).action_oms_create_return()
        wizard_env = self.env[action["res_model"]].with_user(self.return_user)
        with Form(wizard_env.with_context(**action["context"])) as form:
            for index in range(len(form.line_ids)):
                with form.line_ids.edit(index) as line:
                    line.quantity = 1
                    line.reason_id = self.reason_size
                    line.outcome = "refund"
        action = form.save().action_create_return()
        ret = self.env["oms.return"].browse(action["res_id"])
        self.assertEqual(
            sorted((line.product_id.default_code, line.quantity) for line in ret.line_ids),
            [("OMS-APP-001", 1.0), ("OMS-HOM-013", 1.0)],
        )
        return ret

    def _inspect(self, ret):
        """The warehouse grades the T-shirt A (restock) and the mug C (scrap)."""
        with Form(
            self.env["oms.return.inspect.wizard"]
            .with_user(self.return_user)
            .with_context(default_return_id=ret.id)
        ) as form:
            for index in range(len(form.line_ids)):
                with form.line_ids.edit(index) as row:
                    row.grade = "c" if row.product_id == self.mug else "a"
        form.save().action_apply()

    def test_return_refunded_once_and_forecast_net_of_it(self):
        order = self._delivered_order()
        invoice = order.invoice_ids
        shirts_before, mugs_before = self._on_hand(self.shirt), self._on_hand(self.mug)
        self.shop.routes[("POST", f"{API}/orders/{ORDER_ID}/refunds.json")] = (
            201,
            {"refund": {"id": REFUND_ID, "order_id": int(ORDER_ID)}},
        )

        # 1. created in the back office, approved, received, inspected
        ret = self._create_return(order)
        ret.with_user(self.return_user).action_approve()
        self.assertEqual(ret.state, "waiting")
        receipt = ret.picking_ids.with_user(self.return_user)
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
        receipt.move_ids.picked = True
        receipt.button_validate()
        self.assertEqual(ret.state, "received")
        self._inspect(ret)
        self.assertEqual(ret.state, "done")

        # 2. the credit note: posted, paid back, for both units
        credit_note = ret.credit_note_ids
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "reversed_entry_id": invoice.id,
                    "amount_residual": 0.0,
                }
            ],
        )
        self.assertAlmostEqual(credit_note.amount_total, 21.60 + 12.0)

        # 3. Shopify is told once, and reports the refund back: still one credit note
        self._run_jobs()
        [pushed] = self.shop.calls("POST", f"{API}/orders/{ORDER_ID}/refunds.json")
        refund = pushed.json["refund"]
        self.assertEqual(
            sorted(
                (item["line_item_id"], item["quantity"]) for item in refund["refund_line_items"]
            ),
            [("14300000000101", 1), ("14300000000102", 1)],
        )
        self.assertEqual(credit_note.oms_channel_refund_ref, str(REFUND_ID))
        echo = load("shopify_refund_1001_return.json")
        echo["note"] = refund["note"]
        event = self._post_shopify("refunds/create", echo)
        self._run_jobs()
        self.assertEqual(event.state, "done", event.error)
        credit_notes = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("partner_id", "child_of", order.partner_id.id)]
        )
        self.assertEqual(credit_notes, credit_note)
        self.assertEqual(len(self.shop.calls("POST", f"{API}/orders/{ORDER_ID}/refunds.json")), 1)

        # 4. stock: the T-shirt back on the shelf, the mug scrapped
        self.assertEqual(self._on_hand(self.shirt), shirts_before + 1)
        self.assertEqual(self._on_hand(self.mug), mugs_before)
        scraps = self.env["stock.scrap"].search([("product_id", "=", self.mug.id)])
        self.assertEqual(scraps.mapped("scrap_qty"), [1.0])
        self.assertEqual(scraps.state, "done")

        # 5. the next day, a forecast run (it reads complete days) sees 2 T-shirts sold and
        # 1 returned: 1 net in Lyon; the mug sold and returned: nothing
        yesterday = fields.Datetime.subtract(fields.Datetime.now(), days=1)
        (order.picking_ids | ret.picking_ids).move_ids.write({"date": yesterday})
        action = self.env["oms.forecast.run"].action_compute_now()
        run = self.env["oms.forecast.run"].browse(action["res_id"])
        self._run_jobs()
        self.assertEqual(run.state, "done")
        history = run._read_demand_history(run._get_parameters(), self.wh_lyon.ids)
        net = {}
        for product, _warehouse, _channel, _day, qty in history:
            net[int(product)] = net.get(int(product), 0.0) + qty
        self.assertEqual(net.get(self.shirt.id), 1.0)
        self.assertEqual(net.get(self.mug.id, 0.0), 0.0)
        forecast = self.env["oms.forecast"].search(
            [("product_id", "=", self.shirt.id), ("warehouse_id", "=", self.wh_lyon.id)]
        )
        self.assertEqual(len(forecast), 1)
