# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Return rate analysis by product, channel and reason; the demo returns."""

from odoo.tests import tagged

from .common import OmsReturnsCase


@tagged("post_install", "-at_install", "oms_clock")
class TestReturnsReport(OmsReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_delivered_order(
            [(cls.product, 4), (cls.product_2, 2)], channel=cls.channel, external_id="R-9"
        )
        cls.shirt_line = cls.order.order_line.filtered(lambda sol: sol.product_id == cls.product)

    def _rates(self, groupby, domain=None):
        Report = self.env["oms.return.report"].with_user(self.return_user)
        groups = Report.read_group(
            [("product_id", "in", (self.product | self.product_2).ids)] + (domain or []),
            ["qty_sold:sum", "qty_returned:sum", "return_rate:avg"],
            [groupby],
        )
        return {group[groupby] and group[groupby][0]: group for group in groups}

    def test_return_rate_by_product_channel_and_reason(self):
        self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        self._create_return([(self.shirt_line, 1, self.reason_defective, "refund")])
        rejected = self._create_return([(self.shirt_line, 1, self.reason_size, "refund")])
        rejected._reject("Too late")

        by_product = self._rates("product_id")
        self.assertEqual(by_product[self.product.id]["qty_sold"], 4.0)
        self.assertEqual(by_product[self.product.id]["qty_returned"], 2.0, "rejected not counted")
        self.assertAlmostEqual(by_product[self.product.id]["return_rate"], 50.0)
        self.assertAlmostEqual(by_product[self.product_2.id]["return_rate"], 0.0)

        by_channel = self._rates("channel_id")
        self.assertAlmostEqual(by_channel[self.channel.id]["return_rate"], 100.0 * 2 / 6)

        by_reason = self._rates("reason_id", [("reason_id", "!=", False)])
        self.assertEqual(by_reason[self.reason_size.id]["qty_returned"], 1.0)
        self.assertEqual(by_reason[self.reason_defective.id]["qty_returned"], 1.0)

    def test_demo_returns_in_several_states(self):
        states = {self.env.ref(f"oms_returns.oms_return_0{i}_demo").state for i in range(1, 4)}
        self.assertEqual(states, {"draft", "waiting", "rejected"})
        waiting = self.env.ref("oms_returns.oms_return_02_demo")
        self.assertEqual(
            waiting.picking_ids.location_dest_id,
            self.env.ref("stock.warehouse0").oms_return_location_id,
        )

    def test_return_menus_open_for_return_users(self):
        visible = self.env["ir.ui.menu"].with_user(self.return_user)._visible_menu_ids()
        for xmlid in (
            "oms_returns.oms_return_menu",
            "oms_returns.oms_return_menu_inventory",
            "oms_returns.oms_return_report_menu",
        ):
            self.assertIn(self.env.ref(xmlid).id, visible)
        self.assertNotIn(self.env.ref("oms_returns.oms_return_reason_menu").id, visible)
